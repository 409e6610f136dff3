"""The words every console shows for the platform's codes: one table per vocabulary.

Two kinds of vocabulary:

* the platform's own (roles, statuses, system actors, problem codes, scoring rules): tables of
  Chinese msgids here, English in ``web/locale/en/*.po``;
* the catalogs' (record kinds, departments, domains, list types, measures, scenes): their own
  ``name_zh`` / ``name_en``, looked up by code — the shipped catalog and every catalog version this
  process has read from the database (catalog_service caches them by digest), newest last.

Templates reach them through the Jinja globals in ``GLOBALS`` (``name``, ``who``, ``tag``,
``score_rule``, ``action_words`` …, and ``web.problems``' ``problem_words``; render.environment);
page code through :func:`name_of` and its neighbours. A code is kept on the page only for
support staff, as ``tag(code)``: a small grey ``<code class="tag">`` the page-scan test
(tests/web/test_no_codes.py) knows to be meant for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

from chengxin.access.scenes import SCENES
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument
from chengxin.ingestion.messages import MESSAGES as ROW_ERRORS
from chengxin.lists import types as list_types
from chengxin.measures import catalog as measures_catalog
from chengxin.web import problems
from chengxin.web.i18n import n_

# -- the platform's own vocabularies (msgids) ------------------------------------------------------

ROLE = {"legal_representative": n_("法定代表人"), "responsible_person": n_("主要负责人")}
STAFF_ROLE = {
    "platform_admin": n_("平台管理员"),
    "operator": n_("平台运营"),
    "reviewer": n_("查询审核员"),
    "auditor": n_("审计员"),
    "security_officer": n_("安全值守"),
    "provider_clerk": n_("提供单位经办人"),
    "consumer_officer": n_("使用单位经办人"),
    "agency_staff": n_("征信机构人员"),
    "citizen": n_("本人"),
}
ORGANIZATION_KIND = {
    "operator": n_("平台运营单位"),
    "government": n_("政府部门"),
    "court": n_("法院"),
    "association": n_("行业协会商会"),
    "financial": n_("金融机构"),
    "credit_agency": n_("征信机构"),
    "enterprise": n_("企业"),
}
LIST_KIND = {"red": n_("红名单"), "black": n_("严重失信主体名单")}
LIST_STEP = {
    "proposed": n_("拟列入"),
    "notified": n_("已告知"),
    "published": n_("已公开"),
    "exited": n_("已移出"),
    "withdrawn": n_("已撤回"),
    "objected": n_("提出异议"),
    "extended": n_("延期"),
    "restored": n_("恢复"),
}
CATEGORY = {"good": n_("守信信息"), "dishonest": n_("失信信息"), "basic": n_("基本信息")}
SEVERITY = {"serious": n_("严重"), "general": n_("一般"), "minor": n_("轻微")}
SHARING = {
    "public": n_("社会公开"),
    "authorized": n_("授权查询"),
    "government": n_("政务共享"),
    "subject": n_("仅本人"),
}

# System actors (``system:<task>``) and who else acts without an account. On a page they read as
# 平台（系统）· <what it did>; the task says what when the action has no name.
PLATFORM = n_("平台（系统）")
# Someone on the sign-in page with the person's name and number: not the platform, and not
# necessarily the person herself.
VISITOR = n_("未登录的访问者")
VISITOR_ACTIONS = ("citizens:sign-in",)
SELF = n_("本人")
SYSTEM_TASK = {
    "demo": n_("演示数据"),
    "jobs": n_("定时任务"),
    "cli": n_("命令行操作"),
    "expiry": n_("到期处理"),
    "notifications": n_("发送通知"),
    "bootstrap": n_("初始化"),
    "catalog-load": n_("加载目录"),
    "access-permit": n_("查询许可"),
    "keys-rotate": n_("密钥轮换"),
    "population-import": n_("人口信息导入"),
    "test": n_("测试"),
}
PUBLIC_ACTOR = "public"  # security.actor.ANONYMOUS: a request before anyone signed in
CITIZEN_ACTOR = "citizen"

# The scoring ruleset's rules (scoring.engine): ``base``, ``<category>:<kind>[@<percent>%]``,
# ``cap:<domain>:<good|dishonest>``, ``list:<kind>:<list type>``, ``clean-years:<n>``, ``bounds``.
SCORE_RULE = {
    "base": n_("基础分"),
    "dishonest": n_("失信信息扣分"),
    "good": n_("守信信息加分"),
    "cap": n_("领域分值上限调整"),
    "list": n_("名单"),
    "clean-years": n_("无失信记录年限奖励"),
    "bounds": n_("积分范围调整"),
}
# What a grade of the scoring ruleset says about a person (the ruleset names the grades and their
# score bands; a grade not named here shows its letter and band only).
GRADE_MEANING = {
    "AAA": n_("诚信优秀"),
    "AA": n_("诚信良好"),
    "A": n_("诚信较好"),
    "B": n_("诚信一般"),
    "C": n_("诚信较差"),
    "D": n_("诚信差"),
}

# What an audit entry is about (``audit_entry.object_type``: the table or thing it names).
OBJECT_TYPE = {
    "access_alert": n_("监测预警"),
    "access_grant": n_("查询授权"),
    "access_query": n_("信用查询"),
    "access_rule": n_("查询权限清单"),
    "api_token": n_("接口令牌"),
    "audit_log": n_("审计日志"),
    "auth_session": n_("登录会话"),
    "catalog_version": n_("目录版本"),
    "check": n_("联合奖惩核查"),
    "citizen_challenge": n_("本人登录验证码"),
    "content_page": n_("内容页面"),
    "credit_agency": n_("征信机构"),
    "credit_record": n_("信用信息"),
    "evidence": n_("证明材料"),
    "ingest_batch": n_("报送批次"),
    "job": n_("后台任务"),
    "keyring": n_("密钥"),
    "list_entry": n_("名单条目"),
    "login_attempt": n_("登录尝试"),
    "notification_outbox": n_("短信通知"),
    "objection": n_("异议"),
    "organization": n_("单位"),
    "organization_notice": n_("单位通知"),
    "organization_role": n_("单位职务"),
    "platform_lockdown": n_("紧急封锁"),
    "population_import": n_("人口信息导入"),
    "repair_application": n_("信用修复申请"),
    "report_issue": n_("信用报告"),
    "score_review": n_("积分复核"),
    "scoring_export": n_("积分导出"),
    "scoring_ruleset": n_("积分规则"),
    "subject": n_("信息主体"),
    "subject_score": n_("诚信积分"),
    "sweep": n_("定期处理"),
    "user_account": n_("账号"),
    "workday_year": n_("工作日安排"),
    "watch_subscription": n_("信息订阅"),
    "watch_delivery": n_("订阅推送"),
    "record_statement": n_("声明"),
    "tracking_task": n_("督办任务"),
    "tracking_attachment": n_("任务附件"),
    "assessment": n_("考核结果"),
    "assessment_indicator_set": n_("考核指标"),
}

# What a monitoring alert counted (access.monitoring: its ``detail``'s keys).
ALERT_RULE = {  # access.monitoring's rules, on the alerts page and in assessment items
    "many-subjects": n_("短时间内查询人数过多"),
    "night-burst": n_("夜间集中查询"),
    "new-scene": n_("首次使用的查询场景"),
    "no-feedback": n_("放行查询后未反馈"),
}
ALERT_DETAIL = {"subjects": n_("查询人数"), "queries": n_("查询次数"), "scene": n_("业务场景")}

# What an organization's inbox notice is about (``notifications.inbox``: each poster's topic).
NOTICE_TOPIC = {
    "objection-received": n_("收到异议申请"),
    "objection-due-soon": n_("异议即将到期"),
    "objection-overdue": n_("异议逾期未办结"),
    "record-corrected": n_("信息已更正"),
    "record-deleted": n_("信息已删除"),
    "record-repaired": n_("信息已修复"),
    "repair-received": n_("收到信用修复申请"),
    "repair-evidence-added": n_("修复申请补充了材料"),
    "repair-due-soon": n_("修复申请即将到期"),
    "repair-overdue": n_("修复申请逾期未办结"),
    "list-entry-notice": n_("列入名单告知"),
    "list-entry-exited": n_("名单已移出"),
    "tip-routed": n_("收到举报"),
    "tip-overdue": n_("举报逾期未处理"),
    "watch-changes": n_("关注对象有变更"),
    "task-due-soon": n_("任务节点即将到期"),
    "task-overdue": n_("任务节点已逾期"),
}
# The keys of a notice's data, as the notices page names them (others stay support codes).
NOTICE_FIELD = {
    "reference": n_("编号"),
    "number": n_("编号"),
    "kind_code": n_("信息事项"),
    "decide_due_at": n_("办理期限"),
    "act_due_at": n_("办理期限"),
    "due_on": n_("到期日"),
    "due": n_("到期日"),
    "objection": n_("异议编号"),
    "repair": n_("修复申请编号"),
    "list_type": n_("名单"),
    "list_name": n_("名单"),
    "exit_reason": n_("移出原因"),
    "masked_name": n_("姓名"),
    "basis": n_("依据"),
    "remedies": n_("救济途径"),
    "domain": n_("领域"),
    "title": n_("任务"),
    "milestone": n_("节点"),
    "reason": n_("原因"),
    "changes": n_("变更数"),
}

VOCABULARIES: dict[str, Mapping[str, str]] = {
    "role": ROLE,
    "staff_role": STAFF_ROLE,
    "organization_kind": ORGANIZATION_KIND,
    "list_kind": LIST_KIND,
    "list_step": LIST_STEP,
    "category": CATEGORY,
    "severity": SEVERITY,
    "sharing": SHARING,
    "system_task": SYSTEM_TASK,
    "score_rule": SCORE_RULE,
    "object_type": OBJECT_TYPE,
    "alert_detail": ALERT_DETAIL,
    "notice_topic": NOTICE_TOPIC,
    "notice_field": NOTICE_FIELD,
}


# -- the catalogs' vocabularies (their own names) --------------------------------------------------


@cache
def _shipped() -> CatalogDocument:
    return CatalogDocument.model_validate(catalog_service.shipped_content())


def _catalog_names(section: str) -> dict[str, tuple[str, str]]:
    documents, active = catalog_service.documents_read()
    return _names_in(section, len(documents), active)


@cache
def _names_in(section: str, versions: int, active: str | None) -> dict[str, tuple[str, str]]:
    """Names of one section over the shipped catalog and the documents read so far, the active
    version's last so that its names win (``versions``, how many, and ``active``, its digest,
    are the key: the documents only grow)."""
    del active  # part of the cache's key only
    names: dict[str, tuple[str, str]] = {}
    documents, _active = catalog_service.documents_read()
    for document in (_shipped(), *documents[:versions]):
        for item in getattr(document, section):
            names[item.code] = (item.name_zh, item.name_en)
    return names


@cache
def _measure_names() -> dict[str, tuple[str, str]]:
    return {m.code: (m.name_zh, m.name_en) for m in measures_catalog.catalog().measures}


def _named(code: str, lang: str, names: Mapping[str, tuple[str, str]]) -> str | None:
    found = names.get(code)
    if found is None:
        return None
    return found[1] if lang == "en" else found[0]


def name_of(vocabulary: str, code: Any, lang: str, _: Callable[..., Any] | None = None) -> str:
    """The word for ``code`` in ``vocabulary``, in ``lang``; the code itself when none is known
    (the page-scan test then names the page and the code). ``_`` translates the platform's own
    tables (msgids)."""
    if code is None or code == "":
        return "—"
    text = str(code)
    found: str | None
    if vocabulary == "kind":
        found = _named(text, lang, _catalog_names("kinds"))
    elif vocabulary == "department":
        found = _named(text, lang, _catalog_names("departments"))
    elif vocabulary == "domain":
        found = _named(text, lang, _catalog_names("domains"))
    elif vocabulary == "list_type":
        listed = list_types.get(text)
        found = None if listed is None else (listed.name_en if lang == "en" else listed.name_zh)
    elif vocabulary == "row_error":  # an exchange row's fault (ingestion.messages: zh, en)
        found = _named(text, lang, ROW_ERRORS)
    elif vocabulary == "measure":
        found = _named(text, lang, _measure_names())
    elif vocabulary == "scene":
        found = next(
            ((i.en if lang == "en" else i.zh) for s, i in SCENES.items() if s.value == text), None
        )
    else:
        msgid = VOCABULARIES[vocabulary].get(text)
        found = None if msgid is None else str(_(msgid) if _ is not None else msgid)
    return found if found is not None else text


def score_rule(rule: str, lang: str, _: Callable[..., Any]) -> str:
    """A scoring rule in words: ``base`` → 基础分, ``dishonest:card-fraud@80%`` → 失信信息扣分 ·
    <the kind's name>（按 80% 计）, ``list:black:<type>`` → 名单 · <the list's name>."""
    text = str(rule)
    head, _sep, rest = text.partition(":")
    words = SCORE_RULE.get(head)
    if words is None:
        return text
    shown = str(_(words))
    if head in ("good", "dishonest"):
        kind, _at, percent = rest.partition("@")
        shown = f"{shown} · {name_of('kind', kind, lang)}"
        if percent:
            shown += str(_("（按 {percent} 计）", percent=percent))
    elif head == "list":
        _kind, _sep, list_type = rest.partition(":")
        shown = f"{shown} · {name_of('list_type', list_type, lang)}"
    elif head == "cap":
        domain, _sep, side = rest.partition(":")
        side_words = name_of("category", side, lang, _)
        shown = f"{shown} · {name_of('domain', domain, lang)} · {side_words}"
    elif head == "clean-years" and rest:
        shown += str(_("（{n} 年）", n=rest))
    return shown


def grade_scale(
    grades: tuple[tuple[int, str], ...], high: int, _: Callable[..., Any]
) -> list[tuple[str, str, int, int]]:
    """The ruleset's grades, highest first, as (grade, meaning, lowest score, highest score)."""
    scale = []
    for i, (low, grade) in enumerate(grades):
        top = high if i == 0 else grades[i - 1][0] - 1
        meaning = GRADE_MEANING.get(grade)
        scale.append((grade, str(_(meaning)) if meaning else "", low, top))
    return scale


