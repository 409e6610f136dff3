"""What the citizen's pages share: the page frame with labels, and the API's read models of
cases.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.errors import NotFound
from chengxin.objections import service as objection_service
from chengxin.objections.schemas import ObjectionRead
from chengxin.repair import service as repair_service
from chengxin.repair.schemas import RepairRead
from chengxin.security.permissions import Permission
from chengxin.web.citizen.labels import LABELS
from chengxin.web.citizen.pages import (
    my_records,
    scene_name,
)
from chengxin.web.guards import page_requires
from chengxin.web.i18n import lang_of
from chengxin.web.render import page

READ = [page_requires(Permission.SELF_DATA_READ)]


class ProofNotFound(NotFound):
    code = "proof-not-found"
    title = "No such entry about you"


def page_lang(request: Request[Any, Any, Any]) -> str:
    return lang_of(request.cookies)


def show(
    request: Request[Any, Any, Any],
    template: str,
    values: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response[str]:
    """A citizen page: the labels of states and the scene names come along."""
    lang = page_lang(request)
    return page(
        request,
        f"citizen/{template}",
        {
            "labels": LABELS,
            "scene_name": lambda code: scene_name(code, lang),
            **(values or {}),
        },
        status_code=status_code,
    )


def objection_read(session: Any, objection: Any) -> ObjectionRead:
    return ObjectionRead.of(objection_service.view(session, objection), utcnow())


def repair_read(session: Any, application: Any) -> RepairRead:
    return RepairRead.of(repair_service.view(session, application), utcnow())


def kind_names(session: Any, lang: str) -> dict[str, str]:
    _, document = catalog_service.active_document(session)
    return {k.code: (k.name_en if lang == "en" else k.name_zh) for k in document.kinds}


def record_options(session: Any, actor: Any, lang: str) -> list[tuple[str, str]]:
    return [(str(r.record.id), r.label(lang)) for r in my_records(session, actor)]
