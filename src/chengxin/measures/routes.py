"""HTTP routes of the measures domain: the published catalog (public, R9.1: the measures, their
bases and targets are published as they are applied)."""

from __future__ import annotations

from litestar import Controller, get

from chengxin.measures import catalog as measure_catalog
from chengxin.measures.schemas import MeasureCatalogRead

PUBLIC = {"public": True}


class MeasureController(Controller):
    path = "/api/v1/measures"
    tags = ["measures"]

    @get("/", opt=PUBLIC, sync_to_thread=False, summary="The joint measures catalog")
    def published(self) -> MeasureCatalogRead:
        """Every incentive and punishment measure with its legal basis, scenes, triggers,
        targets and period."""
        return MeasureCatalogRead.of(measure_catalog.catalog())
