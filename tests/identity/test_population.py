"""Population registry import: every row accounted for, idempotent, bounded, encodings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from chengxin.identity import population
from chengxin.identity import service as identity_service
from chengxin.identity.models import PopulationImportError, Subject
from chengxin.keys import keyring_of
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from tests.helpers import csv_bytes, people, person_rows

ACTOR = system_actor("test")


def run_import(
    runtime: Runtime, path: Path, fmt: str = "csv", batch_rows: int = 50
) -> population.ImportReport:
    return population.import_file(
        runtime.scope,
        path,
        fmt,
        actor=ACTOR,
        filename=path.name,
        batch_rows=batch_rows,
        max_field_chars=60,
    )


def write(tmp_path: Path, data: bytes, name: str = "pop.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_clean_file_imports_every_row_and_balances(runtime: Runtime, tmp_path: Path) -> None:
    persons = people(120)
    report = run_import(runtime, write(tmp_path, csv_bytes(person_rows(persons))))
    assert report.status == "completed"
    assert (report.rows_read, report.inserted, report.rejected) == (120, 120, 0)
    assert report.balanced
    with runtime.scope() as session:
        assert session.execute(select(func.count()).select_from(Subject)).scalar_one() == 120
        subject = identity_service.get_subject_or_raise(session, persons[5].id_number)
        clear = identity_service.reveal(keyring_of(session), subject)
        assert (clear.id_number, clear.name, clear.phone) == (
            persons[5].id_number,
            persons[5].name,
            persons[5].phone,
        )
        assert subject.in_registry
        assert (
            subject.prefecture_code == persons[5].region_code[:4] + "00" or subject.prefecture_code
        )


def test_bad_rows_are_rejected_with_row_number_and_code(runtime: Runtime, tmp_path: Path) -> None:
    good = people(3)
    rows = person_rows(good)
    rows.insert(1, ["110105194912310021", "王五", "", ""])  # checksum -> file row 3
    rows.insert(2, ["11010519491231002", "王五", "", ""])  # length -> row 4
    rows.append(["11010519491231002X", "王五", "12345", ""])  # phone -> row 7
    rows.append(["11010519491231002X", "王五1", "", ""])  # name -> row 8
    rows.append(["11010519491231002X", "王五", "", "4201"])  # region -> row 9
    rows.append(["11010519491231002X", "王" * 61, "", ""])  # too long -> row 10
    rows.append(["11010519491231002X"])  # missing name column -> row 11 (empty name)
    report = run_import(runtime, write(tmp_path, csv_bytes(rows)))
    assert report.balanced
    assert report.rows_read == 10
    assert report.inserted == 3
    codes = {f.row_no: f.code for f in report.errors}
    assert codes == {
        3: "id-number-checksum",
        4: "id-number-length",
        7: "phone-invalid",
        8: "name-invalid",
        9: "region-invalid",
        10: "field-too-long",
        11: "name-invalid",
    }
    with runtime.scope() as session:
        stored = session.execute(
            select(func.count()).select_from(PopulationImportError)
        ).scalar_one()
        assert stored == 7
        total, rows_page = population.list_errors(session, report.import_id)
        assert total == 7
        assert [r["row_no"] for r in rows_page] == sorted(codes)


def test_reimport_is_idempotent_and_detects_changes(runtime: Runtime, tmp_path: Path) -> None:
    persons = people(40)
    path = write(tmp_path, csv_bytes(person_rows(persons)))
    first = run_import(runtime, path)
    second = run_import(runtime, path)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 40)
    rows = person_rows(persons)
    rows[0][2] = "13900000000"
    third = run_import(runtime, write(tmp_path, csv_bytes(rows), "changed.csv"))
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 39)
    assert all(r.balanced for r in (first, second, third))
    with runtime.scope() as session:
        subject = identity_service.get_subject_or_raise(session, persons[0].id_number)
        assert subject.version == 2
        assert identity_service.reveal(keyring_of(session), subject).phone == "13900000000"


def test_repeated_person_in_one_file_applies_in_order(runtime: Runtime, tmp_path: Path) -> None:
    person = people(1)[0]
    rows = [
        [person.id_number, person.name, "13811112222", ""],
        [person.id_number, person.name, "13833334444", ""],
    ]
    report = run_import(runtime, write(tmp_path, csv_bytes(rows)), batch_rows=1000)
    assert (report.rows_read, report.inserted, report.updated) == (2, 1, 1)
    with runtime.scope() as session:
        subject = identity_service.get_subject_or_raise(session, person.id_number)
        assert identity_service.reveal(keyring_of(session), subject).phone == "13833334444"


def test_gb18030_file_is_read(runtime: Runtime, tmp_path: Path) -> None:
    persons = people(5)
    report = run_import(
        runtime, write(tmp_path, csv_bytes(person_rows(persons), encoding="gb18030"))
    )
    assert report.encoding == "gb18030"
    assert report.inserted == 5


def test_utf8_with_bom_is_read(runtime: Runtime, tmp_path: Path) -> None:
    report = run_import(
        runtime, write(tmp_path, b"\xef\xbb\xbf" + csv_bytes(person_rows(people(2))))
    )
    assert report.inserted == 2


def test_utf16_file_is_refused_as_a_whole(runtime: Runtime, tmp_path: Path) -> None:
    report = run_import(
        runtime, write(tmp_path, csv_bytes(person_rows(people(2)), encoding="utf-16"))
    )
    assert report.status == "failed"
    assert report.failure_code == "encoding-unsupported"
    assert report.rows_read == 0
    assert report.balanced


def test_undecodable_row_is_rejected_alone(runtime: Runtime, tmp_path: Path) -> None:
    data = csv_bytes(person_rows(people(3)))
    lines = data.split(b"\n")
    lines[2] = lines[2] + b"\xff\xfe\xfd"
    report = run_import(runtime, write(tmp_path, b"\n".join(lines)))
    assert report.balanced
    assert (report.inserted, report.rejected) == (2, 1)
    assert report.errors[0].code == "row-encoding"
    assert report.errors[0].row_no == 3


def test_missing_header_column_fails_the_file(runtime: Runtime, tmp_path: Path) -> None:
    report = run_import(runtime, write(tmp_path, csv_bytes([["x"]], header=("姓名",))))
    assert report.status == "failed"
    assert report.failure_code == "header-missing-column"


def test_xlsx_import_with_a_numeric_id_cell(runtime: Runtime, tmp_path: Path) -> None:
    persons = people(3)
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "联系电话"])
    for p in persons:
        sheet.append([p.id_number, p.name, int(p.phone)])
    sheet.append(
        [
            int(persons[0].id_number[:17] + "1") if persons[0].id_number[-1] != "X" else 4.2e17,
            "李四",
            None,
        ]
    )
    path = tmp_path / "pop.xlsx"
    book.save(path)
    report = run_import(runtime, path, "xlsx")
    assert report.balanced
    assert report.inserted == 3
    assert [(f.row_no, f.code) for f in report.errors] == [(5, "cell-not-text")]


def test_broken_xlsx_fails_clearly(runtime: Runtime, tmp_path: Path) -> None:
    report = run_import(runtime, write(tmp_path, b"not a zip", "pop.xlsx"), "xlsx")
    assert (report.status, report.failure_code) == ("failed", "file-unreadable")


def test_import_writes_audit_entries_without_personal_data(
    runtime: Runtime, tmp_path: Path
) -> None:
    persons = people(10)
    run_import(runtime, write(tmp_path, csv_bytes(person_rows(persons))))
    from chengxin.audit import service as audit_service

    with runtime.scope() as session:
        entries = audit_service.list_entries(session, limit=1000)
        actions = [e.action for e in entries]
        assert actions[0] == "identity:population:import-start"
        assert "identity:subject:register" in actions
        assert actions[-1] == "identity:population:import-finish"
        dump = repr([(e.data, e.message, e.actor_name) for e in entries])
        for p in persons:
            assert p.id_number not in dump
            assert p.name not in dump
        assert audit_service.verify(session).ok


@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_counts_do_not_depend_on_batch_size(
    runtime: Runtime, tmp_path: Path, batch_rows: int
) -> None:
    rows = person_rows(people(20))
    rows[3][0] = "bad"
    report = run_import(runtime, write(tmp_path, csv_bytes(rows)), batch_rows=batch_rows)
    assert (report.rows_read, report.inserted, report.rejected) == (20, 19, 1)


BAD_CELLS = st.sampled_from(
    ["", "110105194912310021", "1101051949123100", "王五1", "x" * 70, "12345"]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 3), BAD_CELLS), min_size=1, max_size=30),
    st.integers(min_value=1, max_value=8),
)
def test_any_mix_of_rows_balances(runtime: Runtime, tmp_path: Path, plan, batch_rows: int) -> None:  # type: ignore[no-untyped-def]
    pool = people(40, seed=len(plan))
    rows = []
    expected_rejected = 0
    for i, (good, column, bad) in enumerate(plan):
        row = person_rows([pool[i]])[0]
        if not good:
            row[column] = bad
            expected_rejected += 1
        rows.append(row)
    report = run_import(
        runtime, write(tmp_path, csv_bytes(rows), f"mix{len(plan)}.csv"), batch_rows=batch_rows
    )
    assert report.balanced
    assert report.rows_read == len(plan)
    # A "bad" phone or region may be empty, which is allowed: rejected is at most the bad rows.
    assert report.rejected <= expected_rejected
    assert report.inserted + report.updated + report.unchanged == len(plan) - report.rejected


def test_unexpected_failure_marks_the_run_failed_and_keeps_committed_batches(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = population._store_faults

    def flaky(session, import_id, faults):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk went away")
        real(session, import_id, faults)

    monkeypatch.setattr(population, "_store_faults", flaky)
    path = write(tmp_path, csv_bytes(person_rows(people(30))))
    with pytest.raises(OSError, match="disk went away"):
        run_import(runtime, path, batch_rows=10)
    with runtime.scope() as session:
        run = session.execute(select(population.PopulationImport)).scalar_one()
        assert (run.status, run.failure_code, run.inserted) == ("failed", "internal-error", 10)
        assert session.execute(select(func.count()).select_from(Subject)).scalar_one() == 10
    monkeypatch.setattr(population, "_store_faults", real)
    again = run_import(runtime, path, batch_rows=10)
    assert (again.inserted, again.unchanged) == (20, 10)


def test_parallel_import_equals_in_process_import(runtime: Runtime, tmp_path: Path) -> None:
    persons = people(60, seed=5)
    rows = person_rows(persons)
    rows[7][0] = "110105194912310021"  # a bad row
    rows[20] = list(rows[3])  # a repeated person inside one chunk
    rows[20][2] = "13700000000"
    path = write(tmp_path, csv_bytes(rows))
    report = population.import_file(
        runtime.scope, path, "csv", actor=ACTOR, filename="p.csv", batch_rows=25, workers=2
    )
    assert report.balanced
    assert (report.rows_read, report.inserted, report.updated, report.rejected) == (60, 58, 1, 1)
    assert [(f.row_no, f.code) for f in report.errors] == [(9, "id-number-checksum")]
    with runtime.scope() as session:
        for i, p in enumerate(persons):
            if i in (7, 20):
                continue
            subject = identity_service.get_subject_or_raise(session, p.id_number)
            clear = identity_service.reveal(keyring_of(session), subject)
            expected_phone = "13700000000" if i == 3 else p.phone
            assert (clear.id_number, clear.name, clear.phone) == (
                p.id_number,
                p.name,
                expected_phone,
            )
    again = population.import_file(
        runtime.scope, path, "csv", actor=ACTOR, filename="p.csv", batch_rows=25, workers=2
    )
    # In file order the repeated person changes twice again; everyone else is unchanged.
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 2, 57, 1)


def test_copy_lines_escape_text_and_encode_bytes() -> None:
    from datetime import UTC, date, datetime

    from chengxin.identity.sealing import copy_line

    line = copy_line(
        (
            None,
            b"\x00\xff",
            True,
            date(2020, 1, 2),
            datetime(2020, 1, 2, tzinfo=UTC),
            "a\tb\\c\nd",
            3,
        )
    )
    assert line == b"\\N\t\\\\x00ff\tt\t2020-01-02\t2020-01-02T00:00:00+00:00\ta\\tb\\\\c\\nd\t3\n"


def test_fast_subject_copy_line_matches_the_generic_one() -> None:
    from chengxin.db import utcnow
    from chengxin.identity.sealing import copy_line, subject_copy_line
    from chengxin.keys.keyring import Keyring

    ring = Keyring.generate(demo=True)
    now = utcnow()
    for p in people(5):
        for phone, region in ((p.phone, p.region_code), (None, None)):
            person = identity_service.prepare_person(p.id_number, p.name, phone, region)
            sid = ring.subject_id(person.parsed.number)
            row = identity_service.sealed_row(
                ring, person, sid, identity_service.registry_digest(ring, person), now
            )
            assert subject_copy_line(row, now.isoformat()) == copy_line(row)


def test_quoted_csv_fields_are_parsed_as_csv(runtime: Runtime, tmp_path: Path) -> None:
    p = people(1)[0]
    data = (f'公民身份号码,姓名,手机号码\n"{p.id_number}","{p.name}",""\n').encode()
    report = run_import(runtime, write(tmp_path, data))
    assert (report.inserted, report.rejected) == (1, 0)
    bad = (f'公民身份号码,姓名\n"{p.id_number}","unterminated\n').encode()
    report = run_import(runtime, write(tmp_path, bad, "bad.csv"))
    assert report.balanced


def test_register_returns_the_fresh_row_after_an_update(runtime: Runtime) -> None:
    p = people(1)[0]
    with runtime.scope() as session:
        first, outcome = identity_service.register(
            session, identity_service.prepare_person(p.id_number, p.name, p.phone), actor=ACTOR
        )
        assert (outcome, first.version) == (identity_service.Outcome.INSERTED, 1)
        again, outcome = identity_service.register(
            session,
            identity_service.prepare_person(p.id_number, p.name, "13911112222"),
            actor=ACTOR,
        )
        assert (outcome, again.version) == (identity_service.Outcome.UPDATED, 2)
        assert identity_service.reveal(keyring_of(session), again).phone == "13911112222"
        _, outcome = identity_service.register(
            session,
            identity_service.prepare_person(p.id_number, p.name, "13911112222"),
            actor=ACTOR,
        )
        assert outcome is identity_service.Outcome.UNCHANGED
