"""Writes of the service app: inquiries, complaints and their escalation.

Every complaint step locks the complaint row (`select_for_update`), checks the transition table of
`policy`, writes a `ComplaintEvent`, records the audit trail and publishes `complaint.updated`, all
in one transaction: a refused step changes nothing.
"""

import datetime
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.models import Contact, Customer
from depot.customers.selectors import customer_list
from depot.service import notify, policy, selectors
from depot.service.choices import (
    COMPLAINT_ACTIVE_STATES,
    Channel,
    ComplaintCategory,
    ComplaintState,
    EscalationLevel,
    EventKind,
    InquiryState,
    Severity,
)
from depot.service.models import Complaint, ComplaintEvent, Inquiry

logger = logging.getLogger("depot.service")

COMPLAINT_AUDITED = (
    "customer", "contact", "channel", "category", "severity", "description", "assignee", "department",
    "escalation_level", "state", "first_response_due", "first_responded_at", "resolution_due", "answered_at",
    "closed_at", "root_cause", "corrective_action", "answer", "rejection_count",
)
INQUIRY_AUDITED = ("customer", "contact", "channel", "question", "answer", "owner", "response_due", "answered_at",
                   "state", "escalated_at")
SEQUENCE = "service_complaint_code_seq"


def _next_code(now) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(%s)", [SEQUENCE])
        n = cur.fetchone()[0]
    return f"TS{timezone.localtime(now):%y%m}-{n:04d}"


def _event(complaint, *, kind, actor=None, from_state="", to_state="", note="", visible=False, at=None):
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=kind, from_state=from_state, to_state=to_state, actor=actor,
        escalation_level=complaint.escalation_level, at=at or timezone.now(), note=note,
        visible_to_customer=visible,
    )


def _is_staff_actor(actor) -> bool:
    return selectors.customer_of(actor) is None


def _check_customer_access(actor, customer) -> None:
    """Staff may act for the customers they see; a portal/API user only for their own company."""
    own = selectors.customer_of(actor)
    if own is not None:
        if own.pk != customer.pk:
            raise NotFound()
        return
    if not customer_list(user=actor).filter(pk=customer.pk).exists():
        raise NotFound()


def _lock_complaint(actor, complaint) -> Complaint:
    """The complaint, row-locked, if the actor may see it; NotFound otherwise."""
    visible = selectors.complaint_list(user=actor).values("pk")
    try:
        return (Complaint.objects.select_for_update(of=("self",)).select_related("customer", "contact", "assignee")
                .filter(pk__in=visible).get(pk=complaint.pk))
    except Complaint.DoesNotExist:
        raise NotFound() from None


def _require_handler(actor) -> None:
    require_perm(actor, "service.handle_complaint", _("没有处理投诉的权限"))


def _text(data: dict, name: str) -> str:
    return str(data.get(name) or "").strip()


def _pk(value):
    return getattr(value, "pk", value)


# ---------------------------------------------------------------------------------------------
# Complaints


