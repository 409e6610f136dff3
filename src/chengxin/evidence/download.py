"""A stored file as a download: its own name never goes into the header (it may name a person),
only what it is and its row id, with the extension of its checked content type."""

from __future__ import annotations

from litestar import Response

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def download(content: bytes, content_type: str, stem: str) -> Response[bytes]:
    """``content`` as an attachment named ``<stem>.<extension>`` (e.g. ``evidence-<id>.pdf``)."""
    name = f"{stem}.{EXTENSIONS[content_type]}"
    return Response(
        content,
        media_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
