"""Content page errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, InvalidInput, NotFound


class ContentPageNotFound(NotFound):
    code = "content-page-not-found"
    title = "No content page with this address"


class ContentInputInvalid(InvalidInput):
    code = "content-input-invalid"
    title = "The content page is not complete"


class ContentSlugTaken(Conflict):
    code = "content-slug-taken"
    title = "Another content page already has this address"


class ContentVersionConflict(Conflict):
    code = "content-version-conflict"
    title = "The page was changed by someone else since you opened it; reload and edit again"
