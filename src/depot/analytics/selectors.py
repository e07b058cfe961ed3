"""Reads behind the analytics pages, dashboards and reports (docs/analytics.md).

Every figure is an SQL aggregate over another app's rows, read through that app's selectors (so a
CS specialist only ever sees their own customers), turned into a figure by the formulas of
`policy` and `forecast`. The service, incident, follow-up and survey apps are read only when they
are installed and migrated; otherwise their figures are None with the reason (`missing`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.apps import apps
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.analytics import forecast as fc
from depot.analytics import policy
from depot.analytics.models import ReportRun, ReportSchedule, SegmentSnapshot
from depot.core.errors import NotFound
from depot.customers.models import Customer
from depot.customers.selectors import customer_get, customer_list
from depot.orders import selectors as orders
from depot.orders.choices import OUTBOUND_ENDED_STATES
from depot.orders.models import OutboundLine, OutboundOrder

NO_DATA = "暂无数据"


def can_view(user) -> bool:
    return bool(user and user.is_active and user.has_perm("analytics.view_analytics"))


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _between(qs, field_name: str, period: policy.Period):
    return qs.filter(**{f"{field_name}__gte": _moment(period.start),
                        f"{field_name}__lt": _moment(period.end + datetime.timedelta(days=1))})


def other_model(label: str):
    """Another app's model when it exists and its table is migrated, else None."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    if model._meta.db_table not in _tables():
        return None
    return model


def _tables() -> set[str]:
    # Not cached across calls: a test database or a migration may add the table at any time.
    return set(connection.introspection.table_names())


def missing(label: str) -> str:
    return _("暂无数据（%(what)s模块尚未启用）") % {"what": label}


def orders_of(*, user) -> QuerySet[OutboundOrder]:
    """Outbound orders that count: those the user may see, cancelled and rejected ones left out."""
    if not can_view(user):
        return OutboundOrder.objects.none()
    return orders.outbound_list(user=user).exclude(state__in=OUTBOUND_ENDED_STATES)


def visible_customers(*, user) -> QuerySet[Customer]:
    return customer_list(user=user) if can_view(user) else Customer.objects.none()


# --- customer value ----------------------------------------------------------------------------


@dataclass
class ValueFigures:
    """One customer's (or all visible customers') figures over one period. See docs/analytics.md
    for each formula; `None` means no data."""

    period: policy.Period
    order_count: int = 0
    order_lines: int = 0
    units: int = 0
    order_value: Decimal = Decimal(0)
    orders_per_month: Decimal | None = None
    mean_days_between: Decimal | None = None
    damage_count: int | None = None
    damage_rate: Decimal | None = None
    complaint_count: int | None = None
    complaint_rate: Decimal | None = None
    on_time_total: int = 0
    on_time: int = 0
    on_time_rate: Decimal | None = None
    tenure_months: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return bool(self.order_count or self.complaint_count or self.damage_count or self.on_time_total)


TREND_FIELDS = ("order_count", "order_lines", "units", "order_value", "orders_per_month", "damage_rate",
                "complaint_rate", "on_time_rate")


def _complaints(customers, period) -> tuple[dict | None, str]:
    model = other_model("service.Complaint")
    if model is None:
        return None, missing(_("投诉"))
    rows = _between(model.objects.filter(customer__in=customers), "received_at", period)
    return dict(rows.order_by().values_list("customer").annotate(n=Count("pk"))), ""


def _incidents(customers, period) -> tuple[dict | None, str]:
    model = other_model("incidents.Incident")
    if model is None:
        return None, missing(_("货损货丢"))
    rows = _between(model.objects.filter(customer__in=customers), "occurred_at", period)
    return dict(rows.order_by().values_list("customer").annotate(n=Count("pk"))), ""


