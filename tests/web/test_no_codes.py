"""No internal code on any page (issue 20, item 1): every page of every console — public portal,
the citizen's /me, provider, consumer, operator administration and oversight — rendered over the
demo's data, in Chinese and in English, by a crawler that follows the pages' own links as each
role would, plus the answers to forms (a found and a fruitless name search, a refused upload, a
check, an objection …). The visible text must not show a catalog kind, measure, list type,
department, role, status or problem code, nor a system actor's name.

What support staff need stays out of the visible text: attribute values (``title=``, form
values) and ``<code class="tag">…</code>`` tags are skipped. A code that is an ordinary word
(``active``, ``court``) is looked for only on the Chinese pages; a code that is part of an
English name (the kind ``consumption-restriction``, named "consumption-restriction order") only
there too. Set ``CHENGXIN_CODES_DUMP=<file>`` to write the findings and the pages visited.
"""

from __future__ import annotations

import html
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from chengxin.access.models import Alert, GrantStatus, Query, QueryStatus
from chengxin.access.scenes import Scene
from chengxin.accounts import service as accounts_service
from chengxin.accounts.models import UserStatus
from chengxin.assessment.models import IndicatorSetStatus, PeriodKind, UnitKind
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.demo import accounts as demo_accounts
from chengxin.demo import generator, loader
from chengxin.errors import DomainError
from chengxin.identity import service as identity_service
from chengxin.ingestion.messages import MESSAGES as ROW_ERRORS
from chengxin.lists import types as list_types
from chengxin.lists.models import EntryStatus, ExitReason, ListEntry, ListKind
from chengxin.measures import catalog as measures_catalog
from chengxin.objections.models import ObjectionOutcome, ObjectionStatus
from chengxin.organizations.models import (
    Organization,
    OrganizationKind,
    OrganizationRole,
    RoleKind,
)
from chengxin.records.models import CreditRecord
from chengxin.records.visibility import Mark
from chengxin.repair.models import RepairBasis, RepairStatus
from chengxin.runtime import Runtime
from chengxin.scoring.models import ReviewStatus, RulesetStatus
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.tips.models import TipOutcome, TipStatus
from chengxin.tracking.models import TaskSource, TaskStatus, UnitRole
from chengxin.web.labels import NOTICE_TOPIC
from tests.ingestion.fixtures import HEADER, csv_data, tax_row

Client = TestClient  # type: ignore[type-arg]
PEOPLE = 40
PDF = b"%PDF-1.4\n%test evidence\n"

ROOTS = {
    "public": [
        "/",
        "/lists",
        "/pages",
        "/verify",
        "/repair-guide",
        "/tips",
        "/tips/lookup",
        "/signin",
        "/me/signin",
    ],
    "citizen": [
        "/me",
        "/me/report",
        "/me/queries",
        "/me/objections",
        "/me/objections/new",
        "/me/repairs",
        "/me/repairs/new",
        "/me/grants",
        "/me/statements",
        "/me/notices",
        "/me/lists",
        "/me/score",
    ],
    "representative": ["/me", "/me/lists", "/me/report", "/me/objections/new"],
    "admin": [
        "/console/operator",
        "/console/operator/lists?status=published",
        "/console/operator/lists?status=exited",
    ],
    "operator": ["/console/operator"],
    "reviewer": ["/console/operator/queries"],
    "auditor": ["/console/operator/audit", "/console/operator/alerts"],
    "security": ["/console/operator/alerts", "/console/operator/emergency"],
    "provider": ["/console/provider"],
    "consumer": ["/console/consumer"],
}
# The crawl's name for each demo account's role.
STAFF = {
    Role.PLATFORM_ADMIN: "admin",
    Role.OPERATOR: "operator",
    Role.REVIEWER: "reviewer",
    Role.AUDITOR: "auditor",
    Role.SECURITY_OFFICER: "security",
    Role.PROVIDER_CLERK: "provider",
    Role.CONSUMER_OFFICER: "consumer",
}
# Where each role's crawl may go (links elsewhere are another role's pages).
PREFIXES = {
    "public": ("/lists", "/pages", "/verify", "/repair-guide", "/tips"),
    "citizen": ("/me",),
    "representative": ("/me",),
}
NEVER = (
    "signout",
    "logout",
    "sign-out",
    ".pdf",
    ".csv",
    ".json",
    ".xlsx",
    "/export",
    "/evidence/",
    "download",
)
PER_SHAPE = 3  # pages of one shape (the path with ids replaced) visited per role
LIMIT = 150  # pages per role

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HREF = re.compile(r'href="(/[^"#]*)"')
HIDDEN = re.compile(
    r"<(script|style)\b.*?</\1>|<code class=\"tag\"[^>]*>.*?</code>|<!--.*?-->",
    re.DOTALL | re.IGNORECASE,
)
TAG = re.compile(r"<[^>]+>")


