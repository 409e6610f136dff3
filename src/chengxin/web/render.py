"""Rendering a page: one Jinja2 environment for every console, with the request's language, the
signed-in actor, the CSRF token and the navigation in every template's context.

Handlers stay thin (STYLE.md): they call the same services as the API and hand the results to
``page(request, "area/name.html", {...})``. Templates are autoescaped; times are shown in China
Standard Time, as in reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.response import Redirect
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from chengxin.context import ROLLBACK_ONLY
from chengxin.reports.render import BEIJING
from chengxin.security.actor import ANONYMOUS, Actor, ActorKind
from chengxin.web import labels, nav
from chengxin.web.forms import local_path
from chengxin.web.i18n import HTML_LANG, LANG_COOKIE, lang_of, translator
from chengxin.workdays.service import last_day

CSRF_COOKIE = "chengxin_csrf"
NOTICE_COOKIE = "chengxin_notice"  # one message for the next page, after a redirect
ELDER_COOKIE = "chengxin_elder"  # "1": 长者模式, larger text and higher contrast (header switch)
CSRF_FIELD = "_csrf_token"  # Litestar's CSRF middleware reads this form field (or the header)
ACTOR_KEY = "chengxin_actor"  # security.guards caches the resolved actor under this scope key


def _beijing(value: datetime | date | str | None, fmt: str = "%Y-%m-%d %H:%M") -> Markup | str:
    """A time in China Standard Time (dates are shown as they are), in a ``<time>`` element
    that never wraps ("2026-12-07" is not split at its hyphens on a phone)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        local = value.astimezone(BEIJING)
        shown, machine = local.strftime(fmt), local.isoformat(timespec="minutes")
    else:  # a date (or a date already written out, as in a report's content)
        shown = machine = value if isinstance(value, str) else value.isoformat()
    return Markup('<time datetime="{}">{}</time>').format(machine, shown)


def _day(value: datetime | date | str | None) -> Markup | str:
    return _beijing(value, "%Y-%m-%d")


def _last_day(value: datetime | None) -> Markup | str:
    """A deadline (the exclusive midnight after its last day) as its last day, in China: the
    date the text message and the report name (``workdays.last_day``); a ``<time>`` as ``day``."""
    return "—" if value is None else _day(last_day(value))


@cache
def environment() -> Environment:
    """The templates of every area, under ``web/templates/``."""
    env = Environment(
        loader=PackageLoader("chengxin.web", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["beijing"] = _beijing
    env.filters["day"] = _day
    env.filters["last_day"] = _last_day
    env.globals.update(labels.GLOBALS)  # name(), who(), tag(), score_rule(): codes in words
    return env


def request_actor(request: Request[Any, Any, Any]) -> Actor:
    """The actor the guards resolved for this request (anonymous on public pages, where no guard
    ran; a handler that needs it there declares the ``actor`` dependency)."""
    found = request.scope.get("state", {}).get(ACTOR_KEY)
    return found if isinstance(found, Actor) else ANONYMOUS


def csrf_token(request: Request[Any, Any, Any]) -> str:
    """The token forms carry in ``_csrf_token``: set by the middleware on safe requests, the
    cookie's on a form re-shown after a POST."""
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) and token else request.cookies.get(CSRF_COOKIE, "")


def context(request: Request[Any, Any, Any], actor: Actor | None = None) -> dict[str, Any]:
    """What every template sees."""
    lang = lang_of(request.cookies)
    who = actor or request_actor(request)
    return {
        "_": translator(lang),
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "other_lang": "en" if lang == "zh" else "zh",
        "actor": who,
        "signed_in": who.kind in (ActorKind.USER, ActorKind.CITIZEN, ActorKind.TOKEN),
        "is_citizen": who.kind is ActorKind.CITIZEN,
        "menu": nav.menu(who),
        "path": request.url.path,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "csrf_input": Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, csrf_token(request)
        ),
        "lang_cookie": LANG_COOKIE,
        "notice": unquote(request.cookies.get(NOTICE_COOKIE, "")) or None,
        "elder": request.cookies.get(ELDER_COOKIE) == "1",
        "site": _site_settings(request),
    }


def _site_settings(request: Request[Any, Any, Any]) -> Any:
    """The settings the footer reads (hotline, registrations); None outside a full app."""
    runtime = request.app.state.get("runtime")
    return getattr(runtime, "settings", None)


def render(
    request: Request[Any, Any, Any],
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None = None,
) -> str:
    """A template rendered to HTML with the common context plus ``values``."""
    values = {**context(request, actor), **(values or {})}
    return environment().get_template(template).render(values)


def page(
    request: Request[Any, Any, Any],
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    actor: Actor | None = None,
) -> Response[str]:
    """An HTML page (never cached: pages may show personal data). An error status (a refused
    form shown again) also rolls the request's transaction back: nothing of the refused step is
    kept, as when the API raises."""
    if status_code >= 400:  # noqa: PLR2004
        request.scope[ROLLBACK_ONLY] = True  # type: ignore[literal-required]
    response = Response(
        render(request, template, values, actor=actor),
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )
    if NOTICE_COOKIE in request.cookies:
        response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


def see_other(path: str, *, notice: str | None = None) -> Redirect:
    """After a form's POST: 303 to the page that shows the result (Post/Redirect/Get). ``path``
    is a local path; it never carries personal data. ``notice`` (a msgid such as
    ``n_("已提交")``, never personal data) is shown once on the next page."""
    response = Redirect(path=local_path(path), status_code=303)
    if notice is not None:
        response.set_cookie(
            Cookie(
                key=NOTICE_COOKIE,
                value=quote(notice),
                path="/",
                max_age=120,
                httponly=True,
                samesite="strict",
            )
        )
    return response