@transaction.atomic
def complaint_create(*, actor, customer: Customer | None, data: dict) -> Complaint:
    """Register a complaint and compute its deadlines from the SLA policy of the customer's grade
    and the severity. `data`: description (required), category, severity, channel, contact,
    orders (outbound orders or their ids, of this customer), assignee, department, received_at.
    Staff need `service.add_complaint` and must see the customer; a portal or API user complains
    for their own company only. Raises ValidationFailed (nothing written), NotFound, PermissionDenied."""
    own = selectors.customer_of(actor)
    if own is None:
        require_perm(actor, "service.add_complaint", _("没有登记投诉的权限"))
    errors: dict = {}
    if customer is None:
        errors["customer"] = [_("请选择投诉的客户")]
    description = _text(data, "description")
    if not description:
        errors["description"] = [_("请填写投诉内容")]
    category = data.get("category") or ComplaintCategory.OTHER
    if category not in ComplaintCategory.values:
        errors["category"] = [_("投诉类别无效")]
    severity = data.get("severity") or Severity.MEDIUM
    if severity not in Severity.values:
        errors["severity"] = [_("严重程度无效")]
    default_channel = Channel.HOTLINE if own is None else (
        Channel.PORTAL if getattr(actor, "portal_account", None) is not None else Channel.API)
    channel = data.get("channel") or default_channel
    if channel not in Channel.values:
        errors["channel"] = [_("投诉渠道无效")]
    if errors:
        raise ValidationFailed(details=errors)
    _check_customer_access(actor, customer)

    contact = None
    if data.get("contact"):
        contact = Contact.objects.filter(customer=customer, pk=_pk(data["contact"])).first()
        if contact is None:
            errors["contact"] = [_("联系人不属于该客户")]
    from depot.orders.models import OutboundOrder

    order_ids = [_pk(o) for o in data.get("orders") or []]
    orders = list(OutboundOrder.objects.filter(customer=customer, pk__in=order_ids))
    if len(orders) != len(set(order_ids)):
        errors["orders"] = [_("所选出库单不属于该客户")]
    now = timezone.now()
    received_at = data.get("received_at") or now
    if received_at > now + datetime.timedelta(minutes=5):
        errors["received_at"] = [_("受理时间不能晚于当前时间")]
    assignee = data.get("assignee") or customer.owner or (actor if own is None else None)
    if errors:
        raise ValidationFailed(details=errors)

    calendar = selectors.calendar_load()
    first_hours, resolution_hours, _warning = selectors.sla_policy_for(grade=customer.grade, severity=severity)
    complaint = Complaint.objects.create(
        code=_next_code(now), customer=customer, contact=contact, channel=channel, category=category,
        severity=severity, description=description, assignee=assignee, department=_text(data, "department"),
        received_at=received_at, first_response_due=calendar.add(received_at, first_hours),
        resolution_due=calendar.add(received_at, resolution_hours), created_by=actor,
    )
    complaint.orders.set(orders)
    _event(complaint, kind=EventKind.CREATED, actor=actor, to_state=complaint.state, visible=True, at=received_at,
           note=_("投诉已受理，编号%(code)s，我们将尽快处理并答复。") % {"code": complaint.code})
    audit_record(actor=actor, obj=complaint, action=ACTION_CREATE, after=snapshot(complaint, COMPLAINT_AUDITED),
                 new_object=True)
    notify.complaint_updated(complaint, step=EventKind.CREATED)
    return complaint


@transaction.atomic
def complaint_assign(*, actor, complaint: Complaint, assignee, department: str = "") -> Complaint:
    """Hand the complaint to a person (and department). Locks the complaint; raises
    PermissionDenied, NotFound, IllegalTransition (closed)."""
    _require_handler(actor)
    complaint = _lock_complaint(actor, complaint)
    if complaint.state == ComplaintState.CLOSED:
        raise IllegalTransition(_("投诉%(code)s已关闭，不能再分派") % {"code": complaint.code})
    if assignee is None or not assignee.is_active or not assignee.has_perm("service.handle_complaint"):
        raise ValidationFailed(details={"assignee": [_("请选择有投诉处理权限的在职人员")]})
    before = snapshot(complaint, COMPLAINT_AUDITED)
    complaint.assignee = assignee
    complaint.department = (department or "").strip() or complaint.department
    complaint.save()
    _event(complaint, kind=EventKind.ASSIGNED, actor=actor,
           note=_("分派给%(name)s") % {"name": assignee.get_full_name() or assignee.get_username()}
           + (f"（{complaint.department}）" if complaint.department else ""))
    audit_record(actor=actor, obj=complaint, action=ACTION_UPDATE, before=before,
                 after=snapshot(complaint, COMPLAINT_AUDITED))
    notify.complaint_updated(complaint, step=EventKind.ASSIGNED)
    return complaint


@transaction.atomic
def complaint_note_add(*, actor, complaint: Complaint, note: str, visible_to_customer: bool = False) -> Complaint:
    """Add an investigation note. The first note tells the complaint is being handled (待处理 →
    处理中); the first one shown to the customer is the first response. Raises ValidationFailed
    (empty note), IllegalTransition (closed), PermissionDenied, NotFound."""
    _require_handler(actor)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(details={"note": [_("请填写调查记录")]})
    complaint = _lock_complaint(actor, complaint)
    if complaint.state == ComplaintState.CLOSED:
        raise IllegalTransition(_("投诉%(code)s已关闭，不能再添加调查记录") % {"code": complaint.code})
    before = snapshot(complaint, COMPLAINT_AUDITED)
    from_state = complaint.state
    now = timezone.now()
    if policy.can_transition(complaint.state, ComplaintState.INVESTIGATING):
        complaint.state = ComplaintState.INVESTIGATING
    first = visible_to_customer and complaint.first_responded_at is None
    if first:
        complaint.first_responded_at = now
    stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    complaint.investigation = f"{complaint.investigation}\n[{stamp}] {note}".strip()
    complaint.save()
    _event(complaint, kind=EventKind.FIRST_RESPONSE if first else EventKind.NOTE, actor=actor, from_state=from_state,
           to_state=complaint.state if complaint.state != from_state else "", note=note,
           visible=visible_to_customer, at=now)
    audit_record(actor=actor, obj=complaint, action=ACTION_UPDATE, before=before,
                 after=snapshot(complaint, COMPLAINT_AUDITED), note=note)
    notify.complaint_updated(complaint, step=EventKind.FIRST_RESPONSE if first else EventKind.NOTE,
                             note=note if visible_to_customer else "")
    return complaint


