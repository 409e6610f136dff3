"""Masking: every display shows at most its pattern."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chengxin import privacy
from chengxin.identity import idnumber
from tests.identity.test_idnumber import valid_numbers


def test_patterns_from_rules() -> None:
    assert privacy.mask_name("张小明") == "张*明"
    assert privacy.mask_name("张三") == "张*"
    assert privacy.mask_name("欧阳小明") == "欧**明"
    assert privacy.mask_id_number("42010219800501123X") == "4201**********123X"
    assert privacy.mask_phone("13812345678") == "138****5678"


@given(valid_numbers)
def test_id_mask_reveals_only_first_and_last_four(number: str) -> None:
    masked = privacy.mask_id_number(number)
    assert len(masked) == 18
    assert masked[:4] == number[:4]
    assert masked[-4:] == number[-4:]
    assert set(masked[4:14]) == {"*"}
    # The birth date (digits 7–14) never shows.
    assert number[6:14] not in masked or number[6:14] == "*" * 8


@given(st.text(alphabet=st.characters(categories=["Lo"]), min_size=1, max_size=20))
def test_name_mask_keeps_at_most_two_characters(name: str) -> None:
    masked = privacy.mask_name(name)
    assert len(masked) == len(name.strip()) or not name.strip()
    assert sum(1 for c in masked if c != "*") <= min(2, len(name))


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_phone_mask_hides_the_middle_four(phone: str) -> None:
    masked = privacy.mask_phone(phone)
    assert masked[3:7] == "****"
    assert masked[:3] + masked[7:] == phone[:3] + phone[7:]


def test_masks_of_bad_lengths_hide_everything() -> None:
    assert privacy.mask_id_number("123") == "***"
    assert privacy.mask_phone("1234") == "****"
    assert idnumber.normalize(" 42 ") == "42"
