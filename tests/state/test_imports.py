"""The state's statements are built at import: the columns they name must have their types then,
whatever the importer loaded before (the command line imports ``chengxin.state`` alone; a
foreign key's type stays unresolved until its target table is imported, and a statement built
before that bound the person's key untyped — `chengxin state rebuild` failed on SQLite)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import chengxin.state.service
from chengxin.organizations.models import OrganizationRole
from chengxin.state import facts
print(type(OrganizationRole.__table__.c.subject_id.type).__name__)
print(facts._ROLES.selected_columns[0].type.__class__.__name__)
"""


def test_the_state_alone_resolves_the_types_of_the_columns_it_reads() -> None:
    out = subprocess.run(  # noqa: S603  # our own interpreter, a fixed probe
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["Uuid", "Uuid"]
