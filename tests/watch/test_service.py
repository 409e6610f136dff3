"""Watch as the services see it: subscribing under a valid grant, the scan from watermarks, signed
deliveries to a real local webhook (retried by the job queue) and to the inbox, the end of a
subscription with its grant, and the person seeing who watched them."""

from __future__ import annotations

import base64
import ipaddress
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from chengxin import tasks
from chengxin.audit.models import AuditEntry
from chengxin.db import utcnow
from chengxin.jobs.models import Job
from chengxin.jobs.registry import Registry
from chengxin.jobs.worker import Worker
from chengxin.keys.keyring import Keyring
from chengxin.lists.models import ListEntryEvent
from chengxin.notifications.models import OrganizationNotice
from chengxin.security.actor import system_actor
from chengxin.settings import Settings
from chengxin.watch import delivery as transport
from chengxin.watch import service as watch_service
from chengxin.watch.errors import (
    WatchAlreadySubscribed,
    WatchGrantInvalid,
    WatchSubjectNotFound,
    WatchWebhookRefused,
)
from chengxin.watch.models import Channel, WatchDelivery, WatchSubscription
from tests.watch.fixtures import Receiver, WatchWorld, build_watch, serve

SYSTEM = system_actor("test")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # One subscription per scan batch: the batching loop runs in every scan.
    return settings.model_copy(
        update={"watch_webhook_private_allowed": True, "watch_scan_batch": 1}
    )


@pytest.fixture
def ww(runtime: Any, tmp_path: Any) -> WatchWorld:
    return build_watch(runtime, tmp_path)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve()


def _subscribe(
    ww: WatchWorld,
    person: Any,
    grant_id: uuid.UUID,
    channel: Channel,
    *,
    url: str | None = None,
    name: str | None = None,
) -> WatchSubscription:
    with ww.runtime.scope() as session:
        sub = watch_service.subscribe(
            session,
            id_number=person.id_number,
            name=name or person.name,
            grant_id=grant_id,
            channel=channel,
            webhook_url=url,
            actor=ww.bank,
            settings=ww.runtime.settings,
        )
        session.expunge(sub)
        return sub


def _deliver(ww: WatchWorld, now: Any = None) -> watch_service.DeliverResult:
    with ww.runtime.scope() as session:
        return watch_service.deliver(
            session, settings=ww.runtime.settings, actor=SYSTEM, now=now or utcnow()
        )


def _verify(keyring: Keyring, body: bytes, signature: str) -> None:
    Ed25519PublicKey.from_public_bytes(keyring.public_key_raw()).verify(
        base64.b64decode(signature), body
    )  # raises InvalidSignature when it does not hold


def _deliveries(ww: WatchWorld) -> list[WatchDelivery]:
    with ww.runtime.scope() as session:
        rows = list(
            session.execute(select(WatchDelivery).order_by(WatchDelivery.created_at)).scalars()
        )
        session.expunge_all()
        return rows


def _registry() -> Registry:
    registry = Registry()
    registry.register(tasks.WATCH_DELIVER, tasks.deliver_watch)
    registry.register(tasks.WATCH_SEND, tasks.send_watch)
    return registry


def test_a_new_record_reaches_the_webhook_signed_through_the_job_queue(
    ww: WatchWorld, receiver: Receiver, keyring: Keyring
) -> None:
    person = ww.aw.people[5]  # no record yet
    sub = _subscribe(ww, person, ww.grant(person), Channel.WEBHOOK, url=receiver.url)
    assert sub.masked_id_number == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert _deliver(ww).queued == 0  # nothing happened since the subscription
    ww.push(person, "W-1")
    ww.push(ww.aw.people[6], "W-2")  # someone else's record: not this subscription's business

    receiver.status[0] = 500  # the receiver is down at first: the job fails and is retried
    worker = Worker(ww.runtime, registry=_registry())
    assert _deliver(ww).queued == 1
    worker.run_once()
    with ww.runtime.scope() as session:
        job = session.execute(select(Job).where(Job.kind == tasks.WATCH_SEND)).scalar_one()
        assert (job.status, job.attempts) == ("failed", 1)
        assert "HTTP 500" in (job.last_error or "")
    assert _deliveries(ww)[0].status == "pending"

    receiver.status[0] = 204
    worker.run_once(now=utcnow() + timedelta(hours=1))
    [delivered] = _deliveries(ww)
    assert (delivered.status, delivered.response_status) == ("delivered", 204)
    headers, body = receiver.received[-1]
    assert len(receiver.received) == 2
    assert headers["x-chengxin-delivery"] == str(delivered.id)
    assert headers["x-chengxin-key-id"] == keyring.signing_key_id
    _verify(keyring, body, headers["x-chengxin-signature"])
    payload = json.loads(body)
    assert body == transport.canonical(payload)
    [change] = payload["changes"]
    assert (change["source"], change["action"], change["kind_code"]) == (
        "record",
        "created",
        "tax-arrears",
    )
    assert payload["subject"]["masked_id_number"] == sub.masked_id_number
    assert person.id_number.encode() not in body
    assert person.name.encode() not in body

    # The person sees that the bank received news about them (their "who queried me").
    subject_id = ww.subject(person)
    with ww.runtime.scope() as session:
        entries = (
            session.execute(
                select(AuditEntry)
                .where(
                    AuditEntry.subject_id == subject_id,
                    AuditEntry.action.in_(["watch:subscription:create", "watch:delivery:deliver"]),
                )
                .order_by(AuditEntry.seq)
            )
            .scalars()
            .all()
        )
        assert [e.action for e in entries] == [
            "watch:subscription:create",
            "watch:delivery:deliver",
        ]
        assert {e.organization_id for e in entries} == {ww.bank.organization_id}
    assert _deliver(ww).queued == 0  # the watermark moved: nothing twice


