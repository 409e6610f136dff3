"""City exports (R6.3) stay inside the exporting account's city: a city-bound operator gets only
its city's people whatever it asks for, a province-wide operator any city, anyone else nothing
(issue 17). Over the real service and database, and over HTTP for the refusals."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy import update

from chengxin.demo.generator import credit_code
from chengxin.identity.models import Subject
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.scoring import export as score_export
from chengxin.scoring import service as scoring_service
from chengxin.scoring.errors import ExportOutOfScope, RegionInvalid
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from chengxin.security.scope import region_prefix
from tests.helpers import auth
from tests.scoring.fixtures import NOW, SYSTEM, Population, build_population

# Wuhan, Yichang, Xiantao (a directly administered unit standing in for a city), and no city.
CITIES = ("420100", "420500", "429004")
PLACES: tuple[str | None, ...] = (*CITIES, None)
EXPORT = Permission.SCORING_EXPORT_READ


@pytest.fixture
def pop(runtime: Any) -> Population:
    """Twelve scored people, three in each city and three with no city."""
    built = build_population(runtime, count=12)
    with runtime.scope() as session:
        for index, subject_id in enumerate(built.subjects):
            place = PLACES[index % len(PLACES)]
            session.execute(
                update(Subject).where(Subject.id == subject_id).values(prefecture_code=place)
            )
            built.regions[subject_id] = place
        scoring_service.recompute_full(session, settings=runtime.settings, actor=SYSTEM, now=NOW)
    return built


def _actor(pop: Population, kind: OrganizationKind, region: str | None) -> Actor:
    """A staff account of a new organization of ``kind`` holding the export permission."""
    with pop.runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code=credit_code(
                random.Random(uuid.uuid4().int), registration="12", region_code="420100"
            ),
            name=f"测试单位 {uuid.uuid4().hex[:8]}",
            kind=kind,
            region_code="420100",
            actor=SYSTEM,
        )
        org_id = org.id
    return Actor(
        ActorKind.USER,
        str(uuid.uuid4()),
        "测试账号",
        organization_id=org_id,
        permissions=frozenset({EXPORT}),
        region_code=region,
    )


def _exported(pop: Population, region: str, actor: Actor) -> set[uuid.UUID]:
    with pop.runtime.scope() as session:
        done = score_export.export_region(session, region, actor=actor, now=NOW)
    lines = done.body.decode().splitlines()
    assert json.loads(lines[0])["count"] == done.count == len(lines) - 1
    return {uuid.UUID(json.loads(line)["subject_id"]) for line in lines[1:]}


def _of(pop: Population, city: str) -> set[uuid.UUID]:
    return {s for s, place in pop.regions.items() if place == city}


def test_a_city_operator_exports_its_city_and_nothing_else(pop: Population) -> None:
    wuhan = _actor(pop, OrganizationKind.OPERATOR, "420100")
    own = _exported(pop, "420100", wuhan)
    assert own == _of(pop, "420100")
    assert len(own) == 3
    for other in ("420500", "429004", "420000"):
        with pytest.raises(ExportOutOfScope):
            _exported(pop, other, wuhan)
    # A district of its own city is no city: refused rather than exported empty.
    with pytest.raises(RegionInvalid):
        _exported(pop, "420102", wuhan)


def test_a_province_operator_exports_any_city(pop: Population) -> None:
    province = _actor(pop, OrganizationKind.OPERATOR, None)
    for city in CITIES:
        assert _exported(pop, city, province) == _of(pop, city) != set()
    assert _exported(pop, "420500", SYSTEM) == _of(pop, "420500")  # the machine's own commands
    with pytest.raises(RegionInvalid):  # the province is no city
        _exported(pop, "420000", province)


@pytest.mark.parametrize("region", [None, "420100"])
def test_accounts_of_other_organizations_export_nothing(
    pop: Population, region: str | None
) -> None:
    """A department's account holding the permission (a custom role, a token) is refused, its own
    city included: only the platform operator provides the cities' exports."""
    department = _actor(pop, OrganizationKind.GOVERNMENT, region)
    for city in CITIES:
        with pytest.raises(ExportOutOfScope):
            _exported(pop, city, department)
    citizen = Actor(
        ActorKind.CITIZEN,
        "c",
        "citizen",
        permissions=frozenset({EXPORT}),
        subject_id=pop.subjects[0],
    )
    with pytest.raises(ExportOutOfScope):
        _exported(pop, "420100", citizen)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bound=st.sampled_from((None, *CITIES, "420102")), asked=st.sampled_from(CITIES))
def test_an_export_never_reaches_outside_the_account_region(
    pop: Population, bound: str | None, asked: str
) -> None:
    """For any operator account and any city asked for: either the export is refused, or it lists
    exactly the people of that city, and then that city lies in the account's region."""
    actor = _actor(pop, OrganizationKind.OPERATOR, bound)
    try:
        exported = _exported(pop, asked, actor)
    except ExportOutOfScope:
        assert bound is not None
        assert not asked.startswith(region_prefix(bound))
        return
    assert exported == _of(pop, asked)
    assert bound is None or bound == asked


def test_over_http_a_department_token_and_another_city_are_refused(
    client: TestClient,  # type: ignore[type-arg]
    pop: Population,
    user_for: Callable[..., str],
    token_for: Callable[..., str],
) -> None:
    yichang = auth(user_for(Role.OPERATOR, region_code="420500"))
    own = client.get("/api/v1/scoring/exports/420500", headers=yichang)
    assert own.status_code == 200, own.text
    ids = {json.loads(line)["subject_id"] for line in own.text.splitlines()[1:]}
    assert ids == {str(s) for s in _of(pop, "420500")}
    refused = client.get("/api/v1/scoring/exports/420100", headers=yichang)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("/scoring-export-out-of-scope")
    # The operator role is for the operator's staff only; a department's system token may hold
    # the permission and is refused by scope.
    department = auth(token_for(EXPORT, kind=OrganizationKind.GOVERNMENT))
    denied = client.get("/api/v1/scoring/exports/420100", headers=department)
    assert denied.status_code == 403, denied.text
    assert denied.json()["type"].endswith("/scoring-export-out-of-scope")
    operator_token = auth(token_for(EXPORT))
    allowed = client.get("/api/v1/scoring/exports/429004", headers=operator_token)
    assert allowed.status_code == 200, allowed.text
    assert json.loads(allowed.text.splitlines()[0])["count"] == len(_of(pop, "429004"))
