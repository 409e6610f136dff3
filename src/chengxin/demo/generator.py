"""Generators of clearly synthetic people and organizations (Faker ``zh_CN``, seeded).

ID numbers are valid by GB 11643 (Hubei county address codes, realistic ages) but belong to
nobody we know of: names and numbers are drawn independently, at random, from a fixed seed.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from faker import Faker
from stdnum.cn import uscc

from chengxin.identity import divisions, idnumber
from chengxin.organizations.models import OrganizationKind

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class SyntheticPerson:
    """One synthetic row of the population registry."""

    id_number: str
    name: str
    phone: str
    region_code: str


@dataclass(frozen=True)
class SyntheticOrganization:
    """One synthetic organization."""

    credit_code: str
    name: str
    kind: OrganizationKind
    region_code: str
    department: str | None = None


def hubei_county_codes() -> list[str]:
    """Current county-level codes of Hubei (address codes for synthetic ID numbers)."""
    codes = [d.code for d in divisions.current_divisions() if d.level == "county"]
    return codes or ["420102"]


def people(
    count: int, *, seed: int = 20171230, today: date | None = None
) -> Iterator[SyntheticPerson]:
    """``count`` distinct synthetic adults (18–85) with Hubei ID numbers, names and phones."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    today = today or date.today()  # noqa: DTZ011
    codes = hubei_county_codes()
    seen: set[str] = set()
    while len(seen) < count:
        birth_on = today - timedelta(days=rng.randint(18 * 366, 85 * 365))
        number = idnumber.random_number(rng, codes, birth_on=birth_on)
        if number in seen:
            continue
        seen.add(number)
        # Female names for even sequence codes, so the name agrees with the sex in the number.
        female = int(number[16]) % 2 == 0
        name = fake.name_female() if female else fake.name_male()
        yield SyntheticPerson(
            number, name, "1" + "".join(str(rng.randrange(10)) for _ in range(10)), number[:6]
        )


