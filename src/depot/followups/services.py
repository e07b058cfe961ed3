"""Every change to follow-ups and care tasks: one function per use case, each in one transaction.

`followup_schedule` is the entry point other apps call (complaints, large orders, churn risk): it
checks no permission, since its callers have already checked theirs. Everything a user does from
the back office checks the actor's permission and that the customer is theirs, and raises a
`DomainError` subclass with a Chinese message that leaves nothing changed.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import audit_record, snapshot
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.choices import Channel, ConsentPurpose, Grade, Status
from depot.customers.models import Contact, Customer
from depot.customers.selectors import customer_list
from depot.followups import policy
from depot.followups.choices import CalendarKind, CareState, FollowUpReason, FollowUpState, Occasion, Outcome
from depot.followups.models import CadenceRule, CareSettings, CareTask, Festival, FollowUp

logger = logging.getLogger("depot.followups")

FOLLOWUP_AUDITED = ("state", "planned_on", "assignee", "contact", "channel", "done_at", "outcome",
                    "satisfaction", "notes", "cancel_reason")
CARE_AUDITED = ("state", "channel", "sent_by", "sent_at", "skip_reason")


def care_settings() -> CareSettings:
    settings_row, _created = CareSettings.objects.get_or_create(pk=1)
    return settings_row


# ---------------------------------------------------------------------------------------------
# Follow-ups


def followup_schedule(*, actor, customer: Customer, reason: str, planned_on: datetime.date, contact=None,
                      source_ref: str = "", assignee=None) -> FollowUp:
    """Plan a follow-up of `customer`, or return the one still planned for the same (customer,
    reason, source_ref): calling it twice never makes two. The assignee defaults to the customer's
    responsible specialist. Records a "create" audit entry for a new plan. Raises ValidationFailed
    for an unknown reason or a contact of another customer."""
    if reason not in FollowUpReason.values:
        raise ValidationFailed(details={"reason": [_("回访原因无效")]})
    if not isinstance(planned_on, datetime.date):
        raise ValidationFailed(details={"planned_on": [_("请填写计划回访日期")]})
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationFailed(details={"contact": [_("联系人不属于该客户")]})
    source_ref = (source_ref or "").strip()[:50]
    existing = _planned(customer=customer, reason=reason, source_ref=source_ref)
    if existing is not None:
        return existing
    followup = FollowUp(
        customer=customer, contact=contact, reason=reason, source_ref=source_ref, planned_on=planned_on,
        assignee=assignee if assignee is not None else customer.owner,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            followup.save()
            audit_record(actor=actor, obj=followup, action="create", after=snapshot(followup, FOLLOWUP_AUDITED),
                         note=followup.get_reason_display())
    except IntegrityError:
        # Planned concurrently by another transaction: that one is the plan.
        existing = _planned(customer=customer, reason=reason, source_ref=source_ref)
        if existing is None:
            raise
        return existing
    return followup


def _planned(*, customer, reason, source_ref) -> FollowUp | None:
    return FollowUp.objects.filter(customer=customer, reason=reason, source_ref=source_ref,
                                   state=FollowUpState.PLANNED).first()


def _scoped_followup(*, actor, followup: FollowUp, perm: str) -> FollowUp:
    """The follow-up locked for update, after checking `perm` and that the actor may see it."""
    require_perm(actor, perm)
    from depot.followups.selectors import followup_list

    if not followup_list(user=actor).filter(pk=followup.pk).exists():
        raise NotFound()
    return FollowUp.objects.select_for_update().get(pk=followup.pk)


def _require_planned(followup: FollowUp) -> None:
    if followup.state == FollowUpState.DONE:
        raise IllegalTransition(_("该回访已完成，不能重复登记"), details={"__all__": [_("该回访已完成，不能重复登记")]})
    if followup.state == FollowUpState.CANCELLED:
        raise IllegalTransition(_("该回访已取消"), details={"__all__": [_("该回访已取消")]})


@transaction.atomic
def followup_plan(*, actor, customer: Customer, planned_on: datetime.date, reason: str = FollowUpReason.MANUAL,
                  contact=None, assignee=None, notes: str = "", source_ref: str = "") -> FollowUp:
    """Plan a follow-up by hand (back office). The actor must hold followups.add_followup and see the
    customer; the date may not lie in the past."""
    require_perm(actor, "followups.add_followup")
    if not customer_list(user=actor).filter(pk=customer.pk).exists():
        raise NotFound()
    if not isinstance(planned_on, datetime.date):
        raise ValidationFailed(details={"planned_on": [_("请填写计划回访日期")]})
    if planned_on < timezone.localdate():
        raise ValidationFailed(details={"planned_on": [_("计划回访日期不能早于今天")]})
    followup = followup_schedule(actor=actor, customer=customer, reason=reason, planned_on=planned_on,
                                 contact=contact, source_ref=source_ref, assignee=assignee)
    if notes and not followup.notes:
        followup.notes = notes.strip()
        followup.save(update_fields=["notes", "updated_at"])
    return followup


@transaction.atomic
def followup_record(*, actor, followup: FollowUp, outcome: str, satisfaction: int | None, notes: str = "",
                    channel: str = "", done_at: datetime.datetime | None = None, contact=None) -> FollowUp:
    """Record a follow-up as done: outcome, satisfaction 1–5 (None when the customer gave none),
    notes. Locks the follow-up row. Raises IllegalTransition when it is already done or
    cancelled, ValidationFailed for a satisfaction outside 1–5, an unknown outcome or channel,
    or a done time in the future."""
    followup = _scoped_followup(actor=actor, followup=followup, perm="followups.record_followup")
    _require_planned(followup)
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("请选择回访结果")]
    if satisfaction is not None and satisfaction != "":
        try:
            satisfaction = int(satisfaction)
        except (TypeError, ValueError):
            satisfaction = 0
        if not 1 <= satisfaction <= 5:
            errors["satisfaction"] = [_("满意度须为1到5分")]
    else:
        satisfaction = None
    if channel and channel not in Channel.values:
        errors["channel"] = [_("回访方式无效")]
    now = timezone.now()
    done_at = done_at or now
    if isinstance(done_at, datetime.date) and not isinstance(done_at, datetime.datetime):
        done_at = timezone.make_aware(datetime.datetime.combine(done_at, datetime.time(12, 0)))
    if done_at > now + datetime.timedelta(minutes=5):
        errors["done_at"] = [_("回访时间不能晚于当前时间")]
    if contact is not None and contact.customer_id != followup.customer_id:
        errors["contact"] = [_("联系人不属于该客户")]
    if outcome == Outcome.UNREACHABLE and not (notes or "").strip():
        errors["notes"] = [_("未联系上时请记录联系经过")]
    if errors:
        raise ValidationFailed(details=errors)
    before = snapshot(followup, FOLLOWUP_AUDITED)
    followup.state, followup.done_at, followup.outcome = FollowUpState.DONE, done_at, outcome
    followup.satisfaction, followup.notes = satisfaction, (notes or "").strip()
    followup.channel = channel or followup.channel
    if contact is not None:
        followup.contact = contact
    followup.save()
    audit_record(actor=actor, obj=followup, action="followup_done", before=before,
                 after=snapshot(followup, FOLLOWUP_AUDITED))
    return followup


@transaction.atomic
def followup_cancel(*, actor, followup: FollowUp, reason: str) -> FollowUp:
    """Cancel a planned follow-up, with a reason (required)."""
    followup = _scoped_followup(actor=actor, followup=followup, perm="followups.change_followup")
    _require_planned(followup)
    if not (reason or "").strip():
        raise ValidationFailed(details={"cancel_reason": [_("请填写取消原因")]})
    before = snapshot(followup, FOLLOWUP_AUDITED)
    followup.state, followup.cancel_reason = FollowUpState.CANCELLED, reason.strip()[:200]
    followup.save()
    audit_record(actor=actor, obj=followup, action="followup_cancel", before=before,
                 after=snapshot(followup, FOLLOWUP_AUDITED), note=followup.cancel_reason)
    return followup


@transaction.atomic
def followup_reschedule(*, actor, followup: FollowUp, planned_on: datetime.date, reason: str = "",
                        assignee=None) -> FollowUp:
    """Move a planned follow-up to another day (today or later), optionally to another assignee."""
    followup = _scoped_followup(actor=actor, followup=followup, perm="followups.change_followup")
    _require_planned(followup)
    if not isinstance(planned_on, datetime.date):
        raise ValidationFailed(details={"planned_on": [_("请填写计划回访日期")]})
    if planned_on < timezone.localdate():
        raise ValidationFailed(details={"planned_on": [_("计划回访日期不能早于今天")]})
    before = snapshot(followup, FOLLOWUP_AUDITED)
    followup.planned_on = planned_on
    if assignee is not None:
        followup.assignee = assignee
    followup.save()
    audit_record(actor=actor, obj=followup, action="followup_reschedule", before=before,
                 after=snapshot(followup, FOLLOWUP_AUDITED), note=(reason or "").strip())
    return followup


@transaction.atomic
def cadence_save(*, actor, grade: str, interval_months) -> CadenceRule:
    """Set the interval of grade follow-ups for one grade (supervisors)."""
    require_perm(actor, "followups.change_cadencerule")
    if grade not in Grade.values:
        raise ValidationFailed(details={"grade": [_("客户等级无效")]})
    try:
        months = int(interval_months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= 36:
        raise ValidationFailed(details={"interval_months": [_("回访间隔须为1到36个月")]})
    rule = CadenceRule.objects.select_for_update().filter(grade=grade).first() or CadenceRule(grade=grade)
    before = {"interval_months": rule.interval_months} if rule.pk else None
    rule.interval_months = months
    rule.save()
    audit_record(actor=actor, obj=rule, action="update" if before else "create", before=before,
                 after={"interval_months": months})
    return rule


def followups_generate(*, actor, today: datetime.date | None = None) -> list[FollowUp]:
    """The daily job: for every active customer without a planned grade follow-up, plan the next
    one — one cadence interval after the last grade follow-up done, or today when there was
    none (and never in the past). Running it again the same day plans nothing more. Returns the
    follow-ups planned now."""
    today = today or timezone.localdate()
    cadence = dict(CadenceRule.objects.values_list("grade", "interval_months"))
    customers = (Customer.objects.filter(status=Status.ACTIVE)
                 .exclude(pk__in=FollowUp.objects.filter(reason=FollowUpReason.GRADE, state=FollowUpState.PLANNED)
                          .values("customer_id"))
                 .annotate(last_done=Max("followups__done_at", filter=_grade_done()))
                 .select_related("owner").order_by("pk"))
    created = []
    for customer in customers:
        months = cadence.get(customer.grade)
        if not months:
            continue
        last = timezone.localtime(customer.last_done).date() if customer.last_done else None
        planned_on = policy.next_grade_followup(last_done=last, interval_months=months, today=today)
        # customers with a planned one were left out above: each call plans a new follow-up
        created.append(followup_schedule(actor=actor, customer=customer, reason=FollowUpReason.GRADE,
                                         planned_on=planned_on))
    return created


def _grade_done() -> Q:
    return Q(followups__reason=FollowUpReason.GRADE, followups__state=FollowUpState.DONE)


def order_units(order) -> int:
    return order.lines.aggregate(n=Sum("shipped"))["n"] or 0


def followup_after_order(order, event) -> FollowUp | None:
    """The orders transition hook: an outbound order delivered or signed for whose value or units
    reach the threshold of the settings gets one large-order follow-up (never a second one for the
    same order, whatever became of the first)."""
    from depot.orders.choices import OutboundState
    from depot.orders.models import OutboundOrder

    if not isinstance(order, OutboundOrder) or event.to_state not in (OutboundState.DELIVERED,
                                                                      OutboundState.CONFIRMED):
        return None
    rules = care_settings()
    by_value = policy.is_large_order(value=order.total_value, units=0, min_value=rules.large_order_value,
                                     min_units=None)
    if not by_value and (rules.large_order_units is None or not policy.is_large_order(
            value=order.total_value, units=order_units(order), min_value=None, min_units=rules.large_order_units)):
        return None
    if FollowUp.objects.filter(customer_id=order.customer_id, reason=FollowUpReason.LARGE_ORDER,
                               source_ref=order.number).exists():
        return None
    day = timezone.localtime(event.at).date() + datetime.timedelta(days=rules.large_order_delay_days)
    return followup_schedule(actor=event.actor, customer=order.customer, reason=FollowUpReason.LARGE_ORDER,
                             planned_on=day, source_ref=order.number)


@transaction.atomic
def care_settings_save(*, actor, data: dict) -> CareSettings:
    """Change the large-order thresholds, delays and the birthday greeting (supervisors)."""
    from django.core.exceptions import ValidationError

    require_perm(actor, "followups.change_caresettings")
    row = CareSettings.objects.select_for_update().get(pk=care_settings().pk)
    fields = ("large_order_value", "large_order_units", "large_order_delay_days", "complaint_delay_days",
              "birthday_lead_days", "birthday_message")
    before = snapshot(row, fields)
    for name in fields:
        if name in data:
            setattr(row, name, data[name])
    try:
        row.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    row.save()
    audit_record(actor=actor, obj=row, action="update", before=before, after=snapshot(row, fields))
    return row


# ---------------------------------------------------------------------------------------------
# Care


def care_consent_allows(contact: Contact, consents) -> bool:
    """Whether greetings may be sent to `contact`: the marketing and care consent (营销与关怀信息)
    in force for the contact, or for the whole customer when the contact has no record of their
    own. `consents` are the customer's marketing consents, newest first."""
    own = [c for c in consents if c.contact_id == contact.pk]
    general = [c for c in consents if c.contact_id is None]
    for group in (own, general):
        if group:
            return group[0].in_force
    return False


