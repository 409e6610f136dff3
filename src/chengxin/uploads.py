"""Request bodies read with a size limit: spooled to disk (files) or into memory (JSON pushes).

Routes that take uploads set ``request_max_body_size=None`` and call these, so the limit is the
configured one and is checked while the body streams in, never after it was buffered whole.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from litestar import Request

from chengxin.errors import PayloadTooLarge


async def spool(request: Request[Any, Any, Any], path: Path, limit: int) -> tuple[int, str]:
    """Write the body to ``path``; returns its size and SHA-256 (hex)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as handle:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the limit is {limit} bytes")
            digest.update(chunk)
            handle.write(chunk)
    return size, digest.hexdigest()


async def read(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The whole body, refused once it passes ``limit`` bytes. Held once: a buffer grown in
    place and handed over without a copy (not chunks joined into a second copy)."""
    buffer, size = io.BytesIO(), 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the limit is {limit} bytes")
        buffer.write(chunk)
    return buffer.getvalue()
