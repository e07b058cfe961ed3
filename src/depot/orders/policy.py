"""Pure order rules, in the warehouse's own words: which status may follow which, what an order
lacks, why it needs a credit review, when it is due, who goes first. No ORM here: services feed
these functions plain values and act on the answer."""

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.errors import IllegalTransition
from depot.orders.choices import InboundState, OutboundState, ServiceLevel

# The state an order has before it exists: the source of its creation event.
CREATED = ""

OUTBOUND_TRANSITIONS: dict[str, frozenset[str]] = {
    CREATED: frozenset({OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT}),
    OutboundState.INCOMPLETE: frozenset({OutboundState.PENDING_AUDIT, OutboundState.CANCELLED}),
    OutboundState.PENDING_AUDIT: frozenset({
        OutboundState.INCOMPLETE, OutboundState.CREDIT_REVIEW, OutboundState.HELD, OutboundState.ALLOCATED,
        OutboundState.CANCELLED,
    }),
    OutboundState.CREDIT_REVIEW: frozenset({
        OutboundState.HELD, OutboundState.ALLOCATED, OutboundState.REJECTED, OutboundState.CANCELLED,
    }),
    # Back to the audit (or to 待补充) when CS changes an order held for an impossible date.
    OutboundState.HELD: frozenset({
        OutboundState.ALLOCATED, OutboundState.PENDING_AUDIT, OutboundState.INCOMPLETE, OutboundState.CANCELLED,
    }),
    OutboundState.ALLOCATED: frozenset({OutboundState.PICKING, OutboundState.CANCELLED}),
    # To 已暂挂 when the last pick line is confirmed while a line waits for stock (等待到货).
    OutboundState.PICKING: frozenset({
        OutboundState.PICKED, OutboundState.SUSPENDED, OutboundState.HELD, OutboundState.CANCELLED,
    }),
    OutboundState.SUSPENDED: frozenset({
        OutboundState.PICKING, OutboundState.PICKED, OutboundState.HELD, OutboundState.CANCELLED,
    }),
    OutboundState.PICKED: frozenset({OutboundState.PACKED, OutboundState.CANCELLED}),
    OutboundState.PACKED: frozenset({OutboundState.SHIPPED, OutboundState.CANCELLED}),
    # The customer may confirm receipt before the carrier reports the delivery.
    OutboundState.SHIPPED: frozenset({OutboundState.DELIVERED, OutboundState.CONFIRMED}),
    OutboundState.DELIVERED: frozenset({OutboundState.CONFIRMED}),
    OutboundState.CONFIRMED: frozenset(),
    OutboundState.CANCELLED: frozenset(),
    OutboundState.REJECTED: frozenset(),
}

INBOUND_TRANSITIONS: dict[str, frozenset[str]] = {
    CREATED: frozenset({InboundState.NOTIFIED}),
    InboundState.NOTIFIED: frozenset({InboundState.RECEIVING, InboundState.RECEIVED, InboundState.CANCELLED}),
    InboundState.RECEIVING: frozenset({InboundState.RECEIVED}),
    InboundState.RECEIVED: frozenset({InboundState.PUT_AWAY}),
    InboundState.PUT_AWAY: frozenset(),
    InboundState.CANCELLED: frozenset(),
}


def state_label(choices_cls, value) -> str:
    if value == CREATED:
        return _("新建")
    try:
        return str(choices_cls(value).label)
    except ValueError:
        return str(value)


def transition_allowed(table: Mapping[str, frozenset[str]], current: str, to: str) -> bool:
    return to in table.get(current, frozenset())


def check_transition(table: Mapping[str, frozenset[str]], current: str, to: str, *, number: str = "") -> None:
    """Raise IllegalTransition (with both states named) unless `table` allows `current` → `to`."""
    if transition_allowed(table, current, to):
        return
    choices_cls = OutboundState if table is OUTBOUND_TRANSITIONS else InboundState
    message = _("%(number)s当前状态为“%(current)s”，不能变为“%(to)s”") % {
        "number": f"{number} " if number else "", "current": state_label(choices_cls, current),
        "to": state_label(choices_cls, to),
    }
    raise IllegalTransition(message, details={"state": [message]})


def require_state(current: str, allowed: Iterable[str], *, action: str, number: str = "",
                  choices_cls=OutboundState) -> None:
    """Raise IllegalTransition unless the order is in one of `allowed` states for `action`."""
    allowed = list(allowed)
    if current in allowed:
        return
    message = _("%(number)s当前状态为“%(current)s”，不能%(action)s") % {
        "number": f"{number} " if number else "", "current": state_label(choices_cls, current), "action": action,
    }
    raise IllegalTransition(message, details={"state": [message]})