@transaction.atomic
def complaint_answer(*, actor, complaint: Complaint, answer: str, root_cause: str = "",
                     corrective_action: str = "") -> Complaint:
    """Send the answer to the customer; the complaint then waits for the customer's verdict.
    Locks the complaint; raises ValidationFailed (empty answer), IllegalTransition (already
    answered or closed), PermissionDenied, NotFound. Emails the answer to the complaint's contact."""
    _require_handler(actor)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(details={"answer": [_("请填写答复客户的内容")]})
    complaint = _lock_complaint(actor, complaint)
    policy.check_transition(code=complaint.code, current=complaint.state, target=ComplaintState.ANSWERED)
    before = snapshot(complaint, COMPLAINT_AUDITED)
    from_state, now = complaint.state, timezone.now()
    complaint.state = ComplaintState.ANSWERED
    complaint.answer = answer
    complaint.root_cause = (root_cause or "").strip() or complaint.root_cause
    complaint.corrective_action = (corrective_action or "").strip() or complaint.corrective_action
    complaint.answered_at = now
    if complaint.first_responded_at is None:
        complaint.first_responded_at = now
    complaint.save()
    _event(complaint, kind=EventKind.ANSWERED, actor=actor, from_state=from_state, to_state=complaint.state,
           note=answer, visible=True, at=now)
    audit_record(actor=actor, obj=complaint, action=ACTION_UPDATE, before=before,
                 after=snapshot(complaint, COMPLAINT_AUDITED))
    notify.complaint_answered(complaint)
    notify.complaint_updated(complaint, step=EventKind.ANSWERED, note=answer)
    return complaint


def _escalate(complaint: Complaint, *, actor, reason: str, now) -> None:
    """Raise the level one step (the manager is the top), record it and tell the new level."""
    complaint.escalation_level = policy.next_level(complaint.escalation_level)
    label = EscalationLevel(complaint.escalation_level).label
    _event(complaint, kind=EventKind.ESCALATED, actor=actor, at=now,
           note=_("%(reason)s，升级至%(level)s") % {"reason": reason, "level": label})
    notify.complaint_escalated(complaint, recipients=selectors.escalation_recipients(complaint.escalation_level),
                               reason=reason)


def _schedule_followup(*, actor, complaint: Complaint) -> None:
    """The confirming visit some days after closing (`complaint_delay_days` of the follow-up
    settings, a week unless a supervisor changed it); idempotent per complaint."""
    from depot.followups.services import care_settings, followup_schedule

    days = care_settings().complaint_delay_days
    followup_schedule(
        actor=actor, customer=complaint.customer, reason="complaint", source_ref=complaint.code,
        planned_on=timezone.localtime(complaint.closed_at).date() + datetime.timedelta(days=days),
        contact=complaint.contact, assignee=complaint.assignee,
    )


