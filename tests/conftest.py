"""Test fixtures: one real database per run (SQLite or PostgreSQL), a fresh state per test.

``pytest`` runs on SQLite; ``pytest --db=postgresql`` runs the same suite on PostgreSQL (the
schema is built by the Alembic migrations on both). A PostgreSQL run that cannot connect fails.

No silent skips in CI: under ``CHENGXIN_REQUIRE_TOOLS=1`` (set by ``.ci/run``) or ``CI=true``, a
test that skips for any reason other than the database choice (a missing tool: Chromium,
``pdftotext``) fails instead. ``python3 dev.py test`` installs those tools.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from litestar.testing import TestClient
from sqlalchemy import Engine, text

from chengxin import migrate, wiring
from chengxin.catalog import service as catalog_service
from chengxin.db import make_engine
from chengxin.keys.keyring import Keyring, save
from chengxin.logs import SERVER_LOGGERS
from chengxin.models import Base
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime, build_runtime
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from chengxin.settings import Settings
from chengxin.web import labels
from tests.helpers import app_for

REQUIRE_TOOLS = (
    os.environ.get("CHENGXIN_REQUIRE_TOOLS") == "1" or os.environ.get("CI", "").lower() == "true"
)
DB_SKIPS = ("PostgreSQL only", "SQLite only")  # the one skip CI expects: the other database

PG_ADMIN_URL = os.environ.get(
    "CHENGXIN_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
OPERATOR_CREDIT_CODE = "91350200776049653A"  # the GB 32100 example code from RULES.md §7


def pytest_configure(config: pytest.Config) -> None:
    """The suite is a composition root like the app and the CLI (ADR 0038)."""
    del config
    wiring.install()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db", choices=("sqlite", "postgresql"), default="sqlite", help="database to test on"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    db = config.getoption("--db")
    for item in items:
        if "postgresql" in item.keywords and db != "postgresql":
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only"))
        if "sqlite" in item.keywords and db != "sqlite":
            item.add_marker(pytest.mark.skip(reason="SQLite only"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if REQUIRE_TOOLS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not reason.removeprefix("Skipped: ").startswith(DB_SKIPS):
            report.outcome = "failed"
            report.longrepr = f"skipped under CHENGXIN_REQUIRE_TOOLS=1 (CI): {reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    report = yield
    if REQUIRE_TOOLS and report.skipped:  # a module-level skip or importorskip
        report.outcome = "failed"
        report.longrepr = f"module skipped under CHENGXIN_REQUIRE_TOOLS=1 (CI): {report.longrepr}"
    return report


@pytest.fixture(scope="session")
def db_kind(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--db"))


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return Keyring.generate(demo=True)


@pytest.fixture(scope="session")
def _template(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy per test, or a PostgreSQL database to truncate."""
    if db_kind == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()  # the last connection to close checkpoints and removes the WAL
        yield str(path)
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"chengxin_test_{worker}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001
        pytest.exit(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {type(exc).__name__}", returncode=3
        )
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def _pg_engine(db_kind: str, _template: str) -> Iterator[Engine | None]:
    if db_kind != "postgresql":
        yield None
        return
    engine = make_engine(_template)
    yield engine
    engine.dispose()


def _reset_postgresql(engine: Engine) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # TRUNCATE does not fire the row triggers that keep audit_entry append-only.
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO audit_head (id, seq, tree_size) VALUES (1, 0, 0)"))


@pytest.fixture
def settings(db_kind: str, _template: str, tmp_path: Path) -> Settings:
    if db_kind == "sqlite":
        db_file = tmp_path / "chengxin.db"
        shutil.copyfile(_template, db_file)
        url = f"sqlite:///{db_file}"
    else:
        url = _template
    # Cheap argon2id costs: tests hash many passwords; production refuses these (settings.py).
    return Settings(
        env="test",  # type: ignore[arg-type]
        data_dir=tmp_path,
        database_url=url,
        log_json=True,
        password_hash_memory_kib=1024,
        password_hash_time_cost=1,
        jobs_in_process=False,  # tests drive jobs with Worker.run_once
    )


def _as_a_fresh_process() -> None:
    """Forget the catalog documents an earlier test's database made this process read: a server
    process serves one database, so the pages name codes by the documents it has read and the
    version it last found active (``catalog.service.documents_read``); tests share a process
    across databases, and a test catalog that names departments by their codes must not leak
    into the next test's pages."""
    catalog_service._DOCUMENTS.clear()
    catalog_service._last_active.clear()
    labels._names_in.cache_clear()


