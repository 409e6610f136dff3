"""``python -m tests.reports.reference --write``: new reference images of the report's first page
(look at them before committing; see the package's docstring)."""

from __future__ import annotations

import sys

from tests.reports.reference import write


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print("usage: python -m tests.reports.reference --write", file=sys.stderr)  # noqa: T201
        return 2
    for path in write():
        print(f"wrote {path}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
