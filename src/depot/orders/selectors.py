"""Reads of orders, scoped by user: staff see the orders of the customers they may see
(`customers.selectors.customer_list`: a CS specialist their own customers, keepers and supervisors
all), and only with the matching view permission. Queues sort VIP and grade-A customers first
(`priority`), then by the time the order is due."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, DurationField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from depot.core.errors import NotFound
from depot.customers.selectors import all_customers_visible, customer_list, within_customers
from depot.inventory.selectors import reservations_for_document
from depot.orders import policy
from depot.orders.choices import (
    OUTBOUND_ENDED_STATES,
    CreditReviewState,
    ExceptionState,
    InboundState,
    OutboundState,
)
from depot.orders.models import (
    INBOUND_DOCUMENT,
    OUTBOUND_DOCUMENT,
    CreditReview,
    InboundOrder,
    OrderEvent,
    OrderException,
    OutboundOrder,
    PickLine,
    PickList,
)

QUEUE_ORDER = ("priority", F("due_at").asc(nulls_last=True), "created_at", "pk")


def _can(user, perm: str) -> bool:
    return bool(user and user.is_active and user.has_perm(perm))


# ---- outbound -----------------------------------------------------------------------------

def outbound_list(*, user, state=None, customer=None) -> QuerySet[OutboundOrder]:
    """Outbound orders the user may see; `state` one state or several."""
    if not _can(user, "orders.view_outboundorder"):
        return OutboundOrder.objects.none()
    qs = within_customers(OutboundOrder.objects.all(), user=user).select_related("customer")
    if state is not None:
        qs = qs.filter(state__in=[state] if isinstance(state, str) else list(state))
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs


def customer_outbounds(*, user, customer) -> QuerySet[OutboundOrder]:
    """`outbound_list(user=user, customer=customer)` for a caller that already knows the user sees
    `customer` (the API, whose token pins the customer): without the subquery of visible customers."""
    if not _can(user, "orders.view_outboundorder"):
        return OutboundOrder.objects.none()
    return OutboundOrder.objects.filter(customer=customer)


def outbound_get(*, user, pk) -> OutboundOrder:
    try:
        return outbound_list(user=user).get(pk=pk)
    except (OutboundOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def audit_queue(*, user) -> QuerySet[OutboundOrder]:
    """Orders waiting for the audit or a credit review: VIP and grade A first, then the earliest due."""
    return outbound_list(user=user, state=(OutboundState.PENDING_AUDIT, OutboundState.CREDIT_REVIEW)).order_by(
        *QUEUE_ORDER)


def pick_queue(*, user) -> QuerySet[OutboundOrder]:
    """Allocated orders waiting for a pick list, in the order they should be picked."""
    return outbound_list(user=user, state=OutboundState.ALLOCATED).order_by(*QUEUE_ORDER)


def held_orders(*, user) -> QuerySet[OutboundOrder]:
    return outbound_list(user=user, state=OutboundState.HELD).order_by(*QUEUE_ORDER)


def incomplete_orders(*, user) -> QuerySet[OutboundOrder]:
    return outbound_list(user=user, state=OutboundState.INCOMPLETE).order_by("created_at", "pk")


def credit_review_queue(*, user) -> QuerySet[CreditReview]:
    if not _can(user, "orders.view_creditreview"):
        return CreditReview.objects.none()
    return (within_customers(CreditReview.objects.filter(state=CreditReviewState.PENDING), user=user,
                             field="order__customer")
            .select_related("order", "order__customer")
            .order_by("order__priority", F("order__due_at").asc(nulls_last=True), "requested_at", "pk"))


def exception_list(*, user, state: str | None = ExceptionState.OPEN) -> QuerySet[OrderException]:
    """Exceptions for CS, the most important customers' first."""
    if not _can(user, "orders.view_orderexception"):
        return OrderException.objects.none()
    qs = (within_customers(OrderException.objects.all(), user=user, field="order__customer")
          .select_related("order", "order__customer", "line", "pick_line", "substitute_lot"))
    if state is not None:
        qs = qs.filter(state=state)
    return qs.order_by("order__priority", "opened_at", "pk")


def order_timeline(*, user, order, for_customer: bool = False) -> list[OrderEvent]:
    """The order's events, oldest first; for the customer only the ones meant for them (and
    without the internal notes). Each event gets `from_label`, `to_label` and `changes_state`
    (False for a note on the order that leaves its state as it is, such as a delay notice)."""
    outbound = isinstance(order, OutboundOrder)
    view_perm = "orders.view_outboundorder" if outbound else "orders.view_inboundorder"
    if not _can(user, view_perm) or not customer_list(user=user).filter(pk=order.customer_id).exists():
        raise NotFound()
    events = OrderEvent.objects.filter(**({"outbound": order} if outbound else {"inbound": order}))
    if for_customer:
        events = events.filter(visible_to_customer=True)
    choices_cls = OutboundState if outbound else InboundState
    out = list(events.select_related("actor").order_by("at", "id"))
    for event in out:
        event.from_label = policy.state_label(choices_cls, event.from_state)
        event.to_label = policy.state_label(choices_cls, event.to_state)
        event.changes_state = event.from_state != event.to_state
        if for_customer:
            event.internal_note = ""
    return out


