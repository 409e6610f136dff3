"""Field rules for identity data (names, phones, region codes), shared by API and imports."""

from __future__ import annotations

import re
import unicodedata

from chengxin.identity.errors import NameInvalid, PhoneInvalid, RegionInvalid

NAME_MAX = 50
# Han characters, Latin letters, the middle dot of minority names (阿卜杜拉·买买提), spaces.
_NAME = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002fa1fA-Za-z·•\. ]+$")
_MOBILE = re.compile(r"^1\d{10}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_REGION = re.compile(r"^[0-9]{6}$")


def normalize_name(raw: str) -> str:
    """NFKC-fold and trim a name; raise :class:`NameInvalid` if it is not a plausible name."""
    if not unicodedata.is_normalized("NFKC", raw):  # the common case skips the rewrite
        raw = unicodedata.normalize("NFKC", raw)
    name = " ".join(raw.split()).replace("•", "·")
    if not name or len(name) > NAME_MAX or not _NAME.match(name):
        raise NameInvalid
    return name


def normalize_phone(raw: str | None) -> str | None:
    """Digits of a mobile or landline number, or None when empty."""
    if raw is None:
        return None
    phone = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    phone = phone.removeprefix("+86")
    if not phone:
        return None
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise PhoneInvalid
    return phone


def normalize_region(raw: str | None) -> str | None:
    """A 6-digit GB/T 2260 code or None. Unknown codes are accepted: divisions change.
    Full-width digits are folded (NFKC); other scripts' digits are not a code."""
    if raw is None or not raw.strip():
        return None
    code = unicodedata.normalize("NFKC", raw).strip()
    if not _REGION.match(code):
        raise RegionInvalid
    return code
