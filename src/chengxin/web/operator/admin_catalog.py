"""Catalog versions (/console/operator/catalog): every version loaded with its state, a version's
record kinds, its diff against the active version, and activation with a confirm button.

Reading mirrors ``catalog/routes.py``; the diff is the catalog service's (``catalog_service.
diff``), which the command line shows before activation; activation is the same service call as
``chengxin catalog load`` (``catalog_service.load(…, activate=True)``). What this module adds is
presentation only: the per-field detail of a changed kind, compared from the two loaded documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody
from pydantic import BaseModel, ConfigDict

from chengxin.catalog import service as catalog_service
from chengxin.catalog.errors import CatalogInvalid
from chengxin.catalog.schema import CatalogDocument, RecordKind
from chengxin.deps import ActorDep, SessionDep
from chengxin.errors import DomainError
from chengxin.security.permissions import Permission
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.frame import console_page
from chengxin.web.render import see_other

BASE = "/console/operator/catalog"
# Loading and activating catalog versions (operators and platform administrators; before the
# console, only the command line did it).
CATALOG_MANAGE = Permission.CATALOG_CATALOG_MANAGE

STATUS_LABELS = {"active": n_("生效中"), "loaded": n_("已载入未生效"), "retired": n_("已停用")}


@dataclass(frozen=True)
class FieldChange:
    """One attribute of a kind that differs, with both values as text."""

    name: str
    before: str
    after: str


@dataclass
class KindDiff:
    """A changed kind: its attributes that differ, and the record fields added, removed, changed."""

    code: str
    name_zh: str
    name_en: str
    attributes: list[FieldChange] = field(default_factory=list)
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_changed: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def kind_details(
    before: CatalogDocument, after: CatalogDocument, diff: catalog_service.CatalogDiff
) -> list[KindDiff]:
    """The service's changed kinds, each with the values that differ (presentation only: compares
    two loaded documents, decides nothing)."""
    old = {k.code: k for k in before.kinds}
    new = {k.code: k for k in after.kinds}
    out = []
    for change in diff.changed:
        a: RecordKind = old[change.code]
        b: RecordKind = new[change.code]
        item = KindDiff(change.code, b.name_zh, b.name_en)
        da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
        for name in change.fields:
            if name == "fields":
                fa = {f["name"]: f for f in da["fields"]}
                fb = {f["name"]: f for f in db["fields"]}
                item.fields_added = sorted(fb.keys() - fa.keys())
                item.fields_removed = sorted(fa.keys() - fb.keys())
                item.fields_changed = sorted(n for n in fa.keys() & fb.keys() if fa[n] != fb[n])
            else:
                item.attributes.append(FieldChange(name, _text(da.get(name)), _text(db.get(name))))
        out.append(item)
    return out


def _names(document: CatalogDocument, codes: list[str]) -> list[RecordKind]:
    wanted = set(codes)
    return [k for k in document.kinds if k.code in wanted]


class UploadForm(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: UploadFile | None = None


class CatalogPages(Controller):
    path = BASE

    @get("/", guards=[page_requires(Permission.CATALOG_CATALOG_READ)], sync_to_thread=True)
    def versions(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """Every version loaded, newest first, with its state."""
        return self._versions(request, session, actor)

    def _versions(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        *,
        error: DomainError | None = None,
    ) -> Response[str]:
        return console_page(
            request,
            actor,
            "operator/admin/catalog.html",
            {
                "versions": catalog_service.list_versions(session),
                "labels": STATUS_LABELS,
                "may_manage": actor.can(CATALOG_MANAGE),
                "error": error,
            },
            status_code=error.status if error else 200,
        )

    @post("/load", guards=[page_requires(CATALOG_MANAGE)], sync_to_thread=True)
    def load(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: MultipartBody[UploadForm],
    ) -> Response[Any]:
        """Store a catalog file as a version, not yet active: its page shows the diff first."""
        try:
            if data.file is None:
                raise CatalogInvalid("choose a catalog file (JSON)")
            raw = data.file.file.read()
            try:
                content = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise CatalogInvalid(f"not a JSON file: {exc}") from None
            if not isinstance(content, dict):
                raise CatalogInvalid("a catalog is a JSON object")
            row = catalog_service.load(session, content, actor=actor, activate=False)
        except DomainError as exc:
            session.rollback()
            return self._versions(request, session, actor, error=exc)
        return see_other(f"{BASE}/{row.version}", notice=n_("已载入，请核对差异后再生效"))

    @get(
        "/{version:str}",
        guards=[page_requires(Permission.CATALOG_CATALOG_READ)],
        sync_to_thread=True,
    )
    def version(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        version: FromPath[str],
    ) -> Response[str]:
        """A version's record kinds and, unless it is the active one, what activating it changes."""
        return self._version(request, session, actor, version)

    def _version(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        version: str,
        *,
        error: DomainError | None = None,
    ) -> Response[str]:
        row = catalog_service.get_version_or_raise(session, version)
        document = catalog_service.document_of(row)
        active = catalog_service.get_active(session)
        diff = details = added = removed = None
        if active is None or active.version != row.version:
            before = catalog_service.document_of(active) if active else None
            diff = catalog_service.diff(before, document)
            added = _names(document, diff.added)
            removed = _names(before, diff.removed) if before else []
            details = kind_details(before, document, diff) if before else []
        return console_page(
            request,
            actor,
            "operator/admin/catalog_version.html",
            {
                "row": row,
                "document": document,
                "active": active,
                "diff": diff,
                "added": added,
                "removed": removed,
                "details": details,
                "labels": STATUS_LABELS,
                "may_manage": actor.can(CATALOG_MANAGE),
                "error": error,
            },
            status_code=error.status if error else 200,
        )

    @post("/{version:str}/activate", guards=[page_requires(CATALOG_MANAGE)], sync_to_thread=True)
    def activate(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        version: FromPath[str],
    ) -> Response[Any]:
        """Make this version the active one (the previous one is retired), as the command line."""
        try:
            row = catalog_service.get_version_or_raise(session, version)
            catalog_service.load(session, row.content, actor=actor, activate=True)
        except DomainError as exc:
            if exc.status == 404:  # noqa: PLR2004  # no such version: the error page
                raise
            session.rollback()
            return self._version(request, session, actor, version, error=exc)
        return see_other(f"{BASE}/{version}", notice=n_("目录版本已生效"))


CONTROLLERS: list[type[Controller]] = [CatalogPages]