def outbound_detail(*, user, order: OutboundOrder) -> dict:
    """Everything CS needs on one order: lines, the stock reserved for it, the timeline, packages,
    exceptions, credit reviews and pick lines."""
    order = outbound_get(user=user, pk=order.pk)
    return {
        "order": order,
        "lines": list(order.lines.select_related("item").order_by("line_no")),
        "reservations": list(reservations_for_document(user=user, document_type=OUTBOUND_DOCUMENT,
                                                       document_ref=order.number)),
        "timeline": order_timeline(user=user, order=order),
        "packages": list(order.packages.order_by("seq")),
        "exceptions": list(order.exceptions.select_related("line", "substitute_lot").order_by("opened_at", "pk")),
        "credit_reviews": list(order.credit_reviews.select_related("decided_by").order_by("requested_at", "pk")),
        "pick_lines": list(order.pick_lines.select_related("pick_list", "item", "lot")
                           .order_by("pick_list_id", "location_code", "pk")),
    }


def stuck_orders(*, user, now=None, limits=None) -> QuerySet[OutboundOrder]:
    """Outbound orders that have stayed in their state longer than the state's limit
    (`policy.STUCK_AFTER`, changed by `settings.DEPOT_ORDER_STUCK_AFTER` or `limits`), longest
    waiting first. Each has `entered_at` (its latest move into the state) and `stuck_limit`."""
    now = now or timezone.now()
    limits = policy.stuck_limits(limits if limits is not None else getattr(settings, "DEPOT_ORDER_STUCK_AFTER", None))
    if not limits:
        return OutboundOrder.objects.none()
    entered = (OrderEvent.objects.filter(outbound=OuterRef("pk"), to_state=OuterRef("state"))
               .exclude(from_state=F("to_state"))  # a note on the order (e.g. a delay notice) is no move
               .order_by("-at", "-id").values("at")[:1])
    overdue = Q(pk__in=[])
    for state, limit in limits.items():
        overdue |= Q(state=state, entered_at__lt=now - limit)
    return (outbound_list(user=user, state=list(limits))
            .annotate(entered_at=Subquery(entered),
                      stuck_limit=Case(*[When(state=s, then=Value(v)) for s, v in limits.items()],
                                       output_field=DurationField()))
            .filter(overdue).order_by("entered_at", "pk"))


# ---- pick lists ---------------------------------------------------------------------------

def picklist_list(*, user, state: str | None = None) -> QuerySet[PickList]:
    if not _can(user, "orders.view_picklist"):
        return PickList.objects.none()
    qs = PickList.objects.all()
    if not all_customers_visible(user):
        # A list is seen by who sees one of its orders' customers (every list has lines: they are made together).
        qs = qs.filter(Exists(PickLine.objects.filter(pick_list_id=OuterRef("pk"),
                                                      order__customer__in=customer_list(user=user))))
    if state is not None:
        qs = qs.filter(state=state)
    return qs.select_related("created_by").order_by("-created_at", "-id")


def picklist_lines(*, user, pick_list: PickList) -> list[PickLine]:
    """The lines of a pick list in walking order (location code), with order, item, lot."""
    if not _can(user, "orders.view_picklist"):
        raise NotFound()
    return list(PickLine.objects.filter(pick_list=pick_list, order__customer__in=customer_list(user=user))
                .select_related("order", "item", "lot", "location", "confirmed_by")
                .order_by("location_code", "item__code", "order__priority", "pk"))


# ---- inbound ------------------------------------------------------------------------------

def inbound_list(*, user, state=None, customer=None) -> QuerySet[InboundOrder]:
    if not _can(user, "orders.view_inboundorder"):
        return InboundOrder.objects.none()
    qs = within_customers(InboundOrder.objects.all(), user=user).select_related("customer", "warehouse")
    if state is not None:
        qs = qs.filter(state__in=[state] if isinstance(state, str) else list(state))
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs


