from __future__ import annotations

from chengxin.errors import InvalidInput


class MeasureCatalogInvalid(InvalidInput):
    code = "measure-catalog-invalid"
    title = "The measures catalog is not valid"