def actor_kind(name: str | None, action: str | None = None) -> str | None:
    """Which kind of actor a log entry names, as a msgid: 未登录的访问者 for a sign-in attempt
    before anyone signed in (anyone with the name and number can make one), 平台（系统） for a
    system actor or another anonymous request, 本人 for the citizen; None for a staff account."""
    if not name:
        return None
    if name == PUBLIC_ACTOR and action is not None and action.startswith(VISITOR_ACTIONS):
        return VISITOR
    if name.startswith("system:") or name == PUBLIC_ACTOR:
        return PLATFORM
    if name == CITIZEN_ACTOR:
        return SELF
    return None


def actor_words(
    name: str | None, _: Callable[..., Any], *, did: str | None = None, action: str | None = None
) -> str:
    """Who acted, in words: the actor's kind (``actor_kind``) · <what it did> (``did``: the
    action's words, when known; else a system task's); a staff account's name as it is."""
    if not name:
        return "—"
    kind = actor_kind(name, action)
    if kind is None:
        return name
    if kind == SELF:
        return str(_(SELF))
    task = SYSTEM_TASK.get(name.removeprefix("system:")) if kind == PLATFORM else None
    what = did or (str(_(task)) if task else None)
    return f"{_(kind)} · {what}" if what else str(_(kind))