def value_figures(*, user, period: policy.Period, customers=None, now=None) -> dict[int, ValueFigures]:
    """Customer pk → ValueFigures over `period` for the visible customers (or those of `customers`)."""
    customers = visible_customers(user=user) if customers is None else visible_customers(user=user).filter(
        pk__in=[getattr(c, "pk", c) for c in customers])
    customer_rows = {c.pk: c for c in customers.only("pk", "cooperation_since")}
    qs = _between(orders_of(user=user).filter(customer__in=customers), "created_at", period)
    out = {pk: ValueFigures(period=period) for pk in customer_rows}
    spans = {}
    for row in qs.order_by().values("customer").annotate(n=Count("created_at"), value=Sum("total_value"),
                                                         first=Min(TruncDate("created_at")),
                                                         last=Max(TruncDate("created_at"))):
        f = out[row["customer"]]
        f.order_count, f.order_value = row["n"], row["value"]
        spans[row["customer"]] = (row["first"], row["last"])
    for row in qs.order_by().values("customer").annotate(n=Count("lines"), units=Sum("lines__quantity")):
        out[row["customer"]].order_lines = row["n"]
        out[row["customer"]].units = row["units"] or 0
    complaints, complaints_note = _complaints(customers, period)
    incidents, incidents_note = _incidents(customers, period)
    on_time = orders.on_time_rates(user=user, by="customer", period=(period.start, period.end), now=now)
    for pk, f in out.items():
        f.orders_per_month = policy.orders_per_month(f.order_count, period.days) if f.order_count else None
        f.mean_days_between = policy.mean_days_between_span(*spans.get(pk, (None, None)), f.order_count)
        if complaints is not None:
            f.complaint_count = complaints.get(pk, 0)
            f.complaint_rate = policy.ratio(f.complaint_count, f.order_count)
        else:
            f.notes.append(complaints_note)
        if incidents is not None:
            f.damage_count = incidents.get(pk, 0)
            f.damage_rate = policy.ratio(f.damage_count, f.order_count)
        else:
            f.notes.append(incidents_note)
        rate = on_time.get(pk)
        if rate is not None:
            f.on_time_total, f.on_time, f.on_time_rate = rate.total, rate.on_time, rate.rate
        since = customer_rows[pk].cooperation_since
        f.tenure_months = policy.tenure_months(since, period.end)
    return out


@dataclass
class CustomerValue:
    customer: Customer
    current: ValueFigures
    previous: ValueFigures
    last_year: ValueFigures

    def trend(self, name: str, against: str = "previous") -> Decimal | None:
        other = self.previous if against == "previous" else self.last_year
        if not self.current.has_data or not other.has_data:
            return None
        return policy.change(getattr(self.current, name), getattr(other, name))


def customer_value(*, user, customer, start: datetime.date, end: datetime.date, now=None) -> CustomerValue:
    """The customer's value figures over the period, the period before and the same period last
    year. Raises ValidationFailed for a reversed or too long period, NotFound for a customer the
    user may not see."""
    period = policy.period_check(start, end)
    if not can_view(user):
        raise NotFound()
    customer = customer_get(user=user, pk=getattr(customer, "pk", customer))
    figures = {}
    for key, p in (("current", period), ("previous", period.previous()), ("last_year", period.last_year())):
        figures[key] = value_figures(user=user, period=p, customers=[customer], now=now)[customer.pk]
    return CustomerValue(customer=customer, **figures)


def top_customers(*, user, start: datetime.date, end: datetime.date, limit: int = 10, now=None) -> list[tuple]:
    """(customer, ValueFigures) of the customers with the highest order value in the period."""
    period = policy.period_check(start, end)
    ranked = list(_between(orders_of(user=user), "created_at", period).order_by().values("customer")
                  .annotate(v=Sum("total_value")).order_by("-v", "customer")[:limit])
    pks = [r["customer"] for r in ranked]
    figures = value_figures(user=user, period=period, customers=pks, now=now)
    by_pk = Customer.objects.in_bulk(pks)
    return [(by_pk[pk], figures[pk]) for pk in pks]


# --- RFM ---------------------------------------------------------------------------------------


