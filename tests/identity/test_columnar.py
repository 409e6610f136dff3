"""The columnar checks of registry rows agree with the per-row rules, and the batched sealing with
the reference sealing, on any row."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengxin.identity import columnar, divisions, idnumber, sealing
from chengxin.identity import service as identity_service
from chengxin.identity.population import COLUMNS, REQUIRED
from chengxin.keys.keyring import Keyring
from chengxin.tabular import RowFault, RowParser, TableReader
from tests.helpers import csv_bytes, people, person_rows

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
RING = Keyring.generate(demo=True)
FIXTURE = HealthCheck.function_scoped_fixture


def _valid_number(seed: int) -> str:
    rng = random.Random(seed)
    return idnumber.make(
        rng.choice(["420102", "420111", "429004", "110105", "422801"]),
        date(1930, 1, 1) + timedelta(days=rng.randrange(36000)),
        rng.randrange(1000),
    )


def _variant(number: str, how: int) -> str:
    """A valid number, or one of the ways a clerk's cell differs from it."""
    variants = [
        number,
        number,
        number[:17] + ("0" if number[17] != "0" else "1"),  # wrong check character
        number.lower(),
        f" {number} ",
        number[:16],
        number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        number[:10] + "13" + number[12:],  # month 13
        number[:6] + "2031" + number[10:],  # born in the future
        number[:6] + "1899" + number[10:],
        "",
    ]
    return variants[how % len(variants)]


NUMBERS = st.builds(_variant, st.integers(0, 10**6).map(_valid_number), st.integers(0, 20))
NAMES = st.one_of(
    st.sampled_from(
        [
            "张三",
            "欧阳娜娜",
            "John",
            "阿卜杜拉·买买提",
            "王 五",
            "王•五",
            "王五1",
            "",
            "李" * 51,
            "\uf900",
            "Ｌｉ",
            "王\u00a0五",
            "𠀀明",
            "x" * 70,
        ]
    ),
    st.text(alphabet="王李张abcXYZ ·•1\u3000\uf900", max_size=8),
)
PHONES = st.sampled_from(
    [
        "",
        "13912345678",
        "+8613912345678",
        "139 1234 5678",
        "027-87654321",
        "12345",
        "１３９１２３４５６７８",
        "2391234567",
    ]
)
REGIONS = st.sampled_from(["", "420102", "420100", "4201", "４２０１０２", " 420102", "abcdef"])


def _parser(tmp_path: Path, rows: list[list[str]], max_field_chars: int) -> tuple[RowParser, list]:  # type: ignore[type-arg]
    path = tmp_path / "pop.csv"
    path.write_bytes(csv_bytes(rows))
    reader = TableReader(
        path,
        "csv",
        columns=COLUMNS,
        required=REQUIRED,
        max_field_chars=max_field_chars,
        text_only=("id_number",),
    )
    items = list(reader.raw_rows())
    assert reader.parser is not None
    return reader.parser, items


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(NUMBERS, NAMES, PHONES, REGIONS), min_size=1, max_size=40),
    st.sampled_from([10, 18, 60, 200]),
)
def test_a_plain_row_is_one_the_rules_accept_unchanged(
    tmp_path: Path, rows: list[tuple[str, str, str, str]], max_field_chars: int
) -> None:
    parser, items = _parser(tmp_path, [list(r) for r in rows], max_field_chars)
    lines = [raw.decode(parser.encoding) for _, raw in items]
    plain = columnar.plain_rows(
        lines, dict(parser.positions), today=TODAY, max_field_chars=max_field_chars
    )
    assert len(plain.plain) == len(items)
    for i, (row_no, raw) in enumerate(items):
        row = parser.parse(row_no, raw)
        reference = (
            row
            if row is None or isinstance(row, RowFault)
            else sealing.validate_row(row, today=TODAY)
        )
        if not plain.plain[i]:
            continue
        assert isinstance(reference, identity_service.PersonIn), (rows[i], reference)
        parsed = reference.parsed
        assert (plain.number[i], plain.name[i], plain.phone[i], plain.region[i]) == (
            parsed.number,
            reference.name,
            reference.phone,
            reference.region_code,
        )
        assert (plain.birth_on[i], plain.sex[i]) == (parsed.birth_on, parsed.sex)
        code = reference.region_code or parsed.address_code
        assert plain.prefecture[i] == divisions.prefecture_of(code)


