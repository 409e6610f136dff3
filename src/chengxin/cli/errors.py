"""How a command fails: one line on stderr, ``error: <code>: <message>``, and an exit code that
says whose fault it is (the input's, or the platform's)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import NoReturn, TypeAlias

import click

from chengxin.errors import DomainError
from chengxin.tabular import FileFault

EXIT_INVALID = 1  # the input is wrong (invalid ID number, rejected file)
EXIT_FAILURE = 2  # the platform cannot do it (keys, database, schema)

Fault: TypeAlias = DomainError | FileFault


def fail(code: str, message: str, exit_code: int = EXIT_FAILURE) -> NoReturn:
    """Print ``error: <code>: <message>`` on stderr and exit with ``exit_code``."""
    click.echo(f"error: {code}: {message}", err=True)
    sys.exit(exit_code)


def _code_and_message(fault: Fault) -> tuple[str, str]:
    if isinstance(fault, FileFault):
        return fault.code, fault.message
    return fault.code, fault.detail


@contextmanager
def exits_with(codes: int | Mapping[type[Fault], int]) -> Iterator[None]:
    """Turn a domain error (or a file fault) into ``fail(code, detail, exit_code)``.

    ``codes`` is the exit code for every ``DomainError``, or a mapping from error classes to exit
    codes, the first class that matches winning (name a subclass before its base, e.g.
    ``{BackupNotEmbedded: EXIT_FAILURE, DomainError: EXIT_INVALID}``). Other errors pass. A
    decorator on a whole command (``@exits_with(EXIT_INVALID)``), or ``with exits_with(...):``
    around only the calls whose errors the command reports this way.
    """
    mapping: Mapping[type[Fault], int] = {DomainError: codes} if isinstance(codes, int) else codes
    try:
        yield
    except (DomainError, FileFault) as fault:
        for kind, exit_code in mapping.items():
            if isinstance(fault, kind):
                fail(*_code_and_message(fault), exit_code)
        raise
