"""Catalog errors."""

from __future__ import annotations

from chengxin.errors import Conflict, InvalidInput, NotFound


class CatalogInvalid(InvalidInput):
    code = "catalog-invalid"
    title = "The catalog document does not validate"


class CatalogListTypeUnknown(CatalogInvalid):
    code = "catalog-list-type-unknown"
    title = "A record kind proposes a list type that does not exist"


class CatalogVersionExists(Conflict):
    code = "catalog-version-exists"
    title = "A different catalog with this version number was already loaded"


class CatalogNotFound(NotFound):
    code = "catalog-not-found"
    title = "No such catalog version"


class KindNotFound(NotFound):
    code = "kind-not-found"
    title = "No such record kind in the catalog"


class NoActiveCatalog(Conflict):
    code = "catalog-not-active"
    title = "No catalog is active; load one with `chengxin catalog load`"
