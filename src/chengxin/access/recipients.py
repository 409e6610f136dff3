"""Access's answer to casework's "who received these records" (issue 21): the organizations
that received them in a query answer or a report, from the disclosure entries of the audit log."""

from __future__ import annotations

from chengxin.access import queries as access_queries
from chengxin.casework import recipients


def install() -> None:
    recipients.register(recipients.Source("access", received=access_queries.recipients_of))