def _care_candidates():
    """Active customers with their contacts and marketing consents, for the daily care job."""
    from django.db.models import Prefetch

    from depot.customers.models import Consent

    return (Customer.objects.filter(status=Status.ACTIVE).select_related("owner").order_by("pk")
            .prefetch_related("contacts", Prefetch(
                "consents", queryset=Consent.objects.filter(purpose=ConsentPurpose.MARKETING)
                .order_by("-granted_at", "-id"), to_attr="marketing_consents")))


def care_generate(*, actor, today: datetime.date | None = None) -> list[CareTask]:
    """The daily job: a care task for each birthday of a contact and each active festival whose
    date lies between today and its lead days ahead — birthdays for every contact, festivals for
    the customer's primary contact — for active customers whose marketing and care consent is in
    force. One task per contact, occasion and year: running it again creates nothing more."""
    today = today or timezone.localdate()
    rules = care_settings()
    festivals = [(f, policy.occurrences(calendar_kind=f.calendar, month=f.month, day=f.day, today=today,
                                        lead_days=f.lead_days))
                 for f in Festival.objects.filter(active=True)]
    festivals = [(f, dates) for f, dates in festivals if dates]
    created = []
    for customer in _care_candidates():
        contacts = list(customer.contacts.all())
        if not contacts:
            continue
        primary = next((c for c in contacts if c.is_primary), contacts[0])
        company = customer.short_name or customer.name
        for contact in contacts:
            if not care_consent_allows(contact, customer.marketing_consents):
                continue
            wanted = []
            if contact.birthday:
                for when in policy.occurrences(calendar_kind=CalendarKind.SOLAR, month=contact.birthday.month,
                                               day=contact.birthday.day, today=today,
                                               lead_days=rules.birthday_lead_days):
                    wanted.append((None, when, rules.birthday_lead_days, rules.birthday_message))
            if contact.pk == primary.pk:
                for festival, dates in festivals:
                    wanted.extend((festival, when, festival.lead_days, festival.message) for when in dates)
            for festival, when, lead, template in wanted:
                task = _care_task_create(actor=actor, customer=customer, contact=contact, festival=festival,
                                         when=when, lead=lead, message=policy.render_message(
                                             template, contact=contact.name, company=company))
                if task is not None:
                    created.append(task)
    return created


