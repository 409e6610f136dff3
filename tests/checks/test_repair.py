"""After repair the check returns no punishment; a single check shows in the person's report."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import event

from chengxin.access.scenes import Scene
from chengxin.checks import service as check_service
from chengxin.evidence.service import EvidenceFile
from chengxin.identity.resolve import PersonAsked
from chengxin.repair import service as repair_service
from chengxin.repair.models import RepairBasis, RepairStatus
from tests.checks.fixtures import add_scene
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row

PDF = EvidenceFile("完税证明.pdf", "application/pdf", base64.b64encode(b"%PDF-1.7 test").decode())


def _check(rw: RightsWorld, person: Any) -> check_service.CheckOutcome:
    with rw.runtime.scope() as session:
        return check_service.run(
            session,
            scene=Scene.GOVERNMENT_PROCUREMENT,
            purpose="政府采购供应商资格审查",
            persons=[PersonAsked(person.id_number, person.name)],
            settings=rw.settings,
            actor=rw.aw.government,
        )


def test_after_repair_the_check_returns_no_punishment(runtime: Any, tmp_path: Any) -> None:
    rw = build_rights(runtime, tmp_path)
    person = rw.aw.people[10]
    assert rw.push(tmp_path, [old_tax_row(person, "OLD-1")], "old").created == 1
    add_scene(runtime, rw.aw.government, Scene.GOVERNMENT_PROCUREMENT)
    [before] = _check(rw, person).results
    assert [a.measure.code for a in before.measures] == ["P05"]
    record = rw.record(person)
    with rw.runtime.scope() as session:
        application = repair_service.apply(
            session,
            record_id=record.id,
            basis=RepairBasis.OBLIGATION_PERFORMED,
            explanation="欠税及滞纳金已全部缴清",
            commitment_accepted=True,
            evidence=[PDF],
            actor=rw.citizen(person),
            settings=rw.settings,
        )
        application_id = application.id
    with rw.runtime.scope() as session:
        repair_service.decide(
            session, application_id, outcome=RepairStatus.APPROVED, reasons=None, actor=rw.tax_clerk
        )
    [after] = _check(rw, person).results
    assert after.measures == []
    # The single check is in the person's own report: "who queried me".
    report = rw.own_report(person)
    assert any(q.action == check_service.RUN_ACTION for q in report.queries or [])


def test_a_batch_costs_the_same_statements_as_a_single_check(runtime: Any, tmp_path: Any) -> None:
    rw = build_rights(runtime, tmp_path)
    add_scene(runtime, rw.aw.government, Scene.GOVERNMENT_PROCUREMENT)
    statements: list[str] = []

    def count(*_: Any) -> None:
        statements.append("x")

    def run(persons: list[Any]) -> int:
        statements.clear()
        event.listen(runtime.engine, "before_cursor_execute", count)
        try:
            with rw.runtime.scope() as session:
                check_service.run(
                    session,
                    scene=Scene.GOVERNMENT_PROCUREMENT,
                    purpose="政府采购供应商资格审查",
                    persons=[PersonAsked(p.id_number, p.name) for p in persons],
                    settings=rw.settings,
                    actor=rw.aw.government,
                )
        finally:
            event.remove(runtime.engine, "before_cursor_execute", count)
        return len(statements)

    run(rw.aw.people[:1])  # warm caches (catalog, statements)
    assert run(rw.aw.people[:1]) == run(rw.aw.people[:25])
