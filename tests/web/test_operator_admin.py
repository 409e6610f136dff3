"""The operator console's administration pages over HTTP: catalog versions and their diff,
organizations with accounts, tokens and permission lists, list publication, the query review
queue — in Chinese and English, by permission, and forms that refuse bad input without losing it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from chengxin.access import policy
from chengxin.access.models import AccessRule, Query, QueryStatus
from chengxin.access.scenes import Scene
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.demo.generator import credit_code
from chengxin.identity import resolve as identity_resolve
from chengxin.lists import service as list_service
from chengxin.lists.models import EntryStatus, ListEntry
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import ApiToken, Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from tests.helpers import browse_as, post_form
from tests.ingestion.fixtures import World, _kind, build_world, catalog_document

SYSTEM = system_actor("test")
CONSOLE = "/console/operator"


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime, n_people=4)


def _org(runtime: Runtime, name: str = "测试使用单位", kind: str = "government") -> uuid.UUID:
    with runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code=credit_code(
                __import__("random").Random(name), registration="11", region_code="420100"
            ),
            name=name,
            kind=OrganizationKind(kind),
            region_code="420100",
            actor=SYSTEM,
        )
        return org.id


# -- catalog ---------------------------------------------------------------------------------------


def _second_version(runtime: Runtime) -> None:
    """2026.2: exam-cheating removed, a kind added, a field of tax-arrears changed."""
    document = catalog_document("2026.2")
    document["kinds"] = [k for k in document["kinds"] if k["code"] != "exam-cheating"]
    tax = document["kinds"][0]
    tax["fields"][0] = {**tax["fields"][0], "label_zh": "欠缴税款金额"}
    tax["fields"].append(
        {"name": "period", "label_zh": "所属期", "label_en": "period", "type": "string"}
    )
    document["kinds"].append(_kind("tax-credit-a", "good", fields=[]))
    with runtime.scope() as session:
        catalog_service.load(session, document, actor=SYSTEM, activate=False)


def test_catalog_versions_diff_and_activation(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    _second_version(world.runtime)
    operator = user_for(Role.OPERATOR)
    browse_as(client, operator)
    listing = client.get(f"{CONSOLE}/catalog")
    assert listing.status_code == 200
    assert "2026.1" in listing.text
    assert "2026.2" in listing.text
    assert "生效中" in listing.text
    assert "已载入未生效" in listing.text
    csrf = browse_as(client, operator, "en")
    english = client.get(f"{CONSOLE}/catalog")
    assert "Catalog versions" in english.text
    assert "Loaded, not active" in english.text
    diff = client.get(f"{CONSOLE}/catalog/2026.2")
    assert diff.status_code == 200
    text = diff.text
    assert "Changes against the active version" in text
    assert "tax-credit-a" in text  # added
    assert "exam-cheating" in text  # removed
    assert "period" in text
    assert "amount" in text
    assert "Confirm activation" in text
    activated = post_form(client, f"{CONSOLE}/catalog/2026.2/activate", csrf)
    assert activated.status_code == 303
    with world.runtime.scope() as session:
        active = catalog_service.get_active(session)
        assert active is not None
        assert active.version == "2026.2"
    # The active version shows no diff and no activation button.
    assert "Confirm activation" not in client.get(f"{CONSOLE}/catalog/2026.2").text


def test_a_bad_catalog_file_is_refused_beside_the_form(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    csrf = browse_as(client, user_for(Role.OPERATOR))
    response = client.post(
        f"{CONSOLE}/catalog/load",
        data={"_csrf_token": csrf},
        files={"file": ("catalog.json", b"{not json", "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "catalog-invalid" in response.text
    bad = catalog_document("2026.3", kinds=[])
    response = client.post(
        f"{CONSOLE}/catalog/load",
        data={"_csrf_token": csrf},
        files={
            "file": ("catalog.json", __import__("json").dumps(bad).encode(), "application/json")
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "catalog-invalid" in response.text
    good = catalog_document("2026.4", title="第四版")
    response = client.post(
        f"{CONSOLE}/catalog/load",
        data={"_csrf_token": csrf},
        files={"file": ("c.json", __import__("json").dumps(good).encode(), "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{CONSOLE}/catalog/2026.4"
    with world.runtime.scope() as session:
        assert catalog_service.get_version_or_raise(session, "2026.4").status == "loaded"


def test_unknown_catalog_version_is_a_not_found_page(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    browse_as(client, user_for(Role.OPERATOR))
    response = client.get(f"{CONSOLE}/catalog/1999.9")
    assert response.status_code == 404
    assert "catalog-not-found" in response.text


# -- permissions -----------------------------------------------------------------------------------


def test_who_may_open_which_page(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    browse_as(client, None)
    anonymous = client.get(f"{CONSOLE}/organizations", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/signin?next=")
    browse_as(client, user_for(Role.REVIEWER))
    assert client.get(f"{CONSOLE}/queries").status_code == 200
    assert client.get(f"{CONSOLE}/organizations").status_code == 403
    assert client.get(f"{CONSOLE}/lists").status_code == 403
    menu = client.get(f"{CONSOLE}/catalog").text
    assert f'href="{CONSOLE}/queries"' in menu
    assert f'href="{CONSOLE}/organizations"' not in menu
    assert "载入新版本" not in menu  # reads the catalog, may not change it
    browse_as(client, user_for(Role.OPERATOR))
    assert client.get(f"{CONSOLE}/queries").status_code == 403
    assert client.get(f"{CONSOLE}/lists").status_code == 200
    # An operator reads accounts but neither opens them nor issues tokens (platform admins do).
    page = client.get(f"{CONSOLE}/organizations/{_org(world.runtime)}").text
    assert "开设账号" not in page
    assert "签发令牌" not in page
    assert "权限清单" in page
    assert "添加权限清单条目" in page
    browse_as(client, user_for(Role.PROVIDER_CLERK, kind=OrganizationKind.GOVERNMENT))
    assert client.get(f"{CONSOLE}/lists").status_code == 403
    assert client.get(f"{CONSOLE}/organizations").status_code == 403


# -- organizations ---------------------------------------------------------------------------------


def test_organizations_list_search_and_register(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    csrf = browse_as(client, user_for(Role.OPERATOR))
    listing = client.get(f"{CONSOLE}/organizations")
    assert listing.status_code == 200
    assert "测试税务局" in listing.text
    assert "测试教育厅" in listing.text
    found = client.get(f"{CONSOLE}/organizations", params={"q": "税务"})
    assert "测试税务局" in found.text
    assert "测试教育厅" not in found.text
    refused = post_form(
        client,
        f"{CONSOLE}/organizations",
        csrf,
        credit_code="123",
        name="某某协会",
        kind="association",
        region_code="420100",
    )
    assert refused.status_code == 422
    assert "credit-code-invalid" in refused.text
    assert 'value="某某协会"' in refused.text  # nothing typed is lost
    assert 'value="association" selected' in refused.text
    bad_kind = post_form(
        client, f"{CONSOLE}/organizations", csrf, credit_code="x", name="n", kind="?"
    )
    assert bad_kind.status_code == 422
    assert "invalid-input" in bad_kind.text
    code = credit_code(__import__("random").Random("new"), registration="51", region_code="420100")
    created = post_form(
        client,
        f"{CONSOLE}/organizations",
        csrf,
        credit_code=code,
        name="某某协会",
        kind="association",
        region_code="420100",
    )
    assert created.status_code == 303
    detail = client.get(created.headers["location"])
    assert detail.status_code == 200
    assert "某某协会" in detail.text
    assert code in detail.text
    again = post_form(
        client, f"{CONSOLE}/organizations", csrf, credit_code=code, name="重复", kind="association"
    )
    assert again.status_code == 409
    assert "organization-exists" in again.text
    browse_as(client, user_for(Role.OPERATOR), "en")
    english = client.get(created.headers["location"])
    assert "Unified social credit code" in english.text
    assert "Industry association" in english.text


def test_accounts_with_a_password_shown_once(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    org_id = _org(world.runtime)
    csrf = browse_as(client, user_for(Role.PLATFORM_ADMIN))
    path = f"{CONSOLE}/organizations/{org_id}"
    bad = post_form(
        client,
        f"{path}/accounts",
        csrf,
        login="X!",
        display_name="王经办",
        roles="consumer_officer",
    )
    assert bad.status_code == 422
    assert 'value="王经办"' in bad.text
    assert 'value="consumer_officer" checked' in bad.text
    created = client.post(
        f"{path}/accounts",
        data={
            "login": "wang.jb",
            "display_name": "王经办",
            "roles": ["consumer_officer", "provider_clerk"],
            "_csrf_token": csrf,
        },
    )
    assert created.status_code == 200
    assert "初始密码只显示这一次" in created.text
    secret = created.text.split('<code class="secret">')[1].split("</code>")[0]
    assert len(secret) >= 12
    again = client.get(path)
    assert "wang.jb" in again.text
    assert "使用单位经办人" in again.text
    assert "提供单位经办人" in again.text  # (a reviewer is the operator's only: ADR 0027)
    assert secret not in again.text  # shown once
    taken = post_form(client, f"{path}/accounts", csrf, login="wang.jb", display_name="另一人")
    assert taken.status_code == 409
    assert "login-taken" in taken.text


def test_tokens_issued_once_and_revoked(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    org_id = _org(world.runtime)
    csrf = browse_as(client, user_for(Role.PLATFORM_ADMIN), "en")
    path = f"{CONSOLE}/organizations/{org_id}"
    empty = post_form(client, f"{path}/tokens", csrf, name="审批系统")
    assert empty.status_code == 422
    assert "invalid-input" in empty.text
    assert 'value="审批系统"' in empty.text
    issued = post_form(
        client,
        f"{path}/tokens",
        csrf,
        name="审批系统",
        permissions="access:query:submit",
        valid_days="30",
    )
    assert issued.status_code == 200
    assert "The token is shown this once" in issued.text
    secret = issued.text.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("cxt_")
    assert secret not in client.get(path).text
    with world.runtime.scope() as session:
        token_id = session.execute(
            select(ApiToken.id).where(ApiToken.organization_id == org_id)
        ).scalar_one()
    revoked = post_form(client, f"{CONSOLE}/tokens/{token_id}/revoke", csrf)
    assert revoked.status_code == 303
    assert revoked.headers["location"].startswith(path)
    assert "Revoked" in client.get(path).text
    missing = post_form(client, f"{CONSOLE}/tokens/{uuid.uuid4()}/revoke", csrf)
    assert missing.status_code == 404


def test_a_token_may_carry_only_what_the_issuer_holds(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
    runtime: Runtime,
) -> None:
    # The service refuses; the page shows its code. (Platform admins hold every staff permission,
    # so the self: permissions, never a staff's, are what they cannot grant.)
    org_id = _org(world.runtime)
    csrf = browse_as(client, user_for(Role.PLATFORM_ADMIN))
    refused = post_form(
        client,
        f"{CONSOLE}/organizations/{org_id}/tokens",
        csrf,
        name="x",
        permissions="self:data:read",
    )
    assert refused.status_code == 422
    assert "permission-not-grantable" in refused.text


def test_permission_list_add_and_end(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    org_id = _org(world.runtime)
    csrf = browse_as(client, user_for(Role.OPERATOR))
    path = f"{CONSOLE}/organizations/{org_id}"
    page = client.get(path).text
    assert "tax-arrears" in page  # kinds of the active catalog to choose from
    nothing = post_form(
        client, f"{path}/permissions", csrf, scene="loan", basis="《湖北省社会信用信息管理条例》"
    )
    assert nothing.status_code == 422
    assert "access-rule-invalid" in nothing.text
    assert "《湖北省社会信用信息管理条例》" in nothing.text  # kept
    added = client.post(
        f"{path}/permissions",
        data={
            "scene": "administrative_licensing",
            "kinds": ["tax-arrears", "exam-cheating"],
            "sharing": "government",
            "basis": "《湖北省社会信用信息管理条例》第二十四条",
            "_csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    with world.runtime.scope() as session:
        (rule,) = policy.rules_of(session, org_id)
        assert rule.kinds == ["exam-cheating", "tax-arrears"]
        assert rule.sharing == ["government"]
        rule_id = rule.id
    shown = client.get(path).text
    assert "行政许可" in shown
    assert "第二十四条" in shown
    ended = post_form(client, f"{CONSOLE}/permissions/{rule_id}/revoke", csrf)
    assert ended.status_code == 303
    with world.runtime.scope() as session:
        assert session.get_one(AccessRule, rule_id).revoked_at is not None
    assert "已终止" in client.get(path).text


# -- lists -----------------------------------------------------------------------------------------


def _proposed(world: World) -> uuid.UUID:
    person = world.people[0]
    with world.runtime.scope() as session:
        subject_id = identity_resolve.subject_of(session, person.id_number, person.name)
        entry = list_service.propose(
            session,
            list_service.Proposal(
                list_type="black-judgment-defaulter",
                reason="有履行能力而拒不履行生效判决",
                subject_id=subject_id,
                document_no="（2026）鄂0102执123号",
            ),
            actor=SYSTEM,
        )
        return entry.id


def _window_passes(runtime: Runtime, entry_id: uuid.UUID) -> None:
    with runtime.scope() as session:
        session.execute(
            update(ListEntry)
            .where(ListEntry.id == entry_id)
            .values(objection_due_at=utcnow() - timedelta(seconds=1))
        )


def _status(runtime: Runtime, entry_id: uuid.UUID) -> str:
    with runtime.scope() as session:
        return session.get_one(ListEntry, entry_id).status


def test_list_entry_lifecycle_in_the_console(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    entry_id = _proposed(world)
    person = world.people[0]
    csrf = browse_as(client, user_for(Role.OPERATOR))
    proposed = client.get(f"{CONSOLE}/lists", params={"status": "proposed"})
    assert proposed.status_code == 200
    assert str(entry_id) in proposed.text
    assert person.id_number not in proposed.text
    assert person.name not in proposed.text
    page = f"{CONSOLE}/lists/{entry_id}"
    assert post_form(client, f"{page}/notify", csrf).status_code == 303
    assert _status(world.runtime, entry_id) == "notified"
    notified = client.get(f"{CONSOLE}/lists").text  # notified is the default tab
    assert str(entry_id) in notified
    assert "异议期内" in notified
    early = post_form(client, f"{page}/publish", csrf)
    assert early.status_code == 409
    assert "list-objection-window-open" in early.text
    assert _status(world.runtime, entry_id) == "notified"
    _window_passes(world.runtime, entry_id)
    assert post_form(client, f"{page}/publish", csrf).status_code == 303
    assert _status(world.runtime, entry_id) == "published"
    short = post_form(client, f"{page}/exit", csrf, reason="performed", note="短")
    assert short.status_code == 422
    assert "invalid-input" in short.text
    assert 'value="performed" selected' in short.text
    exited = post_form(client, f"{page}/exit", csrf, reason="performed", note="已全部履行判决义务")
    assert exited.status_code == 303
    assert _status(world.runtime, entry_id) == "exited"
    browse_as(client, user_for(Role.OPERATOR), "en")
    history = client.get(page)
    assert history.status_code == 200
    for step in ("Proposed", "Notified", "Published", "Exited", "Obligation performed"):
        assert step in history.text
    assert person.id_number not in history.text


def test_withdrawing_a_proposal_needs_a_note(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    entry_id = _proposed(world)
    csrf = browse_as(client, user_for(Role.OPERATOR))
    page = f"{CONSOLE}/lists/{entry_id}"
    refused = post_form(client, f"{page}/withdraw", csrf, note="")
    assert refused.status_code == 422
    done = post_form(client, f"{page}/withdraw", csrf, note="认定文书已被撤销")
    assert done.status_code == 303
    assert _status(world.runtime, entry_id) == EntryStatus.WITHDRAWN.value
    again = post_form(client, f"{page}/withdraw", csrf, note="认定文书已被撤销")
    assert again.status_code == 409
    assert "list-entry-wrong-state" in again.text
    assert client.get(f"{CONSOLE}/lists/{uuid.uuid4()}").status_code == 404


# -- query review ----------------------------------------------------------------------------------


def _pending(
    runtime: Runtime, org_id: uuid.UUID, purpose: str = "评选省级道德模范前的核查"
) -> uuid.UUID:
    with runtime.scope() as session:
        query = Query(
            organization_id=org_id,
            actor_kind="token",
            actor_id="t",
            actor_name="测试使用单位/system",
            scene="awards",
            purpose=purpose,
            grant_id=None,
            kinds=["tax-arrears"],
            subject_count=60,
            status=QueryStatus.PENDING_REVIEW.value,
            review_reasons=["bulk"],
            created_at=utcnow(),
        )
        session.add(query)
        session.flush()
        return query.id


def test_review_queue_release_and_refuse(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    org_id = _org(world.runtime)
    with world.runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        policy.add_rule(
            session,
            document,
            organization_id=org_id,
            scene=Scene.AWARDS,
            kinds=["tax-arrears"],
            sharing=[],
            basis="评优评先核查职责",
            valid_from_on=utcnow().date(),
            valid_until_on=None,
            actor=SYSTEM,
        )
    first, second = _pending(world.runtime, org_id), _pending(world.runtime, org_id, "第二次核查")
    reviewer = user_for(Role.REVIEWER)
    csrf = browse_as(client, reviewer)
    queue = client.get(f"{CONSOLE}/queries")
    assert queue.status_code == 200
    assert "评选省级道德模范前的核查" in queue.text
    assert "评优评先核查职责" in queue.text
    assert "批量查询" in queue.text
    assert "测试使用单位" in queue.text
    no_reason = post_form(
        client, f"{CONSOLE}/queries/{first}/decide", csrf, decision="approve", reason="  "
    )
    assert no_reason.status_code == 422
    assert "query-input-invalid" in no_reason.text
    no_choice = post_form(client, f"{CONSOLE}/queries/{first}/decide", csrf, reason="已报备")
    assert no_choice.status_code == 422
    assert "已报备" in no_choice.text  # kept
    approved = post_form(
        client, f"{CONSOLE}/queries/{first}/decide", csrf, decision="approve", reason="已报备"
    )
    assert approved.status_code == 303
    refused = post_form(
        client,
        f"{CONSOLE}/queries/{second}/decide",
        csrf,
        decision="refuse",
        reason="目的与场景不符",
    )
    assert refused.status_code == 303
    with world.runtime.scope() as session:
        assert session.get_one(Query, first).status == QueryStatus.APPROVED.value
        assert session.get_one(Query, second).decision_reason == "目的与场景不符"
    twice = post_form(
        client, f"{CONSOLE}/queries/{first}/decide", csrf, decision="refuse", reason="x"
    )
    assert twice.status_code == 409
    assert "query-already-decided" in twice.text
    browse_as(client, reviewer, "en")
    empty = client.get(f"{CONSOLE}/queries")
    assert "No queries wait for review" in empty.text
    assert "Query review" in empty.text


def test_every_page_renders_in_both_languages(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    org_id = _org(world.runtime)
    entry_id = _proposed(world)
    _pending(world.runtime, org_id)
    admin = user_for(Role.PLATFORM_ADMIN)
    pages = [
        f"{CONSOLE}/catalog",
        f"{CONSOLE}/catalog/2026.1",
        f"{CONSOLE}/organizations",
        f"{CONSOLE}/organizations/{org_id}",
        f"{CONSOLE}/lists",
        f"{CONSOLE}/lists?status=proposed",
        f"{CONSOLE}/lists/{entry_id}",
        f"{CONSOLE}/queries",
    ]
    for lang in ("zh", "en"):
        browse_as(client, admin, lang)
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, (path, lang)
            assert f'lang="{"en" if lang == "en" else "zh-Hans"}"' in response.text
            assert "<script>" not in response.text
            assert " style=" not in response.text
            assert "onclick" not in response.text
    with world.runtime.scope() as session:
        assert session.get_one(Organization, org_id)


# -- tips ------------------------------------------------------------------------------------------


def test_tips_queue_open_and_handle(
    client: TestClient,  # type: ignore[type-arg]
    world: World,
    user_for: Callable[..., str],
) -> None:
    from chengxin.tips import service as tip_service
    from chengxin.tips.models import Tip

    operator = user_for(Role.OPERATOR)
    receipt = tip_service.submit(
        world.runtime.scope,
        tip_service.TipInput(
            domain="other",
            about="某某商贸有限公司",
            what="该公司长期拖欠员工工资，经多次投诉仍未支付。",
            contact="13800000000",
        ),
        client_ip="203.0.113.9",
        settings=world.runtime.settings,
    )
    tip_id = receipt.tip.id
    csrf = browse_as(client, operator)
    queue = client.get(f"{CONSOLE}/tips")
    assert queue.status_code == 200
    assert receipt.tip.reference in queue.text
    assert "某某商贸有限公司" not in queue.text  # no content in the list
    page = client.get(f"{CONSOLE}/tips/{tip_id}")
    assert "该公司长期拖欠员工工资" in page.text
    closing = post_form(
        client, f"{CONSOLE}/tips/{tip_id}/state", csrf, state="closed", public_note="已核实"
    )
    assert closing.status_code == 422
    assert "tip-input-invalid" in closing.text
    assert "已核实" in closing.text  # kept
    started = post_form(client, f"{CONSOLE}/tips/{tip_id}/state", csrf, state="in_progress")
    assert started.status_code == 303
    closed = post_form(
        client,
        f"{CONSOLE}/tips/{tip_id}/state",
        csrf,
        state="closed",
        outcome="substantiated",
        public_note="经核实属实，已依法处理",
    )
    assert closed.status_code == 303
    with world.runtime.scope() as session:
        tip = session.get_one(Tip, tip_id)
        assert (tip.status, tip.outcome) == ("closed", "substantiated")
    browse_as(client, operator, "en")
    english = client.get(f"{CONSOLE}/tips/{tip_id}")
    assert "Substantiated" in english.text
    assert "Tips" in client.get(f"{CONSOLE}/tips").text
    browse_as(client, user_for(Role.REVIEWER))
    assert client.get(f"{CONSOLE}/tips").status_code == 403
