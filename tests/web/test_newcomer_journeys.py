"""A newcomer's first hour (issue 20), in a real browser: from a fresh clone of the repository,
the README's demo command, then sign in as one of the citizens the demo printed with the code
from `chengxin outbox show --code`.

The clone is of the committed HEAD (nothing untracked can help it). The demo runs the way
`python3 dev.py demo` runs it (`chengxin demo` with CHENGXIN_ENV=development, in the clone's
directory, so its data goes to the clone's var/), with this checkout's .venv interpreter on the
clone's sources and a small population, on a free port.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import _free_port, shot

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = "60"
CITIZEN_LINE = re.compile(r"^\s+(\S+?)[\s\u3000]+(\d{17}[\dX])\s*$")
BLOCK_RULE = "=" * 78

pytestmark = pytest.mark.sqlite  # the demo runs on the clone's own SQLite file, once


@dataclass
class Demo:
    clone: Path
    url: str
    env: dict[str, str]
    stdout: Path
    stderr: Path

    def chengxin(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A `chengxin` command in the clone's directory (so against the clone's data)."""
        return subprocess.run(  # noqa: S603  # this interpreter, our own arguments
            [sys.executable, "-m", "chengxin.cli", *args],
            cwd=self.clone,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _readme_demo_command() -> list[str]:
    """The README's one command to start the demo (the set-up section's first command)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^    (python3 dev\.py \S+.*)$", readme, flags=re.MULTILINE)
    assert commands[:2] == ["python3 dev.py demo", "python3 dev.py test"], commands
    assert "chengxin outbox show --code" in readme
    return commands[0].split()[2:]  # dev.py's arguments: ["demo"]


def _wait_for_block(demo: Demo, process: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = demo.stdout.read_text(encoding="utf-8")
        if text.count(BLOCK_RULE) >= 2:  # the block's first and last line
            return text
        if process.poll() is not None:
            break
        time.sleep(0.25)
    errors = demo.stderr.read_text(encoding="utf-8")[-3000:]
    pytest.fail(f"the demo printed no block:\n{demo.stdout.read_text(encoding='utf-8')}\n{errors}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, str]]:
    clone = tmp_path_factory.mktemp("newcomer") / "chengxin"
    subprocess.run(  # noqa: S603
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=120,
    )
    arguments = _readme_demo_command()
    port = _free_port()
    # As dev.py runs it: CHENGXIN_ENV=development, nothing else of this shell's configuration.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHENGXIN_", "PYTHON"))}
    env |= {"CHENGXIN_ENV": "development", "PYTHONPATH": str(clone / "src")}
    logs = clone.parent
    demo = Demo(clone, f"http://127.0.0.1:{port}", env, logs / "stdout.txt", logs / "stderr.txt")
    with demo.stdout.open("wb") as out, demo.stderr.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "chengxin.cli",
                *arguments,
                "--people",
                PEOPLE,
                "--port",
                str(port),
            ],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    try:
        yield demo, _wait_for_block(demo, process, timeout=240)
    finally:
        # The demo's own process group (granian and its worker), by its id.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _citizens(block: str) -> list[tuple[str, str]]:
    return [
        (m.group(1), m.group(2)) for line in block.splitlines() if (m := CITIZEN_LINE.match(line))
    ]


def test_a_newcomer_signs_in_as_a_printed_citizen(
    demo: tuple[Demo, str],
    _browser: Any,  # noqa: PT019  # the module's Chromium (conftest), used below
) -> None:
    running, output = demo
    block = output[output.index(BLOCK_RULE) :]
    assert output.count(BLOCK_RULE) == 2, "the block is printed once"
    citizens = _citizens(block)
    assert 3 <= len(citizens) <= 5, block
    assert "synthetic" in block
    for path in ("/me/signin", "/signin", "/console/operator", "/schema/swagger"):
        assert f"{running.url}{path}" in block
    assert "chengxin-demo-2026" in block
    assert "Chengxin listening on" in output
    assert "/me/signin" in output[: output.index(BLOCK_RULE)], "the start-up line names it"

    name, id_number = citizens[1]
    context = _browser.new_context(base_url=running.url)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto("/me/signin")
        page.get_by_label("公民身份号码").fill(id_number)
        page.get_by_label("姓名").fill(name)
        page.get_by_role("button", name="获取验证码").click()
        page.wait_for_selector("h1:has-text('输入验证码')")
        shown = running.chengxin("outbox", "show", "--code")
        assert shown.returncode == 0, shown.stderr
        assert re.fullmatch(r"\d{6}\n", shown.stdout), shown.stdout
        assert shown.stderr == ""
        page.get_by_label("验证码").fill(shown.stdout.strip())
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{running.url}/me")
        assert page.url == f"{running.url}/me"
        shot(page, "newcomer-me")
        page.goto("/me/report")  # her report names the address this demo serves on
        assert f"{running.url}/verify" in page.content()
        assert "127.0.0.1:8000" not in page.content()
    finally:
        context.close()


def test_the_demo_logs_in_one_format_and_not_the_notifications(demo: tuple[Demo, str]) -> None:
    running, _ = demo
    lines = [line for line in running.stderr.read_text(encoding="utf-8").splitlines() if line]
    assert lines
    parsed = [json.loads(line) for line in lines]  # every line: the platform's JSON
    assert all({"event", "level", "logger", "timestamp"} <= set(p) for p in parsed)
    loggers = {p["logger"] for p in parsed}
    assert "chengxin.notifications" not in loggers  # at DEBUG in the demo
    assert not [p for p in parsed if p["logger"].startswith("alembic")]
