"""Pages of the public portal, and the operators' editor of its content pages.

Every page here is public and calls the same services as the public API (lists, reports' public
verification, tips, content): masked list entries, searches and look-ups by POST (nothing
personal in a URL), the same per-client rate limits.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from pydantic import BaseModel

from chengxin.catalog import service as catalog_service
from chengxin.catalog.errors import NoActiveCatalog
from chengxin.catalog.schema import CatalogDocument, Category
from chengxin.content import service as content_service
from chengxin.content.models import ContentKind
from chengxin.db import utcnow
from chengxin.deps import Offset, SessionDep, SettingsDep, client_ip
from chengxin.errors import DomainError
from chengxin.keys import keyring_of
from chengxin.lists import public as public_lists
from chengxin.lists import types as list_types
from chengxin.lists.models import ListKind
from chengxin.lists.schemas import EntryPublic, SearchIn
from chengxin.repair import service as repair_service
from chengxin.repair.models import RepairBasis
from chengxin.reports import verification
from chengxin.reports.schemas import VerifyIn
from chengxin.runtime import Runtime
from chengxin.settings import Settings
from chengxin.tips import service as tip_service
from chengxin.tips.schemas import TipIn, TipLookupIn, TipPublic
from chengxin.web.forms import parse
from chengxin.web.i18n import n_
from chengxin.web.portal import figures
from chengxin.web.portal.content_admin import CONTROLLERS as CONTENT_ADMIN
from chengxin.web.render import page

PUBLIC = {"public": True}
PAGE_SIZE = 20

KIND_LABELS = {
    ContentKind.EXEMPLAR.value: n_("诚信典型"),
    ContentKind.WARNING_CASE.value: n_("失信案例"),
    ContentKind.POLICY.value: n_("政策文件"),
}
SEARCH_BY = (
    ("id_number", n_("身份证号码")),
    ("credit_code", n_("统一社会信用代码")),
    ("name", n_("姓名或单位全称")),
)
AUDIENCES = {
    "subject": n_("本人查询"),
    "government": n_("政务查询"),
    "third_party": n_("授权查询"),
}


class SearchForm(BaseModel):
    by: str = "id_number"
    query: str = ""


class VerifyForm(BaseModel):
    number: str = ""
    code: str = ""


class TipForm(BaseModel):
    domain: str = ""
    about: str = ""
    id_number: str = ""
    credit_code: str = ""
    region_code: str = ""
    what: str = ""
    contact: str = ""


class LookupForm(BaseModel):
    reference: str = ""
    secret: str = ""


def _retry_minutes(exc: DomainError) -> int:
    seconds = int(exc.extra.get("retry_after") or 3600)
    return max(1, (seconds + 59) // 60)


def _names() -> dict[str, list_types.ListType]:
    """Every list type by code (entries show the type's name in the reader's language)."""
    return list_types.registry()


def _runtime(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


class PortalController(Controller):
    """The home page, the red and black lists and their search, and the content pages."""

    path = "/"

    @get("/", opt=PUBLIC, sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], session: SessionDep) -> Response[str]:
        now = utcnow()
        black = public_lists.entries(session, kind=ListKind.BLACK, limit=5, now=now)
        red = public_lists.entries(session, kind=ListKind.RED, limit=5, now=now)
        return page(
            request,
            "portal/home.html",
            {
                "figures": figures.home(session, now=now),
                "black": [EntryPublic.of(e) for e in black.items],
                "black_total": black.total,
                "red": [EntryPublic.of(e) for e in red.items],
                "red_total": red.total,
                "latest": content_service.published(session, limit=6),
                "kinds": KIND_LABELS,
                "names": _names(),
            },
        )

    @get("/lists", opt=PUBLIC, sync_to_thread=False)
    def lists(self, request: Request[Any, Any, Any]) -> Response[str]:
        return page(
            request,
            "portal/lists.html",
            {
                "types": list_types.all_types(),
                "search_by": SEARCH_BY,
                "form": SearchForm(),
                "error": None,
                "names": _names(),
            },
        )

    @get("/lists/{code:str}", opt=PUBLIC, sync_to_thread=True)
    def list_type(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        code: FromPath[str],
        offset: FromQuery[Offset] = 0,
    ) -> Response[str]:
        found = list_types.get(code)
        if found is None:
            raise NotFoundException  # an address, not an API input: the not-found page
        shown = public_lists.entries(session, list_type=found.code, limit=PAGE_SIZE, offset=offset)
        return page(
            request,
            "portal/list_type.html",
            {
                "t": found,
                "entries": [EntryPublic.of(e) for e in shown.items],
                "total": shown.total,
                "offset": offset,
                "size": PAGE_SIZE,
                "names": _names(),
            },
        )

    @post("/lists/search", opt=PUBLIC, sync_to_thread=True, status_code=200)
    def search(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        settings: SettingsDep,
        data: URLEncodedBody[SearchForm],
    ) -> Response[str]:
        """As POST /api/v1/public/lists/search: rate-limited per client, masked results only."""
        values: dict[str, Any] = {
            "types": list_types.all_types(),
            "search_by": SEARCH_BY,
            "form": data,
            "error": None,
            "results": None,
            "names": _names(),
        }
        try:
            fields = {data.by: data.query.strip()} if data.by in dict(SEARCH_BY) else {}
            query = parse(SearchIn, fields)
            # Counted in a unit of work of its own before the request's session begins (as the
            # API does).
            public_lists.count_search(
                _runtime(request).scope,
                client_ip=client_ip(request),
                limit=settings.lists_searches_per_client_per_hour,
                now=utcnow(),
            )
            found = public_lists.search(
                session, id_number=query.id_number, credit_code=query.credit_code, name=query.name
            )
        except DomainError as exc:
            values |= {"error": exc, "retry_minutes": _retry_minutes(exc)}
            return page(request, "portal/lists.html", values, status_code=exc.status)
        values["results"] = [EntryPublic.of(e) for e in found]
        return page(request, "portal/lists.html", values)

    @get("/pages", opt=PUBLIC, sync_to_thread=True)
    def pages(self, request: Request[Any, Any, Any], session: SessionDep) -> Response[str]:
        found = content_service.published(session)
        groups = [
            (kind, label, [p for p in found if p.kind == kind])
            for kind, label in KIND_LABELS.items()
        ]
        return page(request, "portal/pages.html", {"groups": groups})

    @get("/pages/{slug:str}", opt=PUBLIC, sync_to_thread=True)
    def content_page(
        self, request: Request[Any, Any, Any], session: SessionDep, slug: FromPath[str]
    ) -> Response[str]:
        found = content_service.published_or_raise(session, slug)
        return page(
            request,
            "portal/page.html",
            {
                "p": found,
                "body": content_service.render(found.body_markdown),
                "kind_label": KIND_LABELS.get(found.kind, found.kind),
            },
        )


class VerifyController(Controller):
    """The public check of an issued report (number and verification code)."""

    path = "/"

    def _form(self, request: Request[Any, Any, Any], number: str) -> Response[str]:
        form = VerifyForm(number=number.strip().upper()[:32])
        return page(request, "portal/verify.html", {"form": form, "error": None, "result": None})

    @get("/verify", opt=PUBLIC, sync_to_thread=False)
    def verify_form(
        self, request: Request[Any, Any, Any], number: FromQuery[str] = ""
    ) -> Response[str]:
        """The report number may come in the address (it is printed, QR-coded, on the report:
        not personal data); the code never does."""
        return self._form(request, number)

    @get("/reports/verify", opt=PUBLIC, sync_to_thread=False)
    def printed_link(
        self, request: Request[Any, Any, Any], number: FromQuery[str] = ""
    ) -> Response[str]:
        """The address printed on every report (reports.service.verify_url)."""
        return self._form(request, number)

    @post("/verify", opt=PUBLIC, sync_to_thread=True, status_code=200)
    def verify(
        self, request: Request[Any, Any, Any], session: SessionDep, data: URLEncodedBody[VerifyForm]
    ) -> Response[str]:
        """As POST /api/v1/reports/verify: issue time, audience, signed digest; never content."""
        values: dict[str, Any] = {
            "form": data,
            "error": None,
            "result": None,
            "audiences": AUDIENCES,
        }
        try:
            asked = parse(VerifyIn, {"number": data.number, "code": data.code})
            issue = verification.verify(session, asked.number, asked.code)
        except DomainError as exc:
            values["error"] = exc
            return page(request, "portal/verify.html", values, status_code=exc.status)
        values["result"] = {
            "number": issue.number,
            "issued_at": issue.issued_at,
            "audience": issue.audience,
            "digest": issue.digest,
            "key_id": issue.key_id,
            "signature_valid": verification.signature_holds(keyring_of(session), issue),
        }
        return page(request, "portal/verify.html", values)


def _periods(document: CatalogDocument) -> list[dict[str, Any]]:
    """Each dishonest record kind with the period the repair service reads (the window's
    minimum: the earliest day an application may be made) and whether it may be repaired."""
    rows = []
    for kind in document.kinds:
        if kind.category is not Category.DISHONEST:
            continue
        period = document.period_of(kind)
        rows.append(
            {
                "kind": kind,
                "severity": kind.severity.value if kind.severity else "",
                "min_months": period.min_months,
                "max_months": period.max_months,
                "repairable": kind.repairable,
            }
        )
    return rows


SEVERITIES = {"minor": n_("轻微"), "general": n_("一般"), "serious": n_("严重")}
BASES = {
    RepairBasis.OBLIGATION_PERFORMED.value: n_("履行法定义务、纠正失信行为"),
    RepairBasis.VOLUNTEER_SERVICE.value: n_("志愿服务"),
    RepairBasis.CHARITY.value: n_("慈善捐助"),
    RepairBasis.OTHER.value: n_("其他"),
}
BARS = {
    "repaired-within-1-year": n_("一年内已获准修复的，暂不受理"),
    "two-repairs-within-5-years": n_("五年内已获准修复两次的，暂不受理"),
    "same-kind-within-5-years": n_("五年内同类信息已修复的，暂不受理"),
}


class GuideController(Controller):
    """The credit-repair guide, from the same settings and catalog the repair service reads."""

    path = "/"

    @get("/repair-guide", opt=PUBLIC, sync_to_thread=True)
    def repair_guide(
        self, request: Request[Any, Any, Any], session: SessionDep, settings: SettingsDep
    ) -> Response[str]:
        try:
            version, document = catalog_service.active_document(session)
            catalog: dict[str, Any] | None = {
                "version": version.version,
                "kinds": _periods(document),
                "defaults": [(s, getattr(document.display_defaults, s)) for s in SEVERITIES],
            }
        except NoActiveCatalog:
            catalog = None
        return page(
            request,
            "portal/repair_guide.html",
            {
                "catalog": catalog,
                "severities": SEVERITIES,
                "bases": BASES,
                "decide_days": settings.repair_decide_days,
                "answer_days": settings.repair_answer_days,
                "bars": [BARS.get(b, b) for b in settings.repair_bars],
                "commitment": repair_service.COMMITMENT_TEXT,
            },
        )


def _domains() -> list[tuple[str, str, str]]:
    """What a tip may be about, as GET /api/v1/tips/domains answers: code, Chinese, English."""
    found = [
        (t.code, t.name_zh, t.name_en) for t in list_types.all_types() if t.kind is ListKind.BLACK
    ]
    return [*found, (tip_service.OTHER_DOMAIN, "其他", "other")]


STATUSES = {
    "received": n_("已受理"),
    "routed": n_("已转办"),
    "in_progress": n_("办理中"),
    "closed": n_("已办结"),
}
OUTCOMES = {
    "substantiated": n_("属实"),
    "unsubstantiated": n_("不属实或无法查实"),
    "transferred": n_("已移送"),
}


class TipPageController(Controller):
    """The anonymous tip form and the look-up of a tip by its reference and secret."""

    path = "/tips"

    def _values(self, form: TipForm, settings: Settings) -> dict[str, Any]:
        return {
            "form": form,
            "domains": _domains(),
            "error": None,
            "receipt": None,
            "per_hour": settings.tips_per_client_per_hour,
        }

    @get("/", opt=PUBLIC, sync_to_thread=False)
    def tip_form(self, request: Request[Any, Any, Any], settings: SettingsDep) -> Response[str]:
        return page(request, "portal/tips.html", self._values(TipForm(), settings))

    @post("/", opt=PUBLIC, sync_to_thread=True, status_code=200)
    def submit(
        self, request: Request[Any, Any, Any], settings: SettingsDep, data: URLEncodedBody[TipForm]
    ) -> Response[str]:
        """As POST /api/v1/tips: the reference and the secret are shown once, here."""
        values = self._values(data, settings)
        try:
            tip = parse(
                TipIn,
                {
                    "domain": data.domain,
                    "about": data.about,
                    "what": data.what,
                    "id_number": data.id_number.strip() or None,
                    "credit_code": data.credit_code.strip() or None,
                    "region_code": data.region_code.strip() or None,
                    "contact": data.contact.strip() or None,
                },
            )
            receipt = tip_service.submit(
                _runtime(request).scope,
                tip_service.TipInput(
                    domain=tip.domain,
                    about=tip.about,
                    what=tip.what,
                    id_number=tip.id_number,
                    credit_code=tip.credit_code,
                    region_code=tip.region_code,
                    contact=tip.contact,
                ),
                client_ip=client_ip(request),
                settings=settings,
            )
        except DomainError as exc:
            values |= {"error": exc, "retry_minutes": _retry_minutes(exc)}
            return page(request, "portal/tips.html", values, status_code=exc.status)
        values["receipt"] = receipt
        values["form"] = TipForm()
        return page(request, "portal/tips.html", values, status_code=201)

    @get("/lookup", opt=PUBLIC, sync_to_thread=False)
    def lookup_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        return page(
            request, "portal/tip_lookup.html", {"form": LookupForm(), "error": None, "tip": None}
        )

    @post("/lookup", opt=PUBLIC, sync_to_thread=True, status_code=200)
    def lookup(
        self,
        request: Request[Any, Any, Any],
        settings: SettingsDep,
        data: URLEncodedBody[LookupForm],
    ) -> Response[str]:
        """As POST /api/v1/tips/lookup: state and public notes, rate-limited per client."""
        values: dict[str, Any] = {
            "form": LookupForm(reference=data.reference),
            "error": None,
            "tip": None,
            "statuses": STATUSES,
            "outcomes": OUTCOMES,
        }
        try:
            asked = parse(
                TipLookupIn, {"reference": data.reference.strip(), "secret": data.secret.strip()}
            )
            view = tip_service.lookup(
                _runtime(request).scope,
                reference=asked.reference,
                secret=asked.secret,
                client_ip=client_ip(request),
                settings=settings,
            )
        except DomainError as exc:
            values |= {"error": exc, "retry_minutes": _retry_minutes(exc)}
            return page(request, "portal/tip_lookup.html", values, status_code=exc.status)
        values["tip"] = TipPublic.of(view)
        return page(request, "portal/tip_lookup.html", values)


CONTROLLERS: list[type[Controller]] = [
    PortalController,
    VerifyController,
    GuideController,
    TipPageController,
    *CONTENT_ADMIN,
]
