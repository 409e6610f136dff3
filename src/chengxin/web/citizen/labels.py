"""Names of the domain's states and codes as the citizen's pages show them (msgids, translated in
the templates with ``_``); the vocabularies every console shares come from ``web.labels``."""

from __future__ import annotations

from chengxin.web.i18n import n_
from chengxin.web.labels import AUDIT_ACTION, CATEGORY, LIST_KIND, ROLE, SEVERITY

OBJECTION_STATUS = {
    "filed": n_("已受理"),
    "forwarded": n_("已转提供单位核实"),
    "decided": n_("已办结"),
    "withdrawn": n_("已撤回"),
}
OBJECTION_OUTCOME = {
    "corrected": n_("已更正"),
    "deleted": n_("已删除"),
    "upheld": n_("信息无误，维持"),
    "unverifiable": n_("无法核实"),
}
REPAIR_STATUS = {
    "received": n_("已受理"),
    "needs_evidence": n_("需补充材料"),
    "approved": n_("已修复"),
    "refused": n_("不予修复"),
    "withdrawn": n_("已撤回"),
}
REPAIR_BASIS = {
    "obligation_performed": n_("已履行法定义务、纠正失信行为"),
    "volunteer_service": n_("志愿服务"),
    "charity": n_("慈善捐助"),
    "other": n_("其他"),
}
GRANT_STATUS = {
    "active": n_("有效"),
    "expired": n_("已过期"),
    "exhausted": n_("次数已用完"),
    "revoked": n_("已撤销"),
}
LIST_STATUS = {
    "proposed": n_("拟列入"),
    "notified": n_("已告知"),
    "published": n_("已公开"),
    "exited": n_("已移出"),
    "withdrawn": n_("已撤回"),
}
RECORD_STATUS = {
    "active": n_("有效"),
    "superseded": n_("已被更正"),
    "revoked": n_("已撤销"),
    "repaired": n_("已信用修复"),
}
MARK = {
    "displayed": n_("公示中"),
    "not_yet_displayed": n_("尚未公示"),
    "expired": n_("已过公示期"),
    "superseded": n_("已被更正"),
    "revoked": n_("已撤销"),
    "in_dispute": n_("异议处理中"),
    "repaired": n_("已信用修复"),
}
REVIEW_STATUS = {"open": n_("复核中"), "decided": n_("已答复")}

LABELS = {
    "objection_status": OBJECTION_STATUS,
    "objection_outcome": OBJECTION_OUTCOME,
    "repair_status": REPAIR_STATUS,
    "repair_basis": REPAIR_BASIS,
    "grant_status": GRANT_STATUS,
    "list_kind": LIST_KIND,
    "list_status": LIST_STATUS,
    "role": ROLE,
    "category": CATEGORY,
    "severity": SEVERITY,
    "record_status": RECORD_STATUS,
    "mark": MARK,
    "review_status": REVIEW_STATUS,
}

ACTION = AUDIT_ACTION  # what an audit entry about the person records
LABELS["action"] = ACTION
