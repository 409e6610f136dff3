"""Key management: the keyring (file or environment), field encryption and blind indexes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from chengxin.keys.keyring import Keyring


def keyring_of(session: Session) -> Keyring:
    """The keyring bound to this session's factory (``info["keyring"]``)."""
    ring = session.info.get("keyring")
    if ring is None:
        msg = "session has no keyring bound; build sessions with chengxin.runtime"
        raise RuntimeError(msg)
    return ring  # type: ignore[no-any-return]