# ---- completeness -------------------------------------------------------------------------

@dataclass(frozen=True)
class LineFacts:
    """What the completeness check needs to know about one order line."""

    line_no: int
    item_code: str
    quantity: int | None
    item_known: bool
    item_active: bool = True


def outbound_missing(*, consignee_name: str, consignee_phone: str, address: str,
                     lines: Iterable[LineFacts]) -> list[str]:
    """What an outbound order still lacks, one sentence each; empty when it is complete."""
    missing = []
    if not (consignee_name or "").strip():
        missing.append(_("缺少收货人"))
    if not (consignee_phone or "").strip():
        missing.append(_("缺少收货人电话"))
    if not (address or "").strip():
        missing.append(_("缺少收货地址"))
    lines = list(lines)
    if not lines:
        missing.append(_("没有货品明细"))
    for line in lines:
        if not line.item_code:
            missing.append(_("第%(n)d行缺少货品编码") % {"n": line.line_no})
        elif not line.item_known:
            missing.append(_("第%(n)d行货品编码“%(code)s”不存在") % {"n": line.line_no, "code": line.item_code})
        elif not line.item_active:
            missing.append(_("第%(n)d行货品“%(code)s”已停用") % {"n": line.line_no, "code": line.item_code})
        if line.quantity is None:
            missing.append(_("第%(n)d行缺少数量") % {"n": line.line_no})
    return missing


# ---- credit -------------------------------------------------------------------------------

def credit_review_reasons(*, is_new_customer: bool, exposure: Decimal, credit_limit: Decimal, prepaid: bool,
                          overdue_amount: Decimal) -> list[str]:
    """Why an order needs a supervisor's credit review; empty when it does not.

    `exposure` is the value of the customer's open orders including this one. A credit limit of
    zero means no credit was granted: every order is reviewed unless the customer pays in
    advance. Prepaid customers are not checked against the limit at all.
    """
    reasons = []
    if is_new_customer:
        reasons.append(_("新客户首单"))
    if overdue_amount and overdue_amount > 0:
        reasons.append(_("客户有逾期应收%(amount)s元") % {"amount": overdue_amount})
    if not prepaid:
        if not credit_limit:
            reasons.append(_("客户未授予信用额度（未结订单金额%(exposure)s元）") % {"exposure": exposure})
        elif exposure > credit_limit:
            reasons.append(_("未结订单金额%(exposure)s元超过信用额度%(limit)s元") % {
                "exposure": exposure, "limit": credit_limit})
    return reasons


# ---- timeliness ---------------------------------------------------------------------------

DEFAULT_CUTOFF = datetime.time(16, 0)

# Days after the day an order is received (the next day when received after the cut-off) by
# which it is due to ship. Calendar days: the warehouse works every day.
LEAD_DAYS = {ServiceLevel.SAME_DAY: 0, ServiceLevel.EXPRESS: 1, ServiceLevel.STANDARD: 2}


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def earliest_ship_date(received_at: datetime.datetime, cutoff: datetime.time = DEFAULT_CUTOFF) -> datetime.date:
    """The first day the warehouse can still ship an order received at `received_at`: the same day
    before the daily cut-off, the next day after it."""
    local = _local(received_at)
    day = local.date()
    return day if local.time() < cutoff else day + datetime.timedelta(days=1)


def date_infeasible_reason(requested_date: datetime.date | None, received_at: datetime.datetime,
                           cutoff: datetime.time = DEFAULT_CUTOFF) -> str:
    """Why the requested ship date cannot be met (empty when it can)."""
    earliest = earliest_ship_date(received_at, cutoff)
    if requested_date is None or requested_date >= earliest:
        return ""
    return _("要求发货日期%(requested)s早于最早可发货日期%(earliest)s（每日截单时间%(cutoff)s）") % {
        "requested": requested_date.isoformat(), "earliest": earliest.isoformat(),
        "cutoff": cutoff.strftime("%H:%M"),
    }


