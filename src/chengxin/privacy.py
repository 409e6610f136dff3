"""Personal data the platform itself must recognise or hide, whatever domain holds it: masking of
names, ID numbers and phones for display (RULES §6), the GB 11643-1999 rules of a citizen ID
number, and the one scan that keeps clear ID numbers out of the audit log and job payloads.

Platform layer (ADR 0038): it imports no domain. ``chengxin.identity.idnumber`` builds its
parsing, errors and synthetic numbers on the rules here.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from operator import mul
from typing import Any

# -- masking ---------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明: first and (for 3+) last character kept."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:  # noqa: PLR2004
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str) -> str:
    """4201**********123X: the first four (province and prefecture) and last four remain."""
    if len(number) != 18:  # noqa: PLR2004
        return "*" * len(number)
    return number[:4] + "*" * 10 + number[-4:]


def mask_phone(phone: str) -> str:
    """138****5678 for mobile numbers; other lengths keep at most the first 3 and last 2."""
    digits = phone.strip()
    if len(digits) == 11:  # noqa: PLR2004
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 5:  # noqa: PLR2004
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]


# -- citizen ID numbers (GB 11643-1999) ------------------------------------------------------

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)
ID_NUMBER_LENGTH = 18
_ASCII_ZERO_BIAS = 48 * sum(WEIGHTS)


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 ASCII digits."""
    # Weighted sum over the ASCII codes, minus the weighted '0's: one C-level pass, no int().
    total = sum(map(mul, WEIGHTS, first17.encode("ascii"))) - _ASCII_ZERO_BIAS
    return CHECK_CHARS[total % 11]


class IdNumberFault(StrEnum):
    """The first rule of GB 11643 a (normalised) number breaks, in the order they are checked."""

    LENGTH = "length"  # not 18 characters
    CHARACTERS = "characters"  # not 17 ASCII digits and a digit or X
    NOT_A_DATE = "not-a-date"  # the birth date is not a calendar date
    BIRTH_RANGE = "birth-range"  # the birth date is in the future or before 1900
    CHECKSUM = "checksum"  # the check character does not match


def check_id_number(number: str, *, today: date | None = None) -> date | IdNumberFault:
    """The birth date of a normalised number (upper case, no spaces) GB 11643 accepts, or the
    first rule it breaks. An unknown address code is never a reason to reject a number."""
    if len(number) != ID_NUMBER_LENGTH:
        return IdNumberFault.LENGTH
    if not (number[:17].isascii() and number[:17].isdigit() and number[17] in "0123456789X"):
        return IdNumberFault.CHARACTERS
    try:
        birth_on = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdNumberFault.NOT_A_DATE
    if not EARLIEST_BIRTH <= birth_on <= (today or date.today()):  # noqa: DTZ011
        return IdNumberFault.BIRTH_RANGE
    if check_char(number[:17]) != number[17]:
        return IdNumberFault.CHECKSUM
    return birth_on


# -- the clear-ID scan -----------------------------------------------------------------------

# 18 characters shaped like an ID number, not inside a longer run of digits or capitals.
_CLEAR_ID_NUMBER = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")


def holds_clear_id_number(value: Any, *, public_keys: frozenset[str] = frozenset()) -> bool:
    """True when a string, or any key or item of a (nested) dict, list or tuple, holds a valid
    citizen ID number in clear (a lower-case check ``x`` counts). Items under ``public_keys``
    (public identifiers some of which look like one: an organization's credit code) are skipped.
    What the audit log and the job queue refuse to keep."""
    if isinstance(value, str):
        return any(
            isinstance(check_id_number(match), date)
            for match in _CLEAR_ID_NUMBER.findall(value.upper())
        )
    if isinstance(value, dict):
        return any(
            holds_clear_id_number(key, public_keys=public_keys)
            or (key not in public_keys and holds_clear_id_number(item, public_keys=public_keys))
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return any(holds_clear_id_number(item, public_keys=public_keys) for item in value)
    return False
