from tests.cli.test_cli import cli_env

__all__ = ["cli_env"]