def due_ship_at(requested_date: datetime.date | None, service_level: str, received_at: datetime.datetime,
                cutoff: datetime.time = DEFAULT_CUTOFF) -> datetime.datetime:
    """The moment by which the order must ship to be on time: the end of the later of the service
    level's day (lead days counted from the first possible ship day) and the requested date."""
    day = earliest_ship_date(received_at, cutoff) + datetime.timedelta(days=LEAD_DAYS.get(service_level, 2))
    if requested_date is not None and requested_date > day:
        day = requested_date
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end) if timezone.is_aware(received_at) else end


def is_on_time(*, due_at: datetime.datetime | None, shipped_at: datetime.datetime | None,
               now: datetime.datetime) -> bool | None:
    """True shipped by the due time, False shipped late or overdue, None not due yet (or no due time)."""
    if due_at is None:
        return None
    if shipped_at is not None:
        return shipped_at <= due_at
    return False if now > due_at else None


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


# How long an outbound order may stay in a state before the back office flags it as stuck
# (settings.DEPOT_ORDER_STUCK_AFTER overrides single states). States a customer or carrier ends
# (shipped, delivered) and final states are not watched.
STUCK_AFTER: dict[str, datetime.timedelta] = {
    OutboundState.INCOMPLETE: datetime.timedelta(hours=24),
    OutboundState.PENDING_AUDIT: datetime.timedelta(hours=2),
    OutboundState.CREDIT_REVIEW: datetime.timedelta(hours=4),
    OutboundState.HELD: datetime.timedelta(hours=48),
    OutboundState.ALLOCATED: datetime.timedelta(hours=24),
    OutboundState.PICKING: datetime.timedelta(hours=8),
    OutboundState.SUSPENDED: datetime.timedelta(hours=4),
    OutboundState.PICKED: datetime.timedelta(hours=8),
    OutboundState.PACKED: datetime.timedelta(hours=12),
}


def stuck_limits(overrides: Mapping[str, datetime.timedelta] | None = None) -> dict[str, datetime.timedelta]:
    """The watched states and their limits, the defaults changed by `overrides` (a limit of None
    stops watching a state)."""
    limits = {**STUCK_AFTER, **(overrides or {})}
    return {state: limit for state, limit in limits.items() if limit is not None}


# ---- priority -----------------------------------------------------------------------------

GRADE_PRIORITY = {"VIP": 0, "A": 1, "B": 2, "C": 3}


def priority_for_grade(grade: str) -> int:
    """Queue rank from the customer's grade: VIP first, then A; lower goes first."""
    return GRADE_PRIORITY.get(grade, 3)


# ---- execution ----------------------------------------------------------------------------

def state_after_picking(*, open_exceptions: int, unconfirmed_pick_lines: int, outstanding: int,
                        picked: int) -> str | None:
    """Where an order in execution goes once a pick is confirmed or an exception resolved:
    挂起 while an exception is open, 拣货中 while lines wait to be picked, 已暂挂 while quantities
    wait for stock, else 已拣货. None when nothing is left to ship at all."""
    if open_exceptions:
        return OutboundState.SUSPENDED
    if unconfirmed_pick_lines:
        return OutboundState.PICKING
    if outstanding:
        return OutboundState.HELD
    if picked:
        return OutboundState.PICKED
    return None


@dataclass(frozen=True)
class Discrepancy:
    expected: int
    good: int
    damaged: int

    @property
    def received(self) -> int:
        return self.good + self.damaged

    @property
    def short(self) -> int:
        return max(self.expected - self.received, 0)

    @property
    def over(self) -> int:
        return max(self.received - self.expected, 0)

    @property
    def clean(self) -> bool:
        return not (self.short or self.over or self.damaged)

    def text(self) -> str:
        parts = []
        if self.short:
            parts.append(_("短少%(n)d") % {"n": self.short})
        if self.over:
            parts.append(_("超收%(n)d") % {"n": self.over})
        if self.damaged:
            parts.append(_("破损%(n)d") % {"n": self.damaged})
        return "，".join(parts) if parts else _("相符")


# ---- idempotency --------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, str):
        return value.strip()
    if value is None or isinstance(value, bool | int | float):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def request_fingerprint(data: Mapping, lines: Iterable[Mapping]) -> str:
    """A hash of the normalised request body: the same order submitted twice (fields in any order,
    lines in any order, surrounding spaces) gives the same hash."""
    body = {
        "data": {k: _plain(v) for k, v in sorted(data.items()) if _plain(v) not in (None, "")},
        "lines": sorted(
            ({k: _plain(v) for k, v in sorted(line.items())} for line in lines),
            key=lambda d: json.dumps(d, sort_keys=True, ensure_ascii=False, default=str),
        ),
    }
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()