def _rfm_inputs(qs, as_of: datetime.date) -> dict[int, dict]:
    end = _moment(as_of + datetime.timedelta(days=1))
    window = _moment(as_of - datetime.timedelta(days=policy.RFM_WINDOW_DAYS - 1))
    rows = (qs.filter(created_at__lt=end).order_by().values("customer")
            .annotate(last=Max("created_at"), n=Count("created_at", filter=Q(created_at__gte=window)),
                      v=Sum("total_value", filter=Q(created_at__gte=window))))
    return {r["customer"]: {"recency_days": (as_of - timezone.localtime(r["last"]).date()).days,
                            "frequency": r["n"], "monetary": r["v"] or Decimal(0)} for r in rows}


def rfm_list(*, user, as_of: datetime.date | None = None) -> list[tuple[Customer, policy.Rfm]]:
    """(customer, Rfm) of every visible customer as of `as_of` (default today), best first."""
    as_of = as_of or timezone.localdate()
    inputs = _rfm_inputs(orders_of(user=user), as_of)
    out = []
    for customer in visible_customers(user=user).order_by("code"):
        data = inputs.get(customer.pk, {"recency_days": None, "frequency": 0, "monetary": Decimal(0)})
        out.append((customer, policy.rfm(**data)))
    out.sort(key=lambda cr: (-(cr[1].r + cr[1].f + cr[1].m), cr[0].code))
    return out


def customer_rfm(customer, *, as_of: datetime.date | None = None) -> policy.Rfm:
    """The customer's RFM, not scoped to a user: for the grading input and the customer's portal."""
    as_of = as_of or timezone.localdate()
    qs = OutboundOrder.objects.filter(customer=customer).exclude(state__in=OUTBOUND_ENDED_STATES)
    data = _rfm_inputs(qs, as_of).get(customer.pk, {"recency_days": None, "frequency": 0, "monetary": Decimal(0)})
    return policy.rfm(**data)


def segment_counts(rows) -> list[dict]:
    counts = defaultdict(int)
    for _c, r in rows:
        counts[r.segment or ""] += 1
    return [{"segment": code, "label": str(label), "count": counts.get(code, 0)}
            for code, label in [*policy.SEGMENT_LABELS.items(), ("", _("暂无订单"))]]


def segment_history(*, user, customer) -> QuerySet[SegmentSnapshot]:
    customer = customer_get(user=user, pk=getattr(customer, "pk", customer))
    if not can_view(user):
        return SegmentSnapshot.objects.none()
    return SegmentSnapshot.objects.filter(customer=customer).order_by("-as_of")


def segment_changes(*, user, as_of: datetime.date) -> list[dict]:
    """Customers whose segment of the snapshot at `as_of` differs from their previous snapshot, by
    customer: the snapshots of that day and, for each, the one before (not the whole history)."""
    before = SegmentSnapshot.objects.filter(customer=OuterRef("customer"), as_of__lt=as_of).order_by("-as_of")
    after = list(SegmentSnapshot.objects.filter(customer__in=visible_customers(user=user), as_of=as_of)
                 .annotate(before_pk=Subquery(before.values("pk")[:1])).filter(before_pk__isnull=False)
                 .select_related("customer").order_by("customer_id"))
    befores = SegmentSnapshot.objects.in_bulk([s.before_pk for s in after])
    return [{"customer": s.customer, "before": befores[s.before_pk], "after": s} for s in after
            if s.segment != befores[s.before_pk].segment]


# --- churn -------------------------------------------------------------------------------------