def visible_text(page: str) -> str:
    """What a reader sees: the text between tags, without scripts, styles and support tags."""
    return html.unescape(TAG.sub(" ", HIDDEN.sub(" ", page)))


# -- the codes ------------------------------------------------------------------------------------

ENUMS: tuple[tuple[Any, str], ...] = (
    (RoleKind, "role"),
    (OrganizationKind, "organization kind"),
    (EntryStatus, "status"),
    (ExitReason, "exit reason"),
    (ListKind, "list kind"),
    (ObjectionStatus, "status"),
    (ObjectionOutcome, "outcome"),
    (RepairStatus, "status"),
    (RepairBasis, "repair basis"),
    (GrantStatus, "status"),
    (QueryStatus, "status"),
    (TipStatus, "status"),
    (TipOutcome, "outcome"),
    (UserStatus, "status"),
    (RulesetStatus, "status"),
    (ReviewStatus, "status"),
    (Mark, "status"),
    (Scene, "scene"),
    (IndicatorSetStatus, "status"),
    (PeriodKind, "period kind"),
    (UnitKind, "unit kind"),
    (TaskStatus, "status"),
    (TaskSource, "task source"),
    (UnitRole, "task unit role"),
)
SYSTEM_TASKS = (
    "demo",
    "jobs",
    "cli",
    "test",
    "expiry",
    "notifications",
    "bootstrap",
    "catalog-load",
    "access-permit",
    "keys-rotate",
    "population-import",
)


def _problem_codes() -> set[str]:
    found: set[str] = set()
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo.extend(cls.__subclasses__())
    return found


def _catalog_codes(runtime: Runtime) -> dict[str, str]:
    with runtime.scope() as session:
        _, document = catalog_service.active_document(session)
    codes = {k.code: "record kind" for k in document.kinds}
    codes |= {d.code: "department" for d in document.departments}
    codes |= {t.code: "list type" for t in list_types.all_types()}
    codes |= {m.code: "measure" for m in measures_catalog.catalog().measures}
    return codes


def known_codes(runtime: Runtime) -> dict[str, str]:
    """code → which vocabulary it belongs to."""
    codes = _catalog_codes(runtime)
    for enum, what in ENUMS:
        for member in enum:
            codes.setdefault(str(member.value), what)
    # Staff roles of one word are also the demo accounts' logins, which staff pages show.
    codes |= {r.value: "staff role" for r in Role if "_" in r.value}
    codes |= {f"system:{name}": "system actor" for name in SYSTEM_TASKS}
    codes["public"] = "system actor"
    for code in _problem_codes():
        codes.setdefault(code, "problem")
    codes |= dict.fromkeys(NOTICE_TOPIC, "notice topic")
    for code in ROW_ERRORS:  # a refused row's fault, worded on the provider's pages
        codes.setdefault(code, "row error")
    for login, *_ in demo_accounts.DEMO_ACCOUNTS:  # shown as the signed-in account's login
        codes.pop(login, None)
    return codes


def english_names(runtime: Runtime) -> str:
    """Every English name of the catalogs, one a line."""
    with runtime.scope() as session:
        _, document = catalog_service.active_document(session)
    names = [k.name_en for k in (*document.kinds, *document.departments, *document.domains)]
    names += [t.name_en for t in list_types.all_types()]
    names += [m.name_en for m in measures_catalog.catalog().measures]
    return "\n".join(names)


