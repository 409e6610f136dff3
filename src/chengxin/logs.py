"""Structured JSON logging (structlog) with a last-line-of-defence redaction of ID numbers.

The platform owns the logging configuration (ADR 0024): Litestar is given none, granian's own
loggers (``_granian``, ``granian``, ``granian.access``) and Litestar's (``litestar``) keep no
handlers of their own and propagate to the root logger, whose handlers render every line, from
structlog or from the standard library, through one formatter: JSON, the request id, and the
redaction of ID numbers. structlog calls below the configured level cost a ``return None``.

Alembic's lines ("Context impl …", "Running upgrade …") are shown only when asked for
(``verbose``: ``chengxin --verbose``); a command prints its own output and nothing else. A line no
handler takes (logged before the platform configured logging, or in a process that never did)
still goes out in the one format: the standard library's last-resort handler is the platform's.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

import structlog

from chengxin.context import current_request_id

# An 18-character citizen ID number anywhere in a rendered line. Code never logs one on
# purpose; this catches accidents (a third-party library echoing a value, a careless f-string).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")

# The server's and the framework's loggers: they log through the platform's handlers only.
SERVER_LOGGERS = ("_granian", "granian", "granian.access", "litestar")
# Alembic's loggers: quiet (WARNING) unless verbose.
MIGRATION_LOGGERS = ("alembic",)


def redact(text: str) -> str:
    """Mask anything that looks like a citizen ID number in a log line."""
    return _ID_NUMBER.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(2), text)


def _redact_rendered(_logger: Any, _name: str, rendered: Any) -> Any:
    return redact(rendered)


def _add_request_id(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """The id of the request (or command) being served, from the one context variable."""
    if "request_id" not in event_dict and (rid := current_request_id()) is not None:
        event_dict["request_id"] = rid
    return event_dict


class _RenderOnce(structlog.stdlib.ProcessorFormatter):
    """Renders a record once however many handlers (stderr, the log file) write it."""

    def format(self, record: logging.LogRecord) -> str:
        line: str | None = getattr(record, "_chengxin_line", None)
        if line is None:
            line = super().format(record)
            record._chengxin_line = line  # noqa: SLF001
        return line


class _Demote(logging.Filter):
    """Logs a logger's INFO lines at DEBUG (``Settings.log_quiet``): shown, marked ``debug``, only
    when the configured level lets DEBUG through."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        if self.level > logging.DEBUG:
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        if isinstance(record.msg, dict):  # a structlog line: its level was added already
            record.msg = {**record.msg, "level": "debug"}
        return True


def granian_log_config() -> dict[str, Any]:
    """granian's ``log_dictconfig``: granian applies its logging configuration in the serving
    process and in each worker before the app factory runs; this one is incremental, so it
    removes no handler of the platform's and lets granian's loggers propagate to them."""
    return {
        "version": 1,
        "incremental": True,
        "disable_existing_loggers": False,
        "formatters": {},
        "handlers": {},
        "loggers": {name: {"propagate": True} for name in ("_granian", "granian.access")},
    }


def configure_logging(
    level: str = "INFO",
    *,
    json: bool = True,
    log_file: Path | None = None,
    quiet: tuple[str, ...] = (),
    verbose: bool = False,
) -> None:
    """Route structlog and the standard library (granian, Litestar, Alembic, SQLAlchemy) through
    one formatter at ``level``; ``quiet`` loggers' INFO lines at DEBUG; Alembic's INFO lines only
    when ``verbose``."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        # Calls below the level return at once, before any processor runs.
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,
    )
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = _RenderOnce(
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
    for name in SERVER_LOGGERS:
        # Whatever granian or Litestar installed before (their own formatters, a queue listener
        # thread) goes: their lines pass the platform's formatter and level, redaction included.
        logger = logging.getLogger(name)
        for own in list(logger.handlers):
            logger.removeHandler(own)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
        logger.disabled = False
    _quieten(level, quiet=quiet, verbose=verbose)
    # Nothing is ever written in another format: a record no handler takes (a process or a moment
    # without the platform's handlers) goes to stderr through the platform's formatter.
    last_resort = logging.StreamHandler(sys.stderr)
    last_resort.setLevel(logging.WARNING)
    last_resort.setFormatter(formatter)
    logging.lastResort = last_resort


_DEMOTED: set[str] = set()


def _quieten(level: str, *, quiet: tuple[str, ...], verbose: bool) -> None:
    """Alembic at WARNING unless verbose; the ``quiet`` loggers' INFO lines at DEBUG."""
    for name in MIGRATION_LOGGERS:
        logger = logging.getLogger(name)
        for own in list(logger.handlers):
            logger.removeHandler(own)
        logger.setLevel(logging.NOTSET if verbose else logging.WARNING)
        logger.propagate = True
    numeric = logging.getLevelName(level.upper())
    for name in {*quiet, *_DEMOTED}:
        logger = logging.getLogger(name)
        for old_filter in [f for f in logger.filters if isinstance(f, _Demote)]:
            logger.removeFilter(old_filter)
        if name in quiet:
            logger.addFilter(_Demote(numeric if isinstance(numeric, int) else logging.INFO))
    _DEMOTED.clear()
    _DEMOTED.update(quiet)
