"""Names of the domain's states and codes as the citizen's pages show them (msgids, translated in
the templates with ``_``). A code without a name here is shown as it is."""

from __future__ import annotations

from chengxin.web.i18n import n_

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
LIST_KIND = {"red": n_("红名单"), "black": n_("严重失信主体名单")}
LIST_STATUS = {
    "proposed": n_("拟列入"),
    "notified": n_("已告知"),
    "published": n_("已公开"),
    "exited": n_("已移出"),
    "withdrawn": n_("已撤回"),
}
ROLE = {"legal_representative": n_("法定代表人"), "responsible_person": n_("主要负责人")}
CATEGORY = {"good": n_("守信信息"), "dishonest": n_("失信信息"), "basic": n_("基本信息")}
SEVERITY = {"serious": n_("严重"), "general": n_("一般"), "minor": n_("轻微")}
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

# What an audit entry about the person records (the code is shown beside the name).
ACTION = {
    "access:query:submit": n_("提交查询"),
    "access:query:disclose": n_("查询结果提供"),
    "access:query:read": n_("查看查询结果"),
    "access:grant:create": n_("授权单位查询"),
    "access:grant:revoke": n_("撤销授权"),
    "checks:check:run": n_("联合奖惩核查"),
    "reports:report:issue": n_("出具信用报告"),
    "reports:report:reproduce": n_("复现信用报告"),
    "identity:subject:register": n_("登记信息主体"),
    "identity:subject:read": n_("查看身份信息"),
    "identity:person:verify": n_("核验身份"),
    "citizens:sign-in:challenge": n_("申请登录验证码"),
    "citizens:sign-in:succeed": n_("本人登录"),
    "citizens:sign-in:fail": n_("登录失败"),
    "notifications:message:queue": n_("发送短信通知"),
    "records:record:read": n_("查看信用信息"),
    "objections:objection:file": n_("提出异议"),
    "objections:objection:forward": n_("异议转提供单位"),
    "objections:objection:decide": n_("异议办结"),
    "objections:objection:withdraw": n_("撤回异议"),
    "objections:statement:add": n_("添加声明"),
    "objections:statement:withdraw": n_("撤回声明"),
    "repair:application:file": n_("申请信用修复"),
    "repair:application:decide": n_("信用修复决定"),
    "repair:application:withdraw": n_("撤回修复申请"),
    "scoring:review:request": n_("申请人工复核"),
    "scoring:score:read": n_("查看诚信积分"),
}
LABELS["action"] = ACTION
