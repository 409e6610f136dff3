"""Row error codes and their messages in Chinese and English (the receipt shows both).

The codes are stable (docs/problems.md lists them with the request-level problems); messages may
be reworded. A clerk reads the Chinese; the English serves integrators and auditors.
"""

from __future__ import annotations

from typing import NamedTuple

MESSAGES: dict[str, tuple[str, str]] = {
    "missing-field": ("必填项为空", "required value is missing"),
    "field-too-long": ("内容超过长度上限", "value is longer than allowed"),
    "field-invalid": ("内容格式不正确", "value does not have the required form"),
    "field-out-of-range": ("数值超出允许范围", "number is outside the allowed range"),
    "field-not-allowed-value": ("不是允许的取值", "value is not one of the allowed values"),
    "field-unexpected": ("该信息事项没有此字段", "the record kind has no such field"),
    "field-control-characters": ("含有控制字符", "value contains control characters"),
    "field-formula": (
        "文本不能以 = + - @ 开头（防止表格公式注入）",
        "text may not start with = + - @ (spreadsheet formula injection)",
    ),
    "cell-not-text": ("请将此列设为文本格式，长数字会丢失位数", "store this column as text"),
    "row-encoding": ("该行不是有效的文本编码", "the row is not valid text in the file's encoding"),
    "row-malformed": ("该行不是有效的 CSV / JSON", "the row is not valid CSV / JSON"),
    "source-id-invalid": (
        "源记录编号须为 1–64 位字母、数字或 . _ - : /",
        "source id must be 1–64 letters, digits or . _ - : /",
    ),
    "action-invalid": ("操作须为 新增/更正 或 撤销", "action must be upsert or revoke"),
    "revoke-reason-missing": ("撤销须说明原因", "a revocation needs a reason"),
    "revoke-unknown-record": ("没有可撤销的记录", "no record with this source id to revoke"),
    "kind-unknown": ("目录中没有该信息事项", "the catalog has no such record kind"),
    "kind-not-allowed": ("本单位无权报送该信息事项", "this provider may not push this kind"),
    "id-number-length": ("身份证号码应为18位", "a citizen ID number has 18 characters"),
    "id-number-characters": ("身份证号码应为17位数字加1位数字或X", "17 digits then a digit or X"),
    "id-number-birth-date": (
        "身份证号码中的出生日期无效",
        "the birth date in the number is invalid",
    ),
    "id-number-checksum": ("身份证号码校验位错误", "the check character does not match"),
    "name-invalid": ("姓名格式不正确", "the name is not a plausible name"),
    "subject-not-registered": (
        "人口基础信息库中没有此身份证号码",
        "the ID number is not in the population registry",
    ),
    "name-mismatch": (
        "姓名与人口基础信息库不一致",
        "the name does not match the population registry",
    ),
    "date-invalid": ("日期格式应为 YYYY-MM-DD", "dates are written YYYY-MM-DD"),
    "date-in-future": ("日期晚于今天", "the date is in the future"),
    "dates-incoherent": (
        "日期先后矛盾（行为日期 ≤ 告知日期、认定日期；均不早于出生）",
        "dates contradict each other (birth ≤ act ≤ notice, finding)",
    ),
    "notice-missing": (
        "失信信息须填写告知日期（《湖北省社会信用信息管理条例》第二十三条）",
        "dishonest records need the date the subject was notified (Hubei regulation Art. 23)",
    ),
    "subject-under-18": (
        "行为发生时未满18周岁，不得记入学生诚信档案",
        "the subject was under 18 at the act (R2.4)",
    ),
    "record-repaired": (
        "该记录已完成信用修复，不得再更正或重新归集",
        "the record was repaired (信用修复): it cannot be corrected or sent again",
    ),
    "display-months-invalid": (
        "公示期限超出该事项允许的范围",
        "the display period is outside what the kind allows",
    ),
}


class RowError(NamedTuple):
    """One problem of one row."""

    code: str
    field: str | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Stored and shown form, with both languages."""
        zh, en = MESSAGES.get(self.code, (self.code, self.code))
        if self.detail:
            zh, en = f"{zh}：{self.detail}", f"{en}: {self.detail}"
        return {"field": self.field, "code": self.code, "zh": zh, "en": en}