def write_population_csv(path: Path, persons: Iterator[SyntheticPerson]) -> int:
    """Write a registry extract as the provincial population base would send it (UTF-8 CSV)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["公民身份号码", "姓名", "手机号码", "户籍地区划代码"])
        for person in persons:
            writer.writerow([person.id_number, person.name, person.phone, person.region_code])
            count += 1
    return count


def organization_code(rng: random.Random) -> str:
    """A 9-character organization code (GB 11714) with its check character."""
    body = "".join(str(rng.randrange(10)) for _ in range(8))
    check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, *, registration: str, region_code: str) -> str:
    """A valid unified social credit code (GB 32100): authority, type, region, org code, check."""
    first17 = registration + region_code + organization_code(rng)
    return first17 + uscc.calc_check_digit(first17 + "0")


# Registration authority + organization type (GB 32100 §4): 11 organ, 12 public institution,
# 51 social organization (association), 91 enterprise.
_REGISTRATION = {
    OrganizationKind.OPERATOR: "12",
    OrganizationKind.GOVERNMENT: "11",
    OrganizationKind.COURT: "11",
    OrganizationKind.ASSOCIATION: "51",
    OrganizationKind.FINANCIAL: "91",
    OrganizationKind.CREDIT_AGENCY: "91",
    OrganizationKind.ENTERPRISE: "91",
}

OPERATOR_NAME = "湖北省社会信用信息中心（演示）"

# (name, kind, region, catalog department): a provider for every department of the catalog.
_FIXED_ORGANIZATIONS: list[tuple[str, OrganizationKind, str, str | None]] = [
    (OPERATOR_NAME, OrganizationKind.OPERATOR, "420100", "credit-centre"),
    ("湖北省教育厅（演示）", OrganizationKind.GOVERNMENT, "420100", "education"),
    ("国家税务总局湖北省税务局（演示）", OrganizationKind.GOVERNMENT, "420100", "tax"),
    ("湖北省市场监督管理局（演示）", OrganizationKind.GOVERNMENT, "420100", "market"),
    ("湖北省药品监督管理局（演示）", OrganizationKind.GOVERNMENT, "420100", "drugs"),
    ("湖北省人力资源和社会保障厅（演示）", OrganizationKind.GOVERNMENT, "420100", "hrss"),
    ("湖北省公安厅（演示）", OrganizationKind.GOVERNMENT, "420100", "public-security"),
    ("武汉市公安局交通管理局（演示）", OrganizationKind.GOVERNMENT, "420100", "traffic-police"),
    ("湖北省生态环境厅（演示）", OrganizationKind.GOVERNMENT, "420100", "ecology"),
    ("湖北省应急管理厅（演示）", OrganizationKind.GOVERNMENT, "420100", "emergency"),
    ("湖北省消防救援总队（演示）", OrganizationKind.GOVERNMENT, "420100", "fire-rescue"),
    ("湖北省卫生健康委员会（演示）", OrganizationKind.GOVERNMENT, "420100", "health"),
    ("湖北省住房和城乡建设厅（演示）", OrganizationKind.GOVERNMENT, "420100", "housing"),
    ("湖北省地方金融管理局（演示）", OrganizationKind.GOVERNMENT, "420100", "finance-regulator"),
    ("湖北省司法厅（演示）", OrganizationKind.GOVERNMENT, "420100", "justice"),
    ("湖北省文化和旅游厅（演示）", OrganizationKind.GOVERNMENT, "420100", "culture-tourism"),
    ("湖北省农业农村厅（演示）", OrganizationKind.GOVERNMENT, "420100", "agriculture"),
    ("湖北省统计局（演示）", OrganizationKind.GOVERNMENT, "420100", "statistics"),
    ("湖北省民政厅（演示）", OrganizationKind.GOVERNMENT, "420100", "civil-affairs"),
    ("湖北省文明办（演示）", OrganizationKind.GOVERNMENT, "420100", "civilization-office"),
    ("共青团湖北省委（演示）", OrganizationKind.GOVERNMENT, "420100", "youth-league"),
    ("湖北省财政厅（演示）", OrganizationKind.GOVERNMENT, "420100", "finance"),
    ("湖北省公务员局（演示）", OrganizationKind.GOVERNMENT, "420100", "civil-service"),
    ("湖北省知识产权局（演示）", OrganizationKind.GOVERNMENT, "420100", "ip-office"),
    ("湖北省商务厅（演示）", OrganizationKind.GOVERNMENT, "420100", "commerce"),
    ("湖北省高级人民法院（演示）", OrganizationKind.COURT, "420100", "court"),
    ("宜昌市中级人民法院（演示）", OrganizationKind.COURT, "420500", "court"),
    ("湖北省律师协会（演示）", OrganizationKind.ASSOCIATION, "420100", "lawyers-association"),
    ("湖北省注册会计师协会（演示）", OrganizationKind.ASSOCIATION, "420100", "cpa-association"),
    (
        "湖北省房地产经纪行业协会（演示）",
        OrganizationKind.ASSOCIATION,
        "420100",
        "real-estate-association",
    ),
    ("湖北省资产评估协会（演示）", OrganizationKind.ASSOCIATION, "420100", "appraisal-association"),
    (
        "湖北省注册税务师协会（演示）",
        OrganizationKind.ASSOCIATION,
        "420100",
        "tax-agents-association",
    ),
    (
        "湖北省认证认可协会（演示）",
        OrganizationKind.ASSOCIATION,
        "420100",
        "certification-association",
    ),
    ("汉江银行股份有限公司（演示）", OrganizationKind.FINANCIAL, "420600", None),
    ("楚天征信服务有限公司（演示）", OrganizationKind.CREDIT_AGENCY, "420100", None),
]


def organizations(enterprises: int, *, seed: int = 20171230) -> list[SyntheticOrganization]:
    """The demo's departments, courts, associations, a bank, an agency, and some enterprises."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    prefectures = [d.code for d in divisions.current_divisions() if d.level == "prefecture"] or [
        "420100"
    ]
    result = [
        SyntheticOrganization(
            credit_code(rng, registration=_REGISTRATION[k], region_code=r), n, k, r, d
        )
        for n, k, r, d in _FIXED_ORGANIZATIONS
    ]
    names = {o.name for o in result}
    while len(result) < len(_FIXED_ORGANIZATIONS) + enterprises:
        name = fake.company() + "（演示）"
        if name in names:
            continue
        names.add(name)
        region = rng.choice(prefectures)
        code = credit_code(rng, registration="91", region_code=region)
        result.append(SyntheticOrganization(code, name, OrganizationKind.ENTERPRISE, region))
    return result
