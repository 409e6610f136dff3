"""Words for the codes a report would otherwise print (issue 20): the values of the catalog's
enumerated fields and what an audit entry about the person records. Chinese msgids, English in
``locale/en/LC_MESSAGES/messages.po``; a code with no word here is never printed as it is (the
report says 其他 / 其他处理 instead)."""

from __future__ import annotations


def _n(message: str) -> str:
    return message


# Values of enumerated record fields: "field:value" for a value that reads differently in one
# field, else the value alone.
FIELD_VALUES: dict[str, str] = {
    # -- 处罚种类 penalty_type --
    "warning": _n("警告"),
    "fine": _n("罚款"),
    "confiscation": _n("没收违法所得、非法财物"),
    "suspension": _n("责令停产停业、暂扣许可证件"),
    "revocation": _n("吊销许可证件"),
    "detention": _n("行政拘留"),
    # -- 产品类别 --
    "food": _n("食品"),
    "drug": _n("药品"),
    "medical-device": _n("医疗器械"),
    "cosmetic": _n("化妆品"),
    # -- 税种 --
    "vat": _n("增值税"),
    "individual-income": _n("个人所得税"),
    "corporate-income": _n("企业所得税"),
    "social-insurance": _n("社会保险费"),
    "property": _n("房产税"),
    # -- 改正情况 / 履行情况 --
    "corrected": _n("已改正"),
    "not-corrected": _n("未改正"),
    "not-performed": _n("全部未履行"),
    "partly-performed": _n("部分未履行"),
    # -- 失信情形 失信被执行人 --
    "able-but-refuses": _n("有履行能力而拒不履行"),
    "obstructs-enforcement": _n("妨碍、抗拒执行"),
    "evades-enforcement": _n("规避执行"),
    "false-property-report": _n("违反财产报告制度"),
    "breaches-consumption-order": _n("违反限制消费令"),
    "breaches-settlement": _n("无正当理由拒不履行执行和解协议"),
    # -- 限制原因 / 身份 --
    "missed-payment-deadline": _n("未按执行通知书指定期间履行"),
    "listed-defaulter": _n("被纳入失信被执行人名单"),
    "debtor": _n("被执行人本人"),
    "legal-representative": _n("法定代表人"),
    "principal": _n("主要负责人"),
    "directly-responsible": _n("直接责任人员"),
    "actual-controller": _n("实际控制人"),
    "taxpayer": _n("纳税人本人"),
    "financial-officer": _n("财务负责人"),
    "intermediary": _n("涉税中介服务人员"),
    "responsible-manager": _n("主要负责人"),
    "other-responsible-staff": _n("其他直接责任人员"),
    "responsible-person": _n("负责人"),
    "organizer": _n("组织者"),
    "leader": _n("领导者"),
    "recruiter": _n("积极参加者（发展下线）"),
    "participant": _n("一般参与者"),
    # -- 违法类型 税收 --
    "tax-evasion": _n("逃避缴纳税款"),
    "refusal-to-pay": _n("抗税"),
    "fraudulent-export-rebate": _n("骗取出口退税"),
    "false-invoicing": _n("虚开发票"),
    # -- 险种 --
    "pension": _n("养老保险"),
    "medical": _n("医疗保险"),
    "unemployment": _n("失业保险"),
    "work-injury": _n("工伤保险"),
    "maternity": _n("生育保险"),
    # -- 禁止期限 / 原因 / 情形 --
    "five-years": _n("五年"),
    "lifetime": _n("终身"),
    "lifetime-in-sector": _n("终身不得担任本行业主要负责人"),
    "criminal-punishment": _n("受刑事处罚"),
    "dismissal": _n("受撤职处分"),
    "major-accident": _n("发生重大事故"),
    "false-application": _n("隐瞒情况或提供虚假材料申请"),
    "fraudulent-grant": _n("以欺骗、贿赂等不正当手段取得"),
    # -- 违法情形 采购、招投标 --
    "false-materials": _n("提供虚假材料"),
    "defamation": _n("诋毁他人"),
    "bribery": _n("行贿"),
    "collusion": _n("串通"),
    "complaint-abuse": _n("捏造事实、恶意投诉"),
    "refusal-of-inspection": _n("拒绝监督检查"),
    "bidding-in-anothers-name": _n("以他人名义投标"),
    "other-fraud": _n("其他弄虚作假行为"),
    # -- 行为类型 诈骗、网络交易、统计 --
    "fraud": _n("诈骗"),
    "selling-or-lending-cards": _n("出租、出借、出售电话卡"),
    "selling-or-lending-accounts": _n("出租、出借、出售银行账户或支付账户"),
    "assisting-fraud": _n("帮助实施诈骗"),
    "fake-transactions": _n("虚构交易"),
    "fake-reviews": _n("编造用户评价"),
    "counterfeit-goods": _n("销售假冒伪劣商品"),
    "false-data": _n("提供不真实统计资料"),
    "altered-data": _n("篡改统计资料"),
    "refusal": _n("拒绝提供统计资料"),
    "instructing-falsification": _n("指使他人统计造假"),
    # -- 违法类型 交通 --
    "drunk-driving": _n("醉酒驾驶"),
    "drink-driving": _n("饮酒驾驶"),
    "hit-and-run": _n("肇事逃逸"),
    "traffic-violation-serious:major-accident": _n("造成重大交通事故"),
    "unlicensed-driving": _n("无证驾驶"),
    "none": _n("无"),
    "suspended": _n("暂扣"),
    "revoked": _n("吊销"),
    "lifetime-ban": _n("终身禁入"),
    "licence_action:lifetime-ban": _n("终生不得重新取得驾驶证"),
    # -- 失信情形 公务员、金融 --
    "commitment-breach": _n("违背承诺"),
    "disciplinary-sanction": _n("受到处分"),
    "malicious-debt-evasion": _n("恶意逃废债务"),
    "loan-fraud": _n("骗取贷款"),
    "card-fraud": _n("信用卡诈骗"),
    # -- 承诺类型 --
    "licensing": _n("行政许可"),
    "certification": _n("证明事项"),
    "employment": _n("就业创业"),
    "contest": _n("评优评先"),
    # -- 作弊情形 / 不端类型 / 材料类型 --
    "cheating": _n("考试作弊"),
    "impersonation": _n("替考"),
    "organized-cheating": _n("组织作弊"),
    "plagiarism": _n("抄袭剽窃"),
    "fabrication": _n("伪造数据"),
    "falsification": _n("篡改数据"),
    "ghost-writing": _n("代写论文"),
    "employment-agreement": _n("就业协议"),
    "certificate": _n("证书"),
    "transcript": _n("成绩单"),
    # -- 处理方式 --
    "loss": _n("丧失资格"),
    "measure:revocation": _n("撤销资格"),
    "measure:suspension": _n("暂停执业"),
    "registration-revoked": _n("注销注册"),
    "qualification-revoked": _n("撤销资格"),
    "certificate-revoked": _n("吊销证书"),
    "qualification-cancelled": _n("取消任职资格"),
    "fixed-term-ban": _n("限期市场禁入"),
    "market-entry-ban": _n("市场禁入"),
    # -- 业务类型 --
    "consumer": _n("个人消费贷款"),
    "mortgage": _n("个人住房贷款"),
    "business": _n("个人经营性贷款"),
    "credit-card": _n("信用卡"),
    # -- 级别 / 类别 / 称号 / 奖项 --
    "national": _n("国家级"),
    "provincial": _n("省级"),
    "municipal": _n("市级"),
    "county": _n("县级"),
    "integrity": _n("诚实守信"),
    "helping-others": _n("助人为乐"),
    "bravery": _n("见义勇为"),
    "dedication": _n("敬业奉献"),
    "filial-piety": _n("孝老爱亲"),
    "jingchu-model": _n("荆楚楷模"),
    "good-person-nearby": _n("身边好人"),
    "gold": _n("金奖"),
    "silver": _n("银奖"),
    "bronze": _n("铜奖"),
    # -- 职业 --
    "lawyer": _n("律师"),
    "teacher": _n("教师"),
    "physician": _n("医师"),
    "pharmacist": _n("执业药师"),
    "appraiser": _n("资产评估师"),
    "tax-agent": _n("税务师"),
    "fire-engineer": _n("注册消防工程师"),
    "accountant": _n("会计人员"),
    "real-estate-agent": _n("房地产经纪人"),
    "certification-staff": _n("认证人员"),
    "financial-practitioner": _n("金融从业人员"),
    "tour-guide": _n("导游"),
    # -- 会员状态 --
    "good": _n("正常"),
    "warned": _n("警告"),
    "standing:suspended": _n("暂停会员资格"),
    "expelled": _n("除名"),
    # -- 行为类别 行政确认等 --
    "confirmation": _n("行政确认"),
    "payment": _n("行政给付"),
    "expropriation": _n("行政征收"),
    "compulsion": _n("行政强制"),
    "other": _n("其他"),
}
OTHER_VALUE = _n("其他")