def test_clean_rows_take_the_columnar_path(tmp_path: Path) -> None:
    """Not vacuous: the synthetic population is plain throughout, faults are not."""
    rows = person_rows(people(200))
    rows[3][0] = rows[3][0][:17] + ("0" if rows[3][0][17] != "0" else "1")
    rows[5][2] = "+86" + rows[5][2]
    parser, items = _parser(tmp_path, rows, 200)
    plain = columnar.plain_rows(
        [raw.decode("utf-8") for _, raw in items],
        dict(parser.positions),
        today=TODAY,
        max_field_chars=200,
    )
    assert [i for i, p in enumerate(plain.plain) if not p] == [3, 5]


def _reference_chunk(parser: RowParser, items: list) -> sealing.SealedChunk:  # type: ignore[type-arg]
    """The chunk as the per-row path built it before the columnar checks."""
    chunk = sealing.SealedChunk()
    for row_no, raw in items:
        row = parser.parse(row_no, raw)
        if row is None:
            continue
        # seal_chunk takes the machine's day, and so does the reference here
        person = row if isinstance(row, RowFault) else sealing.validate_row(row)
        if isinstance(person, RowFault):
            chunk.faults.append(person)
            continue
        sid = RING.subject_id(person.parsed.number)
        digest = identity_service.registry_digest(RING, person)
        chunk.persons.append((person.parsed.number, person.name, person.phone, person.region_code))
        chunk.subject_ids.append(str(sid))
        chunk.digests.append(digest)
        chunk.rows.append(identity_service.sealed_row(RING, person, sid, digest, NOW))
    return chunk


CIPHER_FIELDS = {1: b"id_number", 2: b"name", 3: b"phone"}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(NUMBERS, NAMES, PHONES, REGIONS), min_size=1, max_size=30))
def test_batched_sealing_equals_the_reference(
    tmp_path: Path, rows: list[tuple[str, str, str, str]]
) -> None:
    parser, items = _parser(tmp_path, [list(r) for r in rows], 60)
    expected = _reference_chunk(parser, items)
    got = sealing.seal_chunk(parser, items, NOW, copy_format=False, ring=RING)
    lines = sealing.seal_chunk(parser, items, NOW, copy_format=True, ring=RING)
    assert got.faults == expected.faults == lines.faults
    assert got.persons == expected.persons == lines.persons
    assert got.subject_ids == expected.subject_ids == lines.subject_ids
    assert got.digests == expected.digests == lines.digests
    assert len(got.rows) == len(expected.rows) == len(lines.copy_lines)
    for mine, theirs, line in zip(got.rows, expected.rows, lines.copy_lines, strict=True):
        sid = mine[0]
        for position, field in CIPHER_FIELDS.items():  # fresh nonces: compare the plaintexts
            if theirs[position] is None:
                assert mine[position] is None
                continue
            aad = sid.bytes + b":" + field
            assert RING.decrypt(mine[position], aad, mine[4]) == RING.decrypt(
                theirs[position], aad, theirs[4]
            )
        plain_columns = [c for i, c in enumerate(mine) if i not in CIPHER_FIELDS]
        assert plain_columns == [c for i, c in enumerate(theirs) if i not in CIPHER_FIELDS]
        # The COPY line is the reference line of the same row, ciphertexts included.
        cells = line.decode("ascii").rstrip("\n").split("\t")
        blobs = {
            p: None if cells[p] == "\\N" else bytes.fromhex(cells[p].removeprefix("\\\\x"))
            for p in CIPHER_FIELDS
        }
        row = tuple(blobs.get(i, c) for i, c in enumerate(theirs))
        assert sealing.subject_copy_line(row, NOW.isoformat()) == line


@given(st.text(max_size=40), st.sampled_from([b"id-number", b"registry-row", b"record-content"]))
def test_the_copied_hmac_is_the_keyrings_blind_index(value: str, purpose: bytes) -> None:
    blinder = sealing.Blinder(RING)
    assert blinder.blind(purpose, value) == RING.blind(purpose, value)
    assert blinder.subject_id_text(value) == str(RING.subject_id(value))
