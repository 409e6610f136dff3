"""Delivery channels: the ``Channel`` protocol, the shipped ``LocalChannel`` and the registry that
picks one by configuration (``CHENGXIN_NOTIFICATION_CHANNEL``)."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol

import structlog
from sqlalchemy.orm import Session, sessionmaker

from chengxin.notifications.errors import ChannelUnknown
from chengxin.privacy import mask_phone
from chengxin.settings import Settings

log = structlog.get_logger("chengxin.notifications")

ENTRY_POINT_GROUP = "chengxin.notification_channels"
SESSION_INFO_KEY = "notification_channel"


@dataclass(frozen=True)
class Message:
    """One message to deliver: the outbox row it comes from, the number and the rendered text."""

    id: uuid.UUID
    subject_id: uuid.UUID
    phone: str
    template: str
    text: str


class Channel(Protocol):
    """Something that delivers a message and names the delivery (a gateway's message id).

    ``immediate`` channels are called inside the transaction that writes the outbox row: only
    for channels whose delivery leaves nothing outside the database (the local channel). A
    gateway is not immediate: ``notifications.service.deliver_queued`` calls it after commit, so
    a rolled-back request never sends a text.
    """

    name: str
    immediate: bool

    def send(self, message: Message) -> str:
        """Deliver the message; return the delivery id (raise to mark the row failed)."""
        ...


class LocalChannel:
    """The shipped channel: the outbox row is the delivery (``chengxin outbox show`` reads it);
    a log line names the masked number and the template, never the text (it may hold a code)."""

    name = "local"
    immediate = True

    def send(self, message: Message) -> str:
        """Log the delivery and return ``local-<outbox id>``."""
        log.info(
            "notification_sent",
            channel=self.name,
            template=message.template,
            outbox_id=str(message.id),
            phone=mask_phone(message.phone),
        )
        return f"local-{message.id.hex}"


ChannelFactory = Callable[[Settings], Channel]

_REGISTRY: dict[str, ChannelFactory] = {"local": lambda _settings: LocalChannel()}


def register_channel(name: str, factory: ChannelFactory) -> None:
    """Make a channel selectable by ``CHENGXIN_NOTIFICATION_CHANNEL=<name>`` (plugins may also
    declare an entry point in the ``chengxin.notification_channels`` group)."""
    _REGISTRY[name] = factory


def _from_entry_points(name: str) -> ChannelFactory | None:
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name == name:
            return point.load()  # type: ignore[no-any-return]
    return None


def _from_path(name: str) -> ChannelFactory | None:
    module_name, _, attr = name.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return None
    return factory if callable(factory) else None


def channel_for(settings: Settings) -> Channel:
    """The configured channel: a registered name, an entry point, or ``package.module:factory``;
    ``notification-channel-unknown`` otherwise (raised at startup)."""
    name = settings.notification_channel.strip()
    factory = _REGISTRY.get(name) or _from_entry_points(name)
    if factory is None and ":" in name:
        factory = _from_path(name)
    if factory is None:
        known = ", ".join(sorted(_REGISTRY))
        raise ChannelUnknown(f"unknown notification channel {name!r} (known: {known})")
    return factory(settings)


class Bindable(Protocol):
    """What ``install`` uses of the running platform (``chengxin.runtime.Runtime`` is one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def session_factory(self) -> sessionmaker[Session]: ...


def install(runtime: Bindable) -> Channel:
    """Resolve the configured channel and bind it to the runtime's sessions (startup)."""
    channel = channel_for(runtime.settings)
    runtime.session_factory.kw.setdefault("info", {})[SESSION_INFO_KEY] = channel
    return channel
