"""One log format (issue 20): a structlog line that reaches no platform handler (logged where
the root logger has none, as in a fresh server worker before the app factory ran) is still
rendered by the platform's formatter — JSON with redaction — never as the event dict's Python
repr; Alembic's lines go through the same formatter, at WARNING unless verbose."""

from __future__ import annotations

import io
import json
import logging
from datetime import date
from pathlib import Path

import pytest
import structlog

from chengxin.identity import idnumber
from chengxin.logs import configure_logging, redact

ID_NUMBER = idnumber.make("420102", date(1988, 3, 14), 517)


@pytest.mark.usefixtures("restore_logging")
def test_a_line_no_handler_takes_is_still_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_logging("INFO", log_file=tmp_path / "x.log")
    # The platform's handlers are gone (another configuration replaced them): the record falls
    # to the standard library's last resort, which is the platform's formatter.
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    stream = io.StringIO()
    assert isinstance(logging.lastResort, logging.StreamHandler)
    monkeypatch.setattr(logging.lastResort, "stream", stream)
    structlog.get_logger("chengxin.test").warning("orphan", id=ID_NUMBER)
    logging.getLogger("litestar").error("orphan %s", ID_NUMBER)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["event"], line["logger"]) for line in lines] == [
        ("orphan", "chengxin.test"),
        (f"orphan {redact(ID_NUMBER)}", "litestar"),
    ]
    assert lines[0]["id"] == redact(ID_NUMBER)
    assert "{'" not in stream.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_alembic_lines_only_when_verbose_and_in_the_one_format(tmp_path: Path) -> None:
    log_file = tmp_path / "x.log"
    configure_logging("INFO", log_file=log_file)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("alembic.runtime.migration").warning("a warning stays")
    configure_logging("INFO", log_file=log_file, verbose=True)
    logging.getLogger("alembic.runtime.migration").info("Running upgrade 0019 -> 0020")
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert [line["event"] for line in lines] == ["a warning stays", "Running upgrade 0019 -> 0020"]
