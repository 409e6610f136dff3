"""The notification outbox: sealed texts, channels chosen by configuration, key rotation, CLI."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chengxin.app import create_app
from chengxin.cli import main
from chengxin.identity import service as identity_service
from chengxin.keys import rotation
from chengxin.keys.keyring import Keyring
from chengxin.notifications import channels, phones, service, templates
from chengxin.notifications.channels import Message
from chengxin.notifications.errors import ChannelUnknown, RecipientUnreachable, TemplateUnknown
from chengxin.notifications.models import NotificationOutbox
from chengxin.runtime import Runtime, build_runtime
from chengxin.security.actor import system_actor
from tests.helpers import people


def _subject(runtime: Runtime, person: Any, *, phone: bool = True) -> uuid.UUID:
    with runtime.scope() as s:
        prepared = identity_service.prepare_person(
            person.id_number, person.name, person.phone if phone else None
        )
        return identity_service.register(s, prepared, actor=system_actor("t"))[0].id


class RecordingGateway:
    """A stand-in SMS gateway: delivered after commit, never inside the transaction."""

    name = "recording"
    immediate = False
    sent: list[Message] = []  # shared with the test

    def send(self, message: Message) -> str:
        self.sent.append(message)
        return f"gw-{len(self.sent)}"


def make_gateway(_settings: object) -> RecordingGateway:
    return RecordingGateway()


def test_notify_seals_the_text_and_the_local_channel_delivers_it(runtime: Runtime) -> None:
    (person,) = people(1, seed=21)
    sid = _subject(runtime, person)
    with runtime.scope() as s:
        oid = service.notify(
            s,
            subject_id=sid,
            template="objection-received",
            params={"reference": "YY-1", "days": "15", "due": "2026-12-28"},
        )
    with runtime.scope() as s:
        row = s.get_one(NotificationOutbox, oid)
        assert row.status == "sent"
        assert row.channel == "sms"
        assert row.delivery_id == f"local-{oid.hex}"
        assert b"YY-1" not in row.body_ct
        assert service.text_of(s, row).endswith(
            "您的异议申请（编号YY-1）已受理，我们将在15个工作日内、于2026-12-28前答复。"
        )
        (shown,) = service.recent(s, last=5)
        assert shown.masked_phone == person.phone[:3] + "****" + person.phone[-4:]


def test_templates_take_exactly_their_parameters() -> None:
    with pytest.raises(TemplateUnknown):
        templates.render("citizen-sign-in-code", {"code": "123456"})
    with pytest.raises(TemplateUnknown):
        templates.render("no-such-template", {})
    for code, text in templates.TEMPLATES.items():
        params = dict.fromkeys(templates.fields_of(text), "x")
        assert templates.render(code, params).startswith(templates.SIGNATURE)


def test_a_person_without_a_phone_is_unreachable(runtime: Runtime) -> None:
    (person,) = people(1, seed=22)
    sid = _subject(runtime, person, phone=False)
    with runtime.scope() as s, pytest.raises(RecipientUnreachable):
        service.notify(s, subject_id=sid, template="objection-decided", params={"reference": "1"})


def test_addressing_a_person_without_a_phone_book_fails_loudly(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    (person,) = people(1, seed=25)
    sid = _subject(runtime, person)
    monkeypatch.setattr(phones, "_books", [])  # a process that never called wiring.install()
    with runtime.scope() as s, pytest.raises(phones.NoPhoneBook):
        service.notify(s, subject_id=sid, template="objection-decided", params={"reference": "1"})


def test_unknown_channel_stops_the_start(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"notification_channel": "pigeon"})
    broken = build_runtime(settings, keyring=runtime.keyring, engine=runtime.engine)
    with pytest.raises(ChannelUnknown):
        create_app(runtime=broken)


def test_a_gateway_plugs_in_by_configuration_and_sends_after_commit(runtime: Runtime) -> None:
    path = "tests.notifications.test_notifications:make_gateway"
    settings = runtime.settings.model_copy(update={"notification_channel": path})
    rt = build_runtime(settings, keyring=runtime.keyring, engine=runtime.engine)
    gateway = channels.install(rt)
    assert isinstance(gateway, RecordingGateway)
    RecordingGateway.sent.clear()
    (person,) = people(1, seed=23)
    sid = _subject(rt, person)
    with rt.scope() as s:
        oid = service.notify(
            s, subject_id=sid, template="objection-decided", params={"reference": "R-7"}
        )
    assert RecordingGateway.sent == []  # nothing left the platform inside the transaction
    assert service.deliver_queued(rt.scope, gateway) == 1
    (message,) = RecordingGateway.sent
    assert (message.id, message.phone) == (oid, person.phone)
    assert "R-7" in message.text
    with rt.scope() as s:
        row = s.get_one(NotificationOutbox, oid)
        assert (row.status, row.delivery_id) == ("sent", "gw-1")
    assert service.deliver_queued(rt.scope, gateway) == 0


def test_key_rotation_reencrypts_outbox_texts(runtime: Runtime) -> None:
    ring = Keyring.from_json(runtime.keyring.to_json())
    rt = build_runtime(runtime.settings, keyring=ring, engine=runtime.engine)
    (person,) = people(1, seed=24)
    sid = _subject(rt, person)
    with rt.scope() as s:
        oid = service.notify(
            s, subject_id=sid, template="objection-decided", params={"reference": "9"}
        )
    old, new = ring.active, ring.add_key()
    assert rotation.keys_in_use(rt) == {old: 2}  # the subject and the message
    assert rotation.reencrypt_all(rt, batch=10).reencrypted == 2
    assert rotation.keys_in_use(rt) == {new: 2}
    with rt.scope() as s:
        row = s.get_one(NotificationOutbox, oid)
        assert row.key_id == new
        assert "编号9" in service.text_of(s, row)


def test_cli_outbox_show_prints_the_latest_code(
    cli_env: dict[str, str],
    runtime: Runtime,
    tmp_path: Path,
) -> None:
    del tmp_path
    (person,) = people(1, seed=25)
    sid = _subject(runtime, person)
    with runtime.scope() as s:
        service.notify(
            s,
            subject_id=sid,
            template="citizen-sign-in-code",
            params={"code": "246810", "minutes": "5"},
        )
    result = CliRunner().invoke(main, ["outbox", "show", "--last", "3"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "246810" in result.stdout
    assert person.phone not in result.stdout
    assert person.phone[-4:] in result.stdout
