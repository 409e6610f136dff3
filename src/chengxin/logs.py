"""Structured JSON logging (structlog) with a last-line-of-defence redaction of ID numbers."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

import structlog

# An 18-character citizen ID number anywhere in a rendered line. Code never logs one on
# purpose; this catches accidents (a third-party library echoing a value, a careless f-string).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


def redact(text: str) -> str:
    """Mask anything that looks like a citizen ID number in a log line."""
    return _ID_NUMBER.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(2), text)


def _redact_rendered(_logger: Any, _name: str, rendered: Any) -> Any:
    return redact(rendered)


def configure_logging(
    level: str = "INFO", *, json: bool = True, log_file: Path | None = None
) -> None:
    """Route structlog and the standard library (granian, SQLAlchemy) through one formatter."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
            _redact_rendered,
        ],
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_chengxin", False):
            root.removeHandler(old)
            old.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._chengxin = True  # type: ignore[attr-defined]  # noqa: SLF001
        root.addHandler(handler)
    root.setLevel(level.upper())
