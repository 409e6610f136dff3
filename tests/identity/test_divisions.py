"""Hubei administrative divisions (GB/T 2260) shipped as package data."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from chengxin.identity import divisions

PREFECTURES = {
    "420100": "武汉市",
    "420200": "黄石市",
    "420300": "十堰市",
    "420500": "宜昌市",
    "420600": "襄阳市",
    "420700": "鄂州市",
    "420800": "荆门市",
    "420900": "孝感市",
    "421000": "荆州市",
    "421100": "黄冈市",
    "421200": "咸宁市",
    "421300": "随州市",
    "422800": "恩施土家族苗族自治州",
    "429004": "仙桃市",
    "429005": "潜江市",
    "429006": "天门市",
    "429021": "神农架林区",
}


def _raw() -> dict[str, Any]:
    resource = resources.files("chengxin.identity") / "data" / "hubei_divisions.json"
    data: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return data


def _current_counties() -> list[divisions.Division]:
    return [d for d in divisions.current_divisions() if d.level == "county"]


def test_table_metadata() -> None:
    raw = _raw()
    assert raw["standard"] == "GB/T 2260"
    assert raw["province"] == {"code": "420000", "name": "湖北省"}
    assert divisions.table_version() == raw["version"] == "2024"
    assert raw["source"]


def test_all_seventeen_prefecture_level_units_are_current() -> None:
    current = {d.code: d.name for d in divisions.current_divisions() if d.level == "prefecture"}
    assert current == PREFECTURES
    assert all(d.parent == "420000" for d in divisions.current_divisions() if d.code in current)


def test_current_codes_are_unique_and_six_digits() -> None:
    codes = [d.code for d in divisions.current_divisions()]
    assert len(codes) == len(set(codes))
    assert all(len(code) == 6 and code.isascii() and code.isdigit() for code in codes)
    assert all(code.startswith("42") for code in codes)


def test_counties_sit_under_a_listed_prefecture() -> None:
    counties = _current_counties()
    assert len(counties) == 99  # + 4 directly administered units = Hubei's 103 county-level units
    for county in counties:
        assert county.parent in PREFECTURES, county
        assert not county.parent.startswith("4290"), county  # direct units have no counties
        assert county.code[:4] == county.parent[:4], county
        assert county.valid_until is None


def test_every_prefecture_except_direct_units_has_counties() -> None:
    with_counties = {d.parent for d in _current_counties()}
    assert with_counties == {code for code in PREFECTURES if not code.startswith("4290")}


def test_levels_are_known() -> None:
    assert {d.level for d in divisions._entries()} == {"prefecture", "county"}


def test_historic_entries_are_identified_by_code_and_end_date() -> None:
    keys = [(d.code, d.valid_until) for d in divisions._entries()]
    assert len(keys) == len(set(keys))
    current_codes = {d.code for d in divisions.current_divisions()}
    historic = [item for item in _raw()["divisions"] if "valid_until" in item]
    assert historic
    table_year_end = date(int(divisions.table_version()), 12, 31)
    for item in historic:
        assert date.fromisoformat(item["valid_until"]) <= table_year_end, item
        assert item["renamed_to"] in current_codes, item
        assert item["parent"] == "420000" or item["parent"] in PREFECTURES, item


def test_lookup_prefers_the_current_entry_and_keeps_history() -> None:
    xiangyang = divisions.lookup("420600")
    assert xiangyang is not None
    assert xiangyang.name == "襄阳市"
    assert xiangyang.valid_until is None
    xiangfan = [d for d in divisions._entries() if d.code == "420600" and d.valid_until]
    assert [(d.name, d.valid_until) for d in xiangfan] == [("襄樊市", date(2010, 11, 26))]
    yunxian = divisions.lookup("420321")  # became 郧阳区 420304 in 2014
    assert yunxian is not None
    assert (yunxian.name, yunxian.parent) == ("郧县", "420300")
    assert yunxian.valid_until is not None


@pytest.mark.parametrize("code", ["429999", "420199", "110105", "", "4201", "4201020", "abcdef"])
def test_lookup_of_an_unknown_code_is_none(code: str) -> None:
    assert divisions.lookup(code) is None


def test_lookup_of_a_known_county() -> None:
    jiang_an = divisions.lookup("420102")
    assert jiang_an == divisions.Division("420102", "江岸区", "county", "420100", None)


@pytest.mark.parametrize(
    ("code", "prefecture"),
    [
        ("420102", "420100"),
        ("420100", "420100"),
        ("420199", "420100"),  # unknown county, known prefecture
        ("429004", "429004"),
        ("429021", "429021"),
        ("420321", "420300"),  # historic county, current prefecture
        ("422801", "422800"),
        ("110105", None),  # Beijing
        ("424400", None),  # no such prefecture
        ("429099", None),  # no such direct unit
        ("420000", None),  # the province itself
        ("42010", None),
        ("\uff14\uff12\uff10\uff11\uff10\uff12", None),  # full-width digits
    ],
)
def test_prefecture_of(code: str, prefecture: str | None) -> None:
    assert divisions.prefecture_of(code) == prefecture


def test_prefecture_of_every_current_entry_is_listed() -> None:
    for division in divisions.current_divisions():
        expected = division.code if division.level == "prefecture" else division.parent
        assert divisions.prefecture_of(division.code) == expected


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("420102", "湖北省武汉市江岸区"),
        ("420199", "湖北省武汉市"),
        ("420100", "湖北省武汉市"),
        ("429021", "湖北省神农架林区"),
        ("422802", "湖北省恩施土家族苗族自治州利川市"),
        ("420607", "湖北省襄阳市襄州区"),  # the current name wins over 襄阳区
        ("420821", "湖北省荆门市京山县"),  # historic county under its current prefecture
        ("110105", None),
        ("424400", None),
    ],
)
def test_describe(code: str, label: str | None) -> None:
    assert divisions.describe(code) == label