def _churn_inputs(customers, orders_qs, today: datetime.date) -> dict[int, tuple[list[datetime.date], int, int]]:
    """Customer pk → (dates of its last CHURN_HISTORY_ORDERS orders, orders of the recent window,
    orders of the baseline window of `policy.churn_windows`) for the `customers` with at least
    CHURN_MIN_ORDERS orders up to today: two queries, an index range per customer, no order rows."""
    if orders_qs.query.is_empty():
        return {}
    orders_qs = orders_qs.filter(created_at__lt=_moment(today + datetime.timedelta(days=1)))
    last = (orders_qs.filter(customer=OuterRef("pk")).order_by("-created_at")
            .values(day=TruncDate("created_at"))[:policy.CHURN_HISTORY_ORDERS])
    dates = {pk: days for pk, days in customers.order_by().annotate(days=ArraySubquery(last)).values_list("pk", "days")
             if len(days) >= policy.CHURN_MIN_ORDERS}
    recent_from, baseline_from = (_moment(day) for day in policy.churn_windows(today))
    counts = {row["customer"]: (row["recent"], row["baseline"]) for row in
              orders_qs.filter(customer__in=list(dates), created_at__gte=baseline_from).order_by().values("customer")
              .annotate(recent=Count("created_at", filter=Q(created_at__gte=recent_from)),
                        baseline=Count("created_at", filter=Q(created_at__lt=recent_from)))}
    return {pk: (days, *counts.get(pk, (0, 0))) for pk, days in dates.items()}


def churn_list(*, user, today: datetime.date | None = None, owner=None) -> list[tuple[Customer, policy.ChurnRisk]]:
    """Visible active customers at risk of churning (policy.churn_risk), highest risk and longest
    silence first; `owner` narrows to one specialist's customers."""
    today = today or timezone.localdate()
    customers = visible_customers(user=user).select_related("owner")
    if owner is not None:
        customers = customers.filter(owner=owner)
    risks = {}
    for pk, (dates, recent, baseline) in _churn_inputs(customers, orders_of(user=user), today).items():
        risk = policy.churn_risk_of(last_dates=dates, recent=recent, baseline_count=baseline, today=today)
        if risk is not None:
            risks[pk] = risk
    by_pk = customers.in_bulk(list(risks))
    out = [(by_pk[pk], risk) for pk, risk in risks.items() if pk in by_pk]
    out.sort(key=lambda cr: (cr[1].level != policy.HIGH, -cr[1].days_since_last, cr[0].code))
    return out


# --- volume and forecast -----------------------------------------------------------------------


def _festivals(day: datetime.date, kind: str) -> list[str]:
    """Peaks shown on the chart: 双十一 (11 November) and 春节 (lunar new year) within the period."""
    end = (fc.next_periods(day, kind, 1)[0]) - datetime.timedelta(days=1)
    out = []
    if any(day <= datetime.date(y, 11, 11) <= end for y in {day.year, end.year}):
        out.append(_("双十一"))
    try:
        from lunardate import LunarDate

        for y in {day.year, end.year}:
            spring = LunarDate(y, 1, 1).to_solar_date()
            if day <= spring <= end:
                out.append(_("春节"))
                break
    except (ImportError, ValueError):
        pass
    return out


@dataclass
class Volume:
    kind: str
    starts: list[datetime.date]
    orders: list[int]
    peaks: dict[datetime.date, list[str]]
    forecast: fc.Forecast
    forecast_starts: list[datetime.date]
    orders_qs: QuerySet[OutboundOrder] = field(repr=False, compare=False)
    trunc: object = field(repr=False, compare=False)

    @property
    def has_data(self) -> bool:
        return any(self.orders)

    @cached_property
    def units(self) -> list[int]:
        """Units of the orders' lines per period of `starts`; read only when asked for."""
        rows = self.orders_qs.annotate(p=self.trunc).order_by().values("p").annotate(u=Sum("lines__quantity"))
        units = {_period_start(r["p"]): r["u"] or 0 for r in rows}
        return [units.get(s, 0) for s in self.starts]


def _period_start(value) -> datetime.date:
    return timezone.localtime(value).date() if isinstance(value, datetime.datetime) else value