def _care_task_create(*, actor, customer, contact, festival, when, lead, message) -> CareTask | None:
    key = f"festival-{festival.pk}" if festival else Occasion.BIRTHDAY
    if CareTask.objects.filter(contact=contact, occasion_key=key, year=when.year).exists():
        return None
    task = CareTask(
        customer=customer, contact=contact, festival=festival, occasion_key=key, year=when.year,
        occasion=Occasion.FESTIVAL if festival else Occasion.BIRTHDAY, occasion_date=when,
        due_on=when - datetime.timedelta(days=lead), message=message, assignee=customer.owner,
    )
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        return None
    return task


def _scoped_task(*, actor, task: CareTask) -> CareTask:
    require_perm(actor, "followups.change_caretask")
    from depot.followups.selectors import care_task_list

    if not care_task_list(user=actor).filter(pk=task.pk).exists():
        raise NotFound()
    task = CareTask.objects.select_for_update().get(pk=task.pk)
    if task.state != CareState.PENDING:
        msg = _("该关怀任务已处理（%(state)s），不能重复操作") % {"state": task.get_state_display()}
        raise IllegalTransition(msg, details={"__all__": [msg]})
    return task


@transaction.atomic
def care_mark_sent(*, actor, task: CareTask, channel: str, message: str = "") -> CareTask:
    """Mark a pending care task sent through `channel`, with the message actually sent (the
    suggestion when left empty)."""
    task = _scoped_task(actor=actor, task=task)
    if channel not in Channel.values:
        raise ValidationFailed(details={"channel": [_("请选择发送方式")]})
    before = snapshot(task, CARE_AUDITED)
    task.state, task.channel, task.sent_by, task.sent_at = CareState.SENT, channel, actor, timezone.now()
    if (message or "").strip():
        task.message = message.strip()
    task.save()
    audit_record(actor=actor, obj=task, action="care_sent", before=before, after=snapshot(task, CARE_AUDITED))
    return task