def tag(code: Any) -> Markup:
    """A code kept for support staff: a small grey tag, skipped by the page-scan test."""
    if code is None or code == "":
        return Markup("")
    return Markup('<code class="tag">{}</code>').format(code)


# -- Jinja globals (render.environment) ------------------------------------------------------------


@pass_context
def _name(context: Any, vocabulary: str, code: Any) -> str:
    return name_of(vocabulary, code, context["lang"], context["_"])


@pass_context
def _who(context: Any, name: str | None, action: str | None = None) -> str:
    return actor_words(name, context["_"], did=action_words(action, context["_"]), action=action)


@pass_context
def _rule(context: Any, rule: str) -> str:
    return score_rule(rule, context["lang"], context["_"])


@pass_context
def _actor_kind(context: Any, name: str | None, action: str | None = None) -> str:
    kind = actor_kind(name, action)
    return "—" if kind is None else str(context["_"](kind))


def notice_lines(
    data: Mapping[str, Any], lang: str, _: Callable[..., Any]
) -> list[tuple[str, Any]]:
    """A notice's data as (words, value) lines: codes named, moments as datetimes (the page shows
    them in Beijing time); machine fields (ids, a signed payload) are left to the API."""
    lines: list[tuple[str, Any]] = []
    for key in sorted(data):
        label, value = NOTICE_FIELD.get(key), data[key]
        if label is None or value is None:
            continue
        shown: Any
        if key in {"kind_code", "list_type", "domain"}:
            shown = name_of({"kind_code": "kind"}.get(key, key), value, lang, _)
        elif key == "exit_reason":
            shown = tag(value)
        elif key.endswith("_at") and isinstance(value, str):
            try:
                shown = datetime.fromisoformat(value)
            except ValueError:
                shown = value
        elif isinstance(value, list):
            shown = "、".join(str(v) for v in value)
        else:
            shown = str(value)
        lines.append((str(_(label)), shown))
    return lines


