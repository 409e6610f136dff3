"""``chengxin id``: citizen ID numbers."""

from __future__ import annotations

import click

from chengxin import privacy
from chengxin.cli import main
from chengxin.cli.common import echo_json
from chengxin.cli.errors import EXIT_INVALID, exits_with
from chengxin.identity import divisions, idnumber


@main.group("id")
def id_group() -> None:
    """Citizen ID numbers (GB 11643)."""


@id_group.command("check")
@click.argument("number")
@exits_with({idnumber.IdNumberError: EXIT_INVALID})
def id_check(number: str) -> None:
    """Exit 0 with the parsed birth date, sex and region; exit 1 with the error code."""
    parsed = idnumber.parse(number)
    echo_json(
        {
            "valid": True,
            "id_number": privacy.mask_id_number(parsed.number),
            "birth_on": parsed.birth_on.isoformat(),
            "sex": parsed.sex,
            "address_code": parsed.address_code,
            "region": divisions.describe(parsed.address_code),
        },
        ensure_ascii=False,
    )
