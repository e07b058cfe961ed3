"""Demo complaints and inquiries, all through the services as the people who would do each step:
the customer's specialist registers and answers, the customer's verdict is recorded by CS, the
periodic job escalates what is overdue.

- History: complaints of the last months closed on time or late (grading inputs, KPIs), each
  step run with the clock set to the moment it happened (`_clock`).
- Now: complaints in every state — new, investigating, answered and waiting for the customer,
  reopened once and twice (escalated to supervisor and manager), first response missed and
  escalated by the job, closed with a follow-up visit planned — and inquiries answered on the
  spot, waiting, and overdue (escalated).

Nobody is notified of demo data: the demo contacts' addresses look real.
"""

import datetime
from contextlib import contextmanager
from unittest import mock

from django.db import transaction
from django.utils import timezone

from depot.service import notify, services, tasks
from depot.service.models import Complaint, Inquiry

CASES = [
    ("damage", "high", "入库的第二批货物外箱压损严重，约20箱内件破损",
     "叉车搬运时碰撞货架", "加强叉车司机培训，货架加装防撞条"),
    ("delay", "medium", "订单约定当天发货，实际晚了一天，影响了我方门店补货",
     "拣货波次安排不合理", "VIP订单单独波次优先拣货"),
    ("wrong_goods", "high", "收到的货品规格与订单不符，500ml发成了250ml",
     "拣货员看错库位标签", "库位标签增加规格醒目标识"),
    ("billing", "low", "本月仓储费账单比上月多出约15%，没有事先告知",
     "计费托盘数统计口径调整", "账单附托盘数明细并提前告知"),
    ("attitude", "medium", "电话咨询时客服语气生硬，问题没有说清楚",
     "新员工服务规范培训不足", "开展服务礼仪和话术培训"),
    ("loss", "critical", "签收时发现少了3箱，运单显示已全部出库",
     "交接时未复核件数", "出库交接双人复核并拍照留存"),
    ("delay", "low", "预约入库等了两个小时才卸货",
     "月末到货集中，月台不足", "高峰期开放预约时段"),
]
QUESTIONS = [
    ("hotline", "上周入库的那批货什么时候可以上架？", "已于今天上午完成上架，可正常下单出库。"),
    ("wechat", "下个月想增加冷藏库位，还有空余吗？", "冷藏区目前还有约40个托位，可以为您预留。"),
    ("email", "能否提供上个月的出入库明细报表？", ""),
    ("qq", "临期商品能否提前提醒我们？", "系统已开启近效期提醒，到期前30天会通知您。"),
    ("visit", "希望了解贵司的危险品存储资质", ""),
    ("portal", "订单显示已发货，但是查不到物流信息", ""),
]


@contextmanager
def _clock(moment: datetime.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _cs(customer, actor):
    owner = customer.owner
    if owner is not None and owner.is_active and owner.has_perm("service.handle_complaint"):
        return owner
    return actor


def _case(customer, actor, i: int, *, received_at) -> Complaint:
    category, severity, text, _cause, _action = CASES[i % len(CASES)]
    contact = customer.contacts.order_by("-is_primary", "pk").first()
    order = customer.outbound_orders.order_by("-created_at").first()
    with _clock(received_at):
        return services.complaint_create(actor=_cs(customer, actor), customer=customer, data={
            "category": category, "severity": severity, "description": text, "contact": contact,
            "channel": ["hotline", "wechat", "email", "portal"][i % 4], "orders": [order] if order else [],
            "received_at": received_at,
            "department": "仓储部" if category in ("damage", "loss", "wrong_goods") else "客服部",
        })


def _answer(complaint, actor, i: int, *, at) -> Complaint:
    _c, _s, _t, cause, action = CASES[i % len(CASES)]
    with _clock(at):
        return services.complaint_answer(
            actor=_cs(complaint.customer, actor), complaint=complaint, root_cause=cause, corrective_action=action,
            answer=f"经调查，原因是{cause}。我们已{action}，并对本次给您带来的不便深表歉意。")


def _verdict(complaint, actor, *, accepted, at, reason="") -> Complaint:
    with _clock(at):
        return services.complaint_customer_verdict(actor=_cs(complaint.customer, actor), complaint=complaint,
                                                   accepted=accepted, reason=reason)


@transaction.atomic
def service_demo_load(*, actor, customers) -> str:
    customers = [c for c in customers if c is not None]
    if not customers:
        return "客户服务：无客户，未生成演示数据"
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    day = datetime.timedelta(days=1)
    with notify.muted():
        # History: closed complaints of the last months.
        for k in range(8):
            customer = customers[k % len(customers)]
            received = now - (75 - k * 8) * day - 3 * hour
            c = _case(customer, actor, k, received_at=received)
            c = _answer(c, actor, k, at=received + (6 + k * 5) * hour)
            if k % 3 == 2:
                c = _verdict(c, actor, accepted=False, reason="对赔偿方案不满意", at=c.answered_at + 2 * hour)
                c = _answer(c, actor, k + 1, at=c.answered_at + day)
            _verdict(c, actor, accepted=True, at=c.answered_at + 4 * hour)

        def pick(i):
            return customers[i % len(customers)]

        # Now: every state.
        _case(pick(0), actor, 0, received_at=now - 10 * datetime.timedelta(minutes=1))  # new
        _case(pick(1), actor, 5, received_at=now - 3 * day)  # first response missed: escalated by the job
        investigating = _case(pick(2), actor, 1, received_at=now - 2 * hour)
        with _clock(now - hour):
            services.complaint_note_add(actor=_cs(investigating.customer, actor), complaint=investigating,
                                        note="已调取出库记录与监控，正在核实", visible_to_customer=True)
        waiting = _case(pick(3), actor, 2, received_at=now - 2 * day)
        _answer(waiting, actor, 2, at=now - day)
        once = _case(pick(4), actor, 3, received_at=now - 4 * day)
        once = _answer(once, actor, 3, at=now - 3 * day)
        _verdict(once, actor, accepted=False, reason="解释不清楚，要求提供计费明细", at=now - 2 * day)
        twice = _case(pick(0), actor, 4, received_at=now - 6 * day)
        for r in range(2):
            twice = _answer(twice, actor, 4 + r, at=now - (5 - 2 * r) * day)
            twice = _verdict(twice, actor, accepted=False, reason=["仍未说明具体整改措施", "要求当面致歉"][r],
                             at=now - (4 - 2 * r) * day)
        closed = _case(pick(1), actor, 6, received_at=now - 3 * day)
        closed = _answer(closed, actor, 6, at=now - 2 * day)
        _verdict(closed, actor, accepted=True, at=now - day)

        # Inquiries.
        for i, (channel, question, answer) in enumerate(QUESTIONS):
            customer = pick(i)
            received = now - (i % 3) * day - 2 * hour
            data = {"question": question, "channel": channel, "received_at": received,
                    "contact": customer.contacts.order_by("-is_primary", "pk").first()}
            if answer:
                data["answer"] = answer
            elif i % 2 == 0:
                data["response_due"] = received + 4 * hour  # overdue: escalated below
            else:
                data["response_due"] = now + day
            with _clock(received):
                services.inquiry_create(actor=_cs(customer, actor), customer=customer, data=data)

        tasks.escalate_due(now=now)
    open_count = Complaint.objects.exclude(state="closed").count()
    return (f"客户服务演示数据：投诉 {Complaint.objects.count()} 件（其中 {open_count} 件未关闭），"
            f"沟通记录 {Inquiry.objects.count()} 条")
