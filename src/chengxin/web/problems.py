"""Problems (docs/problems.md) as a page words them: a message per problem code in the reader's
language (Chinese msgids here, English in ``web/locale/en/*.po``) with the variable part of the
service's detail (a file's column names), the code kept as a grey tag whose tooltip holds the
service's own detail for support staff. Used by ``_macros.html``'s ``problem`` and the error page
(web/errors.py); the Jinja globals are registered with the vocabularies' (web/labels.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

from chengxin.web.i18n import n_

# A problem code's message; ``{detail}`` takes the variable part of the service's detail (what
# follows its last ": ", e.g. the column names of ``header-unknown-column``). A code not here is
# shown by its status (STATUS_PROBLEM), the service's English detail kept in the tag's tooltip.
PROBLEM = {
    "invalid-input": n_("填写的内容不符合要求，请检查这些项：{detail}"),
    "validation-failed": n_("填写的内容不符合要求，请检查这些项：{detail}"),
    "not-found": n_("未找到相应的内容。"),
    "forbidden": n_("您没有进行此操作的权限。"),
    "conflict": n_("当前状态下不能进行此操作，请刷新后重试。"),
    "payload-too-large": n_("上传的文件超过平台允许的大小。"),
    "file-format-unsupported": n_("不支持该文件格式，请上传 CSV、XLSX 或 JSONL 文件。"),
    "encoding-unsupported": n_("无法识别文件编码，请另存为 UTF-8 后重新上传。"),
    "file-unreadable": n_("文件无法读取，请检查文件是否完整。"),
    "header-missing-column": n_("表头缺少必需的列：{detail}"),
    "header-unknown-column": n_("表头含有无法识别的列：{detail}"),
    "row-too-long": n_("文件中有一行超过平台允许的长度。"),
    "row-encoding": n_("该行的文字编码无法识别。"),
    "row-malformed": n_("该行格式有误（如引号不成对）。"),
    "file-rejected": n_("文件无法整体读取，未使用其中任何一行。"),
    "batch-too-large": n_("一次报送的记录过多，请改为上传文件。"),
    "not-a-provider": n_("只有信息提供单位可以报送信息。"),
    "id-number-length": n_("身份证号码应为 18 位。"),
    "id-number-characters": n_("身份证号码含有无效字符。"),
    "id-number-birth-date": n_("身份证号码中的出生日期无效。"),
    "id-number-checksum": n_("身份证号码校验位不正确，请核对。"),
    "name-invalid": n_("姓名格式不正确。"),
    "phone-invalid": n_("电话号码格式不正确。"),
    "region-invalid": n_("行政区划代码应为 6 位数字。"),
    "field-too-long": n_("有一项内容超过平台允许的长度。"),
    "subject-not-found": n_("平台上没有该身份证号码对应的人员。"),
    "subject-name-mismatch": n_("姓名与身份证号码不一致。"),
    "person-not-verified": n_("身份信息未能核验，请核对姓名和身份证号码。"),
    "code-invalid": n_("验证码不正确或已失效。"),
    "challenge-expired": n_("验证码已过期或已使用，请重新获取。"),
    "too-many-codes": n_("获取验证码的次数过多，请稍后再试。"),
    "login-failed": n_("账号或密码不正确。"),
    "account-locked": n_("登录失败次数过多，账号已暂时锁定，请稍后再试。"),
    "too-many-attempts": n_("登录尝试次数过多，请稍后再试。"),
    "account-frozen": n_("该账号已被冻结。"),
    "organization-frozen": n_("该单位已被冻结，其账号和接口令牌均不可用。"),
    "session-invalid": n_("登录已失效，请重新登录。"),
    "password-too-weak": n_("密码不符合密码策略。"),
    "login-taken": n_("该登录名已被使用。"),
    "login-invalid": n_("登录名应为 3 至 64 位小写字母、数字、点、连字符或下划线。"),
    "role-not-grantable": n_("只能授予本人拥有全部权限的角色。"),
    "role-not-for-organization-kind": n_("该角色不适用于此类单位的人员。"),
    "region-not-grantable": n_("市级管理员只能管理本市的账号。"),
    "platform-locked-down": n_("平台处于紧急只读封锁状态，暂不接受修改。"),
    "reason-required": n_("请填写理由。"),
    "credit-code-invalid": n_("统一社会信用代码无效（GB 32100-2015）。"),
    "organization-exists": n_("该统一社会信用代码的单位已登记。"),
    "permission-not-grantable": n_("令牌不能带有签发人本人没有的权限。"),
    "role-exists": n_("此人自该日期起已在本单位担任该职务。"),
    "report-not-verified": n_("没有与该编号和核验码相符的报告。"),
    "report-held-for-review": n_("该查询正在等待审核，审核通过后再出具报告。"),
    "report-not-found": n_("没有该编号的报告。"),
    "scene-not-permitted": n_("本单位的查询权限清单不包括该业务场景。"),
    "kinds-not-permitted": n_("查询权限清单或授权不包括所查询的信息类别。"),
    "grant-required": n_("第三方查询须经本人授权。"),
    "grant-not-usable": n_("该授权已撤销、过期、用完或不适用于该业务场景。"),
    "grant-input-invalid": n_("授权内容不完整或有误。"),
    "query-not-releasable": n_("该查询正在等待审核或已被拒绝。"),
    "query-already-decided": n_("该查询已处理。"),
    "check-input-invalid": n_("核查请求不完整。"),
    "check-batch-too-large": n_("一次核查的人数超过平台允许的数量。"),
    "check-needs-public-body": n_("只有国家机关可依法履职进行联合奖惩核查。"),
    "objection-input-invalid": n_("异议申请不完整。"),
    "objection-record-not-current": n_("只能对信息的现行版本提出异议。"),
    "objection-already-open": n_("对该信息的异议正在处理中。"),
    "objection-closed": n_("该异议已办结或已撤回。"),
    "objection-not-yours": n_("该异议由其他单位处理。"),
    "objection-correction-missing": n_("决定“已更正”前，请先报送更正后的信息。"),
    "statement-input-invalid": n_("声明内容不符合要求。"),
    "repair-input-invalid": n_("修复申请不完整。"),
    "repair-commitment-missing": n_("修复申请须附信用承诺书。"),
    "repair-not-eligible": n_("该信息目前不能申请信用修复。"),
    "repair-closed": n_("该申请当前不在待办理此步骤的状态。"),
    "repair-not-the-finding-department": n_("信用修复由作出认定的部门决定（谁认定、谁修复）。"),
    "list-entry-input-invalid": n_("名单条目内容不完整。"),
    "list-record-not-usable": n_("所列信息不属于本单位、不是现行版本或不是该主体的信息。"),
    "list-proposer-not-allowed": n_("本单位不能提请列入该名单。"),
    "list-entry-already-open": n_("该主体在该名单上已有处理中或公布中的条目。"),
    "list-entry-wrong-state": n_("该条目当前状态不允许此操作。"),
    "list-objection-window-open": n_("异议期尚未结束，暂不能公布。"),
    "list-record-in-dispute": n_("所依据的信息有异议正在处理，请先答复异议。"),
    "list-search-invalid": n_("请按完整的身份证号码、统一社会信用代码或姓名（单位全称）查询。"),
    "list-subject-minor": n_("未成年人不列入该名单。"),
    "list-search-rate-limited": n_("查询过于频繁，请稍后再试。"),
    "tip-not-found": n_("查询编号或查询密码不正确。"),
    "tip-input-invalid": n_("举报内容不完整。"),
    "tip-rate-limited": n_("提交过于频繁，请稍后再试。"),
    "tip-flood": n_("相同的举报内容已多次提交，正在处理中。"),
    "tip-transition-invalid": n_("该举报当前状态下不能进行此操作。"),
    "task-not-found": n_("未找到该督办任务。"),
    "task-invalid": n_("督办任务填写不完整或有误：{detail}"),
    "task-closed": n_("该督办任务已办结。"),
    "not-a-task-unit": n_("只有该任务的牵头单位和责任单位可以报送进展。"),
    "task-attachment-not-found": n_("该任务没有这个附件。"),
    "assessment-period-invalid": n_("考核期间无效：应如 2026-11、2026-Q4 或 2026，且已经开始。"),
    "assessment-not-found": n_("未找到该考核结果，或不在您可查看的范围内。"),
    "assessment-unit-invalid": n_("该考核结果中没有这项指标或这个考核对象。"),
    "indicators-invalid": n_("指标体系不符合要求：{detail}"),
    "indicator-set-not-found": n_("没有这个版本的指标体系。"),
    "indicator-set-exists": n_("已有相同版本号的指标体系，请改用新的版本号。"),
    "indicator-set-not-draft": n_("只有草稿状态的指标体系可以生效。"),
    "content-input-invalid": n_("内容页面不完整。"),
    "content-slug-taken": n_("已有其他页面使用该地址。"),
    "content-version-conflict": n_("页面已被他人修改，请重新打开后再编辑。"),
    "catalog-invalid": n_("目录文件未通过校验：{detail}"),
    "catalog-version-exists": n_("已载入内容不同的同号目录版本。"),
    "scoring-ruleset-invalid": n_("积分规则未通过校验：{detail}"),
    "scoring-ruleset-exists": n_("该版本号的积分规则已存在。"),
    "scoring-ruleset-not-draft": n_("只有草稿状态的规则可以生效或在沙盘中比较。"),
    "scoring-review-already-open": n_("您的积分复核申请正在处理中。"),
    "scoring-review-input-invalid": n_("复核申请不完整。"),
    "scoring-review-closed": n_("该复核已答复。"),
    "access-rule-invalid": n_("权限清单条目有误。"),
    "value-not-storable": n_("有一项内容无法保存，请检查后重试。"),
    "database-busy": n_("系统繁忙，本次操作未保存，请稍后重试。"),
    "database-unavailable": n_("数据库暂时不可用（正在切换），请稍后重试。"),
    "internal-error": n_("服务暂时出错，请稍后再试。"),
    "http-error": n_("请求未能完成。"),
    "workday-calendar-invalid": n_("工作日安排未通过校验：{detail}"),
    "workday-year-exists": n_("该年度的安排已录入，替换须说明理由。"),
}
STATUS_PROBLEM = {
    400: n_("提交的内容有误，未能完成。"),
    401: n_("请先登录。"),
    403: n_("您没有进行此操作的权限。"),
    404: n_("未找到相应的内容。"),
    409: n_("当前状态下不能进行此操作，请刷新后重试。"),
    413: n_("上传的文件超过平台允许的大小。"),
    422: n_("提交的内容有误，未能完成。"),
    429: n_("操作过于频繁，请稍后再试。"),
    500: n_("服务暂时出错，请稍后再试。"),
}


def problem_code(error: Any) -> str:
    """The problem's stable code (a refused file names its own fault's code)."""
    extra = getattr(error, "extra", None) or {}
    return str(extra.get("failure_code") or getattr(error, "code", "") or "http-error")


def problem_text(
    code: str, detail: str | None, status: int, lang: str, _: Callable[..., Any]
) -> str:
    """A problem in the reader's language: its message, with the detail's variable part."""
    detail = detail or ""
    inner, sep, rest = detail.partition(": ")
    if sep and inner in PROBLEM:  # a file's own fault inside a wider problem ("<code>: …")
        code, detail = inner, rest
    msgid = PROBLEM.get(code)
    if msgid is None:
        if lang == "en" and detail:
            return detail
        msgid = STATUS_PROBLEM.get(status) or STATUS_PROBLEM[500 if status >= 500 else 400]  # noqa: PLR2004
    if "{detail}" in msgid:
        variable = detail.rsplit(": ", 1)[1] if ": " in detail else detail
        return str(_(msgid, detail=variable or "—"))
    return str(_(msgid))


@pass_context
def _problem(context: Any, error: Any) -> Markup:
    """``problem(error)``: a DomainError's words, its code as a tag whose tooltip keeps the
    service's own detail for support staff."""
    detail = str(getattr(error, "detail", "") or "")
    text = problem_text(
        problem_code(error),
        detail,
        int(getattr(error, "status", 400)),
        context["lang"],
        context["_"],
    )
    code = getattr(error, "code", "") or problem_code(error)
    return Markup('{} <code class="tag" title="{}">{}</code>').format(text, detail, code)


@pass_context
def _problem_of(context: Any, code: str | None, detail: str | None, status: int = 422) -> Markup:
    """``problem_of(code, detail)``: a problem stored as its code and detail (a failed batch)."""
    code = code or "http-error"
    text = problem_text(code, detail, status, context["lang"], context["_"])
    return Markup('{} <code class="tag" title="{}">{}</code>').format(text, detail or "", code)


GLOBALS: dict[str, Any] = {"problem_words": _problem, "problem_of": _problem_of}
