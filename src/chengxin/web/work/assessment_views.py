"""What the assessment pages say about an assessment's units and periods, in words.

A unit is a line department (named by the catalog, ``labels.name_of("department", …)``) or a city
(the first four digits of a region code and ``00``: named by the GB/T 2260 table,
``identity.divisions``, which has Chinese names only; the English names of Hubei's
prefecture-level units are kept here). The directly administered county-level units (仙桃 …)
share the city code 429000, which the table does not name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from chengxin.assessment import service as assessment_service
from chengxin.identity import divisions
from chengxin.security.actor import Actor
from chengxin.web import charts, labels
from chengxin.web.i18n import n_
from chengxin.web.labels import name_of, tag

UNIT_KIND = {"department": n_("部门"), "city": n_("市州")}
PERIOD_KIND = {"month": n_("月度"), "quarter": n_("季度"), "year": n_("年度")}
BETTER = {"higher": n_("越高越好"), "lower": n_("越低越好")}
DIRECT_UNITS = "429000"  # 省直辖县级行政区划: 仙桃、潜江、天门、神农架林区
DIRECT_UNITS_NAME = n_("省直辖县级行政区划")

CITY_EN = {
    "420100": "Wuhan",
    "420200": "Huangshi",
    "420300": "Shiyan",
    "420500": "Yichang",
    "420600": "Xiangyang",
    "420700": "Ezhou",
    "420800": "Jingmen",
    "420900": "Xiaogan",
    "421000": "Jingzhou",
    "421100": "Huanggang",
    "421200": "Xianning",
    "421300": "Suizhou",
    "422800": "Enshi Tujia and Miao Autonomous Prefecture",
}


def city_name(code: str, lang: str, _: Callable[..., Any]) -> str:
    """A city by its name in ``lang``; the code itself when the table does not know it."""
    if code == DIRECT_UNITS:
        return str(_(DIRECT_UNITS_NAME))
    if lang == "en" and code in CITY_EN:
        return CITY_EN[code]
    found = divisions.lookup(code)
    return found.name if found is not None else code


def unit_name(kind: str, code: str, lang: str, _: Callable[..., Any]) -> str:
    """An assessed unit in words: the department's or the city's name."""
    if kind == "city":
        return city_name(code, lang, _)
    return name_of("department", code, lang)


def period_words(kind: str, label: str, _: Callable[..., Any]) -> str:
    """``2026-11`` · 月度 (the label as written, the kind in words)."""
    words = PERIOD_KIND.get(kind)
    return f"{label} · {_(words)}" if words else label


def percent(value: float | None) -> str:
    """A share of 1 as a percentage with one decimal (``—`` when there is none)."""
    return "—" if value is None else f"{value * 100:.1f}%"


# Why an item counts against its figure (``AssessmentItem.reason``).
REASON = {
    "late": n_("超过期限"),
    "open_overdue": n_("逾期未办结"),
    "rejected": n_("报送被退回"),
    "not_notified": n_("未记录告知日期"),
    "missing": n_("逾期未反馈"),
    "alert": n_("查询异常告警"),
}
# What an item is (``AssessmentItem.object_type``): the audit log's words where it has them.
ITEM_OBJECT = {
    "credit_record": n_("信用信息"),
    "ingest_batch": n_("报送批次"),
    "ingest_rejection": n_("被退回的数据行"),
    "objection": n_("异议"),
    "repair_application": n_("信用修复申请"),
    "tip": n_("举报线索"),
    "service_check": n_("联合奖惩核查"),
    "list_entry": n_("名单条目"),
    "access_alert": n_("监测预警"),
}


def reason_words(code: str, _: Callable[..., Any]) -> Any:
    """Why an item counts, in words; an unknown reason as 其他原因 with its code as a grey tag."""
    words = REASON.get(code)
    if words is not None:
        return _(words)
    return Markup("{} {}").format(_("其他原因"), tag(code))


def object_words(object_type: str, _: Callable[..., Any]) -> Any:
    """What an item is, in words; an unknown kind as the audit log names it."""
    words = ITEM_OBJECT.get(object_type)
    return _(words) if words is not None else name_of("object_type", object_type, "zh", _)


def reference_words(item: Any, lang: str, _: Callable[..., Any]) -> Any:
    """An item's reference as a reader can use it: a refused batch's rows in words, a check's
    scene and an alert's rule by their names (the service stores their codes)."""
    text = str(item.reference)
    if item.object_type == "ingest_batch" and "/" in text:
        rejected, _sep, submitted = text.partition("/")
        return _("退回 {rejected} 行，共 {submitted} 行", rejected=rejected, submitted=submitted)
    if item.object_type == "service_check" and " " in text:
        day, _sep, scene = text.partition(" ")
        return f"{day} {name_of('scene', scene, lang)}"
    if item.object_type == "access_alert" and text in labels.ALERT_RULE:
        return _(labels.ALERT_RULE[text])
    return text


@dataclass(frozen=True)
class TrendGroup:
    """One kind of unit's totals over the periods: a line chart and the rows of its table."""

    kind: str
    heading: str  # msgid
    chart: Markup
    rows: list[tuple[str, list[float | None]]]  # (unit in words, a total per period or None)


@dataclass(frozen=True)
class Trend:
    """The totals of the last monthly assessments, per unit (the operator dashboard)."""

    labels: list[str]
    groups: list[TrendGroup]


def trend(
    session: Session, *, actor: Actor, lang: str, _: Callable[..., Any], limit: int = 12
) -> Trend:
    """The last ``limit`` monthly assessments' totals per unit the actor may see, oldest first."""
    found = assessment_service.trend(session, actor=actor, kind="month", limit=limit)
    labels = [label for label, _units in found]
    groups = []
    for kind, heading in UNIT_KIND.items():
        totals: dict[str, dict[str, float]] = {}
        for label, units in found:
            for unit in units:
                if unit.kind == kind:
                    totals.setdefault(unit.code, {})[label] = unit.total
        if not totals:
            continue
        named = sorted(
            ((unit_name(kind, code, lang, _), by) for code, by in totals.items()),
            key=lambda pair: pair[0],
        )
        if len(named) <= len(charts.PALETTE):  # one colour a unit: lines can be told apart
            chart = charts.line_chart(
                {name: [(x, by[x]) for x in labels if x in by] for name, by in named},
                title=str(_("月度考核总分趋势（{kind}）", kind=_(heading))),
                y_label=str(_("总分")),
                empty=str(_("暂无数据")),
                height=200 + 18 * ((len(named) + 3) // 4),  # a legend line per 4 units
            )
        else:  # more units than colours: the latest month's totals as bars, the table for all
            chart = charts.bar_chart(
                [(name, by[labels[-1]]) for name, by in named if labels[-1] in by],
                title=str(_("{period} 考核总分（{kind}）", period=labels[-1], kind=_(heading))),
                empty=str(_("暂无数据")),
            )
        rows = [(name, [by.get(label) for label in labels]) for name, by in named]
        groups.append(TrendGroup(kind, heading, chart, rows))
    return Trend(labels, groups)