# What an audit entry about the person records (the report's query lines).
ACTIONS: dict[str, str] = {
    "access:query:submit": _n("提交查询"),
    "access:query:register": _n("登记查询"),
    "access:query:review": _n("查询审核"),
    "access:query:approve": _n("批准查询"),
    "access:query:refuse": _n("拒绝查询"),
    "access:query:release": _n("查询信用信息"),
    "access:query:disclose": _n("提供查询结果"),
    "access:query:read": _n("查看查询结果"),
    "access:query:feedback": _n("反馈查询结果使用情况"),
    "access:grant:create": _n("登记查询授权"),
    "access:grant:revoke": _n("撤销查询授权"),
    "checks:check:run": _n("联合奖惩核查"),
    "reports:report:issue": _n("出具信用报告"),
    "reports:report:reproduce": _n("复现信用报告（争议或审计）"),
    "identity:subject:register": _n("登记信息主体"),
    "identity:subject:read": _n("查看身份信息"),
    "identity:person:verify": _n("核验身份"),
    "identity:population:import": _n("导入人口基础信息"),
    "notifications:message:queue": _n("发送短信通知"),
    "records:record:read": _n("查看信用信息"),
    "records:display:expire": _n("公示期满停止公示"),
    "records:record:archive": _n("信用修复后归档记录"),
    "records:archive:read": _n("查看归档记录"),
    "objections:objection:file": _n("受理异议"),
    "objections:objection:forward": _n("异议转信息提供单位核查"),
    "objections:objection:decide": _n("异议办结"),
    "objections:objection:escalate": _n("异议逾期督办"),
    "objections:objection:withdraw": _n("撤回异议"),
    "objections:objection:read": _n("查看异议"),
    "objections:evidence:read": _n("查看异议材料"),
    "objections:statement:add": _n("登记本人声明"),
    "objections:statement:withdraw": _n("撤回本人声明"),
    "repair:application:file": _n("受理信用修复申请"),
    "repair:application:decide": _n("信用修复决定"),
    "repair:application:escalate": _n("信用修复逾期督办"),
    "repair:application:extend": _n("延长信用修复办理期限"),
    "repair:application:resubmit": _n("补充信用修复材料"),
    "repair:application:withdraw": _n("撤回信用修复申请"),
    "repair:application:read": _n("查看信用修复申请"),
    "repair:evidence:read": _n("查看信用修复材料"),
    "lists:entry:propose": _n("拟列入名单"),
    "lists:entry:manage": _n("名单管理"),
    "lists:entry:read": _n("查看名单信息"),
    "scoring:score:read": _n("查看诚信积分"),
    "scoring:score:recompute": _n("计算诚信积分"),
    "scoring:review:request": _n("申请人工复核"),
    "scoring:review:decide": _n("人工复核答复"),
    "tips:tip:handle": _n("办理举报"),
    "tips:tip:read": _n("查看举报"),
    "watch:delivery:queue": _n("信用变动推送"),
    "watch:delivery:deliver": _n("信用变动推送"),
    "watch:subscription:create": _n("登记信用监测"),
    "watch:subscription:end": _n("结束信用监测"),
}
OTHER_ACTION = _n("其他处理")
PLATFORM = _n("平台（系统）")


def field_value(kind_code: str, field: str, value: str) -> str:
    """The word for an enumerated field's value (a msgid), never the code itself."""
    return (
        FIELD_VALUES.get(f"{kind_code}:{value}")
        or FIELD_VALUES.get(f"{field}:{value}")
        or FIELD_VALUES.get(value)
        or OTHER_VALUE
    )


def action(code: str) -> str:
    """What an audit entry records, in words (a msgid)."""
    return ACTIONS.get(code, OTHER_ACTION)
