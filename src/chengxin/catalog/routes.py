"""HTTP routes of the catalog domain: the active catalog and its versions, read-only.

Loading and activating a version is an operator's act at the command line
(``chengxin catalog load``), where the diff is shown before confirmation.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import FromPath

from chengxin.catalog import service as catalog_service
from chengxin.catalog.schemas import CatalogRead, CatalogVersionRead
from chengxin.deps import SessionDep
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


class CatalogController(Controller):
    path = "/api/v1/catalog"
    tags = ["catalog"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.CATALOG_CATALOG_READ)],
        summary="The active catalog",
    )
    def active(self, session: SessionDep) -> CatalogRead:
        """Record kinds, their rules and legal bases, as providers must follow them now."""
        row, _ = catalog_service.active_document(session)
        return CatalogRead.model_validate(row)

    @get(
        "/versions",
        sync_to_thread=True,
        guards=[requires(Permission.CATALOG_CATALOG_READ)],
        summary="Every catalog version loaded",
    )
    def versions(self, session: SessionDep) -> list[CatalogVersionRead]:
        """Newest first; records name the version they were validated against."""
        return [
            CatalogVersionRead.model_validate(r) for r in catalog_service.list_versions(session)
        ]

    @get(
        "/versions/{version:str}",
        sync_to_thread=True,
        guards=[requires(Permission.CATALOG_CATALOG_READ)],
        summary="One catalog version with its content",
    )
    def version(self, session: SessionDep, version: FromPath[str]) -> CatalogRead:
        """A past or present version, as it was loaded."""
        return CatalogRead.model_validate(catalog_service.get_version_or_raise(session, version))

    @get(
        "/kinds/{code:str}",
        sync_to_thread=True,
        guards=[requires(Permission.CATALOG_CATALOG_READ)],
        summary="One record kind of the active catalog",
    )
    def kind(self, session: SessionDep, code: FromPath[str]) -> dict[str, Any]:
        """Its fields, display period (with the defaults applied) and legal basis."""
        _, document = catalog_service.active_document(session)
        kind = catalog_service.get_kind_or_raise(document, code)
        return {
            **kind.model_dump(mode="json"),
            "display_period": document.period_of(kind).model_dump(mode="json"),
            "catalog_version": document.version,
        }
