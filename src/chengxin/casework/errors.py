from __future__ import annotations

from chengxin.errors import NotFound


class RecordNotFound(NotFound):
    code = "record-not-found"
    title = "No such record"
