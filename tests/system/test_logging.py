"""The platform's logging is the one in force (ADR 0024): every logger — the platform's, the
framework's (Litestar), the server's (granian) — writes through one JSON formatter that redacts ID
numbers, at the configured level; the access line is a setting, structured, and costs nothing when
off or below the level."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import structlog
from granian import log as granian_log
from litestar import Litestar
from litestar.testing import TestClient

from chengxin.app import create_app
from chengxin.identity import idnumber
from chengxin.logs import granian_log_config, redact
from chengxin.settings import Settings

ID_NUMBER = idnumber.make("420102", date(1988, 3, 14), 517)
LOGGERS = ("litestar", "granian", "granian.access", "_granian")


@pytest.fixture
def make_app(settings: Settings, restore_logging: None) -> Iterator[Callable[..., Litestar]]:
    """``create_app`` from settings, as the server starts it (logging configured from them)."""
    del restore_logging
    apps: list[Litestar] = []

    def make(**changes: Any) -> Litestar:
        app = create_app(settings.model_copy(update=changes))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.runtime.engine.dispose()


def _lines(settings: Settings) -> list[dict[str, Any]]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (settings.data_dir / "logs" / "chengxin.log").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_an_id_number_is_redacted_through_every_logger(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    # A granian worker applies granian's own logging configuration before the app factory runs.
    granian_log.configure_logging(granian_log.LogLevels.info)
    make_app(log_level="INFO")
    for name in LOGGERS:
        logging.getLogger(name).warning("looked up %s for %s", ID_NUMBER, name)
    logging.getLogger().warning("root looked up %s", ID_NUMBER)
    structlog.get_logger("chengxin.test").warning(f"structlog looked up {ID_NUMBER}", id=ID_NUMBER)
    # granian's access line, as granian logs one per request when its access log is on.
    access = {"path": f"/x/{ID_NUMBER}", "status": 200}
    granian_log.access_logger.info("%(path)s %(status)d", access)

    text = (settings.data_dir / "logs" / "chengxin.log").read_text(encoding="utf-8")
    lines = _lines(settings)
    assert ID_NUMBER not in text
    masked = redact(ID_NUMBER)
    assert masked != ID_NUMBER
    by_logger = {line["logger"]: line for line in lines}
    for name in (*LOGGERS, "root", "chengxin.test"):
        assert masked in json.dumps(by_logger[name], ensure_ascii=False), name
    assert by_logger["granian.access"]["event"] == f"/x/{masked} 200"
    assert by_logger["chengxin.test"]["id"] == masked


def test_granian_configuring_itself_after_the_platform_keeps_the_platform_handlers(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    # The serving process: the platform configures first, then granian with granian_log_config().
    make_app(log_level="INFO")
    granian_log.configure_logging(granian_log.LogLevels.info, granian_log_config())
    granian_log.logger.info("worker for %s", ID_NUMBER)
    lines = [line for line in _lines(settings) if line["logger"] == "_granian"]
    assert [line["event"] for line in lines] == [f"worker for {redact(ID_NUMBER)}"]


class _Spy:
    formatted = False

    def __repr__(self) -> str:
        _Spy.formatted = True
        return "spy"

    __str__ = __repr__


def test_the_log_level_drops_lower_lines_unformatted(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    app = make_app(log_level="WARNING", access_log=True)
    _Spy.formatted = False
    structlog.get_logger("chengxin.test").info("hidden", value=_Spy())
    logging.getLogger("litestar").info("hidden %s", _Spy())
    logging.getLogger("granian.access").info("hidden %s", _Spy())
    with TestClient(app=app) as client:
        assert client.get("/health").status_code == 200
    structlog.get_logger("chengxin.test").warning("shown")
    assert not _Spy.formatted
    assert [line["event"] for line in _lines(settings)] == ["shown"]


def test_the_access_line_is_structured_json_with_the_request_id(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    app = make_app(log_level="INFO", access_log=True)
    with TestClient(app=app) as client:
        response = client.get("/health")
        missing = client.get("/no-such-page")
    access = [line for line in _lines(settings) if line["logger"] == "chengxin.access"]
    assert [(a["method"], a["path"], a["status"]) for a in access] == [
        ("GET", "/health", 200),
        ("GET", "/no-such-page", 404),
    ]
    assert access[0]["request_id"] == response.headers["x-request-id"]
    assert access[1]["request_id"] == missing.headers["x-request-id"]
    assert all(a["event"] == "request" and isinstance(a["ms"], float) for a in access)
    assert {a["level"] for a in access} == {"info"}


def test_no_access_line_when_the_access_log_is_off(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    app = make_app(log_level="INFO", access_log=False)
    with TestClient(app=app) as client:
        assert client.get("/health").status_code == 200
    structlog.get_logger("chengxin.test").info("after")
    lines = _lines(settings)
    assert not [line for line in lines if line["logger"] == "chengxin.access"]
    assert [line["event"] for line in lines if line["logger"] == "chengxin.test"] == ["after"]


def test_the_log_file_is_the_one_in_the_data_directory(
    make_app: Callable[..., Litestar], settings: Settings, tmp_path: Path
) -> None:
    assert settings.data_dir == tmp_path
    make_app(log_level="INFO")
    logging.getLogger("litestar").warning("framework line")
    assert [line["event"] for line in _lines(settings)] == ["framework line"]
