"""Masking for every display that does not need the full value (RULES §6): the platform's own
(``chengxin.privacy``), re-exported here for identity's callers (issue 21)."""

from __future__ import annotations

from chengxin.privacy import mask_id_number, mask_name, mask_phone

__all__ = ["mask_id_number", "mask_name", "mask_phone"]