@pass_context
def _notice_lines(context: Any, data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return notice_lines(data, context["lang"], context["_"])


GLOBALS: dict[str, Any] = {
    "name": _name,
    "who": _who,
    "actor_kind": _actor_kind,
    "tag": tag,
    "score_rule": _rule,
    "notice_lines": _notice_lines,
}


# -- explanations the services give in English or with codes -------------------------------------

# A repair condition (repair.eligibility): (met, not met); ``{date}`` takes the date in the detail.
ELIGIBILITY = {
    "dishonest-record": (n_("属于失信信息"), n_("只有失信信息可以申请信用修复")),
    "current-record": (n_("为现行版本"), n_("该版本已不是现行版本")),
    "repairable-by-law": (n_("依法可以修复"), n_("法律规定此类信息不可修复")),
    "minimum-period-reached": (n_("已满最短公示期，可申请修复"), n_("自 {date} 起可申请修复")),
    "still-displayed": (n_("公示期内（公示至 {date}）"), n_("公示期已结束，无需修复")),
    "no-open-application": (n_("没有其他正在办理的申请"), n_("该信息已有正在办理的修复申请")),
    "bar-repaired-within-1-year": (n_("近一年内没有获准的信用修复"), n_("近一年内已获准信用修复")),
    "bar-two-repairs-within-5-years": (
        n_("近五年内获准的信用修复不超过一次"),
        n_("近五年内已获准两次以上信用修复"),
    ),
    "bar-same-kind-within-5-years": (
        n_("近五年内没有同类信息的修复"),
        n_("近五年内已修复过同类信息"),
    ),
}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def eligibility_words(check: Any, _: Callable[..., Any]) -> Any:
    """A repair condition, checked, in words (the service explains it in English). Like ``_``,
    the answer is escaped Markup when it has fields."""

    def get(key: str) -> Any:
        return check.get(key) if isinstance(check, Mapping) else getattr(check, key, None)

    code, ok, detail = str(get("code") or ""), bool(get("ok")), str(get("detail") or "")
    words = ELIGIBILITY.get(code)
    if words is None:
        return detail
    msgid = words[0] if ok else words[1]
    if "{date}" in msgid:
        found = DATE.search(detail)
        return _(msgid, date=found.group() if found else "—")
    return _(msgid)


def measure_reason(why: Any, lang: str, _: Callable[..., Any]) -> Any:
    """Why a measure applies (measures.service explains it in Chinese, with codes): in words."""
    trigger, text = str(why.trigger), str(why.text)
    if trigger == "records":
        kinds = text.rsplit("：", 1)[-1].split("、") if "：" in text else []
        names = ("、" if lang == "zh" else ", ").join(name_of("kind", k, lang) for k in kinds)
        years = re.search(r"近(\d+)年", text)
        if years:
            return _(
                "{n} 条信用记录（近 {years} 年内认定）：{kinds}",
                n=len(why.record_ids),
                years=years.group(1),
                kinds=names,
            )
        return _("{n} 条信用记录：{kinds}", n=len(why.record_ids), kinds=names)
    if trigger == "list" and why.list_type:
        listed = name_of("list_type", why.list_type, lang)
        if why.via_organization:
            role = name_of("role", why.role, lang, _) if why.role else str(_("负责人"))
            return _(
                "所在单位 {org} 列入{list}（{reference}），本人为{role}",
                org=why.via_organization,
                list=listed,
                reference=why.entry_reference,
                role=role,
            )
        return _("列入{list}（{reference}）", list=listed, reference=why.entry_reference)
    if trigger == "grade":
        return _("诚信积分等级 {grade}", grade=text.rsplit(" ", 1)[-1])
    return text


@pass_context
def _eligibility(context: Any, check: Any) -> Any:
    return eligibility_words(check, context["_"])


@pass_context
def _reason(context: Any, why: Any) -> Any:
    return measure_reason(why, context["lang"], context["_"])


GLOBALS["eligibility_words"] = _eligibility
GLOBALS["measure_reason"] = _reason


# An audit action's own words (what an entry about a person records); other actions are worded
# as their object and verb (``action_words``).
AUDIT_ACTION = {
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


# -- audit actions (``domain:object:verb``): the action's own words, else object · verb -----------

AUDIT_OBJECT = {
    "access:alert": n_("监测预警"),
    "access:grant": n_("查询授权"),
    "access:policy": n_("查询权限清单"),
    "access:query": n_("信用查询"),
    "accounts:attempts": n_("登录尝试记录"),
    "accounts:freeze": n_("冻结"),
    "accounts:lockdown": n_("紧急封锁"),
    "accounts:login": n_("账号登录"),
    "accounts:organization": n_("单位"),
    "accounts:session": n_("登录会话"),
    "accounts:token": n_("接口令牌"),
    "accounts:user": n_("账号"),
    "agencies:agency": n_("征信机构"),
    "assessment:assessment": n_("考核结果"),
    "assessment:indicators": n_("考核指标"),
    "agencies:blacklist": n_("征信机构黑名单"),
    "agencies:staff": n_("征信机构人员"),
    "agencies:violation": n_("征信机构违规"),
    "audit:log": n_("审计日志"),
    "catalog:catalog": n_("目录"),
    "checks:check": n_("联合奖惩核查"),
    "checks:feedback": n_("核查反馈"),
    "citizens:sign-in": n_("本人登录"),
    "content:page": n_("内容页面"),
    "identity:person": n_("身份"),
    "identity:population": n_("人口信息"),
    "identity:subject": n_("信息主体"),
    "ingestion:batch": n_("报送批次"),
    "jobs:job": n_("后台任务"),
    "lists:entry": n_("名单条目"),
    "notifications:message": n_("短信通知"),
    "notifications:notice": n_("通知"),
    "objections:evidence": n_("异议材料"),
    "objections:objection": n_("异议"),
    "objections:statement": n_("声明"),
    "organizations:organization": n_("单位"),
    "organizations:role": n_("单位职务"),
    "organizations:token": n_("接口令牌"),
    "records:archive": n_("归档信息"),
    "records:display": n_("公示期"),
    "records:record": n_("信用信息"),
    "repair:application": n_("信用修复申请"),
    "repair:evidence": n_("修复材料"),
    "reports:report": n_("信用报告"),
    "scoring:export": n_("积分导出"),
    "scoring:review": n_("积分复核"),
    "scoring:ruleset": n_("积分规则"),
    "scoring:score": n_("诚信积分"),
    "system:lockdown": n_("紧急封锁"),
    "tips:tip": n_("举报"),
    "tracking:task": n_("督办任务"),
    "tracking:milestone": n_("任务节点"),
    "tracking:progress": n_("任务进展"),
    "tracking:attachment": n_("任务附件"),
    "watch:delivery": n_("订阅推送"),
    "watch:subscription": n_("信息订阅"),
    "workdays:calendar": n_("工作日安排"),
    "ingestion:quality": n_("数据质量"),
    "self:data": n_("本人信息"),
    "self:grant": n_("本人授权"),
    "self:objection": n_("本人异议"),
    "self:repair": n_("本人信用修复"),
    "self:score": n_("本人积分"),
    "self:statement": n_("本人声明"),
}
AUDIT_VERB = {
    "acknowledge": n_("确认"),
    "activate": n_("生效"),
    "add": n_("添加"),
    "approve": n_("批准"),
    "apply": n_("申请"),
    "close": n_("办结"),
    "remind": n_("提醒"),
    "archive": n_("归档"),
    "challenge": n_("获取验证码"),
    "complete": n_("完成"),
    "create": n_("创建"),
    "created": n_("创建"),
    "dead": n_("终止"),
    "decide": n_("决定"),
    "delist": n_("移出"),
    "deliver": n_("送达"),
    "disclose": n_("提供结果"),
    "download-rejected": n_("下载退回行"),
    "drop": n_("放弃"),
    "edited": n_("修改"),
    "end": n_("结束"),
    "enter": n_("录入"),
    "escalate": n_("督办"),
    "exited": n_("移出"),
    "expire": n_("到期"),
    "export": n_("导出"),
    "extend": n_("延期"),
    "fail": n_("失败"),
    "feedback": n_("反馈"),
    "file": n_("提出"),
    "forward": n_("转交"),
    "freeze": n_("冻结"),
    "handle": n_("处理"),
    "import": n_("导入"),
    "import-finish": n_("导入完成"),
    "import-start": n_("开始导入"),
    "issue": n_("签发"),
    "lift": n_("解除"),
    "link": n_("关联"),
    "list": n_("列入"),
    "load": n_("载入"),
    "manage": n_("管理"),
    "notified": n_("告知"),
    "post": n_("发布"),
    "propose": n_("提请"),
    "proposed": n_("提请"),
    "prune": n_("清理"),
    "published": n_("公开"),
    "queue": n_("发送"),
    "raise": n_("触发"),
    "read": n_("查看"),
    "recompute": n_("重新计算"),
    "record": n_("记录"),
    "refuse": n_("拒绝"),
    "refuse-locked": n_("锁定期内拒绝"),
    "register": n_("登记"),
    "release": n_("放行"),
    "replace": n_("替换"),
    "request": n_("申请"),
    "reproduce": n_("复现"),
    "reset-password": n_("重置密码"),
    "resubmit": n_("重新提交"),
    "retry": n_("重试"),
    "review": n_("审核"),
    "revoke": n_("撤销"),
    "roles": n_("变更角色"),
    "run": n_("执行"),
    "sandbox": n_("沙盘比较"),
    "start": n_("启动"),
    "status": n_("变更状态"),
    "submit": n_("提交"),
    "succeed": n_("成功"),
    "throttle": n_("限流"),
    "unfreeze": n_("解冻"),
    "unlink": n_("解除关联"),
    "unpublished": n_("撤下"),
    "upload": n_("上传"),
    "verify": n_("核验"),
    "withdraw": n_("撤回"),
    "withdrawn": n_("撤回"),
}


def action_words(action: str | None, _: Callable[..., Any]) -> str | None:
    """An audit action in words (None when neither the action nor its object is known)."""
    if not action:
        return None
    own = AUDIT_ACTION.get(action)
    if own is not None:
        return str(_(own))
    head, _sep, verb = action.rpartition(":")
    thing = AUDIT_OBJECT.get(head)
    if thing is None:
        return None
    done = AUDIT_VERB.get(verb)
    return f"{_(thing)} · {_(done)}" if done else str(_(thing))


@pass_context
def _action(context: Any, action: str | None) -> str:
    return action_words(action, context["_"]) or (action or "—")


GLOBALS["action_words"] = _action


GLOBALS.update(problems.GLOBALS)