def _pattern(codes: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
    return re.compile(rf"(?<![\w/.@-])({alternatives})(?![\w/.@-])")


@dataclass
class Finding:
    role: str
    lang: str
    path: str
    code: str
    what: str
    around: str

    def __str__(self) -> str:
        return f"{self.role} {self.lang} {self.path}: {self.code} ({self.what}) in «{self.around}»"


class Scanner:
    """Looks for the codes in pages; remembers what it found and where it looked."""

    def __init__(self, runtime: Runtime) -> None:
        self.codes = known_codes(runtime)
        english = english_names(runtime)
        separated = [c for c in self.codes if re.search(r"[-_:]", c) and c not in english]
        self.patterns = {"zh": _pattern(list(self.codes)), "en": _pattern(separated)}
        self.findings: dict[tuple[str, str, str], Finding] = {}
        self.pages: list[str] = []

    def scan(self, role: str, lang: str, where: str, page: str) -> None:
        self.pages.append(f"{role} {lang} {where}")
        shown = visible_text(page)
        for match in self.patterns[lang].finditer(shown):
            code = match.group(1)
            around = " ".join(shown[max(0, match.start() - 30) : match.end() + 30].split())
            finding = Finding(role, lang, where, code, self.codes[code], around)
            self.findings.setdefault((lang, shape(where), code), finding)

    def both(self, client: Client, role: str, where: str, answer: Callable[[], Any]) -> None:
        """Scan a page (or a refused form's answer) in Chinese, then in English."""
        for lang in ("zh", "en"):
            client.cookies.set("chengxin_lang", lang)
            response = answer()
            assert response.status_code < 500, f"{role} {where}: {response.status_code}"
            if "text/html" in response.headers.get("content-type", ""):
                self.scan(role, lang, where, response.text)
        client.cookies.set("chengxin_lang", "zh")


def shape(path: str) -> str:
    return UUID.sub("{id}", path.split("?", maxsplit=1)[0])


def crawl(client: Client, role: str, roots: list[str], prefixes: tuple[str, ...]) -> Iterator[str]:
    """Each page (path) the role reaches by following links from ``roots``, in Chinese."""
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    todo = list(roots)
    while todo and len(seen) < LIMIT:
        path = todo.pop(0)
        if path in seen or any(n in path for n in NEVER):
            continue
        if shapes[shape(path)] >= PER_SHAPE and path not in roots:
            continue
        seen.add(path)
        shapes[shape(path)] += 1
        client.cookies.set("chengxin_lang", "zh")
        response = client.get(path, follow_redirects=False)
        assert response.status_code < 500, f"{role} {path}: {response.status_code}"
        location = response.headers.get("location", "")
        if response.status_code in {302, 303, 307} and location.startswith(prefixes):
            todo.insert(0, location)
        if response.status_code != 200 or "text/html" not in response.headers.get(
            "content-type", ""
        ):
            continue
        yield path
        for found in HREF.findall(response.text):
            link = html.unescape(found)
            if link not in seen and link.startswith(prefixes):
                todo.append(link)


# -- the data -------------------------------------------------------------------------------------


@pytest.fixture
def demo(runtime: Runtime) -> dict[str, str]:
    """The demo's data (people, departments, records, published lists, content, accounts);
    returns a session token per staff login."""
    loader.load(runtime, people=PEOPLE, enterprises=3)
    policy = accounts_service.Policy.from_settings(runtime.settings)
    with runtime.scope() as session:
        demo_accounts.ensure_accounts(session, policy=policy, actor=system_actor("demo"))
    with runtime.scope() as session:  # a query waiting for review and a monitoring alert
        consumer = session.execute(
            select(Organization).where(Organization.name == "湖北省财政厅（演示）")
        ).scalar_one()
        now = utcnow()
        session.add(
            Query(
                organization_id=consumer.id,
                actor_kind="token",
                actor_id="t",
                actor_name="system:demo",
                scene="awards",
                purpose="评选道德模范前的核查",
                grant_id=None,
                kinds=["tax-arrears", "court-judgment-defaulter"],
                subject_count=60,
                status=QueryStatus.PENDING_REVIEW.value,
                review_reasons=["bulk"],
                created_at=now,
            )
        )
        detail = {"scene": "administrative_licensing"}
        session.add(
            Alert(
                organization_id=consumer.id,
                rule="new-scene",
                window_start=now,
                detail=detail,
                created_at=now,
            )
        )
    sessions = {}
    for login, role, _, region in demo_accounts.DEMO_ACCOUNTS:
        name = STAFF.get(role)
        if name is None or name in sessions or region is not None:
            continue  # one province-wide account per role
        issued = accounts_service.login(
            runtime.scope,
            login=login,
            password=demo_accounts.DEMO_PASSWORD,
            client_ip=None,
            policy=policy,
        )
        sessions[name] = issued.token
    return sessions


def busiest_person(runtime: Runtime) -> Any:
    """The demo person with the most records (one on a list, of those)."""
    people = list(generator.people(PEOPLE))
    with runtime.scope() as session:
        listed = set(session.execute(select(ListEntry.subject_id)).scalars())
        counts = dict(
            session.execute(  # type: ignore[arg-type]
                select(CreditRecord.subject_id, func.count()).group_by(CreditRecord.subject_id)
            ).all()
        )
        best, score = people[0], -1
        for person in people:
            subject = identity_service.get_subject(session, person.id_number)
            if subject is None:
                continue
            value = counts.get(subject.id, 0) * 2 + (subject.id in listed)
            if value > score:
                best, score = person, value
    return best


def representative(runtime: Runtime) -> Any:
    """The demo person who represents a listed enterprise (linked to its entry, R8.4)."""
    people = list(generator.people(PEOPLE))
    with runtime.scope() as session:
        listed = select(ListEntry.organization_id).where(ListEntry.organization_id.is_not(None))
        ids = set(
            session.execute(
                select(OrganizationRole.subject_id).where(
                    OrganizationRole.organization_id.in_(listed)
                )
            ).scalars()
        )
        for person in people:
            subject = identity_service.get_subject(session, person.id_number)
            if subject is not None and subject.id in ids:
                return person
    return None


def _csrf(client: Client, path: str) -> str:
    client.get(path)
    return client.cookies.get("chengxin_csrf") or ""


def _record_ids(page: str) -> list[str]:
    return re.findall(r'<option value="([0-9a-f-]{36})"', page)


def citizen_forms(client: Client, scanner: Scanner) -> None:
    """What a citizen sends: an objection, a statement, a grant, a repair, a score review —
    and forms refused."""
    csrf = _csrf(client, "/me/objections/new")
    records = _record_ids(client.get("/me/objections/new").text)
    assert records, "the demo person has records"
    scanner.both(
        client,
        "citizen",
        "POST /me/objections/new (too short)",
        lambda: client.post(
            "/me/objections/new",
            data={"record_id": records[0], "reason": "错", "_csrf_token": csrf},
        ),
    )
    client.post(
        "/me/objections/new",
        files={"evidence": ("proof.pdf", PDF, "application/pdf")},
        data={"record_id": records[0], "reason": "该欠税已于认定前缴清", "_csrf_token": csrf},
    )
    if len(records) > 1:
        client.post(
            "/me/statements",
            data={"record_id": records[-1], "_csrf_token": csrf, "text": "因疫情期间停业导致逾期"},
        )
    scanner.both(
        client,
        "citizen",
        "POST /me/repairs/new",
        lambda: client.post(
            "/me/repairs/new",
            data={
                "record_id": records[-1],
                "basis": "obligation_performed",
                "explanation": "已履行全部法定义务",
                "commitment": "on",
                "_csrf_token": csrf,
            },
        ),
    )
    agency = generator.organizations(0)
    codes = [o.credit_code for o in agency if o.name == "楚天征信服务有限公司（演示）"]
    grant = {
        "credit_code": codes[0] if codes else "",
        "scene": "loan",
        "purpose": "个人住房贷款审批",
    }
    client.post("/me/grants", data={**grant, "_csrf_token": csrf})
    scanner.both(
        client,
        "citizen",
        "POST /me/grants (unknown unit)",
        lambda: client.post(
            "/me/grants",
            data={
                "credit_code": "000000000000000000",
                "scene": "loan",
                "purpose": "个人住房贷款审批",
                "_csrf_token": csrf,
            },
        ),
    )
    client.post(
        "/me/score/reviews", data={"reason": "积分计算有疑问，请人工复核", "_csrf_token": csrf}
    )


def public_forms(client: Client, scanner: Scanner, person: Any) -> None:
    """A visitor's searches (found, and nothing found), a verification, a tip and its look-up."""
    csrf = _csrf(client, "/lists")
    for where, data in (
        ("POST /lists/search (name, found)", {"by": "name", "query": person.name}),
        ("POST /lists/search (name, none)", {"by": "name", "query": "欧阳不存在"}),
        ("POST /lists/search (bad id)", {"by": "id_number", "query": "123"}),
    ):
        scanner.both(
            client,
            "public",
            where,
            lambda d=data: client.post(  # type: ignore[misc]
                "/lists/search", data={**d, "_csrf_token": csrf}
            ),
        )
    tip = {
        "domain": "black-wage-arrears",
        "about": "某建筑劳务公司",
        "region_code": "420100",
        "what": "拖欠二十余名农民工三个月工资至今未支付",
        "_csrf_token": csrf,
    }
    sent = client.post("/tips", data=tip)
    scanner.scan("public", "zh", "POST /tips", sent.text)
    reference = re.search(r'id="tip-reference"[^>]*>([^<]+)<', sent.text)
    secret = re.search(r'id="tip-secret"[^>]*>([^<]+)<', sent.text)
    assert reference is not None, "the tip's receipt"
    assert secret is not None
    found = {"reference": reference.group(1), "secret": secret.group(1), "_csrf_token": csrf}
    scanner.both(
        client, "public", "POST /tips/lookup", lambda: client.post("/tips/lookup", data=found)
    )
    scanner.both(
        client,
        "public",
        "POST /verify (wrong)",
        lambda: client.post(
            "/verify", data={"number": "R-0000-0000", "code": "ABCD-EFGH", "_csrf_token": csrf}
        ),
    )
    scanner.both(
        client,
        "public",
        "POST /tips/lookup (wrong)",
        lambda: client.post(
            "/tips/lookup", data={"reference": "T-0000", "secret": "x" * 12, "_csrf_token": csrf}
        ),
    )


def provider_forms(client: Client, scanner: Scanner, person: Any) -> None:
    """A file with an unknown column (refused whole), then one with a bad row."""
    csrf = _csrf(client, "/console/provider")
    unknown = csv_data([tax_row(person, "SCAN-1")], header=(*HEADER, "备注说明"))
    scanner.both(
        client,
        "provider",
        "POST upload (unknown column)",
        lambda: client.post(
            "/console/provider/upload",
            data={"_csrf_token": csrf},
            files={"file": ("tax.csv", unknown, "text/csv")},
        ),
    )
    rows = [tax_row(person, "SCAN-2"), tax_row(person, "SCAN-3", amount="很多")]
    client.post(
        "/console/provider/upload",
        data={"_csrf_token": csrf},
        files={"file": ("tax.csv", csv_data(rows), "text/csv")},
    )


def consumer_forms(client: Client, scanner: Scanner, person: Any) -> None:
    """A check of a listed person (measures apply), and one refused."""
    csrf = _csrf(client, "/console/consumer")
    scanner.both(
        client,
        "consumer",
        "POST checks",
        lambda: client.post(
            "/console/consumer/checks",
            data={
                "_csrf_token": csrf,
                "id_number": person.id_number,
                "name": person.name,
                "purpose": "食品经营许可审查",
                "scene": "administrative_licensing",
            },
        ),
    )
    scanner.both(
        client,
        "consumer",
        "POST checks (bad)",
        lambda: client.post(
            "/console/consumer/checks",
            data={
                "_csrf_token": csrf,
                "id_number": "1",
                "name": "x",
                "scene": "nope",
                "purpose": "食品经营许可审查",
            },
        ),
    )


# -- the test -------------------------------------------------------------------------------------


def test_no_internal_code_on_any_page(
    client: Client,
    runtime: Runtime,
    demo: dict[str, str],
    citizen_for: Callable[..., tuple[str, uuid.UUID]],
) -> None:
    scanner = Scanner(runtime)
    person = busiest_person(runtime)
    citizen, _ = citizen_for(person)
    client.post("/api/v1/me/report", json={}, headers={"Authorization": f"Bearer {citizen}"})
    linked = representative(runtime)
    assert linked is not None, "the demo lists an enterprise with a legal representative"
    sessions: dict[str, str | None] = {"public": None, "citizen": citizen, **demo}
    sessions["representative"] = citizen_for(linked)[0]
    forms: dict[str, Callable[[], None]] = {
        "public": lambda: public_forms(client, scanner, person),
        "citizen": lambda: citizen_forms(client, scanner),
        "provider": lambda: provider_forms(client, scanner, person),
        "consumer": lambda: consumer_forms(client, scanner, person),
    }
    for role in ("citizen", "provider", "consumer", "public"):  # the data first, then the pages
        client.cookies.clear()
        if sessions[role] is not None:
            client.cookies.set("chengxin_session", sessions[role])
        forms[role]()
    for role, roots in ROOTS.items():
        client.cookies.clear()
        if sessions[role] is not None:
            client.cookies.set("chengxin_session", sessions[role])
        for path in crawl(client, role, roots, PREFIXES.get(role, ("/console/",))):
            scanner.both(client, role, path, lambda p=path: client.get(p))  # type: ignore[misc]
    if os.environ.get("CHENGXIN_CODES_DUMP"):
        dump = Path(os.environ["CHENGXIN_CODES_DUMP"])
        dump.write_text("\n".join(str(f) for f in scanner.findings.values()), encoding="utf-8")
        dump.with_suffix(".pages").write_text("\n".join(scanner.pages), encoding="utf-8")
    visited = {p.split(" ", 2)[2] for p in scanner.pages}
    assert len(visited) > 100, sorted(visited)
    for role in ROOTS:
        assert any(p.startswith(f"{role} ") for p in scanner.pages), f"{role} saw no page"
    assert not scanner.findings, f"{len(scanner.findings)} internal codes shown:\n" + "\n".join(
        str(f) for f in scanner.findings.values()
    )
