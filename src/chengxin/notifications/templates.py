"""Message templates in zh-CN, by code. Placeholders are ``str.format`` fields; a template is
rendered only with exactly its parameters, so a missing or stray value is a programming error."""

from __future__ import annotations

import string

from chengxin.notifications.errors import TemplateUnknown

SIGNATURE = "【湖北信用】"

TEMPLATES: dict[str, str] = {
    "citizen-sign-in-code": (
        SIGNATURE + "您的登录验证码为{code}，{minutes}分钟内有效。请勿将验证码告诉他人；"
        "如非本人操作，请忽略本短信。"
    ),
    "credit-record-notice": (
        SIGNATURE + "您有一条新的公共信用信息（{kind}），由{provider}提供。"
        "可登录平台查看；如有异议，可在{days}日内提出。"
    ),
    "objection-received": (
        SIGNATURE + "您的异议申请（编号{reference}）已受理，我们将在{days}个工作日内、"
        "于{due}前答复。"
    ),
    "objection-decided": SIGNATURE + "您的异议申请（编号{reference}）已办结，请登录平台查看结果。",
    "repair-received": (
        SIGNATURE + "您的信用修复申请（编号{reference}）已受理并转认定单位，"
        "将在{days}个工作日内、于{due}前答复。信用修复不收取任何费用。"
    ),
    "repair-decided": (
        SIGNATURE + "您的信用修复申请（编号{reference}）已有处理结果，请登录平台查看。"
    ),
    # 两书同达: the notice at creation tells how and when the record can be repaired.
    "dishonest-record-notice": (
        SIGNATURE + "{provider}认定的失信信息（{kind}，文书号{document}）已归集，公示至{until}止。"
        "自{repair_from}起可申请信用修复（免费）；如有异议可随时在平台提出。"
    ),
    "dishonest-record-notice-irreparable": (
        SIGNATURE + "{provider}认定的失信信息（{kind}，文书号{document}）已归集，公示至{until}止，"
        "依法不适用信用修复；如有异议可随时在平台提出。"
    ),
    # RULES.md §5: before listing, the subject is told the reasons, the basis and their rights.
    "list-entry-notice": (
        SIGNATURE + "拟将您列入{list_name}（编号{reference}），依据{basis}。列入理由、认定标准、"
        "移出条件及救济途径请登录平台查看；如有异议，请于{due}前提出，异议答复前不予公开。"
    ),
    "list-entry-exited": SIGNATURE + "您已移出{list_name}（编号{reference}），请登录平台查看。",
    # The records a notified entry rested on were repaired or revoked before publication.
    "list-entry-withdrawn": (
        SIGNATURE + "拟将您列入{list_name}（编号{reference}）一事已终止，不予公开，请登录平台查看。"
    ),
}


def fields_of(template: str) -> set[str]:
    """The placeholder names of a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(code: str, params: dict[str, str]) -> str:
    """The message text; ``notification-template-unknown`` for an unknown code or a parameter
    set that differs from the template's placeholders."""
    template = TEMPLATES.get(code)
    if template is None:
        raise TemplateUnknown(f"no template {code!r}")
    if set(params) != fields_of(template):
        raise TemplateUnknown(f"template {code!r} takes {sorted(fields_of(template))}")
    return template.format(**{k: str(v) for k, v in params.items()})
