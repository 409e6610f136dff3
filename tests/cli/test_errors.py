"""`exits_with`: a domain error or file fault becomes `error: <code>: <message>` and the exit
code the command names; the first class that matches wins; anything else passes."""

from __future__ import annotations

import pytest

from chengxin.backup.errors import BackupNotEmbedded
from chengxin.cli.errors import EXIT_FAILURE, EXIT_INVALID, exits_with
from chengxin.errors import DomainError, NotFound
from chengxin.tabular import FileFault


def test_one_code_for_every_domain_error(capsys: pytest.CaptureFixture[str]) -> None:
    @exits_with(EXIT_INVALID)
    def command() -> None:
        raise NotFound("no such thing")

    with pytest.raises(SystemExit) as exited:
        command()
    assert exited.value.code == EXIT_INVALID
    assert capsys.readouterr().err == "error: not-found: no such thing\n"


def test_the_first_class_that_matches_wins(capsys: pytest.CaptureFixture[str]) -> None:
    codes = {BackupNotEmbedded: EXIT_FAILURE, DomainError: EXIT_INVALID}
    with pytest.raises(SystemExit) as embedded, exits_with(codes):
        raise BackupNotEmbedded("the database is postgresql")
    with pytest.raises(SystemExit) as other, exits_with(codes):
        raise NotFound
    assert (embedded.value.code, other.value.code) == (EXIT_FAILURE, EXIT_INVALID)
    assert capsys.readouterr().err.splitlines() == [
        "error: backup-not-embedded: the database is postgresql",
        "error: not-found: Not found",
    ]


def test_a_file_fault_prints_its_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited, exits_with({FileFault: EXIT_INVALID}):
        raise FileFault("file-format-unsupported", "upload CSV files")
    assert exited.value.code == EXIT_INVALID
    assert capsys.readouterr().err == "error: file-format-unsupported: upload CSV files\n"


def test_errors_not_named_pass() -> None:
    with pytest.raises(NotFound), exits_with({FileFault: EXIT_INVALID}):
        raise NotFound
    with pytest.raises(FileFault), exits_with(EXIT_FAILURE):
        raise FileFault("encoding-unsupported", "save it as UTF-8")
    with pytest.raises(ValueError, match="not mine"), exits_with(EXIT_FAILURE):
        raise ValueError("not mine")
