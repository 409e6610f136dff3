"""Citizen ID numbers (GB 11643-1999): normalise, validate, parse, and generate synthetic ones.

We do not use ``stdnum.cn.ric.validate``: it rejects real, valid numbers by checking the
birthplace code against the birth year, and address codes change over time (襄樊 → 襄阳).
An unknown address code is never a reason to reject a number here.
"""

from __future__ import annotations

import random
from datetime import date
from typing import NamedTuple

from chengxin import privacy
from chengxin.errors import InvalidInput

# The rules themselves are the platform's (chengxin.privacy): the clear-ID scan of the audit log
# and the job queue uses them too. Re-exported here for identity's callers.
WEIGHTS = privacy.WEIGHTS
CHECK_CHARS = privacy.CHECK_CHARS
EARLIEST_BIRTH = privacy.EARLIEST_BIRTH
check_char = privacy.check_char
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


class IdNumberError(InvalidInput):
    code = "id-number-invalid"
    title = "The citizen ID number is not valid"


class IdNumberLength(IdNumberError):
    code = "id-number-length"
    title = "A citizen ID number has 18 characters"


class IdNumberCharacters(IdNumberError):
    code = "id-number-characters"
    title = "A citizen ID number is 17 digits followed by a digit or X"


class IdNumberBirthDate(IdNumberError):
    code = "id-number-birth-date"
    title = "The birth date in the citizen ID number is not a real past date"


class IdNumberChecksum(IdNumberError):
    code = "id-number-checksum"
    title = "The check character of the citizen ID number does not match (ISO 7064 MOD 11-2)"


class ParsedIdNumber(NamedTuple):
    """A valid number and what it says in clear: birth date, sex, address code.

    A NamedTuple rather than a frozen dataclass: bulk imports build millions of them."""

    number: str
    birth_on: date
    sex: str  # "M" or "F": the sequence code is odd for men
    address_code: str

    def age_on(self, day: date) -> int:
        """Age in whole years on a given day (for the 18-or-over student rule, R2.4)."""
        years = day.year - self.birth_on.year
        return years - ((day.month, day.day) < (self.birth_on.month, self.birth_on.day))


def normalize(raw: str) -> str:
    """Trim, fold full-width digits and a lower-case x."""
    if raw.isascii():  # the common case needs no table lookup
        return raw.strip().upper()
    return raw.strip().translate(_FULL_WIDTH).upper()


def parse(raw: str, *, today: date | None = None) -> ParsedIdNumber:
    """Validate a number and return its parts; raises a specific :class:`IdNumberError`."""
    number = normalize(raw)
    birth_on = privacy.check_id_number(number, today=today)
    if isinstance(birth_on, privacy.IdNumberFault):
        raise _error(birth_on, number)
    sex = "M" if int(number[16]) % 2 else "F"
    return ParsedIdNumber(number=number, birth_on=birth_on, sex=sex, address_code=number[:6])


def _error(fault: privacy.IdNumberFault, number: str) -> IdNumberError:
    """The specific error of the first rule a number breaks."""
    match fault:
        case privacy.IdNumberFault.LENGTH:
            return IdNumberLength(f"expected 18 characters, got {len(number)}")
        case privacy.IdNumberFault.CHARACTERS:
            return IdNumberCharacters()
        case privacy.IdNumberFault.NOT_A_DATE:
            return IdNumberBirthDate("the birth date is not a calendar date")
        case privacy.IdNumberFault.BIRTH_RANGE:
            return IdNumberBirthDate("the birth date is in the future or before 1900")
        case privacy.IdNumberFault.CHECKSUM:
            return IdNumberChecksum()


def is_valid(raw: str, *, today: date | None = None) -> bool:
    """True when :func:`parse` accepts the number."""
    return isinstance(privacy.check_id_number(normalize(raw), today=today), date)


def make(address_code: str, birth_on: date, sequence: int) -> str:
    """Compose a valid number (synthetic data and tests only)."""
    first17 = f"{address_code}{birth_on:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def random_number(rng: random.Random, address_codes: list[str], *, birth_on: date) -> str:
    """A synthetic valid number from one of the given address codes."""
    return make(rng.choice(address_codes), birth_on, rng.randrange(1000))
