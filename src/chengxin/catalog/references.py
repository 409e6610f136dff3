"""Codes a catalog names that another package owns (ADR 0038).

A kind's ``proposes_list`` names a list type, and the lists own the list types (``lists.types``,
their legal basis, term and exit conditions), built on the catalog. So the catalog does not
import them: the lists tell it how to recognise one of their codes, in ``lists.hooks.install()``,
and ``catalog.service.parse`` refuses a document naming an unknown one
(``catalog-list-type-unknown``). Asking before that registration is refused, as publishing an
event is: a check must never be skipped silently in a process that forgot to wire itself.
"""

from __future__ import annotations

from collections.abc import Callable

from chengxin.events import NotWired

_list_types: dict[str, Callable[[str], bool]] = {}


def recognise_list_types(known: Callable[[str], bool]) -> None:
    """``known(code)`` tells whether a list type exists (the lists' ``install()``); the last
    registration wins, so installing again is harmless."""
    _list_types["known"] = known


def list_type_known(code: str) -> bool:
    """Whether ``code`` is a list type; ``NotWired`` before the lists registered."""
    known = _list_types.get("known")
    if known is None:
        raise NotWired("the list types are not registered: call chengxin.wiring.install() first")
    return known(code)
