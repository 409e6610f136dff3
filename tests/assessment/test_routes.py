"""Assessments over HTTP, on SQLite and PostgreSQL: an operator issues November's assessment and
reads it, its items, its verification and its exports; indicator sets are uploaded and
activated; permissions (403) and scope (a department's clerk sees its own department only)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook

from chengxin.accounts import service as accounts_service
from chengxin.assessment import rules
from chengxin.runtime import Runtime
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from tests.assessment.fixtures import Month, build_month
from tests.conftest import USER_PASSWORD
from tests.helpers import auth

PROBLEM = "application/problem+json"
BASE = "/api/v1/assessments"


@pytest.fixture
def month(runtime: Runtime, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Month:
    return build_month(runtime, tmp_path, monkeypatch)


def _member(runtime: Runtime, organization_id: uuid.UUID, role: Role) -> str:
    """A staff account of an existing organization, signed in (its bearer token)."""
    policy = accounts_service.Policy.from_settings(runtime.settings)
    login = f"user-{uuid.uuid4().hex[:12]}"
    from chengxin.security.actor import system_actor

    with runtime.scope() as session:
        accounts_service.create_user(
            session,
            organization_id=organization_id,
            login=login,
            display_name="测试用户",
            roles=[role.value],
            region_code=None,
            password=USER_PASSWORD,
            policy=policy,
            actor=system_actor("test"),
        )
    return accounts_service.login(
        runtime.scope, login=login, password=USER_PASSWORD, client_ip=None, policy=policy
    ).token


def _issue(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:  # type: ignore[type-arg]
    issued = client.post(
        BASE, json={"period_kind": "month", "period_label": "2026-11"}, headers=headers
    )
    assert issued.status_code == 201, issued.text
    return issued.json()  # type: ignore[no-any-return]


def test_an_operator_issues_reads_verifies_and_exports(
    client: TestClient,  # type: ignore[type-arg]
    month: Month,
    user_for: Callable[..., str],
) -> None:
    operator = auth(user_for(Role.OPERATOR))
    issued = _issue(client, operator)
    assert issued["number"] == "KH202611-0001"
    assert (issued["since_on"], issued["until_on"], issued["region_code"]) == (
        "2026-11-01",
        "2026-11-30",
        None,
    )
    listed = client.get(BASE, headers=operator).json()
    assert [a["id"] for a in listed] == [issued["id"]]
    one = client.get(f"{BASE}/{issued['id']}", headers=operator).json()
    tax = next(u for u in one["units"] if u["code"] == "tax")
    assert (
        tax["figures"]["push_timeliness"]["whole"],
        tax["figures"]["push_timeliness"]["part"],
    ) == (5, 2)
    assert sum(i["weight"] for i in one["indicators"]) == 100
    items = client.get(
        f"{BASE}/{issued['id']}/items",
        headers=operator,
        params={"indicator": "push_timeliness", "unit_kind": "department", "unit": "tax"},
    ).json()
    assert {i["object_id"] for i in items} == {str(month.sources["T4"]), str(month.sources["T5"])}
    bad = client.get(
        f"{BASE}/{issued['id']}/items",
        headers=operator,
        params={"indicator": "nope", "unit_kind": "department", "unit": "tax"},
    )
    assert (bad.status_code, bad.headers["content-type"]) == (422, PROBLEM)
    assert bad.json()["type"].endswith("assessment-unit-invalid")
    verified = client.get(f"{BASE}/{issued['id']}/verify", headers=operator).json()
    assert (verified["signature_valid"], verified["reproduced"]) == (True, True)
    assert verified["digest"] == issued["digest"]
    trend = client.get(f"{BASE}/trend", headers=operator).json()
    assert [t["period_label"] for t in trend] == ["2026-11"]

    xlsx = client.get(
        f"{BASE}/{issued['id']}/export", headers=operator, params={"format": "xlsx", "lang": "en"}
    )
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Units", "Indicators", "Items"]
    rows = list(book["Items"].iter_rows(values_only=True))
    every = [
        client.get(
            f"{BASE}/{issued['id']}/items",
            headers=operator,
            params={"indicator": code, "unit_kind": u["kind"], "unit": u["code"]},
        ).json()
        for u in one["units"]
        for code in u["figures"]
    ]
    assert len(rows) - 1 == sum(len(found) for found in every) > 0
    assert any(r[5] == "T4" for r in rows)
    pdf = client.get(f"{BASE}/{issued['id']}/export", headers=operator, params={"format": "pdf"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    missing = client.get(f"{BASE}/{uuid.uuid4()}", headers=operator)
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("assessment-not-found")
    wrong = client.post(
        BASE, json={"period_kind": "month", "period_label": "2026-13"}, headers=operator
    )
    assert wrong.status_code == 422
    assert wrong.json()["type"].endswith("assessment-period-invalid")


def test_indicator_sets_are_uploaded_validated_and_activated(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    operator = auth(user_for(Role.OPERATOR))
    source = rules.shipped_text().replace('version: "2027.1"', 'version: "2027.2"')
    uploaded = client.post(f"{BASE}/indicators", json={"source": source}, headers=operator)
    assert uploaded.status_code == 201, uploaded.text
    assert (uploaded.json()["version"], uploaded.json()["status"]) == ("2027.2", "draft")
    again = client.post(f"{BASE}/indicators", json={"source": source}, headers=operator)
    assert again.json()["type"].endswith("indicator-set-exists")
    invalid = client.post(
        f"{BASE}/indicators",
        headers=operator,
        json={"source": source.replace("weight: 20", "weight: 25")},
    )
    assert (invalid.status_code, invalid.headers["content-type"]) == (422, PROBLEM)
    assert invalid.json()["type"].endswith("indicators-invalid")
    activated = client.post(f"{BASE}/indicators/2027.2/activate", headers=operator)
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "active"
    twice = client.post(f"{BASE}/indicators/2027.2/activate", headers=operator)
    assert twice.json()["type"].endswith("indicator-set-not-draft")
    unknown = client.post(f"{BASE}/indicators/9.9/activate", headers=operator)
    assert unknown.json()["type"].endswith("indicator-set-not-found")
    listed = client.get(f"{BASE}/indicators", headers=operator).json()
    assert [(s["version"], s["status"]) for s in listed] == [("2027.2", "active")]
    clerk = auth(user_for(Role.PROVIDER_CLERK, kind="government"))
    refused = client.post(f"{BASE}/indicators", json={"source": source}, headers=clerk)
    assert refused.status_code == 403


def test_permissions_and_a_clerks_own_department(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    month: Month,
    user_for: Callable[..., str],
    token_for: Callable[..., str],
) -> None:
    issued = _issue(client, auth(user_for(Role.OPERATOR)))
    without = auth(token_for(Permission.SCORING_SCORE_READ))
    assert client.get(BASE, headers=without).status_code == 403
    assert client.get(f"{BASE}/{issued['id']}", headers=without).status_code == 403
    auditor = auth(user_for(Role.AUDITOR))
    assert client.get(f"{BASE}/{issued['id']}", headers=auditor).status_code == 200
    refused = client.post(
        BASE, json={"period_kind": "month", "period_label": "2026-11"}, headers=auditor
    )
    assert refused.status_code == 403
    tax_clerk = auth(_member(runtime, month.world.tax_org_id, Role.PROVIDER_CLERK))
    mine = client.get(f"{BASE}/{issued['id']}", headers=tax_clerk).json()
    assert [(u["kind"], u["code"]) for u in mine["units"]] == [("department", "tax")]
    other = client.get(
        f"{BASE}/{issued['id']}/items",
        headers=tax_clerk,
        params={"indicator": "push_timeliness", "unit_kind": "department", "unit": "education"},
    )
    assert other.status_code == 422
    assert (
        client.post(
            BASE, json={"period_kind": "month", "period_label": "2026-11"}, headers=tax_clerk
        ).status_code
        == 403
    )
    trend = client.get(f"{BASE}/trend", headers=tax_clerk).json()
    assert [[u["code"] for u in t["units"]] for t in trend] == [["tax"]]
