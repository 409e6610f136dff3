"""The server of the hostile-input tests: the app on granian (embedded), alone in its process, so
a test measures the memory of the process that received and parsed the input.

Run as ``python -m tests.ingestion.hostile_server '<json>'`` with ``database_url``, ``data_dir``,
``keys`` (a keyring JSON file), ``port`` and optional ``settings`` overrides.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path


def main() -> None:
    config = json.loads(sys.argv[1])
    import openpyxl  # noqa: F401  # imported before the measure: the peak is the request's
    from granian.constants import Interfaces
    from granian.server.embed import Server

    from chengxin.app import create_app
    from chengxin.keys.keyring import Keyring
    from chengxin.runtime import build_runtime
    from chengxin.settings import Settings

    settings = Settings(
        env="test",  # type: ignore[arg-type]
        data_dir=Path(config["data_dir"]),
        database_url=config["database_url"],
        log_json=True,
        log_level="WARNING",
        access_log=False,
        jobs_in_process=False,
        import_workers=0,  # every row is read and parsed in this process, the measured one
        password_hash_memory_kib=1024,
        password_hash_time_cost=1,
        **config.get("settings", {}),
    )
    keyring = Keyring.from_json(Path(config["keys"]).read_text(encoding="utf-8"))
    app = create_app(runtime=build_runtime(settings, keyring=keyring))
    server = Server(
        app,
        address="127.0.0.1",
        port=int(config["port"]),
        interface=Interfaces.ASGI,
        log_enabled=False,
    )
    asyncio.run(server.serve())


if __name__ == "__main__":
    main()
