"""Ingestion through the service: balanced receipts, idempotence, versions, revocation,
every validation rule, resumption after a crash."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chengxin.identity import idnumber
from chengxin.ingestion import export
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.models import IngestBatch, IngestRejection
from chengxin.records import service as records_service
from chengxin.records.models import CreditRecord, RecordEvent
from tests.ingestion.fixtures import HEADER, World, csv_data, ingest_bytes, tax_row


def codes(world: World, batch: IngestBatch) -> dict[int, list[str]]:
    with world.runtime.scope() as session:
        rows = session.execute(
            select(IngestRejection).where(IngestRejection.batch_id == batch.id)
        ).scalars()
        return {r.row_no: [e["code"] for e in r.errors] for r in rows}


def record_count(world: World) -> int:
    with world.runtime.scope() as session:
        return session.execute(select(func.count()).select_from(CreditRecord)).scalar_one()


def test_good_and_bad_rows_give_a_balanced_receipt_and_the_good_rows_land(
    world: World, tmp_path: Path
) -> None:
    p = world.people
    rows = [
        tax_row(p[0], "T-1"),
        tax_row(p[1], "T-2", amount="-5"),  # below minimum
        tax_row(
            p[2],
            "T-3",
            身份证号码=p[2].id_number[:-1] + ("0" if p[2].id_number[-1] != "0" else "1"),
        ),
        tax_row(p[3], "T-4", 姓名="王不对"),
        tax_row(p[4], "T-5", 认定日期="2027-01-01"),
        tax_row(p[5], "T-6", 告知日期=""),
        tax_row(p[6], "T-7", 信息事项代码="no-such-kind"),
        tax_row(
            p[7], "T-8", 信息事项代码="exam-cheating", exam="高考"
        ),  # not the tax bureau's kind
        tax_row(p[8], "T-9", 行为日期="2026-04-01"),  # act after finding
        tax_row(p[9], "T-10", note="'; DROP TABLE credit_record; --"),
        tax_row(p[10], "T-11", tax_type='=HYPERLINK("http://x")'),
        tax_row(p[11], "bad id with spaces"),
    ]
    batch = ingest_bytes(world, csv_data(rows), tmp_path)
    assert batch.status == "completed"
    assert (batch.submitted, batch.created, batch.rejected, batch.duplicates) == (12, 2, 10, 0)
    assert batch.balanced
    found = codes(world, batch)
    assert found == {
        3: ["field-out-of-range"],
        4: ["id-number-checksum"],
        5: ["name-mismatch"],
        6: ["date-in-future"],
        7: ["notice-missing"],
        8: ["kind-unknown"],
        9: ["kind-not-allowed"],
        10: ["dates-incoherent", "dates-incoherent"],  # finding and notice before the act
        12: ["field-not-allowed-value"],
        13: ["source-id-invalid"],
    }
    assert batch.error_codes["name-mismatch"] == 1
    assert record_count(world) == 2
    # The injection string is data, stored sealed and returned verbatim.
    with world.runtime.scope() as session:
        (record,) = records_service.versions_of(session, world.tax_org_id, "T-10")
        assert records_service.personal_fields(session, record) == {
            "note": "'; DROP TABLE credit_record; --"
        }
        assert record.sealed_fields is not None
        assert b"DROP" not in record.sealed_fields


def test_resending_the_same_file_adds_nothing(world: World, tmp_path: Path) -> None:
    data = csv_data([tax_row(p, f"T-{i}") for i, p in enumerate(world.people[:10])])
    first = ingest_bytes(world, data, tmp_path)
    second = ingest_bytes(world, data, tmp_path)
    assert (first.created, second.created, second.duplicates) == (10, 0, 10)
    assert second.balanced
    assert second.id != first.id
    assert record_count(world) == 10


def test_new_content_for_a_source_id_is_a_new_version(world: World, tmp_path: Path) -> None:
    person = world.people[0]
    ingest_bytes(world, csv_data([tax_row(person, "T-1", amount="1000")]), tmp_path, name="a")
    batch = ingest_bytes(
        world, csv_data([tax_row(person, "T-1", amount="900")]), tmp_path, name="b"
    )
    assert (batch.corrected, batch.created) == (1, 0)
    with world.runtime.scope() as session:
        old, new = records_service.versions_of(session, world.tax_org_id, "T-1")
        assert (old.version, old.status, new.version, new.status) == (1, "superseded", 2, "active")
        assert (old.fields["amount"], new.fields["amount"]) == ("1000", "900")
        assert old.ended_at is not None
        events = records_service.events_of(session, [old.id, new.id])
        assert [(e.action, e.record_id, e.previous_id) for e in events] == [
            ("created", old.id, None),
            ("corrected", new.id, old.id),
        ]


def test_a_correction_and_a_duplicate_in_one_batch(world: World, tmp_path: Path) -> None:
    person = world.people[0]
    rows = [tax_row(person, "T-1"), tax_row(person, "T-1"), tax_row(person, "T-1", amount="5")]
    batch = ingest_bytes(world, csv_data(rows), tmp_path)
    assert (batch.created, batch.duplicates, batch.corrected) == (1, 1, 1)
    assert batch.balanced


def test_revocation_ends_the_current_version_and_keeps_history(
    world: World, tmp_path: Path
) -> None:
    ingest_bytes(world, csv_data([tax_row(world.people[0], "T-1")]), tmp_path, name="a")
    revoke = [
        {"源记录编号": "T-1", "操作": "撤销", "撤销原因": "复议撤销原处罚决定"},
        {"源记录编号": "T-404", "操作": "撤销", "撤销原因": "x"},
        {"源记录编号": "T-1", "操作": "撤销", "撤销原因": "again"},
        {"源记录编号": "T-2", "操作": "撤销"},
    ]
    header = (*HEADER, "操作", "撤销原因")
    batch = ingest_bytes(world, csv_data(revoke, header=header), tmp_path, name="b")
    assert (batch.revoked, batch.rejected, batch.duplicates) == (1, 2, 1)
    assert codes(world, batch) == {3: ["revoke-unknown-record"], 5: ["revoke-reason-missing"]}
    with world.runtime.scope() as session:
        (record,) = records_service.versions_of(session, world.tax_org_id, "T-1")
        assert (record.status, record.revoke_reason) == ("revoked", "复议撤销原处罚决定")
        actions = session.execute(select(RecordEvent.action).order_by(RecordEvent.seq)).scalars()
        assert list(actions) == ["created", "revoked"]


def test_student_records_only_for_acts_at_18_or_older(world: World, tmp_path: Path) -> None:
    person = next(p for p in world.people if idnumber.parse(p.id_number).birth_on.year < 2000)
    birth = idnumber.parse(person.id_number).birth_on
    young = (birth + timedelta(days=17 * 365)).isoformat()
    adult = (birth + timedelta(days=19 * 366)).isoformat()
    rows = [
        tax_row(
            person,
            f"E-{i}",
            信息事项代码="exam-cheating",
            exam="期末考试",
            行为日期=act,
            认定日期=act,
            告知日期=act,
            amount="",
            tax_type="",
        )
        for i, act in enumerate((young, adult))
    ]
    batch = ingest_bytes(world, csv_data(rows), tmp_path, actor=world.education)
    assert (batch.created, batch.rejected) == (1, 1)
    assert codes(world, batch) == {2: ["subject-under-18"]}


def test_person_missing_from_the_registry_has_its_own_code(world: World, tmp_path: Path) -> None:
    stranger = idnumber.make(
        "420102",
        world.people[0].id_number and idnumber.parse(world.people[0].id_number).birth_on,
        901,
    )
    row = tax_row(world.people[0], "T-1", 身份证号码=stranger)
    batch = ingest_bytes(world, csv_data([row]), tmp_path)
    assert codes(world, batch) == {2: ["subject-not-registered"]}


def test_every_missing_required_value_is_reported_at_once(world: World, tmp_path: Path) -> None:
    row = {"源记录编号": "T-1", "信息事项代码": "tax-arrears"}
    batch = ingest_bytes(world, csv_data([row]), tmp_path)
    assert sorted(codes(world, batch)[2]) == sorted(["missing-field"] * 6 + ["notice-missing"])


def test_display_months_must_fall_within_the_kind(world: World, tmp_path: Path) -> None:
    header = (*HEADER, "公示期限（月）")
    rows = [
        tax_row(world.people[0], "T-1", **{"公示期限（月）": "6"}),
        tax_row(world.people[1], "T-2", **{"公示期限（月）": "24"}),
    ]
    batch = ingest_bytes(world, csv_data(rows, header=header), tmp_path)
    assert codes(world, batch) == {2: ["display-months-invalid"]}
    with world.runtime.scope() as session:
        (record,) = records_service.versions_of(session, world.tax_org_id, "T-2")
        assert (record.display_months, str(record.display_until_on)) == (24, "2028-03-01")
        assert str(record.repair_from_on) == "2027-03-01"


def test_gb18030_files_are_read(world: World, tmp_path: Path) -> None:
    data = csv_data([tax_row(world.people[0], "T-1")], encoding="gb18030")
    batch = ingest_bytes(world, data, tmp_path)
    assert (batch.encoding, batch.created) == ("gb18030", 1)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("编号,姓名\n1,张三\n".encode(), "header-missing-column"),
        (csv_data([], header=(*HEADER, "备注2")), "header-unknown-column"),
        ("源记录编号".encode("utf-16"), "encoding-unsupported"),
    ],
)
def test_unreadable_files_fail_as_a_whole(
    world: World, tmp_path: Path, data: bytes, code: str
) -> None:
    batch = ingest_bytes(world, data, tmp_path)
    assert (batch.status, batch.failure_code, batch.submitted) == ("failed", code, 0)
    assert batch.balanced


def test_a_crash_loses_nothing_acknowledged_and_a_resend_completes(
    world: World, tmp_path: Path
) -> None:
    rows = [tax_row(p, f"T-{i}") for i, p in enumerate(world.people[:20])]
    rows[3]["姓名"] = "错名字"
    data = csv_data(rows)

    class Crash(Exception):
        pass

    def crash_after_two_chunks(batch: IngestBatch) -> None:
        if batch.rows_done >= 15:
            raise Crash

    with pytest.raises(Crash):
        ingest_bytes(world, data, tmp_path, on_progress=crash_after_two_chunks)
    with world.runtime.scope() as session:
        (interrupted,) = session.execute(select(IngestBatch)).scalars()
        assert (interrupted.status, interrupted.rows_done, interrupted.submitted) == (
            "processing",
            15,
            14,
        )
    options = ingestion_service.Options(chunk_rows=7, stale_after=timedelta(0))
    batch = ingest_bytes(world, data, tmp_path, options=options)
    assert batch.id == interrupted.id
    assert (batch.status, batch.submitted, batch.created, batch.rejected) == (
        "completed",
        20,
        19,
        1,
    )
    assert batch.balanced
    assert record_count(world) == 19


def test_jsonl_and_rejected_rows_round_trip(world: World, tmp_path: Path) -> None:
    good = {
        "source_id": "J-1",
        "kind": "tax-arrears",
        "id_number": world.people[0].id_number,
        "name": world.people[0].name,
        "document_no": "D-1",
        "finding_date": "2026-03-01",
        "act_date": "2026-01-01",
        "notified_date": "2026-03-02",
        "fields": {"amount": 12.5, "tax_type": "income"},
    }
    bad = {**good, "source_id": "J-2", "fields": {"amount": "lots"}, "colour": "red"}
    lines = [json.dumps(good), json.dumps(bad), "not json", "[1, 2]"]
    batch = ingest_bytes(world, "\n".join(lines).encode(), tmp_path, fmt="jsonl")
    assert (batch.submitted, batch.created, batch.rejected) == (4, 1, 3)
    assert codes(world, batch) == {
        2: ["field-invalid", "field-unexpected"],
        3: ["row-malformed"],
        4: ["row-malformed"],
    }
    with world.runtime.scope() as session:
        batch_row, rows = ingestion_service.rejected_rows(session, batch.id, actor=world.tax)
        out = tmp_path / export.filename_for(batch_row)
        export.write(batch_row, rows, out)
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["source_id"] == "J-2"
    assert first["errors"][0]["code"] == "field-invalid"
    # Fixed and resent, the row lands; the errors key is ignored.
    first["fields"] = {"amount": "7"}
    del first["colour"]
    again = ingest_bytes(
        world, (json.dumps(first) + "\n").encode(), tmp_path, fmt="jsonl", name="fix"
    )
    assert (again.created, again.rejected) == (1, 0)


def test_rejected_csv_rows_can_be_fixed_and_resent(world: World, tmp_path: Path) -> None:
    rows = [tax_row(world.people[0], "T-1"), tax_row(world.people[1], "T-2", 姓名="错名字")]
    batch = ingest_bytes(world, csv_data(rows), tmp_path)
    with world.runtime.scope() as session:
        batch_row, rejected = ingestion_service.rejected_rows(session, batch.id, actor=world.tax)
        out = tmp_path / "rejected.csv"
        export.write(batch_row, rejected, out)
    text = out.read_text(encoding="utf-8-sig")
    assert "name-mismatch" in text
    assert "T-1" not in text
    fixed = text.replace("错名字", world.people[1].name)
    again = ingest_bytes(world, fixed.encode("utf-8-sig"), tmp_path, name="fixed")
    assert (again.created, again.rejected) == (1, 0)


def test_batches_are_in_the_collection_log(world: World, tmp_path: Path) -> None:
    from chengxin.audit import service as audit_service

    batch = ingest_bytes(world, csv_data([tax_row(world.people[0], "T-1")]), tmp_path)
    with world.runtime.scope() as session:
        entries = [e for e in audit_service.list_entries(session) if e.object_id == str(batch.id)]
        assert [e.action for e in entries] == ["ingestion:batch:complete"]
        assert entries[0].data is not None
        assert entries[0].data["content_digest"] == batch.content_digest
        assert entries[0].data["created"] == 1
        assert audit_service.verify(session).ok


def test_worker_processes_give_the_same_receipt_as_in_process(world: World, tmp_path: Path) -> None:
    rows = [tax_row(p, f"T-{i}") for i, p in enumerate(world.people[:25])]
    rows[4]["姓名"] = "错名字"  # rejected in the reading process (registry check)
    rows[9]["amount"] = "x"  # rejected in a worker
    rows.append(tax_row(world.people[0], "T-0", amount="77"))  # a correction in the same file
    data = csv_data(rows)

    def receipt(workers: int, name: str) -> tuple[object, ...]:
        options = ingestion_service.Options(chunk_rows=4, workers_for=lambda _size: workers)
        batch = ingest_bytes(world, data, tmp_path, name=name, options=options)
        return (
            batch.submitted,
            batch.created,
            batch.corrected,
            batch.rejected,
            batch.duplicates,
            batch.rows_done,
            codes(world, batch),
        )

    parallel = receipt(2, "parallel")
    assert parallel == (26, 23, 1, 2, 0, 27, {6: ["name-mismatch"], 11: ["field-invalid"]})
    # The same content again, in-process: all duplicates (the original of T-0 included: it is a
    # version already held), the same rejections.
    assert receipt(0, "serial") == (26, 0, 0, 2, 24, 27, parallel[-1])
    with world.runtime.scope() as session:
        _, rejected = ingestion_service.rejected_rows(
            session,
            session.execute(select(IngestBatch.id).order_by(IngestBatch.received_at))
            .scalars()
            .first(),
            actor=world.tax,
        )
        raws = [raw for _, raw in rejected]
    assert [r["source_id"] for r in raws] == ["T-4", "T-9"]
