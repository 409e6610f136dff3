"""The platform's privacy rules: the GB 11643 rules identity builds on, and the one clear-ID scan
the audit log and the job queue share."""

from __future__ import annotations

from datetime import date

from hypothesis import given

from chengxin import privacy
from chengxin.identity import idnumber
from tests.identity.test_idnumber import valid_numbers

TODAY = date(2026, 12, 8)
NUMBER = idnumber.make("420102", date(1990, 3, 4), 11)
WRONG_CHECK = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
MONTH_13 = "42010219901332001"


@given(valid_numbers)
def test_a_valid_number_gives_its_birth_date(number: str) -> None:
    assert privacy.check_id_number(number) == idnumber.parse(number).birth_on


def test_each_rule_is_named_in_order() -> None:
    fault = privacy.IdNumberFault
    assert privacy.check_id_number(NUMBER[:17]) is fault.LENGTH
    assert privacy.check_id_number(NUMBER[:16] + "XX") is fault.CHARACTERS
    assert privacy.check_id_number(MONTH_13 + privacy.check_char(MONTH_13)) is fault.NOT_A_DATE
    future = idnumber.make("420102", date(2027, 1, 1), 1)
    assert privacy.check_id_number(future, today=TODAY) is fault.BIRTH_RANGE
    assert privacy.check_id_number(WRONG_CHECK) is fault.CHECKSUM


def test_the_scan_finds_a_clear_number_anywhere_but_under_public_keys() -> None:
    public = frozenset({"credit_code"})
    assert privacy.holds_clear_id_number(f"for {NUMBER} today")
    assert privacy.holds_clear_id_number({"ids": ["a", (1, NUMBER.lower())]})
    assert privacy.holds_clear_id_number({NUMBER: 1})  # a key too
    assert privacy.holds_clear_id_number({"credit_code": NUMBER})
    assert not privacy.holds_clear_id_number({"credit_code": NUMBER}, public_keys=public)
    assert not privacy.holds_clear_id_number(f"A{NUMBER}")  # inside a longer code
    assert not privacy.holds_clear_id_number(WRONG_CHECK)
    assert not privacy.holds_clear_id_number(privacy.mask_id_number(NUMBER))
    assert not privacy.holds_clear_id_number(None)
