"""Rules of complaint handling in the domain's words, without the ORM: the allowed state changes,
the escalation ladder, and the SLA status of a deadline."""

import datetime

from django.utils.translation import gettext_lazy as _

from depot.core.errors import IllegalTransition
from depot.service.business_calendar import BusinessCalendar, hours_to_delta
from depot.service.choices import ComplaintState, EscalationLevel, InquiryState, SlaStatus

S = ComplaintState

COMPLAINT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.INVESTIGATING, S.ANSWERED}),
    S.INVESTIGATING: frozenset({S.ANSWERED}),
    S.REOPENED: frozenset({S.INVESTIGATING, S.ANSWERED}),
    S.ANSWERED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset(),
}

INQUIRY_TRANSITIONS: dict[str, frozenset[str]] = {
    InquiryState.OPEN: frozenset({InquiryState.ANSWERED, InquiryState.ESCALATED}),
    InquiryState.ESCALATED: frozenset({InquiryState.ANSWERED}),
    InquiryState.ANSWERED: frozenset(),
}

# What the user tried, in words, for the message of a refused transition.
_REFUSALS = {
    S.ANSWERED: _("投诉%(code)s当前状态为“%(state)s”，不能答复"),
    S.CLOSED: _("投诉%(code)s当前状态为“%(state)s”，不能登记客户接受"),
    S.REOPENED: _("投诉%(code)s当前状态为“%(state)s”，不能登记客户不接受"),
    S.INVESTIGATING: _("投诉%(code)s当前状态为“%(state)s”，不能添加调查记录"),
}


def can_transition(current: str, target: str) -> bool:
    return target in COMPLAINT_TRANSITIONS.get(current, frozenset())


def check_transition(*, code: str, current: str, target: str) -> None:
    if not can_transition(current, target):
        message = _REFUSALS.get(target, _("投诉%(code)s当前状态为“%(state)s”，不允许此操作"))
        raise IllegalTransition(message % {"code": code, "state": ComplaintState(current).label})


def next_level(level: int) -> int:
    """One step up the ladder specialist → supervisor → manager; the manager is the top."""
    return min(int(level) + 1, EscalationLevel.MANAGER)


def sla_status(*, calendar: BusinessCalendar, deadline: datetime.datetime, now: datetime.datetime,
               warning_hours) -> str:
    """On track, at risk (less than `warning_hours` business hours left) or overdue."""
    if now > deadline:
        return SlaStatus.OVERDUE
    if calendar.between(now, deadline) <= hours_to_delta(warning_hours):
        return SlaStatus.AT_RISK
    return SlaStatus.ON_TRACK


def active_deadline(*, first_responded_at, first_response_due, resolution_due) -> tuple[str, datetime.datetime]:
    """The deadline the handler works against now: the first response until it is given, then the
    resolution."""
    if first_responded_at is None:
        return "first_response", first_response_due
    return "resolution", resolution_due