@transaction.atomic
def complaint_customer_verdict(*, actor, complaint: Complaint, accepted: bool, reason: str = "") -> Complaint:
    """Record whether the customer accepts the answer. Accepting closes the complaint and schedules
    a confirming follow-up visit; rejecting (a reason is required) reopens it, raises its escalation
    level and restarts the resolution clock. The actor is CS staff recording it, or the customer's
    portal or API user. Locks the complaint; raises ValidationFailed, IllegalTransition (not
    waiting for the customer), PermissionDenied, NotFound."""
    if _is_staff_actor(actor):
        _require_handler(actor)
    reason = (reason or "").strip()
    if not accepted and not reason:
        raise ValidationFailed(details={"reason": [_("请填写客户不接受答复的原因")]})
    complaint = _lock_complaint(actor, complaint)
    target = ComplaintState.CLOSED if accepted else ComplaintState.REOPENED
    policy.check_transition(code=complaint.code, current=complaint.state, target=target)
    before = snapshot(complaint, COMPLAINT_AUDITED)
    now = timezone.now()
    from_state = complaint.state
    complaint.state = target
    if accepted:
        complaint.closed_at = now
        complaint.save()
        _event(complaint, kind=EventKind.ACCEPTED, actor=actor, from_state=from_state, to_state=target, at=now,
               note=reason or _("客户接受答复，投诉关闭"), visible=True)
    else:
        _first, resolution_hours, _warning = selectors.sla_policy_for(grade=complaint.customer.grade,
                                                                      severity=complaint.severity)
        complaint.rejection_count += 1
        complaint.last_rejection_reason = reason
        complaint.resolution_due = selectors.calendar_load().add(now, resolution_hours)
        _event(complaint, kind=EventKind.REJECTED, actor=actor, from_state=from_state, to_state=target, at=now,
               note=reason, visible=True)
        _escalate(complaint, actor=actor, now=now,
                  reason=_("客户第%(n)d次不接受答复") % {"n": complaint.rejection_count})
        complaint.save()
    audit_record(actor=actor, obj=complaint, action=ACTION_UPDATE, before=before,
                 after=snapshot(complaint, COMPLAINT_AUDITED), note=reason)
    if accepted:
        _schedule_followup(actor=actor, complaint=complaint)
    notify.complaint_updated(complaint, step=EventKind.ACCEPTED if accepted else EventKind.REJECTED, note=reason)
    return complaint


def complaints_escalate_due(*, now=None) -> dict[str, list[str]]:
    """The periodic check: flag complaints whose deadline is near as 即将超时, and escalate one level
    each complaint that missed its first-response or resolution deadline — once per missed
    deadline (a restarted clock may escalate again). Each complaint in its own transaction, locked
    and read again, so a concurrent answer wins. Returns the codes warned and escalated."""
    now = now or timezone.now()
    calendar, policies = selectors.calendar_load(), selectors.sla_policies()
    done: dict[str, list[str]] = {"warned": [], "escalated": []}
    candidates = list(Complaint.objects.filter(state__in=COMPLAINT_ACTIVE_STATES).values_list("pk", flat=True))
    for pk in candidates:
        with transaction.atomic():
            complaint = (Complaint.objects.select_for_update(of=("self",), skip_locked=True)
                         .select_related("customer").filter(pk=pk, state__in=COMPLAINT_ACTIVE_STATES).first())
            if complaint is None:
                continue
            outcome = _check_deadline(complaint, now=now, calendar=calendar, policies=policies)
            if outcome:
                done[outcome].append(complaint.code)
    return done


def _check_deadline(complaint: Complaint, *, now, calendar, policies) -> str | None:
    kind, deadline = policy.active_deadline(first_responded_at=complaint.first_responded_at,
                                            first_response_due=complaint.first_response_due,
                                            resolution_due=complaint.resolution_due)
    warning = policies.get((complaint.customer.grade, complaint.severity), selectors.DEFAULT_POLICY)[2]
    status = policy.sla_status(calendar=calendar, deadline=deadline, now=now, warning_hours=warning)
    before = snapshot(complaint, COMPLAINT_AUDITED)
    label = _("首次响应") if kind == "first_response" else _("处理")
    due_text = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    if status == "overdue":
        if kind == "first_response":
            if complaint.first_response_escalated:
                return None
            complaint.first_response_escalated = True
        else:
            if complaint.resolution_escalated_for == deadline:
                return None
            complaint.resolution_escalated_for = deadline
        _escalate(complaint, actor=None, now=now,
                  reason=_("%(what)s期限%(due)s已过") % {"what": label, "due": due_text})
        complaint.save()
        audit_record(actor=None, obj=complaint, action=ACTION_UPDATE, before=before,
                     after=snapshot(complaint, COMPLAINT_AUDITED), note=_("超时自动升级"))
        notify.complaint_updated(complaint, step=EventKind.ESCALATED)
        return "escalated"
    if status == "at_risk" and complaint.warned_for != deadline:
        complaint.warned_for = deadline
        complaint.save(update_fields=["warned_for", "updated_at"])
        _event(complaint, kind=EventKind.AT_RISK, at=now,
               note=_("%(what)s期限%(due)s即将到期") % {"what": label, "due": due_text})
        return "warned"
    return None


# ---------------------------------------------------------------------------------------------
# Inquiries


