"""A first day that works (issue 20): the commands print their own output only (Alembic's lines
with --verbose), `outbox show --code` prints just the latest sign-in code, the demo's block."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from chengxin.citizens import service as citizens_service
from chengxin.cli import main
from chengxin.demo import banner, generator
from chengxin.identity import idnumber
from chengxin.identity import service as identity_service
from chengxin.logs import configure_logging
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from tests.helpers import people

NO_LIMIT = citizens_service.CitizenPolicy(resend_interval=timedelta(0), daily_codes=1000)


def _ask_code(runtime: Runtime, seed: int) -> None:
    (person,) = people(1, seed=seed)
    with runtime.scope() as s:
        prepared = identity_service.prepare_person(person.id_number, person.name, person.phone)
        identity_service.register(s, prepared, actor=system_actor("test"))
    citizens_service.request_code(
        runtime.scope,
        id_number=person.id_number,
        name=person.name,
        client_ip="127.0.0.1",
        policy=NO_LIMIT,
    )


def test_a_command_prints_only_its_own_output_unless_verbose(cli_env: dict[str, str]) -> None:
    quiet = CliRunner().invoke(main, ["db", "upgrade"], env=cli_env)
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stdout.startswith("schema at ")
    assert quiet.stderr == ""
    verbose = CliRunner().invoke(main, ["--verbose", "db", "upgrade"], env=cli_env)
    assert verbose.exit_code == 0, verbose.output
    events = [json.loads(line)["event"] for line in verbose.stderr.splitlines()]
    assert "Context impl SQLiteImpl." in events or "Context impl PostgresqlImpl." in events


def test_outbox_code_prints_the_latest_sign_in_code_only(
    cli_env: dict[str, str], runtime: Runtime
) -> None:
    empty = CliRunner().invoke(main, ["outbox", "show", "--code"], env=cli_env)
    assert empty.exit_code == 1
    assert empty.stdout == ""
    assert "no-sign-in-code" in empty.stderr
    _ask_code(runtime, seed=31)
    first = CliRunner().invoke(main, ["outbox", "show", "--code"], env=cli_env)
    _ask_code(runtime, seed=32)
    second = CliRunner().invoke(main, ["outbox", "show", "--code"], env=cli_env)
    for result in (first, second):
        assert result.exit_code == 0, result.output
        assert len(result.stdout) == 7
        assert result.stdout[:6].isdigit()
        assert result.stdout.endswith("\n")
        assert result.stderr == ""
    with runtime.scope() as s:
        assert citizens_service.latest_code(s) == second.stdout.strip()


def test_the_demo_block_names_citizens_pages_and_accounts() -> None:
    persons = banner.citizens(50)
    assert 3 <= len(persons) <= 5
    for person in persons:
        assert idnumber.parse(person.id_number).number == person.id_number
    block = banner.render(
        "http://127.0.0.1:8123",
        people=persons,
        accounts=[("admin", "platform_admin")],
        password="pw",
        token="cxt_x",
        token_file=Path("var/demo-token.txt"),
    )
    for person in persons:
        assert f"{person.id_number}" in block
        assert person.name in block
    for path in ("/", "/me/signin", "/signin", "/console/operator", "/schema/swagger"):
        assert f"http://127.0.0.1:8123{path} " in block
    assert "synthetic" in block
    assert "never runs\nin production" in block or "never runs in production" in block
    assert "chengxin outbox show --code" in block
    assert "admin" in block


def test_the_demo_citizens_are_the_first_of_the_demo_registry() -> None:
    today = date.today()  # noqa: DTZ011  # the generator's own default
    assert banner.citizens(2) == list(generator.people(2, today=today))
    assert banner.citizens(100) == list(generator.people(4, today=today))


def test_quiet_loggers_log_info_at_debug(tmp_path: Path, cli_env: dict[str, str]) -> None:
    del cli_env  # restores the root handlers
    log_file = tmp_path / "x.log"
    configure_logging("INFO", log_file=log_file, quiet=("chengxin.quiet",))
    logging.getLogger("chengxin.quiet").info("hidden")
    logging.getLogger("chengxin.quiet").warning("kept")
    configure_logging("DEBUG", log_file=log_file, quiet=("chengxin.quiet",))
    logging.getLogger("chengxin.quiet").info("shown at debug")
    configure_logging("INFO", log_file=log_file)
    logging.getLogger("chengxin.quiet").info("no longer quiet")
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    quiet = [(line["event"], line["level"]) for line in lines if line["logger"] == "chengxin.quiet"]
    assert quiet == [
        ("kept", "warning"),
        ("shown at debug", "debug"),
        ("no longer quiet", "info"),
    ]