def volume(*, user, kind: str = fc.MONTHLY, customer=None, today: datetime.date | None = None,
           history: int | None = None, horizon: int | None = None) -> Volume:
    """Order count and units per month (or ISO week) over the complete periods of the last
    `history` periods (36 months / 160 weeks), with the forecast of the next ones."""
    today = today or timezone.localdate()
    if kind == fc.WEEKLY:
        current = today - datetime.timedelta(days=today.weekday())
        history = history or 160
        first = current - datetime.timedelta(days=7 * history)
        starts = fc.week_starts(first, current - datetime.timedelta(days=1))
        trunc = TruncWeek("created_at")
    else:
        current = today.replace(day=1)
        history = history or 36
        first = current
        for _i in range(history):
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        starts = fc.month_starts(first, current - datetime.timedelta(days=1))
        trunc = TruncMonth("created_at")
    qs = orders_of(user=user).filter(created_at__gte=_moment(first), created_at__lt=_moment(current))
    if customer is not None:
        customer = customer_get(user=user, pk=getattr(customer, "pk", customer))
        qs = qs.filter(customer=customer)
    counts = {_period_start(r["p"]): r["n"]
              for r in qs.annotate(p=trunc).order_by().values("p").annotate(n=Count("created_at"))}
    # Leading periods before the first order are not history: a customer that began last year has
    # no orders in the years before, which are not zeros of a season.
    series = [counts.get(s, 0) for s in starts]
    first_index = next((i for i, v in enumerate(series) if v), len(series))
    starts, series = starts[first_index:], series[first_index:]
    result = fc.forecast(series, kind=kind, horizon=horizon)
    forecast_starts = fc.next_periods(starts[-1], kind, len(result.values)) if result.ok else []
    peaks = {s: _festivals(s, kind) for s in [*starts, *forecast_starts]}
    return Volume(kind=kind, starts=starts, orders=series, peaks={s: p for s, p in peaks.items() if p},
                  forecast=result, forecast_starts=forecast_starts, orders_qs=qs, trunc=trunc)


# --- the inventory's demand input ----------------------------------------------------------------

ITEM_HISTORY_MONTHS = 36


def item_demand_forecast(*, item, until: datetime.date) -> dict | None:
    """The forecast daily demand of an item for the month after `until`, from its monthly shipped
    quantities, when it has enough history for the seasonal model (two full years plus the
    held-out months); else None and the inventory keeps its own average. Called by the inventory's
    `item_figures`, which has already checked that the user may see the item."""
    from depot.inventory.choices import MoveKind
    from depot.inventory.models import StockMove

    current = until.replace(day=1)
    first = current
    for _i in range(ITEM_HISTORY_MONTHS):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    moves = StockMove.objects.filter(item=item, kind=MoveKind.SHIPMENT, at__lt=_moment(current))
    earliest = moves.order_by("at").values_list("at", flat=True).first()
    if earliest is None:
        return None
    first = max(first, timezone.localtime(earliest).date().replace(day=1))
    starts = fc.month_starts(first, current - datetime.timedelta(days=1))
    if len(starts) < 2 * fc.SEASON[fc.MONTHLY] + fc.HOLDOUT[fc.MONTHLY]:
        return None
    rows = {timezone.localtime(r["p"]).date(): r["q"] for r in moves.filter(at__gte=_moment(first))
            .annotate(p=TruncMonth("at")).order_by().values("p").annotate(q=Sum("quantity"))}
    series = [rows.get(s, 0) for s in starts]
    result = fc.forecast(series, kind=fc.MONTHLY, horizon=1, orders=len(series))
    if not result.ok:
        return None
    month = fc.next_periods(starts[-1], fc.MONTHLY, 1)[0]
    days = (fc.next_periods(month, fc.MONTHLY, 1)[0] - month).days
    mean = (Decimal(str(result.values[0])) / days).quantize(Decimal("0.0001"))
    mape = f"{result.mape:.1f}%" if result.mape is not None else NO_DATA
    return {"mean_daily": mean, "source": _("季节性预测：%(m)s 月预测出库%(q)s ÷ %(d)d天；%(model)s，留出%(h)d个月 "
                                             "MAE %(mae).1f、MAPE %(mape)s") % {
        "m": month.strftime("%Y-%m"), "q": round(result.values[0]), "d": days, "model": result.model,
        "h": fc.HOLDOUT[fc.MONTHLY], "mae": result.mae, "mape": mape}}


# --- complaints, satisfaction, follow-ups (other apps) ---------------------------------------------


