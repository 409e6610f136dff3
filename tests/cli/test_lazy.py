"""The `chengxin` group imports a command's module only when the command runs (issue 21): its
table names every command, with the command's own first sentence, and `--help` imports none."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest

from chengxin.cli import COMMANDS, main
from chengxin.cli.lazy import Lazy, LazyGroup


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_entry_is_its_modules_command_with_its_own_summary(name: str) -> None:
    entry = COMMANDS[name]
    importlib.import_module(entry.module)
    command = main.commands[name]
    stub = click.Command(name, help=entry.summary)
    for limit in range(10, 200):
        assert stub.get_short_help_str(limit) == command.get_short_help_str(limit), limit


def test_no_command_is_missing_from_the_table() -> None:
    for entry in COMMANDS.values():
        importlib.import_module(entry.module)
    assert set(main.commands) == set(COMMANDS)


def test_help_imports_no_command_module_and_typos_get_suggestions() -> None:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from chengxin.cli import COMMANDS, main\n"
        "shown = CliRunner().invoke(main, ['--help'])\n"
        "assert shown.exit_code == 0, shown.output\n"
        "loaded = sorted({e.module for e in COMMANDS.values()} & set(sys.modules))\n"
        "assert not loaded, loaded\n"
        "typo = CliRunner().invoke(main, ['agencyy'])\n"
        "print(typo.exit_code, typo.output.splitlines()[-1])\n"
    )
    result = subprocess.run(  # noqa: S603  # this interpreter, our own script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 Error: No such command 'agencyy'. Did you mean 'agency'?"


def test_a_module_that_does_not_register_its_command_is_an_error() -> None:
    group = LazyGroup(lazy={"nothing": Lazy("chengxin.cli.errors", "Registers nothing.")})
    with pytest.raises(RuntimeError, match=r"chengxin\.cli\.errors defines no 'nothing'"):
        group.get_command(click.Context(group), "nothing")
