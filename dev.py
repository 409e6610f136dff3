#!/usr/bin/env python3
"""Set-up for a fresh machine with Python 3.11+ and pip: one command to demo, one to test.

    python3 dev.py demo [--people N] [--port P]   install into .venv, load demo data, serve
    python3 dev.py test [pytest args…]            install into .venv, run the whole test suite

Dependencies are pinned in constraints.txt. Only the standard library is used here.
"""

from __future__ import annotations

import ctypes.util
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _install(extra: str) -> None:
    """Create .venv and install the pinned dependencies; skipped when nothing changed."""
    if not PYTHON.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp_text = extra + "".join(
        (ROOT / name).read_text(encoding="utf-8") for name in ("pyproject.toml", "constraints.txt")
    )
    stamp = VENV / f".installed-{extra or 'base'}"
    digest = hashlib.sha256(stamp_text.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("installing pinned dependencies into .venv …", flush=True)
    target = f".[{extra}]" if extra else "."
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-c",
            "constraints.txt",
            "-e",
            target,
        ],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest)


# PDF reports (WeasyPrint) need Chinese fonts, and HarfBuzz's subsetter to embed them quickly
# (without it WeasyPrint falls back to fontTools, ~40x slower on CJK fonts). Debian packages:
SYSTEM_PACKAGES = ("fonts-noto-cjk", "libharfbuzz-subset0")


def _missing_system_packages(command: str) -> list[str]:
    """The Debian packages this machine lacks: PDF reports' fonts and subsetter; for the tests,
    also Chromium, which the browser tests drive (Playwright never downloads a browser here),
    and poppler's ``pdftotext``, which reads the PDF reports back."""
    if not sys.platform.startswith("linux"):
        return []
    missing = []
    if (
        command == "test"
        and not Path(os.environ.get("CHENGXIN_CHROMIUM", "/usr/bin/chromium")).exists()
    ):
        missing.append("chromium")
    fc_list = shutil.which("fc-list")
    fonts = (
        subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False).stdout
        if fc_list
        else ""
    )
    if "Noto Sans CJK SC" not in fonts:
        missing.append("fonts-noto-cjk")
    if ctypes.util.find_library("harfbuzz-subset") is None:
        missing.append("libharfbuzz-subset0")
    if command == "test" and shutil.which("pdftotext") is None:
        missing.append("poppler-utils")  # the PDF tests read the sealed report back as text
    return missing


def _system_packages(command: str) -> None:
    """Install the missing Debian packages when running as root; otherwise say how."""
    missing = _missing_system_packages(command)
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {' '.join(missing)} …", flush=True)
        if subprocess.call(command) == 0:
            return
        subprocess.call(["apt-get", "update", "-q"])  # a fresh machine's package lists may be stale
        if subprocess.call(command) == 0:
            return
    print(
        f"missing {' '.join(missing)}; install with:\n  sudo {' '.join(command)}\n"
        "(without the fonts PDF rendering fails with fonts-missing; without chromium or "
        "poppler-utils the tests that need them are skipped, or fail under "
        "CHENGXIN_REQUIRE_TOOLS=1 as in CI)",
        file=sys.stderr,
    )


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    _system_packages(command)
    if command == "demo":
        _install("")
        env = {**os.environ, "CHENGXIN_ENV": os.environ.get("CHENGXIN_ENV", "development")}
        return subprocess.call([str(BIN / "chengxin"), "demo", *rest], cwd=ROOT, env=env)
    _install("test")
    # CHENGXIN_COVERAGE=1 (set by .ci/run): the same run measures branch coverage, so CI runs
    # the SQLite suite once rather than twice.
    runner = (
        ["-m", "coverage", "run", "-m"] if os.environ.get("CHENGXIN_COVERAGE") == "1" else ["-m"]
    )
    # The suite runs on every core (pytest-xdist; each worker has its own databases). Pass
    # -n 0 to run it in one process.
    parallel = [] if any(a.startswith(("-n", "--numprocesses")) for a in rest) else ["-n", "auto"]
    return subprocess.call([str(PYTHON), *runner, "pytest", *parallel, *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
