"""Form bodies of the pages.

A handler takes ``data: URLEncodedBody[SomeForm]`` (or ``MultipartBody[…]`` with an
``UploadFile`` field for files), from ``litestar.params``. A page's form model has ``str`` fields
defaulting to ``""`` (a browser sends what it has), and the service decides what is valid: its
``DomainError`` is shown beside the form (``_macros.html``'s ``problem``), as the API would answer
it, with the same stable code.
"""

from __future__ import annotations


def local_path(path: str) -> str:
    """Only a local path is followed after a form (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"
