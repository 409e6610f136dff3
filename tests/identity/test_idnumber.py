"""GB 11643 citizen ID numbers: validation codes and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chengxin.identity import idnumber

TODAY = date(2026, 11, 28)

address_codes = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)
valid_numbers = st.builds(idnumber.make, address_codes, birth_dates, sequences)


def test_rules_example_is_valid() -> None:
    parsed = idnumber.parse("11010519491231002X", today=TODAY)
    assert parsed.birth_on == date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.address_code == "110105"


def test_lower_case_x_and_full_width_digits_are_normalised() -> None:
    assert idnumber.parse("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert (
        idnumber.parse("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).number
        == "11010519491231002X"
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id-number-checksum"),
        ("11010519491231002", "id-number-length"),
        ("1101051949123100211", "id-number-length"),
        ("", "id-number-length"),
        ("11010519491231A02X", "id-number-characters"),
        ("1101051949123100Y2", "id-number-characters"),
        ("110105194902300028", "id-number-birth-date"),  # 30 February
        ("110105189912310023", "id-number-birth-date"),  # before 1900
        ("110105203012310028", "id-number-birth-date"),  # in the future
    ],
)
def test_each_fault_has_its_own_code(raw: str, code: str) -> None:
    with pytest.raises(idnumber.IdNumberError) as caught:
        idnumber.parse(raw, today=TODAY)
    assert caught.value.code == code


def test_unknown_and_historic_address_codes_are_accepted() -> None:
    # 420600 was 襄樊 until 2010; 429999 is no division at all: neither is a reason to reject.
    for code in ("420600", "429999", "710000"):
        assert idnumber.is_valid(idnumber.make(code, date(1980, 5, 1), 17), today=TODAY)


def test_real_numbers_stdnum_rejects_are_accepted() -> None:
    # stdnum.cn.ric rejects a birthplace code that its table says did not exist in the birth year.
    number = idnumber.make("420600", date(1960, 1, 1), 11)
    assert idnumber.is_valid(number, today=TODAY)


@given(valid_numbers)
def test_every_generated_number_is_valid(number: str) -> None:
    parsed = idnumber.parse(number, today=TODAY)
    assert parsed.number == number
    assert parsed.sex == ("M" if int(number[16]) % 2 else "F")


@given(valid_numbers, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_rejected(
    number: str, position: int, replacement: str
) -> None:
    assume(number[position] != replacement)
    changed = number[:position] + replacement + number[position + 1 :]
    assert not idnumber.is_valid(changed, today=TODAY)


@given(birth_dates)
def test_age_is_whole_years(birth_on: date) -> None:
    parsed = idnumber.parse(idnumber.make("420102", birth_on, 1), today=TODAY)
    age = parsed.age_on(TODAY)
    assert (
        birth_on.replace(year=birth_on.year + age) <= TODAY
        if not (birth_on.month == 2 and birth_on.day == 29)
        else True
    )
    assert age >= 0


def test_age_turns_on_the_birthday() -> None:
    parsed = idnumber.parse(idnumber.make("420102", date(2000, 6, 15), 1), today=TODAY)
    assert parsed.age_on(date(2018, 6, 14)) == 17
    assert parsed.age_on(date(2018, 6, 15)) == 18


def test_birth_date_of_today_is_accepted_but_tomorrow_is_not() -> None:
    assert idnumber.is_valid(idnumber.make("420102", TODAY, 1), today=TODAY)
    assert not idnumber.is_valid(idnumber.make("420102", TODAY + timedelta(days=1), 1), today=TODAY)
