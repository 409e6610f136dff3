"""The consumer console over HTTP: the single check explained, the batch from a file with its
per-person errors and CSV, feedback, recent checks; both languages; permissions; no ID numbers in
addresses or pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.organizations.models import OrganizationKind
from chengxin.security.roles import Role
from chengxin.settings import Settings
from tests.checks.fixtures import NOW, CheckWorld, build_checks
from tests.helpers import csv_bytes
from tests.lists.fixtures import listed
from tests.web.test_provider import signed_in, staff_session

BASE = "/console/consumer"
PURPOSE = "食品经营许可审查"


@pytest.fixture
def cw(runtime: Any, tmp_path: Any, settings: Settings) -> CheckWorld:
    world = build_checks(runtime, tmp_path, settings)
    listed(
        world.runtime,
        world.sid(world.people[5]),
        "black-judgment-defaulter",
        now=NOW - timedelta(days=1),
    )
    return world


def officer(cw: CheckWorld) -> str:
    assert cw.licensing.organization_id is not None
    return staff_session(cw.runtime, cw.licensing.organization_id, Role.CONSUMER_OFFICER)


def _check(client: TestClient, csrf: str, person: Any, **over: str) -> Any:  # type: ignore[type-arg]
    data = {
        "_csrf_token": csrf,
        "id_number": person.id_number,
        "name": person.name,
        "scene": "administrative_licensing",
        "purpose": PURPOSE,
        **over,
    }
    return client.post(f"{BASE}/checks", data=data)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_check_is_explained_and_feedback_is_recorded(
    client: TestClient,
    cw: CheckWorld,
    lang: str,  # type: ignore[type-arg]
) -> None:
    csrf = signed_in(client, officer(cw), lang)
    form = client.get(BASE)
    assert form.status_code == 200
    assert 'value="administrative_licensing"' in form.text
    assert 'value="land_transfer"' in form.text
    assert 'value="government_procurement"' not in form.text  # not on my permission list
    person = cw.people[5]
    answer = _check(client, csrf, person)
    assert answer.status_code == 200, answer.text
    text = answer.text
    assert person.id_number not in text
    assert person.name not in text
    assert "P07" in text
    assert "P12" in text
    assert ("Legal basis" if lang == "en" else "法律依据") in text
    assert 'name="decision"' in text
    check_id = text.split("/console/consumer/checks/", 1)[1].split('"', 1)[0]
    # Feedback: a bad one shows the error; a good one is recorded.
    bad = client.post(
        f"{BASE}/checks/{check_id}/feedback",
        data={
            "_csrf_token": csrf,
            "measure": "P99",
            "index": "0",
            "decision": "applied",
            "reason": "已实施",
        },
    )
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    assert 'value="已实施"' in bad.text
    done = client.post(
        f"{BASE}/checks/{check_id}/feedback",
        data={
            "_csrf_token": csrf,
            "measure": "P07",
            "index": "0",
            "decision": "applied",
            "reason": "不予许可",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{BASE}/checks/{check_id}"
    shown = client.get(done.headers["location"])
    assert "不予许可" in shown.text
    recent = client.get(f"{BASE}/checks")
    assert check_id in recent.text
    assert person.id_number not in recent.text


def test_bad_input_keeps_the_form(client: TestClient, cw: CheckWorld) -> None:  # type: ignore[type-arg]
    csrf = signed_in(client, officer(cw))
    person = cw.people[6]
    no_purpose = _check(client, csrf, person, purpose="")
    assert no_purpose.status_code == 422
    assert "check-input-invalid" in no_purpose.text
    assert f'value="{person.name}"' in no_purpose.text
    other_scene = _check(client, csrf, person, scene="government_procurement")
    assert other_scene.status_code == 403
    assert "scene-not-permitted" in other_scene.text
    wrong_name = _check(client, csrf, person, name="冒名者")
    assert wrong_name.status_code == 200
    assert "name-mismatch" in wrong_name.text
    htmx = client.post(
        f"{BASE}/checks",
        data={
            "_csrf_token": csrf,
            "id_number": "1",
            "name": "x",
            "scene": "nope",
            "purpose": PURPOSE,
        },
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 422  # htmx swaps 4xx answers too: the real status, always
    assert "check-input-invalid" in htmx.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_batch_from_a_file_with_per_person_errors_and_csv(
    client: TestClient,
    cw: CheckWorld,
    lang: str,  # type: ignore[type-arg]
) -> None:
    csrf = signed_in(client, officer(cw), lang)
    assert client.get(f"{BASE}/batch").status_code == 200
    people = cw.people
    data = csv_bytes(
        [
            [people[5].id_number, people[5].name],
            [people[7].id_number, "冒名者"],
            ["123", "某人"],
            [people[8].id_number, people[8].name],
        ],
        header=("公民身份号码", "姓名"),
    )
    answer = client.post(
        f"{BASE}/batch",
        data={"_csrf_token": csrf, "scene": "administrative_licensing", "purpose": PURPOSE},
        files={"file": ("persons.csv", data, "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    text = answer.text
    assert "name-mismatch" in text
    assert "id-number-invalid" in text
    assert "P07" in text
    for p in people[5:9]:
        assert p.id_number not in text
    check_id = text.split("/console/consumer/checks/", 1)[1].split('"', 1)[0]
    rows = client.get(f"{BASE}/checks/{check_id}/results.csv")
    assert rows.status_code == 200
    assert rows.headers["content-disposition"].startswith("attachment;")
    content = rows.content.decode("utf-8-sig")
    assert "\n2,name-mismatch," in content
    assert "\n3,id-number-invalid," in content
    assert "P07" in content


def test_batch_refuses_a_file_without_the_columns_and_over_the_limit(
    client: TestClient,
    cw: CheckWorld,
    settings: Settings,  # type: ignore[type-arg]
) -> None:
    csrf = signed_in(client, officer(cw))
    wrong = client.post(
        f"{BASE}/batch",
        data={"_csrf_token": csrf, "scene": "administrative_licensing", "purpose": PURPOSE},
        files={"file": ("persons.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert wrong.status_code == 422
    assert "header-missing-column" in wrong.text
    over = settings.check_batch_limit + 1
    many = csv_bytes([[f"{i:018d}", "某"] for i in range(over)], header=("公民身份号码", "姓名"))
    too_many = client.post(
        f"{BASE}/batch",
        data={"_csrf_token": csrf, "scene": "administrative_licensing", "purpose": PURPOSE},
        files={"file": ("persons.csv", many, "text/csv")},
    )
    assert too_many.status_code == 413
    assert "check-batch-too-large" in too_many.text


def test_pages_need_the_officer_role_and_checks_stay_in_their_organization(
    client: TestClient,
    cw: CheckWorld,
    user_for: Callable[..., str],  # type: ignore[type-arg]
) -> None:
    assert client.get(BASE, follow_redirects=False).headers["location"].startswith("/signin?")
    signed_in(client, user_for(Role.PROVIDER_CLERK, kind=OrganizationKind.GOVERNMENT))
    for path in ("", "/batch", "/checks"):
        assert client.get(f"{BASE}{path}").status_code == 403
    csrf = signed_in(client, officer(cw))
    text = _check(client, csrf, cw.people[5]).text
    check_id = text.split("/console/consumer/checks/", 1)[1].split('"', 1)[0]
    assert cw.procurement.organization_id is not None
    signed_in(
        client, staff_session(cw.runtime, cw.procurement.organization_id, Role.CONSUMER_OFFICER)
    )
    assert client.get(f"{BASE}/checks/{check_id}").status_code == 404
    assert check_id not in client.get(f"{BASE}/checks").text
