"""Small helpers shared by tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from chengxin.demo import generator


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def people(n: int, seed: int = 7) -> list[generator.SyntheticPerson]:
    return list(generator.people(n, seed=seed))


def csv_bytes(
    rows: Iterable[Sequence[str]],
    encoding: str = "utf-8",
    header: Sequence[str] = ("公民身份号码", "姓名", "手机号码", "户籍地区划代码"),
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def person_rows(persons: Iterable[generator.SyntheticPerson]) -> list[list[str]]:
    return [[p.id_number, p.name, p.phone, p.region_code] for p in persons]
