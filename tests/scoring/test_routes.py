"""Integrity points over HTTP: the person's own score and review, the operator's rulesets,
sandbox and review queue, staff look-ups by body, and the signed city export."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.security.roles import Role
from chengxin.workdays.days import day_of
from tests.helpers import auth
from tests.scoring.fixtures import NOW, Population, build_population, people
from tests.scoring.test_service import _draft_source

PROBLEM = "application/problem+json"


@pytest.fixture
def pop(runtime: Any) -> Population:
    return build_population(runtime)


def test_my_score_with_its_breakdown_and_a_review(
    client: TestClient,  # type: ignore[type-arg]
    pop: Population,
    citizen_for: Callable[..., Any],
    user_for: Callable[..., str],
) -> None:
    person = people(8)[0]
    token, subject_id = citizen_for(person)
    assert subject_id == pop.subjects[0]
    record = pop.add_record(subject_id, "tax-arrears", day_of(NOW) - timedelta(days=5))
    mine = client.get("/api/v1/me/score", headers=auth(token))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["score"], body["grade"], body["ruleset_version"]) == (960, "B", "2026.1")
    assert {"source_id": str(record), "rule": "dishonest:tax-arrears", "points": -40} in body[
        "lines"
    ]
    asked = client.post(
        "/api/v1/me/score/reviews", json={"reason": "该记录已申请异议"}, headers=auth(token)
    )
    assert asked.status_code == 201, asked.text
    review = asked.json()
    assert (review["status"], review["score"]) == ("open", 960)
    again = client.post(
        "/api/v1/me/score/reviews", json={"reason": "再次申请复核"}, headers=auth(token)
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("scoring-review-already-open")

    operator = auth(user_for(Role.OPERATOR))
    queue = client.get("/api/v1/scoring/reviews?status=open", headers=operator)
    assert [r["id"] for r in queue.json()] == [review["id"]]
    decided = client.post(
        f"/api/v1/scoring/reviews/{review['id']}/decision",
        json={"outcome": "confirmed", "note": "经人工核实，积分无误"},
        headers=operator,
    )
    assert decided.status_code == 200, decided.text
    mine_reviews = client.get("/api/v1/me/score/reviews", headers=auth(token)).json()
    assert mine_reviews[0]["outcome"] == "confirmed"
    assert mine_reviews[0]["note"] == "经人工核实，积分无误"


def test_operator_uploads_compares_and_activates_a_ruleset(
    client: TestClient,  # type: ignore[type-arg]
    pop: Population,
    user_for: Callable[..., str],
) -> None:
    pop.add_record(pop.subjects[0], "tax-arrears", day_of(NOW) - timedelta(days=5))
    operator = auth(user_for(Role.OPERATOR))
    bad = client.post(
        "/api/v1/scoring/rulesets", json={"source": "name: 无版本\nbase: 1000\n"}, headers=operator
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith(PROBLEM)
    assert bad.json()["type"].endswith("scoring-ruleset-invalid")
    uploaded = client.post(
        "/api/v1/scoring/rulesets", json={"source": _draft_source()}, headers=operator
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["status"] == "draft"
    compared = client.post("/api/v1/scoring/rulesets/2026.2/sandbox", headers=operator)
    assert compared.status_code == 200, compared.text
    assert compared.json()["total"]["subjects"] == len(pop.subjects)
    activated = client.post("/api/v1/scoring/rulesets/2026.2/activate", headers=operator)
    assert activated.status_code == 200, activated.text
    listed = client.get("/api/v1/scoring/rulesets", headers=operator).json()
    assert [(r["version"], r["status"]) for r in listed] == [("2026.2", "active")]
    missing = client.post("/api/v1/scoring/rulesets/9.9/activate", headers=operator)
    assert missing.status_code == 404


def test_staff_look_up_a_score_by_body_and_export_a_city(
    client: TestClient,  # type: ignore[type-arg]
    pop: Population,
    user_for: Callable[..., str],
    citizen_for: Callable[..., Any],
) -> None:
    person = people(8)[1]
    operator = auth(user_for(Role.OPERATOR))
    found = client.post(
        "/api/v1/scoring/scores/lookup",
        json={"id_number": person.id_number, "name": person.name},
        headers=operator,
    )
    assert found.status_code == 200, found.text
    assert found.json()["score"] == 1050
    earlier = client.post(
        "/api/v1/scoring/scores/lookup",
        json={"id_number": person.id_number, "name": person.name, "as_of": "2000-01-01T00:00:00Z"},
        headers=operator,
    )
    assert earlier.status_code == 404
    token, _ = citizen_for(people(8)[2])
    denied = client.post(
        "/api/v1/scoring/scores/lookup",
        json={"id_number": person.id_number, "name": person.name},
        headers=auth(token),
    )
    assert denied.status_code == 403

    region = pop.regions[pop.subjects[1]]
    exported = client.get(f"/api/v1/scoring/exports/{region}", headers=operator)
    assert exported.status_code == 200, exported.text
    assert exported.headers["x-chengxin-signature"]
    assert exported.headers["x-chengxin-key-id"]
    assert person.id_number not in exported.text
    assert '"region":"' + str(region) in exported.text.splitlines()[0]
    wrong = client.get("/api/v1/scoring/exports/wuhan", headers=operator)
    assert wrong.status_code == 422
    assert wrong.json()["type"].endswith("scoring-region-invalid")


def test_a_city_operator_exports_only_its_own_city(
    client: TestClient,  # type: ignore[type-arg]
    pop: Population,
    user_for: Callable[..., str],
) -> None:
    """R6.3 exports go to a city's own systems: a city operator (Wuhan, 420100) exports Wuhan and
    is refused Yichang (420500) and the province; a province-wide operator exports either."""
    wuhan = auth(user_for(Role.OPERATOR, region_code="420100"))
    own = client.get("/api/v1/scoring/exports/420100", headers=wuhan)
    assert own.status_code == 200, own.text
    assert json.loads(own.text.splitlines()[0])["region"] == "420100"
    for other in ("420500", "420000"):
        refused = client.get(f"/api/v1/scoring/exports/{other}", headers=wuhan)
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("/scoring-export-out-of-scope")
    province = auth(user_for(Role.OPERATOR))
    for region in ("420100", "420500"):
        exported = client.get(f"/api/v1/scoring/exports/{region}", headers=province)
        assert exported.status_code == 200, exported.text
        assert json.loads(exported.text.splitlines()[0])["region"] == region
