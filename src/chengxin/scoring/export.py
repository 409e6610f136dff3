"""Signed export of a city's scores and grades (R6.3) for the city systems that load them.

Only the platform operator's accounts and tokens export (``sees_every_organization``): one bound
to a city (``actor.region_code``) exports only that city, a province-wide one any city; anyone
else, and a city account asking for another city or the province, is refused with
``scoring-export-out-of-scope``. The query itself is bound to the account's region too, so whatever
is asked for, no one outside it is written. The region asked for is a city (a prefecture-level
code such as 420100, or a directly administered unit such as 429004); anything else is
``scoring-region-invalid``.

JSON lines: a header line (region, active ruleset version, moment, count), then one line per
subject of the city (prefecture code) with their current score, grade, ruleset version and the
moment it holds from. Persons are named by their platform key (``subject_id``, a keyed blind
index of the ID number), never by ID number or name. The exact bytes are signed with the
platform's Ed25519 key (``GET /api/v1/audit/public-key``), as watch deliveries are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.identity import divisions
from chengxin.identity.models import Subject
from chengxin.keys import keyring_of
from chengxin.organizations import service as organization_service
from chengxin.scoring import service as scoring_service
from chengxin.scoring.errors import ExportOutOfScope, RegionInvalid
from chengxin.scoring.models import SubjectScore
from chengxin.security.actor import Actor
from chengxin.security.scope import in_region, within
from chengxin.watch import delivery

_REGION = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Export:
    body: bytes
    signature: str
    key_id: str
    count: int


def _line(value: dict[str, object]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_scope(session: Session, region: str, *, actor: Actor) -> None:
    """Refuse an export outside the actor's scope: only the operator's accounts export, a city-bound
    one only its own city (``scoring-export-out-of-scope``)."""
    if not organization_service.sees_every_organization(session, actor):
        raise ExportOutOfScope("only the platform operator's accounts export city scores")
    if not within(actor, region):
        raise ExportOutOfScope(f"this account's scope is the region {actor.region_code}")


def export_region(
    session: Session, region: str, *, actor: Actor, now: datetime | None = None
) -> Export:
    """The city's current scores as signed JSON lines; the provision is logged."""
    if not _REGION.match(region):
        raise RegionInvalid
    check_scope(session, region, actor=actor)
    if divisions.prefecture_of(region) != region:
        raise RegionInvalid(f"{region} is not a city: give a prefecture-level code such as 420100")
    now = now or utcnow()
    version = scoring_service.active_rules(session).version
    newest = (
        select(SubjectScore.subject_id, func.max(SubjectScore.computed_at).label("at"))
        .join(Subject, Subject.id == SubjectScore.subject_id)
        .where(Subject.prefecture_code == region, in_region(actor, Subject.prefecture_code))
        .group_by(SubjectScore.subject_id)
        .subquery()
    )
    rows = session.execute(
        select(
            SubjectScore.subject_id,
            SubjectScore.score,
            SubjectScore.grade,
            SubjectScore.ruleset_version,
            SubjectScore.valid_from,
        )
        .join(
            newest,
            and_(
                SubjectScore.subject_id == newest.c.subject_id,
                SubjectScore.computed_at == newest.c.at,
            ),
        )
        .order_by(SubjectScore.subject_id)
    ).all()
    header = {
        "region": region,
        "ruleset_version": version,
        "generated_at": now.isoformat(),
        "count": len(rows),
    }
    lines = [_line(header)]
    lines.extend(
        _line(
            {
                "subject_id": str(r[0]),
                "score": r[1],
                "grade": r[2],
                "ruleset_version": r[3],
                "valid_from": r[4].isoformat(),
            }
        )
        for r in rows
    )
    body = ("\n".join(lines) + "\n").encode()
    signature, key_id = delivery.sign(keyring_of(session), body)
    audit.record_access(
        session,
        "scoring:export:read",
        actor=actor,
        object_type="scoring_export",
        data={"region": region, "count": len(rows), "ruleset_version": version},
    )
    return Export(body, signature, key_id, len(rows))
