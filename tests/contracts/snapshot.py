"""The reviewed permission snapshot (``permission_snapshot.json``) and its comparison.

Two tables: ``roles`` — each role's sorted permissions (``ROLE_PERMISSIONS``); ``routes`` — each
route (``"METHOD /path/template"``) and the permission its guard requires, or ``"public"`` for a
route declared ``opt={"public": True}`` without a guard. (``"authenticated"`` would name a route
that needs a session and no permission; no route is like that today.)

The snapshot is checked in and reviewed by eye against the permission tables of
``docs/domains/*.md``; the contract tests compare the code with it. Changing a role's permissions
or a route's guard therefore means changing the snapshot in the same commit. After an intended
change, regenerate it and review the diff::

    .venv/bin/python -m tests.contracts.snapshot --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).with_name("permission_snapshot.json")
PUBLIC = "public"
AUTHENTICATED = "authenticated"
HINT = f"update {SNAPSHOT.name} in the same commit if intended"


def route_key(method: str, path: str) -> str:
    return f"{method} {path}"


def current_roles() -> dict[str, list[str]]:
    from chengxin.security.roles import ROLE_PERMISSIONS

    return {
        role.value: sorted(p.value for p in permissions)
        for role, permissions in sorted(ROLE_PERMISSIONS.items(), key=lambda kv: kv[0].value)
    }


def current_routes() -> dict[str, str]:
    from tests.contracts.test_permissions import ROUTES, _permission

    table: dict[str, str] = {}
    for method, path, handler in ROUTES:
        permission = _permission(handler)
        table[route_key(method, path)] = permission.value if permission is not None else PUBLIC
    return dict(sorted(table.items()))


def load() -> dict[str, Any]:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def role_differences(snapshot: dict[str, list[str]], current: dict[str, list[str]]) -> list[str]:
    """One line per difference, e.g. ``role consumer_officer gained audit:log:export: …``."""
    lines = []
    for role in sorted(set(snapshot) | set(current)):
        if role not in snapshot:
            lines.append(f"role {role} is new ({len(current[role])} permissions): {HINT}")
            continue
        if role not in current:
            lines.append(f"role {role} was removed: {HINT}")
            continue
        was, now = set(snapshot[role]), set(current[role])
        lines += [f"role {role} gained {p}: {HINT}" for p in sorted(now - was)]
        lines += [f"role {role} lost {p}: {HINT}" for p in sorted(was - now)]
    return lines


def route_differences(snapshot: dict[str, str], current: dict[str, str]) -> list[str]:
    lines = []
    for route in sorted(set(snapshot) | set(current)):
        was, now = snapshot.get(route), current.get(route)
        if was == now:
            continue
        if was is None:
            lines.append(f"route {route} is new, guarded by {now}: {HINT}")
        elif now is None:
            lines.append(f"route {route} (was {was}) is gone: {HINT}")
        else:
            lines.append(f"route {route} changed from {was} to {now}: {HINT}")
    return lines


def main(argv: list[str]) -> int:
    if argv[1:] != ["--write"]:
        sys.stderr.write("usage: python -m tests.contracts.snapshot --write\n")
        return 2
    roles, routes = current_roles(), current_routes()
    document = {"roles": roles, "routes": routes}
    SNAPSHOT.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(f"{SNAPSHOT}: {len(roles)} roles, {len(routes)} routes\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
