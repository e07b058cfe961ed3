"""Demo follow-ups and care tasks: grade follow-ups of the past months done (with outcome and
satisfaction), cancelled, rescheduled or left overdue, the next ones planned by the daily job, a
few planned by hand; care tasks for the birthdays and festivals of the past five months sent or
skipped, and those of the coming days waiting to be sent."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from depot.customers.choices import ConsentPurpose, Status
from depot.customers.models import Consent, Customer
from depot.customers.services import consent_record, contact_save
from depot.followups import policy, services
from depot.followups.choices import CalendarKind, CareState, FollowUpReason, FollowUpState, Outcome
from depot.followups.models import CareTask, FollowUp

DEMO_NOTE = "（演示）"
NOTES = {
    Outcome.SATISFIED: ["客户对近期发货时效和库存准确率表示满意", "客户表示合作顺畅，暂无新需求"],
    Outcome.NEW_NEED: ["客户计划下季度增加冷链仓位，需报价", "客户希望开通周末发货服务"],
    Outcome.ISSUE: ["客户反映上月两票货物外箱破损，已转投诉跟进", "客户反映对账单明细不够清楚"],
    Outcome.UNREACHABLE: ["电话两次无人接听，已发微信留言"],
}
CARE_HISTORY_DAYS = 150  # long enough to hold a festival whatever the day
CHANNELS = ["phone", "phone", "wechat", "visit", "email"]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


def _actor(customer, supervisor):
    return customer.owner or supervisor


def _past_followups(*, rng, supervisor, system, active, today):
    """Grade follow-ups planned 100 days ago: most done, some cancelled, some left overdue."""
    start = today - datetime.timedelta(days=100)
    planned = services.followups_generate(actor=system, today=start)
    for n, followup in enumerate(planned):
        actor = _actor(followup.customer, supervisor)
        roll = rng.random() if n >= 3 else [0.1, 0.85, 0.95][n]
        if roll < 0.75:
            outcome = rng.choice([Outcome.SATISFIED, Outcome.SATISFIED, Outcome.NEW_NEED, Outcome.ISSUE,
                                  Outcome.UNREACHABLE])
            done_on = start + datetime.timedelta(days=rng.choice([0, 1, 2, 5, 12]))
            services.followup_record(
                actor=actor, followup=followup, outcome=outcome, channel=rng.choice(CHANNELS),
                satisfaction=None if outcome == Outcome.UNREACHABLE else rng.choice([3, 4, 4, 5, 5, 2]),
                notes=rng.choice(NOTES[outcome]) + DEMO_NOTE, done_at=_at(done_on, rng.choice([10, 14, 16])),
                contact=followup.customer.contacts.first())
        elif roll < 0.9:
            services.followup_cancel(actor=actor, followup=followup,
                                     reason="客户合作调整，改为季度例会沟通" + DEMO_NOTE)
        # else: left planned, now overdue


def _manual_followups(*, rng, supervisor, active, today):
    for customer in active[:3]:
        actor = _actor(customer, supervisor)
        followup = services.followup_plan(
            actor=actor, customer=customer, planned_on=today + datetime.timedelta(days=rng.randint(1, 5)),
            notes="了解春节前备货与出库高峰安排" + DEMO_NOTE, source_ref="春节备货")
        if customer is active[0]:
            services.followup_reschedule(actor=actor, followup=followup,
                                         planned_on=followup.planned_on + datetime.timedelta(days=7),
                                         reason="客户负责人出差" + DEMO_NOTE)


def _allow_care(*, supervisor, customers):
    has = set(Consent.objects.filter(purpose=ConsentPurpose.MARKETING, contact__isnull=True, granted=True,
                                     withdrawn_at__isnull=True).values_list("customer_id", flat=True))
    for customer in customers:
        if customer.pk not in has:
            consent_record(actor=supervisor, customer=customer, purpose=ConsentPurpose.MARKETING,
                           evidence="客户在年度服务确认单上勾选接收节日关怀与生日祝福" + DEMO_NOTE)


def _care(*, rng, supervisor, system, active, today):
    greeted = active[: max(3, len(active) * 2 // 3)]
    _allow_care(supervisor=supervisor, customers=greeted)
    contacts = [c for customer in greeted for c in customer.contacts.all()]
    soon = [c for c in contacts if c.birthday and policy.occurrences(
        calendar_kind=CalendarKind.SOLAR, month=c.birthday.month, day=c.birthday.day, today=today, lead_days=3)]
    if contacts and not soon:
        # so that today's list is not empty: a contact whose birthday is the day after tomorrow
        in_two_days = today + datetime.timedelta(days=2)
        birthday = datetime.date(1986, in_two_days.month, min(in_two_days.day, 28 if in_two_days.month == 2 else 31))
        contact_save(actor=supervisor, customer=contacts[0].customer, contact=contacts[0],
                     data={"birthday": birthday})
    for offset in range(CARE_HISTORY_DAYS, -1, -1):
        services.care_generate(actor=system, today=today - datetime.timedelta(days=offset))
    first_past = CareTask.objects.filter(occasion_date__lt=today - datetime.timedelta(days=2)).order_by(
        "pk").values_list("pk", flat=True).first()
    for task in CareTask.objects.filter(state=CareState.PENDING, occasion_date__lt=today - datetime.timedelta(days=2)
                                        ).select_related("contact", "customer__owner").order_by("pk"):
        actor = _actor(task.customer, supervisor)
        if task.pk != first_past and rng.random() < 0.85:
            services.care_mark_sent(actor=actor, task=task, channel=task.contact.preferred_channel)
        else:
            services.care_skip(actor=actor, task=task, reason="联系人已离职，待客户更新联系人" + DEMO_NOTE)


@transaction.atomic
def followups_demo_load(*, actor, customers) -> str:
    """Load the demo follow-ups and care tasks (once: when they exist it only reports them)."""
    if not FollowUp.objects.filter(notes__endswith=DEMO_NOTE).exists():
        from depot.followups.tasks import system_actor

        rng = random.Random(20261123)
        today = timezone.localdate()
        system = system_actor()
        active = list(Customer.objects.filter(pk__in=[c.pk for c in customers], status=Status.ACTIVE)
                      .select_related("owner").prefetch_related("contacts").order_by("pk"))
        if not active:
            return ""
        _past_followups(rng=rng, supervisor=actor, system=system, active=active, today=today)
        services.followups_generate(actor=system, today=today)
        _manual_followups(rng=rng, supervisor=actor, active=active, today=today)
        _care(rng=rng, supervisor=actor, system=system, active=active, today=today)
    return summary()


def summary() -> str:
    if not FollowUp.objects.exists():
        return ""
    today = timezone.localdate()
    f = {s: FollowUp.objects.filter(state=s).count() for s in FollowUpState.values}
    overdue = FollowUp.objects.filter(state=FollowUpState.PLANNED, planned_on__lt=today).count()
    c = {s: CareTask.objects.filter(state=s).count() for s in CareState.values}
    reasons = "、".join(f"{FollowUpReason(r).label}{n}" for r in FollowUpReason.values
                       if (n := FollowUp.objects.filter(reason=r).count()))
    return (f"回访与关怀演示数据：回访 {sum(f.values())} 条（{reasons}；待回访 {f['planned']}，其中逾期 {overdue}；"
            f"已回访 {f['done']}；已取消 {f['cancelled']}）；关怀任务 {sum(c.values())} 条（待发送 {c['pending']}、"
            f"已发送 {c['sent']}、跳过 {c['skipped']}）。\n"
            "试一试：以 kefu 登录 → 客户服务 → 逾期回访，打开一条登记回访结果；关怀任务中标记祝福已发送。")
