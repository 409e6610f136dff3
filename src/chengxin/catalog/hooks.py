"""What the catalog registers (ADR 0038): installed by ``chengxin.wiring.install()``."""

from __future__ import annotations

from chengxin.catalog import service as catalog_service
from chengxin.changes import service as changes_service
from chengxin.changes.service import Topic


def install() -> None:
    """Forget which version was active last whenever a version is activated, here or in another
    process (ADR 0034); installing again is harmless (a listener runs once per change)."""
    changes_service.on_change(catalog_service.forget_active, Topic.CATALOG)