def complaint_sla(*, user, now=None) -> dict | None:
    """Open complaints of the visible customers by SLA status: overdue (resolution due passed),
    due within 24 hours, on track. None when the complaints app is not ready."""
    model = other_model("service.Complaint")
    if model is None:
        return None
    now = now or timezone.now()
    open_qs = model.objects.filter(customer__in=visible_customers(user=user)).exclude(state="closed")
    soon = now + datetime.timedelta(hours=24)
    return open_qs.aggregate(
        overdue=Count("pk", filter=Q(resolution_due__lt=now)),
        due_soon=Count("pk", filter=Q(resolution_due__gte=now, resolution_due__lt=soon)),
        on_track=Count("pk", filter=Q(resolution_due__gte=soon)),
    )


def complaint_figures(*, user, period: policy.Period, customers=None) -> dict | None:
    """Complaints received in the period, closed, closed on time (closed_at ≤ resolution_due) and by
    category; claims (incidents) with their compensation. None when the complaints app is not ready."""
    model = other_model("service.Complaint")
    if model is None:
        return None
    qs = model.objects.filter(customer__in=visible_customers(user=user) if customers is None else customers)
    received = _between(qs, "received_at", period)
    closed = _between(qs.filter(closed_at__isnull=False), "closed_at", period)
    labels = {k: str(v) for k, v in model._meta.get_field("category").flatchoices}
    out = {
        "received": received.count(),
        "closed": closed.count(),
        "closed_on_time": closed.filter(closed_at__lte=F("resolution_due")).count(),
        "by_category": [{"category": labels.get(r["category"], r["category"]), "n": r["n"]} for r in
                        received.order_by().values("category").annotate(n=Count("pk")).order_by("-n", "category")],
        "open": qs.exclude(state="closed").count(),
    }
    out["on_time_rate"] = policy.ratio(out["closed_on_time"], out["closed"])
    incident = other_model("incidents.Incident")
    if incident is not None:
        inc = _between(incident.objects.filter(customer__in=qs.values("customer")) if customers is None
                       else incident.objects.filter(customer__in=customers), "occurred_at", period)
        agg = inc.aggregate(n=Count("pk"), comp=Sum("compensation_amount"))
        out["incidents"], out["compensation"] = agg["n"], agg["comp"]
    return out


def satisfaction(*, customers=None, period: policy.Period) -> dict | None:
    """CSAT and NPS of the period from the surveys app (`csat_nps`), None when it is not ready."""
    if other_model("surveys.Answer") is None:
        return None
    from depot.surveys.selectors import csat_nps

    return csat_nps(customers=customers, period=(period.start, period.end))


def satisfaction_trend(*, customers=None, today: datetime.date, months: int = 6) -> list[tuple[datetime.date, dict]]:
    out = []
    day = today.replace(day=1)
    for _i in range(months):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
        p = policy.month_period(day.year, day.month)
        out.append((day, satisfaction(customers=customers, period=p)))
    return list(reversed(out))


def followups_planned(*, user, reason: str = "churn_risk") -> dict[int, object]:
    """Customer pk → the planned follow-up for `reason`, for the churn list."""
    model = other_model("followups.FollowUp")
    if model is None:
        return {}
    rows = model.objects.filter(customer__in=visible_customers(user=user), reason=reason, state="planned")
    return {f.customer_id: f for f in rows.order_by("planned_on")}


# --- reports -----------------------------------------------------------------------------------


def report_list(*, user) -> QuerySet[ReportRun]:
    if not can_view(user):
        return ReportRun.objects.none()
    qs = ReportRun.objects.select_related("customer", "warehouse", "requested_by")
    visible = visible_customers(user=user)
    return qs.filter(Q(customer__isnull=True) | Q(customer__in=visible)) if user.has_perm(
        "analytics.manage_reports") else qs.filter(customer__in=visible)


