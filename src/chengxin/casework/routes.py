"""What the case routes share (the API's and the consoles')."""

from __future__ import annotations

from litestar import Response

from chengxin.evidence import service as evidence_service
from chengxin.evidence.download import download


def evidence_response(opened: evidence_service.OpenedEvidence) -> Response[bytes]:
    """A case's file as an attachment (never under its own name)."""
    return download(opened.content, opened.row.content_type, f"evidence-{opened.row.id}")
