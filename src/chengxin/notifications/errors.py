"""Notification errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import DomainError


class ChannelUnknown(DomainError):
    # A configuration error, reported at startup (create_app), never to an API caller.
    status = 500
    code = "notification-channel-unknown"
    title = "CHENGXIN_NOTIFICATION_CHANNEL names no known notification channel"


class RecipientUnreachable(DomainError):
    status = 422
    code = "recipient-unreachable"
    title = "The person has no registered phone number to notify"


class TemplateUnknown(DomainError):
    status = 500
    code = "notification-template-unknown"
    title = "No notification template with this code, or its parameters do not match"