@pytest.fixture
def runtime(settings: Settings, keyring: Keyring, _pg_engine: Engine | None) -> Iterator[Runtime]:
    _as_a_fresh_process()
    if _pg_engine is not None:
        _reset_postgresql(_pg_engine)
        rt = build_runtime(settings, keyring=keyring, engine=_pg_engine)
        yield rt
        return
    rt = build_runtime(settings, keyring=keyring)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[object]:
    """A unit of work for service tests (committed at the end of the test)."""
    with runtime.scope() as s:
        yield s


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A client of the app around this test's runtime (built once per worker for the same
    settings: tests/helpers.app_for)."""
    with TestClient(app=app_for(runtime)) as c:
        yield c


@pytest.fixture
def token_for(runtime: Runtime) -> Callable[..., str]:
    """Issue a bearer token for a test organization holding exactly the given permissions."""

    def issue(*permissions: Permission, kind: OrganizationKind = OrganizationKind.OPERATOR) -> str:
        import random

        from chengxin.demo.generator import credit_code

        with runtime.scope() as s:
            org = organization_service.create(
                s,
                credit_code=credit_code(
                    random.Random(uuid.uuid4().int), registration="12", region_code="420100"
                ),
                name=f"测试单位 {uuid.uuid4().hex[:8]}",
                kind=kind,
                region_code="420100",
                actor=system_actor("test"),
            )
            issued = organization_service.issue_token(
                s,
                org.id,
                name="test",
                permissions=list(permissions),
                valid_days=1,
                actor=system_actor("test"),
            )
            return issued.secret

    return issue


USER_PASSWORD = "test-password-of-a-staff-account"  # synthetic test credential


@pytest.fixture
def user_for(runtime: Runtime) -> Callable[..., str]:
    """Open a staff account with the given roles in a new test organization, sign it in through
    the accounts service and return its bearer session token ``cxs_…``."""

    def sign_in(
        *roles: Role,
        kind: OrganizationKind = OrganizationKind.OPERATOR,
        region_code: str | None = None,
    ) -> str:
        import random

        from chengxin.accounts import service as accounts_service
        from chengxin.demo.generator import credit_code

        policy = accounts_service.Policy.from_settings(runtime.settings)
        login = f"user-{uuid.uuid4().hex[:12]}"
        with runtime.scope() as s:
            org = organization_service.create(
                s,
                credit_code=credit_code(
                    random.Random(uuid.uuid4().int),
                    registration="12",
                    region_code=region_code or "420100",
                ),
                name=f"测试单位 {uuid.uuid4().hex[:8]}",
                kind=kind,
                region_code=region_code or "420100",
                actor=system_actor("test"),
            )
            accounts_service.create_user(
                s,
                organization_id=org.id,
                login=login,
                display_name="测试用户",
                roles=[r.value for r in roles],
                region_code=region_code,
                password=USER_PASSWORD,
                policy=policy,
                actor=system_actor("test"),
            )
        issued = accounts_service.login(
            runtime.scope, login=login, password=USER_PASSWORD, client_ip=None, policy=policy
        )
        return issued.token

    return sign_in


@pytest.fixture
def citizen_for(runtime: Runtime) -> Callable[..., tuple[str, uuid.UUID]]:
    """Register a synthetic person with a phone (if needed) and sign them in through the real
    flow: real-name sign-in, the one-time code read from the notification outbox, verify.
    Returns the bearer token ``cxs_…`` and the subject id. (No rate limit between calls.)"""

    def sign_in(person: object | None = None) -> tuple[str, uuid.UUID]:
        import re
        from datetime import timedelta

        from chengxin.accounts import service as accounts_service
        from chengxin.citizens import service as citizens_service
        from chengxin.demo import generator
        from chengxin.identity import service as identity_service
        from chengxin.notifications import service as notifications_service

        who: Any = person or next(iter(generator.people(1, seed=uuid.uuid4().int % 2**32)))
        with runtime.scope() as s:
            subject = identity_service.get_subject(s, who.id_number)
            if subject is None or subject.phone_ct is None:
                phone = getattr(who, "phone", None) or "13900001234"
                prepared = identity_service.prepare_person(who.id_number, who.name, phone)
                subject, _ = identity_service.register(s, prepared, actor=system_actor("test"))
            subject_id = subject.id
        policy = citizens_service.CitizenPolicy(resend_interval=timedelta(0), daily_codes=1_000_000)
        challenge = citizens_service.request_code(
            runtime.scope, id_number=who.id_number, name=who.name, client_ip=None, policy=policy
        )
        with runtime.scope() as s:
            row = notifications_service.latest_for(s, subject_id)
            assert row is not None
            code = re.search(r"\d{6}", notifications_service.text_of(s, row))
            assert code is not None
        issued = citizens_service.verify_code(
            runtime.scope,
            challenge_id=challenge.challenge_id,
            code=code.group(),
            client_ip=None,
            session_policy=accounts_service.Policy.from_settings(runtime.settings),
        )
        return issued.token, subject_id

    return sign_in


@pytest.fixture
def cli_env(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch, restore_logging: None
) -> dict[str, str]:
    """The environment of a `chengxin` command on this test's database and keyring (the key
    file written, no keys or passphrase from the caller's environment); the process's logging,
    which the commands configure, is put back afterwards."""
    save(runtime.keyring, settings.key_file)
    for key in ("CHENGXIN_KEYS", "CHENGXIN_KEYS_PASSPHRASE"):
        monkeypatch.delenv(key, raising=False)
    del restore_logging
    return {
        "CHENGXIN_ENV": "test",
        "CHENGXIN_DATA_DIR": str(settings.data_dir),
        "CHENGXIN_DATABASE_URL": settings.resolved_database_url,
        "CHENGXIN_LOG_JSON": "true",
    }


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Leave the process's logging as the test found it: the root's handlers and level, Python's
    last-resort handler, the named loggers the platform configures, and structlog."""
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level, logging.lastResort)
    names = (*SERVER_LOGGERS, "chengxin.access", "chengxin.notifications", "alembic")
    saved = {
        name: (list(lg.handlers), lg.level, lg.propagate, lg.disabled)
        for name in names
        for lg in [logging.getLogger(name)]
    }
    saved_structlog = structlog.get_config()
    yield
    for handler in root.handlers:
        if handler not in saved_root[0]:
            handler.close()
    root.handlers[:] = saved_root[0]
    root.setLevel(saved_root[1])
    logging.lastResort = saved_root[2]
    for name, (handlers, level, propagate, disabled) in saved.items():
        lg = logging.getLogger(name)
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate, lg.disabled = propagate, disabled
    structlog.configure(**saved_structlog)