def inbound_get(*, user, pk) -> InboundOrder:
    try:
        return inbound_list(user=user).get(pk=pk)
    except (InboundOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def inbound_discrepancies(*, user, order: InboundOrder) -> list[dict]:
    """Per ASN line: expected, received good and damaged, short and over — what the customer is
    told after receiving. `text` says it in one phrase (相符 when nothing differs)."""
    order = inbound_get(user=user, pk=order.pk)
    out = []
    for line in order.lines.select_related("item").order_by("line_no"):
        d = policy.Discrepancy(line.expected_quantity, line.received_good, line.received_damaged)
        out.append({"line": line, "item": line.item, "expected": d.expected, "good": d.good,
                    "damaged": d.damaged, "received": d.received, "short": d.short, "over": d.over,
                    "clean": d.clean, "text": d.text()})
    return out


def inbound_detail(*, user, order: InboundOrder) -> dict:
    order = inbound_get(user=user, pk=order.pk)
    return {
        "order": order,
        "lines": inbound_discrepancies(user=user, order=order),
        "receipts": list(order.receipts.select_related("line__item", "lot", "location", "received_by")
                         .order_by("line__line_no", "pk")),
        "timeline": order_timeline(user=user, order=order),
        "document_type": INBOUND_DOCUMENT,
    }


# ---- timeliness ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OnTimeRate:
    """Orders due in the period that have shipped or are overdue (`total`), of which shipped by
    their due time (`on_time`); `rate` is on_time / total (None without any)."""

    total: int
    on_time: int

    @property
    def late(self) -> int:
        return self.total - self.on_time

    @property
    def rate(self) -> Decimal | None:
        return policy.rate(self.on_time, self.total)


def _bounds(period) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(start, end) of dates (both days included) or datetimes (end excluded)."""
    if period is None:
        return None, None
    start, end = period

    def moment(value, next_day=False):
        if value is None or isinstance(value, datetime.datetime):
            return value
        day = value + datetime.timedelta(days=1) if next_day else value
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    return moment(start), moment(end, next_day=True)


def _settled(*, user, customers=None, staff=None, period=None, now=None) -> QuerySet[OutboundOrder]:
    now = now or timezone.now()
    qs = outbound_list(user=user).exclude(state__in=OUTBOUND_ENDED_STATES).filter(due_at__isnull=False)
    start, end = _bounds(period)
    if start is not None:
        qs = qs.filter(due_at__gte=start)
    if end is not None:
        qs = qs.filter(due_at__lt=end)
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    if staff is not None:
        qs = qs.filter(Exists(OrderEvent.objects.filter(outbound=OuterRef("pk"), actor=staff)))
    return qs.filter(Q(shipped_at__isnull=False) | Q(due_at__lt=now))


ON_TIME = Q(shipped_at__isnull=False, shipped_at__lte=F("due_at"))


def on_time_rate(*, user, customers=None, staff=None, period=None, now=None) -> OnTimeRate:
    """On-time processing rate of outbound orders: shipped by their due time (`policy.due_ship_at`),
    among those due in `period` that have shipped or are already overdue. `customers` narrows to
    some customers, `staff` to the orders that staff member handled (any step of the timeline)."""
    agg = _settled(user=user, customers=customers, staff=staff, period=period, now=now).aggregate(
        total=Count("pk"), on_time=Count("pk", filter=ON_TIME))
    return OnTimeRate(total=agg["total"], on_time=agg["on_time"])


def on_time_rates(*, user, by: str, period=None, now=None) -> dict:
    """`on_time_rate` for every customer (`by="customer"`: customer pk → OnTimeRate) or every staff
    member who handled an order (`by="staff"`: user pk → OnTimeRate), in one query."""
    qs = _settled(user=user, period=period, now=now)
    if by == "customer":
        rows = qs.order_by().values("customer").annotate(total=Count("pk"), on_time=Count("pk", filter=ON_TIME))
        return {r["customer"]: OnTimeRate(r["total"], r["on_time"]) for r in rows}
    if by == "staff":
        rows = (OrderEvent.objects.filter(outbound__in=qs, actor__isnull=False).exclude(from_state=F("to_state"))
                .order_by().values("actor")
                .annotate(total=Count("outbound", distinct=True),
                          # A set of ids rather than a join to every order: the orders are read once, by due time.
                          on_time=Count("outbound", distinct=True, filter=Q(outbound__in=qs.filter(ON_TIME)))))
        return {r["actor"]: OnTimeRate(r["total"], r["on_time"]) for r in rows}
    raise ValueError(by)


def order_step_times(*, user, order: OutboundOrder | InboundOrder, now=None) -> dict:
    """Each step of the order (state, when, who) with the time since the previous step, the total
    lead time so far, and — for an outbound order — its due time and whether it is on time."""
    now = now or timezone.now()
    steps, previous = [], None
    for event in order_timeline(user=user, order=order):
        if not event.changes_state:
            continue
        steps.append({"state": event.to_state, "label": event.to_label, "at": event.at, "actor": event.actor,
                      "since_previous": (event.at - previous) if previous else datetime.timedelta(0)})
        previous = event.at
    out = {"steps": steps, "lead_time": (previous - order.created_at) if previous else datetime.timedelta(0)}
    if isinstance(order, OutboundOrder):
        out.update(due_at=order.due_at, shipped_at=order.shipped_at,
                   on_time=policy.is_on_time(due_at=order.due_at, shipped_at=order.shipped_at, now=now))
    return out


# ---- grading input ------------------------------------------------------------------------

def customer_order_figures(customer, *, now=None) -> dict:
    """Grading inputs (`customers.grading`): the value of the customer's outbound orders of the last
    12 months and their number per month, cancelled and rejected orders left out. Not scoped:
    the grading service that calls it checks the user."""
    now = now or timezone.now()
    agg = (OutboundOrder.objects.filter(customer=customer, created_at__gte=now - datetime.timedelta(days=365))
           .exclude(state__in=OUTBOUND_ENDED_STATES).aggregate(value=Sum("total_value"), n=Count("pk")))
    return {
        "order_value_12m": (agg["value"] or Decimal(0)).quantize(Decimal("0.01")),
        "orders_per_month": (Decimal(agg["n"]) / 12).quantize(Decimal("0.01")),
    }
