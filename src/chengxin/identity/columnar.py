"""Columnar checks of registry rows: which rows of a chunk are plainly valid, in a few passes.

The per-row rules (:func:`chengxin.identity.sealing.validate_row`,
:mod:`~chengxin.identity.idnumber`, :mod:`~chengxin.identity.rules`) stay the reference: they name
a row's fault. Here Polars expressions pick out the rows that need no normalising and that every
rule accepts — an ID number of 17 ASCII digits and a digit or ``X`` with a real past birth date
and the right GB 11643 check character, a name of Han characters or Latin letters only, a mobile
number or nothing, a 6-digit region code or nothing — and derive their clear fields (birth date,
sex, prefecture) in bulk. Every other row (a fault, or merely something to normalise: spaces,
full-width digits, a lower-case ``x``, quotes, a BOM) goes through the per-row rules, so faults
and their wording are exactly the reference's. That both agree on every row is a property
(tests/identity/test_columnar.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from chengxin.identity import divisions
from chengxin.identity.rules import NAME_MAX
from chengxin.privacy import CHECK_CHARS, EARLIEST_BIRTH, WEIGHTS

_ID = r"^[0-9]{17}[0-9X]$"
# NFKC-stable characters only (CJK unified ideographs and extension A, ASCII letters, the middle
# dot): such a name is its own normal form. Spaces, "•" and compatibility ideographs go per row.
_NAME = r"^[\x{3400}-\x{9fff}A-Za-z·]+$"
_MOBILE = r"^1[0-9]{10}$"
_REGION = r"^[0-9]{6}$"
ID_CHARS = 18


@dataclass(frozen=True)
class PlainRows:
    """The rows (positions in the chunk) that are valid as they stand, with their fields."""

    plain: list[bool]  # per chunk row: valid as it stands
    number: list[str | None]
    name: list[str | None]
    phone: list[str | None]
    region: list[str | None]
    birth_on: list[date | None]
    sex: list[str | None]
    prefecture: list[str | None]


def _cell(cells: pl.Expr, position: int | None) -> pl.Expr:
    if position is None:
        return pl.lit(None, dtype=pl.String)
    return cells.list.get(position, null_on_oob=True)


def _checksum_ok(number: pl.Expr) -> pl.Expr:
    """GB 11643 (ISO 7064 MOD 11-2): the weighted digit sum picks the check character."""
    total = pl.sum_horizontal(
        number.str.slice(i, 1).cast(pl.Int32, strict=False) * weight
        for i, weight in enumerate(WEIGHTS)
    )
    check = (total % 11).replace_strict(
        list(range(11)), list(CHECK_CHARS), return_dtype=pl.String, default=None
    )
    return check == number.str.slice(17, 1)


def plain_rows(
    lines: Sequence[str | None],
    positions: dict[str, int],
    *,
    today: date,
    max_field_chars: int,
) -> PlainRows:
    """Check decoded CSV lines (None: a line the per-row path must read) in bulk.

    ``positions`` maps id_number, name, phone and region_code to their column (phone and region
    may be absent). A line with a quote is left to the CSV parser of the per-row path."""
    frame = pl.DataFrame({"line": pl.Series(lines, dtype=pl.String)})
    cells = pl.col("line").str.split(",")
    limit = min(max_field_chars, NAME_MAX)
    frame = frame.select(
        pl.col("line").str.contains('"', literal=True).fill_null(value=True).alias("quoted"),
        _cell(cells, positions["id_number"]).alias("number"),
        _cell(cells, positions["name"]).alias("name"),
        _cell(cells, positions.get("phone")).alias("phone"),
        _cell(cells, positions.get("region_code")).alias("region"),
    )
    number = pl.col("number")
    birth = number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    phone = pl.col("phone")
    region = pl.col("region")
    frame = frame.with_columns(
        birth.alias("birth_on"),
        pl.when(number.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1)
        .then(pl.lit("M"))
        .otherwise(pl.lit("F"))
        .alias("sex"),
        (phone.is_null() | (phone == "")).alias("no_phone"),
        (region.is_null() | (region == "")).alias("no_region"),
    )
    ok = (
        ~pl.col("quoted")
        & number.str.contains(_ID).fill_null(value=False)
        & pl.col("birth_on").is_between(EARLIEST_BIRTH, today).fill_null(value=False)
        & _checksum_ok(number).fill_null(value=False)
        & pl.col("name").str.contains(_NAME).fill_null(value=False)
        & (pl.col("name").str.len_chars() <= limit).fill_null(value=False)
        & (pl.col("no_phone") | phone.str.contains(_MOBILE).fill_null(value=False))
        & (pl.col("no_region") | region.str.contains(_REGION).fill_null(value=False))
        & pl.lit(max_field_chars >= ID_CHARS)  # every plain cell is at most this long
    )
    frame = frame.with_columns(
        ok.alias("plain"),
        pl.when(pl.col("no_phone")).then(None).otherwise(phone).alias("phone"),
        pl.when(pl.col("no_region")).then(None).otherwise(region).alias("region"),
    )
    # The divisions table joined on the distinct address codes of the chunk.
    frame = frame.with_columns(
        pl.coalesce("region", number.str.slice(0, 6)).alias("address_of"),
    )
    codes = frame.get_column("address_of").drop_nulls().unique().to_list()
    table = pl.DataFrame(
        {"address_of": codes, "prefecture": [divisions.prefecture_of(c) for c in codes]},
        schema={"address_of": pl.String, "prefecture": pl.String},
    )
    frame = frame.join(table, on="address_of", how="left", maintain_order="left")
    return PlainRows(
        plain=frame.get_column("plain").to_list(),
        number=frame.get_column("number").to_list(),
        name=frame.get_column("name").to_list(),
        phone=frame.get_column("phone").to_list(),
        region=frame.get_column("region").to_list(),
        birth_on=frame.get_column("birth_on").to_list(),
        sex=frame.get_column("sex").to_list(),
        prefecture=frame.get_column("prefecture").to_list(),
    )
