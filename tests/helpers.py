"""Small helpers shared by tests."""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from litestar import Litestar

from chengxin.app import create_app, use_runtime
from chengxin.demo import generator
from chengxin.runtime import Runtime


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def people(n: int, seed: int = 7) -> list[generator.SyntheticPerson]:
    return list(generator.people(n, seed=seed))


def csv_bytes(
    rows: Iterable[Sequence[str]],
    encoding: str = "utf-8",
    header: Sequence[str] = ("公民身份号码", "姓名", "手机号码", "户籍地区划代码"),
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def person_rows(persons: Iterable[generator.SyntheticPerson]) -> list[list[str]]:
    return [[p.id_number, p.name, p.phone, p.region_code] for p in persons]


# create_app builds some 550 route handlers: about a second, longer than most tests take. The
# app reads its runtime from app.state, per request and at start-up; while being built it reads
# only settings and keys. So each worker builds one app per distinct settings (the database and
# the data directory aside) and keys, and hands it each test's runtime (app.use_runtime).
_APPS: OrderedDict[tuple[str, bytes], Litestar] = OrderedDict()


def app_for(runtime: Runtime) -> Litestar:
    """The application around this runtime: a shared app built for the same settings, or new."""
    key = (
        runtime.settings.model_dump_json(exclude={"database_url", "data_dir"}),
        runtime.keyring.blind(b"test-app-cache", "v1"),
    )
    app = _APPS.pop(key, None)
    if app is None:
        app = create_app(runtime=runtime)
    else:
        use_runtime(app, runtime)
    _APPS[key] = app
    while len(_APPS) > 4:
        _APPS.popitem(last=False)
    return app


def browse_as(client: Any, token: str | None, lang: str = "zh") -> str:
    """Browse the pages as this session (None: anonymous) in this language; the CSRF token."""
    client.cookies.clear()
    if token:
        client.cookies.set("chengxin_session", token)
    client.cookies.set("chengxin_lang", lang)
    client.get("/signin")
    return str(client.cookies.get("chengxin_csrf") or "")


def post_form(client: Any, path: str, csrf: str, **form: Any) -> Any:
    """A page's form posted with its CSRF token, the redirect not followed."""
    return client.post(path, data={**form, "_csrf_token": csrf}, follow_redirects=False)
