"""Operator console, oversight pages over HTTP: the dashboard, alerts, freezes and lockdown,
the audit log, the scoring sandbox — each in Chinese and English, with permissions, and forms
that keep what was typed when the service refuses it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from chengxin.access.models import Alert
from chengxin.audit import service as audit_service
from chengxin.db import utcnow
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.roles import Role
from chengxin.workdays.days import day_of
from tests.audit.test_log import _tamper
from tests.scoring.fixtures import NOW, build_population
from tests.scoring.test_service import _draft_source
from tests.supervision.fixtures import batch, list_entry, organization

Client = TestClient  # type: ignore[type-arg]
BASE = "/console/operator"


def _signed_in(client: Any, token: str, lang: str = "zh") -> str:
    """Sign the client in with a session cookie; returns the CSRF token for forms."""
    client.cookies.set("chengxin_session", token)
    client.cookies.set("chengxin_lang", lang)
    client.get("/signin")
    return str(client.cookies.get("chengxin_csrf"))


def _post(client: Any, path: str, csrf: str, **fields: str) -> Any:
    return client.post(path, data={**fields, "_csrf_token": csrf}, follow_redirects=False)


def _seed_dashboard(runtime: Runtime) -> Organization:
    with runtime.scope() as session:
        tax = organization(session, "武汉市税务局<测试>", department="tax")
        batch(session, tax, utcnow() - timedelta(days=1), created=9, rejected=3)
        list_entry(session, "black-judgment-defaulter", "black")
        return tax


# -- dashboard -----------------------------------------------------------------------------------


def test_dashboard_in_chinese_and_english(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seed_dashboard(runtime)
    token = user_for(Role.OPERATOR)
    _signed_in(client, token)
    page = client.get(BASE)
    assert page.status_code == 200
    assert "<h1>监管看板</h1>" in page.text
    # ingestion, rejection, on time (objections, repair), feedback, lists
    assert page.text.count('<svg class="chart"') == 6
    assert "武汉市税务局&lt;测试&gt;" in page.text  # escaped, in the table and the chart
    assert "25.0%" in page.text  # 3 of 12 rows rejected
    assert "失信被执行人" in page.text
    assert 'style="' not in page.text
    assert client.get("/static/operator-oversight.css").status_code == 200
    assert "<script>" not in page.text
    client.cookies.set("chengxin_lang", "en")
    english = client.get(BASE)
    assert "<h1>Supervision dashboard</h1>" in english.text
    assert "Dishonest judgment debtors" in english.text
    assert not re.search(
        r"[\u4e00-\u9fff]", _visible_console(english.text).replace("武汉市税务局&lt;测试&gt;", "")
    )


def _visible_console(html: str) -> str:
    """The console's own text (data values such as organization names aside)."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_dashboard_period_from_the_query_string(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seed_dashboard(runtime)
    _signed_in(client, user_for(Role.OPERATOR))
    old = client.get(f"{BASE}?since=2020-01-01&until=2020-01-31")
    assert old.status_code == 200
    assert 'value="2020-01-01"' in old.text
    assert "31" in old.text
    assert "武汉市税务局" not in old.text
    junk = client.get(f"{BASE}?since=not-a-date")
    assert junk.status_code == 200  # the default period


