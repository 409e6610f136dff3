"""Load the demo: a synthetic registry through the real import path, organizations, a token."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.demo import assessments as demo_assessments
from chengxin.demo import content as demo_content
from chengxin.demo import generator
from chengxin.demo import lists as demo_lists
from chengxin.demo import records as demo_records
from chengxin.demo import tasks as demo_tasks
from chengxin.demo.access import seed_permission_lists
from chengxin.identity import population
from chengxin.ingestion import service as ingestion_service
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind, OrganizationRole, RoleKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.permissions import ALL_PERMISSIONS, Permission
from chengxin.workdays.days import day_of


@dataclass(frozen=True)
class DemoSummary:
    """What the demo load did."""

    people_rows: int
    inserted: int
    unchanged: int
    rejected: int
    organizations: int
    operator_token: str
    token_file: Path
    records: Counter[str]
    listed: int = 0  # demo list entries published by this load


def load(runtime: Runtime, *, people: int, enterprises: int = 20) -> DemoSummary:
    """Idempotent: a second load of the same size leaves people unchanged and adds nothing."""
    actor = system_actor("demo")
    data_dir = runtime.settings.data_dir
    # The extract exists only for the import: no clear registry file is left behind.
    with tempfile.TemporaryDirectory(prefix="chengxin-demo-") as tmp:
        csv_path = Path(tmp) / "demo-population.csv"
        generator.write_population_csv(csv_path, generator.people(people))
        report = population.import_file(
            runtime.scope,
            csv_path,
            "csv",
            actor=actor,
            filename=csv_path.name,
            batch_rows=runtime.settings.import_batch_rows,
            workers=runtime.settings.workers_for(csv_path.stat().st_size),
        )
    orgs = generator.organizations(enterprises)
    with runtime.scope() as session:
        existing = set(session.execute(select(Organization.name)).scalars())
        created = []
        for org in orgs:
            if org.name in existing:
                continue
            created.append(
                organization_service.create(
                    session,
                    credit_code=org.credit_code,
                    name=org.name,
                    kind=org.kind,
                    region_code=org.region_code,
                    department=org.department,
                    actor=actor,
                )
            )
        has_roles = session.execute(select(OrganizationRole.id).limit(1)).first() is not None
        enterprises_created = [o for o in created if o.kind == OrganizationKind.ENTERPRISE.value]
        if not has_roles:
            representatives = generator.people(min(len(enterprises_created), people))
            for enterprise, person in zip(enterprises_created, representatives, strict=False):
                organization_service.add_role(
                    session,
                    enterprise.id,
                    id_number=person.id_number,
                    role=RoleKind.LEGAL_REPRESENTATIVE,
                    since_on=date(2020, 1, 1),
                    until_on=None,
                    actor=actor,
                )
        session.flush()
        seed_permission_lists(session, actor=actor)
        operator = session.execute(
            select(Organization).where(Organization.name == generator.OPERATOR_NAME)
        ).scalar_one()
        issued = organization_service.issue_token(
            session,
            operator.id,
            name="demo console",
            permissions=sorted(ALL_PERMISSIONS),
            valid_days=30,
            actor=actor,
        )
        org_count = len(existing) + len(created)
    pushed = push_records(runtime, generator.people(people), orgs)
    listed = demo_lists.seed(runtime, list(generator.people(min(people, 50))), orgs, actor=actor)
    demo_content.seed(runtime, actor=actor)
    demo_assessments.seed(runtime, actor=actor)  # after the data it assesses
    demo_tasks.seed(runtime, actor=actor)  # the policy's tasks, one from a finding
    token_file = data_dir / "demo-token.txt"
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(issued.secret + "\n")
    return DemoSummary(
        people_rows=report.rows_read,
        inserted=report.inserted,
        unchanged=report.unchanged,
        rejected=report.rejected,
        organizations=org_count,
        operator_token=issued.secret,
        token_file=token_file,
        records=pushed,
        listed=listed,
    )


def push_records(
    runtime: Runtime,
    persons: Iterable[generator.SyntheticPerson],
    orgs: list[generator.SyntheticOrganization],
) -> Counter[str]:
    """Credit records through the front door: one JSONL upload per provider, as a department's
    system would send it, through the same service as the upload API. Returns receipt totals."""
    options = ingestion_service.Options.from_settings(runtime.settings)
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=system_actor("demo"))
    with runtime.scope() as session:
        _, catalog = catalog_service.active_document(session)
        ids = {o.credit_code: o.id for o in session.execute(select(Organization)).scalars()}
    by_provider = demo_records.records(list(persons), catalog, orgs, today=day_of(utcnow()))
    totals: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="chengxin-demo-") as tmp:
        for code, rows in sorted(by_provider.items()):
            path = Path(tmp) / f"{code}.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            org_id = ids[code]
            actor = Actor(
                ActorKind.SYSTEM,
                "demo",
                "system:demo",
                org_id,
                frozenset({Permission.INGESTION_BATCH_SUBMIT}),
            )
            batch = ingestion_service.ingest_file(
                runtime.scope,
                path,
                "jsonl",
                provider_id=org_id,
                actor=actor,
                channel="demo",
                filename=path.name,
                options=options,
            )
            totals.update(
                submitted=batch.submitted,
                created=batch.created,
                duplicates=batch.duplicates,
                rejected=batch.rejected,
            )
    return totals
