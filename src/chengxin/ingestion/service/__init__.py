"""Ingestion use cases: intake of batches (``_intake``) and reading what was received
(``_receipts``). Callers import this package: ``from chengxin.ingestion import service``."""

from chengxin.ingestion.service._intake import (
    MAX_PUSH_RECORDS,
    Options,
    RowSource,
    close_interrupted,
    file_digest,
    ingest_file,
    ingest_records,
    open_batch,
    owner_alive,
    owner_token,
    run,
)
from chengxin.ingestion.service._receipts import (
    QualityDay,
    get_batch_or_raise,
    list_batches,
    list_rejections,
    quality,
    rejected_rows,
)

__all__ = [
    "MAX_PUSH_RECORDS",
    "Options",
    "QualityDay",
    "RowSource",
    "close_interrupted",
    "file_digest",
    "get_batch_or_raise",
    "ingest_file",
    "ingest_records",
    "list_batches",
    "list_rejections",
    "open_batch",
    "owner_alive",
    "owner_token",
    "quality",
    "rejected_rows",
    "run",
]
