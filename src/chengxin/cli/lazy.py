"""A click group that imports a command's module only when the command is run.

Each command module imports what its commands use at module level, and the whole platform is
large: importing every module to print ``chengxin --help`` would double its time. The group
knows each command by its module and its one-line summary (the first sentence of its help; a
test keeps both the same) and imports the module on first use, which registers the command on
the group.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from gettext import gettext
from typing import Any

import click


@dataclass(frozen=True)
class Lazy:
    """Where a command is defined, and its summary for the group's ``--help``."""

    module: str
    summary: str


class LazyGroup(click.Group):
    """A group whose ``lazy`` commands register themselves when their module is imported."""

    def __init__(self, *args: Any, lazy: Mapping[str, Lazy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        del ctx  # click's signature
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        del ctx  # click's signature
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(self.lazy[cmd_name].module)
            if cmd_name not in self.commands:
                raise RuntimeError(f"{self.lazy[cmd_name].module} defines no {cmd_name!r}")
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.NoSuchCommand as exc:
            # "Did you mean …": among every command, not only those imported so far.
            raise click.NoSuchCommand(
                exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx
            ) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, with a command not imported yet shown by its summary."""
        shown: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name].summary)
            if not command.hidden:
                shown.append((name, command))
        if shown:
            limit = formatter.width - 6 - max(len(name) for name, _ in shown)
            with formatter.section(gettext("Commands")):  # as click titles it
                formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in shown])
