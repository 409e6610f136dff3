"""Browser tests: the real app served over HTTP by granian (embedded, in a thread of the test
process, on the test's database and keyring), driven by Playwright through Debian's Chromium.

The browser is ``/usr/bin/chromium`` (or ``CHENGXIN_CHROMIUM``); ``python3 dev.py test`` installs
the Debian package when it is missing. Without it the browser journeys are skipped with that
reason — except under CI (``CHENGXIN_REQUIRE_BROWSER=1``, set by ``.ci/run``), where they fail.

Every page the journeys visit is checked for requests leaving the platform: any request to
another origin fails the test (the platform runs on government networks; no CDN). Screenshots of
the main pages go to ``test-artifacts/`` (git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chengxin.app import create_app
from chengxin.runtime import Runtime

CHROMIUM = os.environ.get("CHENGXIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """granian's embedded server on a free port, serving ``create_app(runtime=…)``."""

    def __init__(self, runtime: Runtime) -> None:
        from granian.constants import Interfaces
        from granian.server.embed import Server

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = Server(
            create_app(runtime=runtime),
            address="127.0.0.1",
            port=self.port,
            interface=Interfaces.ASGI,
            log_enabled=False,
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._server.serve())

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        msg = "the live server did not start"
        raise RuntimeError(msg)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.stop)
        self._thread.join(timeout=20)
        self._loop.close()


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[LiveServer]:
    server = LiveServer(runtime)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def _browser() -> Iterator[Any]:
    """One Chromium per test module. (Not per session: Playwright's sync API keeps an event loop
    running in the main thread while it is open, and other modules' tests use asyncio.run.)"""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        if os.environ.get("CHENGXIN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}: `python3 dev.py test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Pages:
    """Opens browser pages on the live server; records requests that leave the platform."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[Any] = []
        self.outside: list[str] = []

    def new(self, *, lang: str = "zh", mobile: bool = False, session: str | None = None) -> Any:
        """A new browser page (own cookies); ``session``: a ``cxs_…`` token (``user_for``,
        ``citizen_for``) to start signed in, as the sign-in form would leave the browser."""
        options: dict[str, Any] = {"base_url": self.server.url, "accept_downloads": True}
        if mobile:
            options |= {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
        context = self.browser.new_context(**options)
        if lang == "en":
            context.add_cookies([{"name": "chengxin_lang", "value": "en", "url": self.server.url}])
        if session is not None:
            context.add_cookies(
                [{"name": "chengxin_session", "value": session, "url": self.server.url}]
            )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("request", self._watch)
        return page

    def _watch(self, request: Any) -> None:
        url = request.url
        if not (url.startswith((self.server.url, "data:", "blob:", "about:"))):
            self.outside.append(url)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(_browser: Any, live_server: LiveServer) -> Iterator[Pages]:
    opened = Pages(_browser, live_server)
    yield opened
    opened.close()
    assert opened.outside == [], f"pages loaded from outside the platform: {opened.outside}"


# Checked on every page a journey photographs: each form control has a label (WCAG 1.3.1,
# 4.1.2), images have alt text, ids are unique (labels point at one control), the page says its
# language and has one main heading.
A11Y_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset'].includes(el.type)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby') || el.getAttribute('title');
    if (!named) bad.push('unlabelled: ' + el.outerHTML.slice(0, 120));
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) bad.push('no alt: ' + img.outerHTML.slice(0, 120));
  }
  const seen = new Set();
  for (const el of document.querySelectorAll('[id]')) {
    if (seen.has(el.id)) bad.push('duplicate id: ' + el.id);
    seen.add(el.id);
  }
  if (!document.documentElement.lang) bad.push('no lang on <html>');
  if (document.querySelectorAll('h1').length !== 1) bad.push('not exactly one h1');
  return bad;
}"""


def shot(page: Any, name: str) -> None:
    """A full-page screenshot for the reviewer (``test-artifacts/<name>.png``), after checking the
    page's accessibility basics (``A11Y_CHECK``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    problems = page.evaluate(A11Y_CHECK)
    assert problems == [], f"{name}: {problems}"