def test_inbox_delivery_carries_payload_and_signature(ww: WatchWorld, keyring: Keyring) -> None:
    person = ww.aw.with_records[0]
    _subscribe(ww, person, ww.grant(person), Channel.OUTBOX)
    ww.push(person, "S0", amount="2000")  # a correction of the record the person has
    subject_id = ww.subject(person)
    with ww.runtime.scope() as session:
        # A list entry published (and one merely proposed: not public, not delivered).
        for seq_step in ("proposed", "published"):
            session.add(
                ListEntryEvent(
                    id=uuid.uuid4(),
                    entry_id=uuid.uuid4(),
                    subject_id=subject_id,
                    list_type="black-tax-serious",
                    at=utcnow(),
                    step=seq_step,
                    actor="test",
                    reason=None,
                    data={},
                )
            )
    assert _deliver(ww).delivered == 1
    with ww.runtime.scope() as session:
        [notice] = (
            session.execute(
                select(OrganizationNotice).where(
                    OrganizationNotice.organization_id == ww.bank.organization_id,
                    OrganizationNotice.topic == "watch-changes",
                )
            )
            .scalars()
            .all()
        )
        data = notice.data
    _verify(keyring, transport.canonical(data["payload"]), data["signature"])
    changes = data["payload"]["changes"]
    assert [(c["source"], c.get("action") or c.get("step")) for c in changes] == [
        ("record", "corrected"),
        ("list", "published"),
    ]
    assert _deliveries(ww)[0].status == "delivered"


def test_subscribing_needs_a_valid_grant_of_that_person(ww: WatchWorld) -> None:
    person, other = ww.aw.people[7], ww.aw.people[8]
    grant_id = ww.grant(person)
    with pytest.raises(WatchGrantInvalid):
        _subscribe(ww, other, grant_id, Channel.OUTBOX)  # the grant is another person's
    with pytest.raises(WatchGrantInvalid):
        _subscribe(ww, person, uuid.uuid4(), Channel.OUTBOX)
    with pytest.raises(WatchSubjectNotFound):
        _subscribe(ww, person, grant_id, Channel.OUTBOX, name="王不对")
    ww.revoke(person, grant_id)
    with pytest.raises(WatchGrantInvalid):
        _subscribe(ww, person, grant_id, Channel.OUTBOX)
    fresh = ww.grant(person)
    _subscribe(ww, person, fresh, Channel.OUTBOX)
    with pytest.raises(WatchAlreadySubscribed):
        _subscribe(ww, person, fresh, Channel.OUTBOX)


def test_the_subscription_ends_with_its_grant_and_pending_webhooks_drop(
    ww: WatchWorld, receiver: Receiver
) -> None:
    person = ww.aw.people[9]
    grant_id = ww.grant(person)
    _subscribe(ww, person, grant_id, Channel.WEBHOOK, url=receiver.url)
    ww.push(person, "W-9")
    assert _deliver(ww).queued == 1
    ww.revoke(person, grant_id)  # revoked before the webhook job ran
    [pending] = _deliveries(ww)
    assert watch_service.send(ww.runtime.scope, pending.id, settings=ww.runtime.settings) == (
        "dropped"
    )
    assert receiver.received == []
    with ww.runtime.scope() as session:
        sub = session.execute(select(WatchSubscription)).scalar_one()
        assert (sub.status, sub.end_reason) == ("ended", "grant-revoked")


def test_an_expired_grant_ends_the_subscription_at_the_next_scan(ww: WatchWorld) -> None:
    person = ww.aw.people[10]
    _subscribe(ww, person, ww.grant(person, days=1), Channel.OUTBOX)
    result = _deliver(ww, now=utcnow() + timedelta(days=2))
    assert (result.ended, result.delivered) == (1, 0)


def test_webhook_urls_must_be_public_http(ww: WatchWorld) -> None:
    for url in ("ftp://example.org/x", "http://user:pw@example.org/x", "not a url"):
        with pytest.raises(WatchWebhookRefused):
            transport.check_url(url, private_allowed=True)
    for url in (
        "http://127.0.0.1:8080/x",
        "https://10.1.2.3/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
    ):
        with pytest.raises(WatchWebhookRefused):
            transport.check_url(url, private_allowed=False)
    assert transport.check_url("https://203.0.113.9/x", private_allowed=True)


@given(
    st.ip_addresses(network=ipaddress.ip_network("192.168.0.0/16"))
    | st.ip_addresses(network=ipaddress.ip_network("172.16.0.0/12"))
    | st.ip_addresses(network=ipaddress.ip_network("fc00::/7"))
)
def test_no_private_address_is_ever_accepted(address: Any) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    with pytest.raises(WatchWebhookRefused):
        transport.check_url(f"https://{host}/hook", private_allowed=False)


def test_every_batch_of_subscriptions_is_scanned(ww: WatchWorld) -> None:
    people = ww.aw.people[11:14]
    for person in people:
        _subscribe(ww, person, ww.grant(person), Channel.OUTBOX)
    for i, person in enumerate(people[:2]):
        ww.push(person, f"B-{i}")
    result = _deliver(ww)
    assert (result.scanned, result.delivered, result.queued) == (3, 2, 0)
    assert _deliver(ww).delivered == 0