@transaction.atomic
def inquiry_create(*, actor, customer: Customer | None, data: dict) -> Inquiry:
    """Log an inquiry or contact. With `answer` it is answered on the spot; otherwise it gets
    `response_due` (default: one business day, 8 business hours, after receipt). `data`: question
    (required), channel, contact, answer, response_due, owner, received_at. Raises ValidationFailed
    (nothing written), PermissionDenied, NotFound."""
    require_perm(actor, "service.add_inquiry", _("没有登记沟通记录的权限"))
    errors: dict = {}
    if customer is None:
        errors["customer"] = [_("请选择客户")]
    question = _text(data, "question")
    if not question:
        errors["question"] = [_("请填写咨询内容")]
    channel = data.get("channel") or Channel.HOTLINE
    if channel not in Channel.values:
        errors["channel"] = [_("沟通渠道无效")]
    if errors:
        raise ValidationFailed(details=errors)
    _check_customer_access(actor, customer)
    contact = None
    if data.get("contact"):
        contact = Contact.objects.filter(customer=customer, pk=_pk(data["contact"])).first()
        if contact is None:
            errors["contact"] = [_("联系人不属于该客户")]
    now = timezone.now()
    received_at = data.get("received_at") or now
    answer = _text(data, "answer")
    response_due = data.get("response_due")
    if response_due is not None and not answer and response_due <= received_at:
        errors["response_due"] = [_("答复期限必须晚于受理时间")]
    if errors:
        raise ValidationFailed(details=errors)
    inquiry = Inquiry(customer=customer, contact=contact, channel=channel, question=question,
                      owner=data.get("owner") or customer.owner or actor, received_at=received_at, created_by=actor)
    if answer:
        inquiry.answer, inquiry.state = answer, InquiryState.ANSWERED
        inquiry.answered_at, inquiry.answered_by = received_at, actor
    else:
        inquiry.response_due = response_due or selectors.calendar_load().add(received_at, 8)
    inquiry.save()
    audit_record(actor=actor, obj=inquiry, action=ACTION_CREATE, after=snapshot(inquiry, INQUIRY_AUDITED),
                 new_object=True)
    return inquiry


@transaction.atomic
def inquiry_answer(*, actor, inquiry: Inquiry, answer: str) -> Inquiry:
    """Record the answer given to an open (or escalated) inquiry. Locks it; raises ValidationFailed,
    IllegalTransition (already answered), PermissionDenied, NotFound."""
    require_perm(actor, "service.change_inquiry", _("没有答复沟通记录的权限"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(details={"answer": [_("请填写答复内容")]})
    visible = selectors.inquiry_list(user=actor).values("pk")
    try:
        inquiry = Inquiry.objects.select_for_update(of=("self",)).filter(pk__in=visible).get(pk=inquiry.pk)
    except Inquiry.DoesNotExist:
        raise NotFound() from None
    if InquiryState.ANSWERED not in policy.INQUIRY_TRANSITIONS[inquiry.state]:
        raise IllegalTransition(_("该沟通记录已答复，不能重复答复"))
    before = snapshot(inquiry, INQUIRY_AUDITED)
    inquiry.answer, inquiry.state = answer, InquiryState.ANSWERED
    inquiry.answered_at, inquiry.answered_by = timezone.now(), actor
    inquiry.save()
    audit_record(actor=actor, obj=inquiry, action=ACTION_UPDATE, before=before,
                 after=snapshot(inquiry, INQUIRY_AUDITED))
    return inquiry


def inquiries_escalate_overdue(*, now=None) -> list[int]:
    """The periodic check: every open inquiry past its response deadline goes to the supervisors
    (state 已超时升级), once. Returns the ids escalated."""
    now = now or timezone.now()
    escalated = []
    with transaction.atomic():
        overdue = list(Inquiry.objects.select_for_update(of=("self",), skip_locked=True)
                       .select_related("customer", "owner")
                       .filter(state=InquiryState.OPEN, response_due__lt=now).order_by("pk"))
        recipients = list(selectors.escalation_recipients(EscalationLevel.SUPERVISOR))
        for inquiry in overdue:
            before = snapshot(inquiry, INQUIRY_AUDITED)
            inquiry.state, inquiry.escalated_at = InquiryState.ESCALATED, now
            inquiry.save(update_fields=["state", "escalated_at", "updated_at"])
            audit_record(actor=None, obj=inquiry, action=ACTION_UPDATE, before=before,
                         after=snapshot(inquiry, INQUIRY_AUDITED), note=_("答复超时，升级至主管"))
            notify.inquiry_escalated(inquiry, recipients=recipients)
            escalated.append(inquiry.pk)
    return escalated

