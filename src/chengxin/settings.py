"""Settings, read once from ``CHENGXIN_*`` environment variables and an optional ``.env``."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything an operator can configure; defaults suit a laptop running the demo."""

    model_config = SettingsConfigDict(
        env_prefix="CHENGXIN_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Field(Environment.DEVELOPMENT, description="development, test or production")
    data_dir: Path = Field(Path("var"), description="Where the SQLite file and key file live")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: a SQLite file in data_dir"
    )
    keys: str | None = Field(
        None, description="Keyring as JSON (instead of the key file), e.g. from a secret store"
    )
    log_level: str = Field("INFO", description="Root log level")
    log_json: bool = Field(default=True, description="JSON log lines (false: console format)")
    max_upload_bytes: int = Field(
        2 * 1024**3, description="Largest upload accepted by file endpoints, in bytes"
    )
    max_field_chars: int = Field(200, description="Longest accepted text field in an import row")
    import_batch_rows: int = Field(5000, description="Rows per database batch in bulk imports")
    import_workers: int | None = Field(
        None,
        description="Processes that validate and seal large imports; default: all cores for "
        "files over import_parallel_min_bytes, none below",
    )
    import_parallel_min_bytes: int = Field(
        8 * 1024**2, description="Smallest file that the default import_workers parallelises"
    )
    ingest_chunk_rows: int = Field(
        2000, description="Rows per transaction when ingesting credit records"
    )
    ingest_max_field_chars: int = Field(
        4000, description="Longest cell read from an ingested file (kinds set tighter limits)"
    )
    ingest_push_max_bytes: int = Field(
        64 * 1024**2, description="Largest JSON body of a pushed batch, in bytes"
    )
    ingest_stale_seconds: int = Field(
        60,
        description="An unfinished batch untouched this long counts as interrupted: a resend of "
        "the same content resumes it",
    )
    token_default_days: int = Field(365, description="Default validity of organization API tokens")
    public_base_url: str = Field("http://127.0.0.1:8000", description="Base URL shown in links")

    @model_validator(mode="after")
    def _production_needs_a_real_database(self) -> Settings:
        # A production node must say where its data lives; the embedded default is for laptops.
        if self.env is Environment.PRODUCTION and not self.database_url:
            msg = "CHENGXIN_DATABASE_URL must be set in production"
            raise ValueError(msg)
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/chengxin.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chengxin.db').as_posix()}"

    def workers_for(self, file_bytes: int) -> int:
        """Worker processes for an import of this size (0: validate and seal in-process)."""
        if self.import_workers is not None:
            return self.import_workers
        if file_bytes < self.import_parallel_min_bytes:
            return 0
        return max(2, min(os.cpu_count() or 1, 8))

    @property
    def key_file(self) -> Path:
        """Where the keyring lives when it is not given in the environment."""
        return self.data_dir / "keys.json"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; overrides win (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
