"""Hubei administrative divisions (GB/T 2260) shipped as package data."""

from __future__ import annotations

from chengxin.identity import divisions

PREFECTURES = {
    "420100": "武汉市", "420200": "黄石市", "420300": "十堰市", "420500": "宜昌市",
    "420600": "襄阳市", "420700": "鄂州市", "420800": "荆门市", "420900": "孝感市",
    "421000": "荆州市", "421100": "黄冈市", "421200": "咸宁市", "421300": "随州市",
    "422800": "恩施土家族苗族自治州", "429004": "仙桃市", "429005": "潜江市", "429006": "天门市",
    "429021": "神农架林区",
}  # fmt: skip


def test_all_seventeen_prefecture_level_units_are_current() -> None:
    current = {d.code: d.name for d in divisions.current_divisions() if d.level == "prefecture"}
    assert current == PREFECTURES


def test_current_codes_are_unique_six_digit_and_under_their_prefecture() -> None:
    current = divisions.current_divisions()
    codes = [d.code for d in current]
    assert len(codes) == len(set(codes))
    for division in current:
        assert len(division.code) == 6
        assert division.code.isdigit()
        if division.level == "county":
            assert division.parent in PREFECTURES
            assert division.code[:4] == division.parent[:4]
            assert not division.parent.startswith("4290")  # directly administered units have none
    assert sum(1 for d in current if d.level == "county") >= 99


def test_lookup_prefers_the_current_entry_and_keeps_history() -> None:
    assert divisions.lookup("420600").name == "襄阳市"  # type: ignore[union-attr]
    historic = [d for d in divisions._entries() if d.code == "420600" and d.valid_until]
    assert historic[0].name == "襄樊市"
    assert divisions.lookup("420321").name == "郧县"  # type: ignore[union-attr]  # now 郧阳区 420304
    assert divisions.lookup("429999") is None


def test_prefecture_and_description() -> None:
    assert divisions.prefecture_of("420102") == "420100"
    assert divisions.prefecture_of("429004") == "429004"
    assert divisions.prefecture_of("420321") == "420300"  # historic county, current prefecture
    assert divisions.prefecture_of("110105") is None
    assert divisions.prefecture_of("424400") is None
    assert divisions.describe("420102") == "湖北省武汉市江岸区"
    assert divisions.describe("420199") == "湖北省武汉市"
    assert divisions.describe("429021") == "湖北省神农架林区"
    assert divisions.describe("110105") is None
    assert divisions.table_version() == "2023"
