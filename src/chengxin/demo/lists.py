"""Demo red and black list entries, put on the lists through the real lifecycle.

A few synthetic persons (all adults) and one enterprise are proposed on a finding document by
the platform's operator, notified a month ago (the objection window has passed) and published now,
so the public lists and the service-window check have something to show. Idempotent: nothing is
added once any entry exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from chengxin.db import utcnow
from chengxin.demo.generator import SyntheticOrganization, SyntheticPerson
from chengxin.errors import DomainError
from chengxin.lists import service as list_service
from chengxin.lists.models import ListEntry
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor

# (list type, reason) for the persons, in order; the enterprise goes on the wage-arrears list.
PERSON_LISTS = (
    ("black-judgment-defaulter", "有履行能力而拒不履行生效法律文书确定的给付义务"),
    ("black-tax-serious", "偷税数额较大且占应纳税额百分之十以上"),
    ("black-traffic-serious", "饮酒后驾驶机动车被依法处罚且一年内再次违法"),
    ("black-food-drug", "生产销售不符合食品安全标准的食品被依法处罚"),
    ("red-moral-exemplar", "被评为省级道德模范"),
    ("red-outstanding-volunteer", "累计志愿服务时长超过一千五百小时，获评五星志愿者"),
)
ENTERPRISE_LIST = ("black-wage-arrears", "克扣、无故拖欠农民工工资数额较大，经责令限期支付仍不支付")
WINDOW = timedelta(days=30)  # longer than the objection window, holidays included


def seed(
    runtime: Runtime,
    people: Sequence[SyntheticPerson],
    organizations: Sequence[SyntheticOrganization],
    *,
    actor: Actor,
) -> int:
    """Publish the demo entries; returns how many were added (0 when any entry exists)."""
    now = utcnow()
    start = now - WINDOW
    with runtime.scope() as session:
        if session.execute(select(ListEntry.id).limit(1)).first() is not None:
            return 0
    wanted: list[list_service.Proposal] = [
        list_service.Proposal(
            list_type=code,
            reason=reason,
            id_number=person.id_number,
            name=person.name,
            document_no=f"鄂演示〔2026〕{i + 1}号",
        )
        for i, (person, (code, reason)) in enumerate(zip(people, PERSON_LISTS, strict=False))
    ]
    enterprise = next((o for o in organizations if o.kind is OrganizationKind.ENTERPRISE), None)
    if enterprise is not None:
        code, reason = ENTERPRISE_LIST
        wanted.append(
            list_service.Proposal(
                list_type=code,
                reason=reason,
                credit_code=enterprise.credit_code,
                document_no="鄂人社演示〔2026〕7号",
            )
        )
    added = 0
    for proposal in wanted:
        try:
            with runtime.scope() as session:
                entry = list_service.propose(session, proposal, actor=actor, now=start)
                list_service.notify(
                    session, entry.id, actor=actor, settings=runtime.settings, now=start
                )
                list_service.publish(session, entry.id, actor=actor, now=now)
            added += 1
        except DomainError:  # e.g. a list the demo person cannot be on: skip, keep the rest
            continue
    return added
