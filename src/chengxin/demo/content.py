"""Demo content pages of the portal: a summary of the Hubei measures on personal integrity, two
exemplars (诚信典型) and two warning cases (失信案例).

The stories are synthetic: the people in them do not exist, and their names are masked as the
public lists mask names (张*). Each page is created and published through the content service (a
revision and an audit entry each). Idempotent: a page whose address exists is left as it is.
"""

from __future__ import annotations

from chengxin.content import service as content_service
from chengxin.content.models import ContentKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor

POLICY = """\
湖北省人民政府于 2017 年 12 月 30 日印发《关于加强个人诚信体系建设的实施意见》，\
贯彻《国务院办公厅关于加强个人诚信体系建设的指导意见》（国办发〔2016〕98号）。\
以下摘要按原文的部分和条目标注出处，以原文为准。

## 总体要求（第一部分）

褒扬诚信、惩戒失信，加快个人诚信记录建设，规范推进个人诚信信息共享使用，\
完善个人信息安全、隐私保护与信用修复机制，使守信者受益、失信者受限。

## 诚信教育与诚信文化（第二部分）

- 积极推介诚信典型，加强网络失信案例警示教育（第二部分第（三）项）。本平台的\
[诚信典型与失信案例](/pages)即依此发布。

## 个人诚信记录（第三部分）

- 以食品药品、安全生产、交通安全、税收缴纳、劳动保障、金融服务、司法诉讼等领域为重点，\
建立重点领域个人诚信记录（第三部分第（二）项）。

## 信息安全、隐私保护与信用修复（第四部分）

- 依照《征信业管理条例》和《湖北省社会信用信息管理条例》保护个人信息安全，\
明确查询使用权限和程序，妥善保存查询日志（第四部分第（一）项）。
- 建立纠错、修复机制：明确公共信用信息展示期限，超过期限不再展示使用；\
通过按时履约、志愿服务、慈善捐助等方式修复信用；修复后及时删除原始失信信息并归档，\
不再作为联合惩戒对象（第四部分第（三）项）。办理方法见[信用修复指南](/repair-guide)。

## 信息共享与信用服务（第五部分）

- 按全国统一的目录和标准，将个人公共信用信息推送至省社会信用信息服务平台，\
建立个人公共信用信息数据库（第五部分第（一）项）。

## 守信联合激励和失信联合惩戒（第六部分）

- 对具有优良信用记录的个人，在教育、就业、创业、社会保障等领域给予重点支持和优先便利\
（第六部分第（一）项）。
- 建立完善个人严重失信行为“黑名单”制度，规范名单产生和发布，建立健全退出机制；\
对严重失信个人依法依规实施联合惩戒（第六部分第（二）项）。公布中的名单见[红黑名单](/lists)。

## 保障措施（第七部分）

加强组织协调和信用制度建设，加大资金支持，强化责任落实。
"""

PAGES: tuple[tuple[str, ContentKind, str, str], ...] = (
    (
        "hubei-personal-integrity-measures",
        ContentKind.POLICY,
        "湖北省人民政府关于加强个人诚信体系建设的实施意见（摘要）",
        POLICY,
    ),
    (
        "exemplar-honest-taxi-driver",
        ContentKind.EXEMPLAR,
        "出租车司机王*：深夜送还乘客遗失钱包",
        (
            "## 事迹\n\n武汉市出租车司机王*在夜间收车时发现乘客遗落的钱包，内有现金和证件。"
            "他根据证件信息联系派出所，当晚将钱包完整交还失主，婉拒了失主的酬谢。\n\n"
            "## 评价\n\n王*从业十二年无违章、无投诉，被所在公司评为诚信服务标兵。"
            "*（本案例为演示用虚构内容。）*"
        ),
    ),
    (
        "exemplar-repaid-village-loans",
        ContentKind.EXEMPLAR,
        "返乡创业者李*：如期归还全部贷款",
        (
            "## 事迹\n\n宜昌市返乡创业者李*经营柑橘合作社，遭遇冰冻灾害后收入锐减。"
            "她主动与银行沟通还款计划，变卖部分设备，按约定期限还清全部贷款本息。\n\n"
            "## 评价\n\n合作社因此获得银行续贷支持，带动二十余户农户增收。"
            "*（本案例为演示用虚构内容。）*"
        ),
    ),
    (
        "warning-drunk-driving",
        ContentKind.WARNING_CASE,
        "饮酒驾驶再次违法，被列入严重失信名单",
        (
            "## 案情\n\n襄阳市驾驶人张*饮酒后驾驶机动车被依法处罚，一年内再次饮酒驾驶。"
            "公安机关依法作出处罚，经告知和异议期后将其列入交通运输严重失信主体名单。\n\n"
            "## 警示\n\n列入名单期间，其在相关领域受到联合惩戒；期满或符合移出条件后方可移出。"
            "*（本案例为演示用虚构内容。）*"
        ),
    ),
    (
        "warning-wage-arrears",
        ContentKind.WARNING_CASE,
        "拒不支付劳动报酬，负责人受到联合惩戒",
        (
            "## 案情\n\n某建筑公司负责人赵*拖欠二十余名农民工工资，经劳动保障监察部门责令限期支付后"
            "仍拒不支付。公司被列入拖欠农民工工资失信联合惩戒对象名单。\n\n"
            "## 警示\n\n按时足额支付劳动报酬是法定义务。"
            "补发工资并履行相关义务后，可依法申请信用修复。"
            "*（本案例为演示用虚构内容。）*"
        ),
    ),
)


def seed(runtime: Runtime, *, actor: Actor) -> int:
    """Create and publish the demo pages; returns how many were added (existing ones are kept)."""
    added = 0
    with runtime.scope() as session:
        existing = {page.slug for page in content_service.all_pages(session)}
        for slug, kind, title, body in PAGES:
            if slug in existing:
                continue
            page = content_service.create(
                session, content_service.PageInput(slug, kind.value, title, body), actor=actor
            )
            content_service.publish(session, page.id, actor=actor)
            added += 1
    return added