def test_dashboard_permissions(client: Client, user_for: Callable[..., str]) -> None:
    anonymous = client.get(BASE, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/signin?next=")
    _signed_in(client, user_for(Role.AUDITOR))
    assert client.get(BASE).status_code == 403


def test_a_city_operator_sees_only_its_region(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seed_dashboard(runtime)
    with runtime.scope() as session:
        yichang = organization(session, "宜昌市税务局", department="tax", region="420500")
        batch(session, yichang, utcnow() - timedelta(days=1), created=1, rejected=0)
    _signed_in(client, user_for(Role.OPERATOR, region_code="420500"))
    page = client.get(BASE).text
    assert "宜昌市税务局" in page
    assert "武汉市税务局" not in page


# -- alerts --------------------------------------------------------------------------------------


def _alert(runtime: Runtime) -> uuid.UUID:
    with runtime.scope() as session:
        org = organization(session, "某银行", department=None, kind=OrganizationKind.FINANCIAL)
        alert = Alert(
            organization_id=org.id,
            rule="night-burst",
            window_start=utcnow(),
            detail={"queries": 42},
            created_at=utcnow(),
        )
        session.add(alert)
        session.flush()
        return alert.id


def test_alerts_listed_and_acknowledged(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    alert_id = _alert(runtime)
    csrf = _signed_in(client, user_for(Role.SECURITY_OFFICER))
    page = client.get(f"{BASE}/alerts")
    assert page.status_code == 200
    assert "夜间集中查询" in page.text
    assert "某银行" in page.text
    assert f"/alerts/{alert_id}/acknowledge" in page.text
    done = _post(client, f"{BASE}/alerts/{alert_id}/acknowledge", csrf, note="已电话核实")
    assert done.status_code == 303
    after = client.get(f"{BASE}/alerts")
    assert "预警已确认" in after.text
    assert "某银行" not in after.text  # no longer open
    assert "已确认" in client.get(f"{BASE}/alerts?show=all").text
    missing = _post(client, f"{BASE}/alerts/{uuid.uuid4()}/acknowledge", csrf, note="x")
    assert missing.status_code == 404
    assert "alert-not-found" in missing.text
    client.cookies.set("chengxin_lang", "en")
    english = client.get(f"{BASE}/alerts?show=all")
    assert "Night-time burst of queries" in english.text


def test_an_auditor_reads_alerts_but_cannot_acknowledge(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    alert_id = _alert(runtime)
    csrf = _signed_in(client, user_for(Role.AUDITOR), lang="en")
    page = client.get(f"{BASE}/alerts")
    assert page.status_code == 200
    assert "<h1>Monitoring alerts</h1>" in page.text
    assert '/acknowledge"' not in page.text
    assert _post(client, f"{BASE}/alerts/{alert_id}/acknowledge", csrf).status_code == 403
    assert _post(client, f"{BASE}/alerts/scan", csrf).status_code == 403


# -- freeze and lockdown -------------------------------------------------------------------------


def test_a_security_officer_freezes_and_unfreezes_an_organization(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    tax = _seed_dashboard(runtime)
    csrf = _signed_in(client, user_for(Role.SECURITY_OFFICER))
    page = client.get(f"{BASE}/emergency")
    assert page.status_code == 200
    assert "正常运行" in page.text
    # No reason: refused with the service's code; the choice and the page stay.
    refused = _post(
        client, f"{BASE}/emergency/organization/freeze", csrf, target=str(tax.id), reason="  "
    )
    assert refused.status_code == 422
    assert "reason-required" in refused.text
    assert f'value="{tax.id}" selected' in refused.text
    unknown = _post(
        client, f"{BASE}/emergency/organization/freeze", csrf, target="nonsense", reason="演练"
    )
    assert unknown.status_code == 404
    assert "organization-not-found" in unknown.text
    assert 'value="演练"' in unknown.text  # the reason typed is kept
    done = _post(
        client,
        f"{BASE}/emergency/organization/freeze",
        csrf,
        target=str(tax.id),
        reason="疑似账号泄露",
    )
    assert done.status_code == 303
    frozen = client.get(f"{BASE}/emergency").text
    assert "单位已冻结" in frozen
    assert "/emergency/organization/unfreeze" in frozen
    with runtime.scope() as session:
        assert session.get(Organization, tax.id).frozen_at is not None  # type: ignore[union-attr]
    lifted = _post(
        client, f"{BASE}/emergency/organization/unfreeze", csrf, target=str(tax.id), reason="已处置"
    )
    assert lifted.status_code == 303
    with runtime.scope() as session:
        assert session.get(Organization, tax.id).frozen_at is None  # type: ignore[union-attr]


def test_a_token_is_frozen_by_its_id(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    from chengxin.organizations import service as organization_service
    from chengxin.security.actor import system_actor

    tax = _seed_dashboard(runtime)
    with runtime.scope() as session:
        issued = organization_service.issue_token(
            session,
            tax.id,
            name="报送接口",
            permissions=[],
            valid_days=1,
            actor=system_actor("test"),
        )
        token_id = issued.token.id
    csrf = _signed_in(client, user_for(Role.SECURITY_OFFICER), lang="en")
    missing = _post(
        client, f"{BASE}/emergency/token/freeze", csrf, target=str(uuid.uuid4()), reason="drill"
    )
    assert missing.status_code == 404
    assert "token-not-found" in missing.text
    assert (
        _post(
            client, f"{BASE}/emergency/token/freeze", csrf, target=str(token_id), reason="leaked"
        ).status_code
        == 303
    )
    page = client.get(f"{BASE}/emergency").text
    assert "报送接口" in page
    assert "Token frozen" in page
    assert (
        _post(
            client, f"{BASE}/emergency/token/unfreeze", csrf, target=str(token_id), reason="rotated"
        ).status_code
        == 303
    )
    assert "No frozen tokens." in client.get(f"{BASE}/emergency").text


def test_the_lockdown_state_is_shown_and_set_with_a_reason(
    client: Client, user_for: Callable[..., str]
) -> None:
    token = user_for(Role.SECURITY_OFFICER)
    csrf = _signed_in(client, token)
    refused = _post(client, f"{BASE}/emergency/lockdown", csrf, reason="")
    assert refused.status_code == 422
    assert "reason-required" in refused.text
    locked = _post(client, f"{BASE}/emergency/lockdown", csrf, reason="数据泄露应急")
    assert locked.status_code == 303
    page = client.get(f"{BASE}/emergency").text
    assert "平台已封锁" in page
    assert "数据泄露应急" in page
    assert "/emergency/lockdown/lift" in page
    # The API sees the same state.
    lifted = client.request(
        "DELETE",
        "/api/v1/system/lockdown",
        json={"reason": "结束"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert lifted.status_code == 200
    assert "正常运行" in client.get(f"{BASE}/emergency").text


def test_the_lockdown_is_lifted_from_the_page_and_refuses_other_changes_meanwhile(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    tax = _seed_dashboard(runtime)
    csrf = _signed_in(client, user_for(Role.SECURITY_OFFICER))
    assert _post(client, f"{BASE}/emergency/lockdown", csrf, reason="演练").status_code == 303
    assert "平台已封锁" in client.get(f"{BASE}/emergency").text
    refused = _post(
        client, f"{BASE}/emergency/organization/freeze", csrf, target=str(tax.id), reason="演练"
    )
    assert refused.status_code == 503
    assert "platform-locked-down" in refused.text
    lifted = _post(client, f"{BASE}/emergency/lockdown/lift", csrf, reason="演练结束")
    assert lifted.status_code == 303
    assert "正常运行" in client.get(f"{BASE}/emergency").text


def test_an_auditor_cannot_freeze(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    tax = _seed_dashboard(runtime)
    csrf = _signed_in(client, user_for(Role.AUDITOR))
    assert client.get(f"{BASE}/emergency").status_code == 403
    assert (
        _post(
            client, f"{BASE}/emergency/organization/freeze", csrf, target=str(tax.id), reason="x"
        ).status_code
        == 403
    )
    assert _post(client, f"{BASE}/emergency/lockdown", csrf, reason="x").status_code == 403


# -- audit log -----------------------------------------------------------------------------------


def _audit_entries(runtime: Runtime, n: int = 3) -> int:
    from chengxin.security.actor import system_actor

    with runtime.scope() as session:
        for i in range(n):
            audit_service.record(
                session,
                "test:thing:touch",
                actor=system_actor("测试员"),
                object_type="thing",
                object_id=str(i),
            )
    with runtime.scope() as session:
        audit_service.integrate(session)
        head = audit_service.sign_tree_head(session, keyring=runtime.keyring)
        assert head is not None
        return head.tree_size


def test_an_auditor_browses_filters_and_opens_an_entry(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    size = _audit_entries(runtime)
    _signed_in(client, user_for(Role.AUDITOR))
    page = client.get(f"{BASE}/audit")
    assert page.status_code == 200
    assert "test:thing:touch" in page.text
    filtered = client.get(f"{BASE}/audit?action=test:thing:touch")
    assert filtered.text.count('<code class="tag">test:thing:touch</code>') == 3
    nothing = client.get(f"{BASE}/audit?since=2000-01-01&until=2000-01-01")
    assert "没有符合条件的审计条目" in nothing.text
    entry = client.get(f"{BASE}/audit/entry?seq={size}")
    assert entry.status_code == 200
    assert "内容与哈希一致" in entry.text
    assert "包含证明成立" in entry.text
    assert client.get(f"{BASE}/audit/entry?seq={size + 100}").status_code == 404
    client.cookies.set("chengxin_lang", "en")
    english = client.get(f"{BASE}/audit/entry?seq={size}")
    assert "Inclusion proof holds" in english.text


def test_verify_says_genuine_then_broken(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _audit_entries(runtime)
    _signed_in(client, user_for(Role.AUDITOR))
    good = client.get(f"{BASE}/audit/verify")
    assert good.status_code == 200
    assert "日志完整" in good.text
    _tamper(runtime, "UPDATE audit_entry SET message = 'altered' WHERE seq = 2")
    broken = client.get(f"{BASE}/audit/verify")
    assert "日志不完整" in broken.text
    assert "<code>hash</code>" in broken.text
    client.cookies.set("chengxin_lang", "en")
    assert "altered" in client.get(f"{BASE}/audit/verify").text


def test_export_as_the_api_does_and_only_with_the_permission(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _audit_entries(runtime)
    _signed_in(client, user_for(Role.AUDITOR))
    exported = client.get(f"{BASE}/audit/export?format=csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "test:thing:touch" in exported.text
    as_json = client.get(f"{BASE}/audit/export?format=json&since=2000-01-01&until=2000-01-02")
    assert as_json.json() == []
    latest = client.get(f"{BASE}/audit").text
    assert "audit:log:export" in latest  # the export is itself logged
    _signed_in(client, user_for(Role.SECURITY_OFFICER))
    assert client.get(f"{BASE}/audit").status_code == 200  # reads and verifies
    assert client.get(f"{BASE}/audit/export").status_code == 403
    _signed_in(client, user_for(Role.OPERATOR))
    assert client.get(f"{BASE}/audit").status_code == 403


# -- scoring sandbox -----------------------------------------------------------------------------


def test_operator_uploads_compares_and_activates_a_draft(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    pop = build_population(runtime, count=4)
    pop.add_record(pop.subjects[0], "tax-arrears", day_of(NOW) - timedelta(days=5))
    csrf = _signed_in(client, user_for(Role.OPERATOR))
    page = client.get(f"{BASE}/scoring")
    assert page.status_code == 200
    assert "积分规则沙盘" in page.text
    bad_source = "name: 无版本\nbase: 1000\n"
    bad = client.post(
        f"{BASE}/scoring/upload",
        data={"source": bad_source, "_csrf_token": csrf},
        files={"file": ("", b"")},
        follow_redirects=False,
    )
    assert bad.status_code == 422
    assert "scoring-ruleset-invalid" in bad.text
    assert "name: 无版本" in bad.text  # what was pasted is kept
    saved = client.post(
        f"{BASE}/scoring/upload",
        data={"source": "", "_csrf_token": csrf},
        files={"file": ("draft.yaml", _draft_source().encode())},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    listed = client.get(f"{BASE}/scoring").text
    assert "2026.2" in listed
    assert "草稿" in listed
    compared = _post(client, f"{BASE}/scoring/sandbox", csrf, version="2026.2")
    assert compared.status_code == 200
    assert '<span class="n">4</span>' in compared.text  # everyone compared
    assert compared.text.count('<svg class="chart"') == 3
    assert "等级分布" in compared.text
    missing = _post(client, f"{BASE}/scoring/sandbox", csrf, version="9.9")
    assert missing.status_code == 404
    activated = _post(client, f"{BASE}/scoring/activate", csrf, version="2026.2")
    assert activated.status_code == 303
    assert "生效中" in client.get(f"{BASE}/scoring").text
    client.cookies.set("chengxin_lang", "en")
    assert "Scoring sandbox" in client.get(f"{BASE}/scoring").text


def test_scoring_sandbox_permissions(client: Client, user_for: Callable[..., str]) -> None:
    csrf = _signed_in(client, user_for(Role.SECURITY_OFFICER))
    assert client.get(f"{BASE}/scoring").status_code == 403
    assert _post(client, f"{BASE}/scoring/activate", csrf, version="2026.2").status_code == 403
