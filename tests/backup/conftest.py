from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from chengxin.keys.keyring import save
from chengxin.runtime import Runtime
from chengxin.settings import Settings


@pytest.fixture
def cli_env(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The environment of a `chengxin` command on this test's database and keyring."""
    save(runtime.keyring, settings.key_file)
    env = {
        "CHENGXIN_ENV": "test",
        "CHENGXIN_DATA_DIR": str(settings.data_dir),
        "CHENGXIN_DATABASE_URL": settings.resolved_database_url,
        "CHENGXIN_LOG_JSON": "true",
    }
    for key in ("CHENGXIN_KEYS", "CHENGXIN_KEYS_PASSPHRASE"):
        monkeypatch.delenv(key, raising=False)
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    yield env
    for handler in root.handlers:
        if handler not in saved[0]:
            handler.close()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
