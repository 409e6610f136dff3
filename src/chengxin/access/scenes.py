"""Business scenes (业务场景) in which credit information may be queried.

Every query names one. Government scenes are the checks Hubei makes mandatory
(湖北省社会信用信息管理条例 Art. 24, RULES.md §4); the others are where a third party may query
with the subject's authorization (RULES.md §4: consent, stated purpose, that purpose only).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scene(StrEnum):
    ADMINISTRATIVE_LICENSING = "administrative_licensing"
    ADMINISTRATIVE_PENALTY = "administrative_penalty"
    ADMINISTRATIVE_INSPECTION = "administrative_inspection"
    FISCAL_SUPPORT = "fiscal_support"
    GOVERNMENT_PROCUREMENT = "government_procurement"
    BIDDING = "bidding"
    LAND_TRANSFER = "land_transfer"
    RESEARCH_MANAGEMENT = "research_management"
    STAFF_RECRUITMENT = "staff_recruitment"
    STAFF_APPOINTMENT = "staff_appointment"
    STAFF_SUPERVISION = "staff_supervision"
    AWARDS = "awards"
    LOAN = "loan"
    EMPLOYMENT = "employment"
    LEASING = "leasing"
    CREDIT_SERVICE = "credit_service"


@dataclass(frozen=True)
class SceneInfo:
    zh: str
    en: str
    government: bool  # a statutory check by a public body (Art. 24); else a consented query


SCENES: dict[Scene, SceneInfo] = {
    Scene.ADMINISTRATIVE_LICENSING: SceneInfo(
        "行政许可", "Administrative licensing", government=True
    ),
    Scene.ADMINISTRATIVE_PENALTY: SceneInfo(
        "行政处罚", "Administrative penalties", government=True
    ),
    Scene.ADMINISTRATIVE_INSPECTION: SceneInfo(
        "行政检查", "Administrative inspections", government=True
    ),
    Scene.FISCAL_SUPPORT: SceneInfo("财政资金支持", "Fiscal support", government=True),
    Scene.GOVERNMENT_PROCUREMENT: SceneInfo("政府采购", "Government procurement", government=True),
    Scene.BIDDING: SceneInfo("招标投标", "Bidding", government=True),
    Scene.LAND_TRANSFER: SceneInfo("国有土地出让", "State land transfer", government=True),
    Scene.RESEARCH_MANAGEMENT: SceneInfo("科研管理", "Research management", government=True),
    Scene.STAFF_RECRUITMENT: SceneInfo(
        "公职人员招录", "Recruitment of state staff", government=True
    ),
    Scene.STAFF_APPOINTMENT: SceneInfo(
        "公职人员任用", "Appointment of state staff", government=True
    ),
    Scene.STAFF_SUPERVISION: SceneInfo(
        "公职人员监督管理", "Supervision of state staff", government=True
    ),
    Scene.AWARDS: SceneInfo("评优评先", "Awards and honours", government=True),
    Scene.LOAN: SceneInfo("贷款审批", "Loan approval", government=False),
    Scene.EMPLOYMENT: SceneInfo("招聘录用", "Hiring", government=False),
    Scene.LEASING: SceneInfo("租赁", "Leasing", government=False),
    Scene.CREDIT_SERVICE: SceneInfo("信用服务", "Credit services", government=False),
}
