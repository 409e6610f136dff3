"""The measures catalog: every measure carries its basis; bad catalogs fail at load; the
published route; and the rules of ``applicable`` as properties."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient

from chengxin.access.scenes import Scene
from chengxin.catalog import service as catalog_service
from chengxin.lists.memberships import Membership
from chengxin.measures import catalog as measure_catalog
from chengxin.measures.catalog import ListTrigger, MeasureType, RecordsTrigger, Target
from chengxin.measures.errors import MeasureCatalogInvalid
from chengxin.measures.service import RecordFact, applicable, years_before

SHIPPED = json.loads(measure_catalog.DATA.read_text(encoding="utf-8"))
TODAY = date(2026, 11, 28)


def _broken(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(SHIPPED)
    change(document["measures"][0])
    return document


def test_the_shipped_catalog_covers_the_seed_measures_each_with_its_basis() -> None:
    found = measure_catalog.catalog()
    names = {m.name_zh for m in found.measures}
    assert {"优先办理", "重点支持", "绿色通道", "容缺受理", "不得录用为公务员"} <= names
    for measure in found.measures:
        assert measure.basis
        assert all(b.law and b.article for b in measure.basis)
    codes = [m.code for m in found.measures]
    assert codes == sorted(codes)


def test_departments_and_record_kinds_exist_in_the_shipped_catalog() -> None:
    content = catalog_service.shipped_content()
    departments = {d["code"] for d in content["departments"]}
    kinds = {k["code"] for k in content["kinds"]}
    for measure in measure_catalog.catalog().measures:
        assert set(measure.departments) <= departments, measure.code
        for trigger in measure.triggers:
            if isinstance(trigger, RecordsTrigger):
                assert set(trigger.kinds) <= kinds, measure.code


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda m: m.update(basis=[]), "basis"),
        (lambda m: m.pop("basis"), "basis"),
        (lambda m: m.update(basis=[{"law": "《某法》", "article": ""}]), "article"),
        (lambda m: m.update(scenes=["consumption"]), "scenes"),
        (lambda m: m.update(triggers=[{"on": "list", "list_types": ["no-such-list"]}]), "triggers"),
        (lambda m: m.update(triggers=[{"on": "list", "list_kind": "black"}]), "red lists"),
        (lambda m: m.update(target=["responsible_persons"]), "subject only"),
        (lambda m: m.update(code="P99"), "codes"),
    ],
)
def test_a_bad_measure_fails_validation_at_load(change: Any, field: str) -> None:
    with pytest.raises(MeasureCatalogInvalid) as raised:
        measure_catalog.parse(_broken(change))
    assert field in json.dumps(raised.value.extra["errors"], ensure_ascii=False)


def test_duplicate_codes_fail() -> None:
    document = copy.deepcopy(SHIPPED)
    document["measures"].append(document["measures"][0])
    with pytest.raises(MeasureCatalogInvalid):
        measure_catalog.parse(document)


def test_the_catalog_is_published(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/api/v1/measures")
    assert response.status_code == 200
    body = response.json()
    p06 = next(m for m in body["measures"] if m["code"] == "P06")
    assert p06["basis"] == [
        {"law": "《中华人民共和国公务员法》", "article": "第二十六条第（四）项"}
    ]
    assert p06["scenes"] == ["staff_recruitment"]
    assert p06["type"] == "punishment"


def _membership(kind: str, list_type: str, via: str | None) -> Membership:
    return Membership(
        entry_id=uuid.uuid4(),
        reference="HM-1",
        list_type=list_type,
        kind=kind,
        name_zh="名单",
        domain="general",
        basis="某法第一条",
        published_at=datetime(2026, 1, 1, tzinfo=UTC),
        term_ends_at=None,
        via_organization=via,
        role="legal_representative" if via else None,
    )


LISTS = [
    ("black", "black-judgment-defaulter"),
    ("black", "black-tax-serious"),
    ("red", "red-moral-exemplar"),
    ("red", "red-outstanding-volunteer"),
]
memberships_st = st.lists(
    st.tuples(st.sampled_from(LISTS), st.sampled_from([None, "9142****0001"])).map(
        lambda t: _membership(t[0][0], t[0][1], t[1])
    ),
    max_size=4,
)
records_st = st.lists(
    st.builds(
        RecordFact,
        id=st.uuids(),
        kind_code=st.sampled_from(["tax-arrears", "volunteer-hours"]),
        category=st.sampled_from(["dishonest", "good", "basic"]),
        severity=st.sampled_from([None, "minor", "general", "serious"]),
        finding_on=st.dates(min_value=date(2015, 1, 1), max_value=TODAY),
    ),
    max_size=5,
)


@given(scene=st.sampled_from(list(Scene)), ms=memberships_st, rs=records_st)
def test_applicable_rules(scene: Scene, ms: list[Membership], rs: list[RecordFact]) -> None:
    measures = measure_catalog.catalog().in_scene(scene)
    found = applicable(measures, memberships=ms, records=rs, today=TODAY)
    own_black = any(m.kind == "black" and m.via_organization is None for m in ms)
    for applied in found:
        m = applied.measure
        assert scene in m.scenes
        assert applied.why
        if m.type is MeasureType.INCENTIVE:
            assert not own_black  # no incentive while on a black list
        for why in applied.why:
            if why.via_organization is not None:  # R8.4 reaches responsible persons only
                assert Target.RESPONSIBLE_PERSONS in m.target
            if why.trigger == "records":
                assert set(why.record_ids) <= {r.id for r in rs}
    if not ms and not any(r.category == "dishonest" for r in rs):
        assert all(a.measure.type is MeasureType.INCENTIVE for a in found)
    if not ms and not rs:
        assert found == []
    # Every list reason names a membership it was given.
    refs = {m.entry_id for m in ms}
    assert all(w.entry_id in refs for a in found for w in a.why if w.trigger == "list")
    assert all(
        isinstance(t, ListTrigger | RecordsTrigger) or t.on in {"rule", "grade"}
        for a in found
        for t in a.measure.triggers
    )
    # Without a grade given, no reason is a grade.
    assert all(w.trigger != "grade" for a in found for w in a.why)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(min_value=1, max_value=10),
)
def test_years_before_is_never_later_than_the_same_day(day: date, years: int) -> None:
    earlier = years_before(day, years)
    assert earlier.year == day.year - years
    assert earlier.month == day.month
    assert 0 <= day.day - earlier.day <= 1
