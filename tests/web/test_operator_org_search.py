"""Organization search by name in the operator console (issue 20): any part of the name, any
case, a page at a time with the search kept in the page links; an exact credit code still finds
its organization; a miss says what was searched."""

from __future__ import annotations

import random
from collections.abc import Callable

from litestar.testing import TestClient

from chengxin.demo.generator import credit_code
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.web.operator.admin_orgs import PAGE_SIZE

ORGS = "/console/operator/organizations"


def _create(runtime: Runtime, names: list[str]) -> dict[str, str]:
    codes = {}
    with runtime.scope() as s:
        for name in names:
            org = organization_service.create(
                s,
                credit_code=credit_code(
                    random.Random(name), registration="91", region_code="420100"
                ),
                name=name,
                kind=OrganizationKind.ENTERPRISE,
                region_code="420100",
                actor=system_actor("test"),
            )
            codes[name] = org.credit_code
    return codes


def test_search_by_any_part_of_the_name_paged(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    many = [f"楚天搜索测试{i:03d}有限公司" for i in range(PAGE_SIZE + 5)]
    codes = _create(runtime, [*many, "汉江 Logistics 有限公司", "荆楚百分之50%公司"])
    client.cookies.set("chengxin_session", user_for(Role.OPERATOR))

    first = client.get(ORGS, params={"q": "搜索测试"})
    assert first.status_code == 200
    assert first.text.count("楚天搜索测试") == PAGE_SIZE
    assert "q=%E6%90%9C%E7%B4%A2%E6%B5%8B%E8%AF%95" in first.text  # the next page keeps it
    second = client.get(ORGS, params={"q": "搜索测试", "offset": PAGE_SIZE})
    assert second.text.count("楚天搜索测试") == 5
    assert many[-1] in second.text

    assert "汉江 Logistics 有限公司" in client.get(ORGS, params={"q": "logistics"}).text
    percent = client.get(ORGS, params={"q": "50%"}).text
    assert "荆楚百分之50%公司" in percent
    assert "楚天搜索测试" not in percent  # % is a character, not a wildcard
    by_code = client.get(ORGS, params={"q": codes[many[7]]}).text
    assert many[7] in by_code
    assert many[8] not in by_code
    missed = client.get(ORGS, params={"q": "不存在的单位"})
    assert "没有名称含“不存在的单位”的单位" in missed.text
