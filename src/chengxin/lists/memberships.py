"""A person's place on a published list at a moment (``Membership``): what checks, measures,
reports and pages show. Which memberships a person has is decided in one place, the credit-state
rule (``state.rule``: published entries in force that still rest on a record that counts, plus
the entries of organizations where the person holds a role, R8.4, marked ``via_organization``),
and read from the stored state (``state.service``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Membership:
    """A subject's place on a published list at a moment."""

    entry_id: uuid.UUID
    reference: str
    list_type: str
    kind: str  # 'red' | 'black'
    name_zh: str
    domain: str
    basis: str
    published_at: datetime
    term_ends_at: datetime | None
    # The masked credit code of the listed organization when the person is reached through
    # R8.4 enterprise linkage; None when the person is listed themself.
    via_organization: str | None
    role: str | None  # the person's role in that organization, e.g. legal_representative