def report_get(*, user, pk) -> ReportRun:
    try:
        return report_list(user=user).get(pk=pk)
    except (ReportRun.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def schedule_list(*, user) -> QuerySet[ReportSchedule]:
    if not (user and user.is_active and user.has_perm("analytics.manage_reports")):
        return ReportSchedule.objects.none()
    return ReportSchedule.objects.select_related("customer", "warehouse")


# --- the customer's own overview (portal) ----------------------------------------------------------


def customer_overview(*, customer, today: datetime.date | None = None) -> dict:
    """What a customer's own portal dashboard can show about that customer only: this month's and
    last month's orders, units and value, the on-time rate of last month and the monthly order
    volume of the last 12 months. Not scoped by staff user: the portal passes the logged-in
    customer."""
    today = today or timezone.localdate()
    this_month = policy.Period(today.replace(day=1), today)
    last_month = policy.previous_month(today)
    qs = OutboundOrder.objects.filter(customer=customer).exclude(state__in=OUTBOUND_ENDED_STATES)
    out = {}
    for key, p in (("this_month", this_month), ("last_month", last_month)):
        in_p = _between(qs, "created_at", p)
        agg = in_p.aggregate(n=Count("pk"), v=Sum("total_value"))
        units = OutboundLine.objects.filter(order__in=in_p).aggregate(u=Sum("quantity"))["u"]
        out[key] = {"period": p, "orders": agg["n"], "value": agg["v"], "units": units, "has_data": bool(agg["n"])}
    settled = qs.filter(due_at__isnull=False, due_at__gte=_moment(last_month.start),
                        due_at__lt=_moment(last_month.end + datetime.timedelta(days=1)))
    settled = settled.filter(Q(shipped_at__isnull=False) | Q(due_at__lt=timezone.now()))
    agg = settled.aggregate(total=Count("pk"), on_time=Count("pk", filter=orders.ON_TIME))
    out["on_time_rate"] = policy.ratio(agg["on_time"], agg["total"])
    first = today.replace(day=1)
    months = []
    for _i in range(12):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        months.append(first)
    counts = {timezone.localtime(r["p"]).date(): r["n"] for r in qs.filter(created_at__gte=_moment(months[-1]))
              .annotate(p=TruncMonth("created_at")).order_by().values("p").annotate(n=Count("pk"))}
    out["monthly"] = [(m, counts.get(m, 0)) for m in reversed(months)]
    return out


# --- boards ------------------------------------------------------------------------------------


def stock_alerts(*, user) -> dict:
    from depot.inventory import selectors_analysis as stock

    return {"below_reorder": stock.items_below_reorder_point(user=user).count(),
            "near_expiry": stock.near_expiry(user=user).count(),
            "slow_moving": stock.slow_moving(user=user).count()}


BOARD_DONE_STATES = frozenset({"shipped", "delivered", "confirmed"})


def board(*, user, today: datetime.date | None = None) -> dict:
    """Everything of the analytics board, scoped to the user: a supervisor sees every customer,
    a specialist their own (the scoping of `customer_list`)."""
    from depot.orders.choices import OutboundState

    today = today or timezone.localdate()
    in_flight = [s for s in OutboundState if s.value not in BOARD_DONE_STATES]
    counts = dict(orders_of(user=user).filter(state__in=in_flight).order_by().values_list("state")
                  .annotate(n=Count("state")))
    by_state = [(str(s.label), counts[s.value]) for s in in_flight if counts.get(s.value)]
    trend, day = [], today.replace(day=1)
    for _i in range(6):
        p = policy.month_period(day.year, day.month)
        rate = orders.on_time_rate(user=user, period=(p.start, min(p.end, today))) if can_view(user) else None
        trend.append((day, rate.rate if rate else None))
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    top_period = policy.previous_month(today)
    customers = visible_customers(user=user)
    return {
        "orders_by_state": by_state,
        "on_time_trend": list(reversed(trend)),
        "complaint_sla": complaint_sla(user=user),
        "satisfaction_trend": satisfaction_trend(customers=customers, today=today),
        "top": top_customers(user=user, start=top_period.start, end=top_period.end),
        "top_period": top_period,
        "churn": churn_list(user=user, today=today),
        "followups": followups_planned(user=user),
        "stock_alerts": stock_alerts(user=user),
    }