@transaction.atomic
def care_skip(*, actor, task: CareTask, reason: str) -> CareTask:
    """Skip a pending care task, with a reason (required)."""
    task = _scoped_task(actor=actor, task=task)
    if not (reason or "").strip():
        raise ValidationFailed(details={"skip_reason": [_("请填写跳过原因")]})
    before = snapshot(task, CARE_AUDITED)
    task.state, task.skip_reason, task.sent_by, task.sent_at = CareState.SKIPPED, reason.strip()[:200], actor, \
        timezone.now()
    task.save()
    audit_record(actor=actor, obj=task, action="care_skip", before=before, after=snapshot(task, CARE_AUDITED),
                 note=task.skip_reason)
    return task


@transaction.atomic
def festival_save(*, actor, data: dict, festival: Festival | None = None) -> Festival:
    """Create or change a festival (supervisors). The date must exist in its calendar: a solar
    month/day of some year (29 February allowed), a lunar month 1–12 and day 1–30."""
    from django.core.exceptions import ValidationError

    require_perm(actor, "followups.change_festival" if festival else "followups.add_festival")
    fields = ("name", "calendar", "month", "day", "lead_days", "message", "active")
    row = Festival.objects.select_for_update().get(pk=festival.pk) if festival else Festival()
    before = snapshot(row, fields) if festival else None
    for name in fields:
        if name in data:
            setattr(row, name, data[name])
    try:
        row.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    if row.calendar == CalendarKind.LUNAR and row.day > 30:
        raise ValidationFailed(details={"day": [_("农历日期须为1到30日")]})
    if row.calendar == CalendarKind.SOLAR and policy.solar_date(
            calendar_kind=row.calendar, month=row.month, day=row.day, year=2024) is None:
        raise ValidationFailed(details={"day": [_("该月没有这一天")]})
    row.save()
    audit_record(actor=actor, obj=row, action="update" if festival else "create", before=before,
                 after=snapshot(row, fields))
    return row
