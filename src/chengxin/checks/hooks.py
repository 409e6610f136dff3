"""What the checks register (ADR 0038): installed by ``chengxin.wiring.install()``."""

from __future__ import annotations

from chengxin.changes import service as changes_service
from chengxin.changes.service import Topic
from chengxin.checks import service as check_service


def install() -> None:
    """Forget the checking organizations' contexts whenever a permission list, the catalog or an
    organization changes, here or in another process (ADR 0034); installing again is harmless
    (a listener runs once per change)."""
    changes_service.on_change(
        check_service.forget_contexts, Topic.ACCESS, Topic.CATALOG, Topic.ORGANIZATIONS
    )
