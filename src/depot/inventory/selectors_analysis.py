"""Reads behind the inventory analysis: the inputs are SQL aggregates over the ledger and the
balances, the figures come from the pure formulas in `analysis`. Scoped like every inventory read:
a CS specialist sees their own customers' items only (docs/inventory-analysis.md)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import (
    Case,
    DateField,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.errors import ValidationFailed
from depot.customers.selectors import customer_get
from depot.inventory import analysis
from depot.inventory.choices import MoveKind
from depot.inventory.models import Item, Lot, ReplenishmentSettings, StockMove
from depot.inventory.selectors import _can, _owners, item_list, stock_by_item, stock_by_lot


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _days(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    return [since + datetime.timedelta(days=n) for n in range((until - since).days + 1)]


def period(days: int, *, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last `days` days up to and including today."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3660:
        raise ValidationFailed(details={"days": [_("统计天数须为1到3660之间的整数")]})
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=days - 1), today


def _moves(user) -> QuerySet[StockMove]:
    if not _can(user, "inventory.view_stockmove"):
        return StockMove.objects.none()
    return StockMove.objects.filter(owner__in=_owners(user))


def _in_period(qs, since: datetime.date, until: datetime.date):
    return qs.filter(at__gte=_day_start(since), at__lt=_day_start(until + datetime.timedelta(days=1)))


# Signed effect of a move on the warehouse's stock: into a physical location +, out of one −.
_SIGNED = (Case(When(to_location__zone__isnull=False, then=F("quantity")), default=0, output_field=IntegerField())
           - Case(When(from_location__zone__isnull=False, then=F("quantity")), default=0,
                  output_field=IntegerField()))


# --- ABC ------------------------------------------------------------------------------------------


def outbound_by_item(*, user, since: datetime.date, until: datetime.date, owner=None, item=None) -> dict:
    """{item id: (quantity, value)} shipped in the period; value at the item's unit value."""
    qs = _in_period(_moves(user).filter(kind=MoveKind.SHIPMENT), since, until)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if item is not None:
        qs = qs.filter(item=item)
    rows = qs.values("item_id").annotate(shipped=Sum("quantity"), value=Sum(F("quantity") * F("item__unit_value")))
    return {r["item_id"]: (r["shipped"], r["value"] or Decimal(0)) for r in rows}


@dataclass
class AbcRow:
    item: Item
    quantity: int
    value: Decimal
    share: Decimal
    cumulative: Decimal
    abc_class: str


@dataclass
class AbcResult:
    owner: object
    since: datetime.date
    until: datetime.date
    rows: list[AbcRow]
    total_value: Decimal
    classes: dict[str, dict] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return self.total_value > 0


def abc_analysis(*, user, owner, since: datetime.date, until: datetime.date) -> AbcResult:
    """ABC classes of an owner's active items (and any item shipped in the period) by the value of
    their shipments in the period. Without any shipment value the result has no rows' classes
    (`has_data` is False). Raises NotFound for an owner the user may not see."""
    owner = customer_get(user=user, pk=getattr(owner, "pk", owner))
    outbound = outbound_by_item(user=user, since=since, until=until, owner=owner)
    items = {i.pk: i for i in item_list(user=user, owner=owner).filter(Q(is_active=True) | Q(pk__in=list(outbound)))}
    values = {pk: outbound.get(pk, (0, Decimal(0)))[1] for pk in items}
    lines = analysis.abc_classify(values)
    if lines is None:
        return AbcResult(owner=owner, since=since, until=until, rows=[], total_value=Decimal(0))
    rows = [AbcRow(item=items[line.key], quantity=outbound.get(line.key, (0, 0))[0], value=line.value,
                   share=line.share, cumulative=line.cumulative, abc_class=line.abc_class) for line in lines]
    total = sum((r.value for r in rows), Decimal(0))
    classes = {}
    for cls in ("A", "B", "C"):
        members = [r for r in rows if r.abc_class == cls]
        value = sum((r.value for r in members), Decimal(0))
        classes[cls] = {"items": len(members), "value": value, "share": value / total}
    return AbcResult(owner=owner, since=since, until=until, rows=rows, total_value=total, classes=classes)


# --- one item's figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    order_cost: Decimal
    holding_cost_rate: Decimal
    service_level: Decimal
    default_lead_time_days: int
    source: str


def replenishment_settings_for(owner) -> Settings:
    """The owner's own settings, else the global row, else the built-in defaults."""
    rows = {s.owner_id: s for s in ReplenishmentSettings.objects.filter(Q(owner=owner) | Q(owner__isnull=True))}
    row = rows.get(getattr(owner, "pk", None)) or rows.get(None)
    if row is None:
        return Settings(analysis.DEFAULT_ORDER_COST, analysis.DEFAULT_HOLDING_COST_RATE,
                        analysis.DEFAULT_SERVICE_LEVEL, analysis.DEFAULT_LEAD_TIME_DAYS, _("系统默认"))
    return Settings(row.order_cost, row.holding_cost_rate, row.service_level, row.default_lead_time_days,
                    _("货主设置") if row.owner_id else _("全局设置"))


# Providers of a demand forecast (e.g. the analytics app's seasonal model): called as
# `provider(item=, until=)`, they return {"mean_daily": Decimal, "source": str} or None.
_demand_forecasters = []


def register_demand_forecaster(provider) -> None:
    if provider not in _demand_forecasters:
        _demand_forecasters.append(provider)


def _forecast_demand(item: Item, until: datetime.date) -> dict | None:
    for provider in _demand_forecasters:
        found = provider(item=item, until=until)
        if found:
            return found
    return None


@dataclass
class ItemFigures:
    since: datetime.date
    until: datetime.date
    observed_since: datetime.date | None
    observed_days: int
    on_hand: int
    reserved: int
    available: int
    outbound_quantity: int
    outbound_value: Decimal
    last_outbound: datetime.datetime | None
    opening: int | None
    average_on_hand: Decimal | None
    turnover: Decimal | None
    turnover_annual: Decimal | None
    mean_daily_demand: Decimal | None
    demand_deviation: Decimal | None
    days_of_cover: Decimal | None
    lead_time_days: int
    lead_time_source: str
    settings: Settings
    z: Decimal
    safety_stock: int | None
    reorder_point: int | None
    annual_demand: Decimal | None
    holding_cost: Decimal | None
    eoq: int | None
    daily: list[tuple[datetime.date, int]]
    demand_source: str = ""


def item_figures(*, user, item: Item, since: datetime.date, until: datetime.date) -> ItemFigures:
    """Turnover, days of cover, safety stock, reorder point and EOQ of one (visible) item over the
    period, with every input. The days observed start at the later of `since` and the item's first
    move, so an item received last week is not judged on ninety days it was not here. Demand-based
    figures are None when nothing went out in those days."""
    moves = _moves(user).filter(item=item)
    stock = stock_by_item(user=user).filter(pk=item.pk).values("on_hand", "reserved").first() or {
        "on_hand": 0, "reserved": 0}
    first = moves.filter(at__lt=_day_start(until + datetime.timedelta(days=1))).aggregate(first=Min("at"))["first"]
    observed_since = max(since, timezone.localdate(first)) if first else None
    days = _days(observed_since, until) if observed_since else []
    shipped = {row["day"]: row["q"] for row in _in_period(moves.filter(kind=MoveKind.SHIPMENT), since, until)
               .annotate(day=TruncDate("at")).values("day").annotate(q=Sum("quantity"))}
    daily = [(d, shipped.get(d, 0)) for d in days]
    outbound = sum(q for _d, q in daily)
    totals = outbound_by_item(user=user, since=since, until=until, item=item).get(item.pk, (0, Decimal(0)))
    last = moves.filter(kind=MoveKind.SHIPMENT).aggregate(last=Max("at"))["last"]

    opening = average = None
    if observed_since:
        opening = moves.filter(at__lt=_day_start(observed_since)).aggregate(q=Coalesce(Sum(_SIGNED), 0))["q"]
        net = {row["day"]: row["q"] for row in _in_period(moves, observed_since, until)
               .annotate(day=TruncDate("at")).values("day").annotate(q=Sum(_SIGNED))}
        average = analysis.average_on_hand(opening, [net.get(d, 0) for d in days])
    turnover = analysis.turnover_rate(outbound, average)

    settings = replenishment_settings_for(item.owner)
    lead_time = item.lead_time_days or settings.default_lead_time_days
    z = analysis.z_for_service_level(settings.service_level)
    quantities = [q for _d, q in daily]
    mean = analysis.mean_daily_demand(quantities)
    deviation = analysis.demand_deviation(quantities)
    moving = outbound > 0
    forecast = _forecast_demand(item, until) if moving else None
    if forecast:
        mean = forecast["mean_daily"]
    safety = analysis.safety_stock(z, deviation, lead_time) if moving else None
    yearly = analysis.annual_demand(mean) if moving else None
    holding = analysis.holding_cost(item.unit_value, settings.holding_cost_rate)
    return ItemFigures(
        since=since, until=until, observed_since=observed_since, observed_days=len(days),
        on_hand=stock["on_hand"], reserved=stock["reserved"], available=stock["on_hand"] - stock["reserved"],
        outbound_quantity=outbound, outbound_value=totals[1], last_outbound=last, opening=opening,
        average_on_hand=average, turnover=turnover, turnover_annual=analysis.annualised(turnover, len(days)),
        mean_daily_demand=mean, demand_deviation=deviation,
        days_of_cover=analysis.days_of_cover(stock["on_hand"], mean) if moving else None,
        lead_time_days=lead_time, lead_time_source=_("货品设置") if item.lead_time_days else settings.source,
        settings=settings, z=z, safety_stock=safety,
        reorder_point=analysis.reorder_point(mean, lead_time, safety) if moving else None,
        annual_demand=yearly, holding_cost=holding,
        eoq=analysis.economic_order_quantity(yearly, settings.order_cost, holding),
        daily=daily, demand_source=forecast["source"] if forecast else "",
    )


# --- lists ----------------------------------------------------------------------------------------


def slow_moving(*, user, days: int = analysis.DEFAULT_SLOW_MOVING_DAYS, today: datetime.date | None = None,
                owner=None) -> QuerySet[Item]:
    """Items with stock on hand that have not gone out for `days` days or more (counted from their
    first receipt when they never went out), longest idle first; annotated with `on_hand`,
    `reserved`, `available`, `last_outbound`, `first_receipt` and `idle_since`."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValidationFailed(details={"days": [_("天数必须是大于零的整数")]})
    today = today or timezone.localdate()
    cutoff = _day_start(today - datetime.timedelta(days=days - 1))
    item_moves = StockMove.objects.filter(item=OuterRef("pk"))
    last_out = item_moves.filter(kind=MoveKind.SHIPMENT).order_by("-at").values("at")[:1]
    first_in = item_moves.order_by("at").values("at")[:1]
    return (stock_by_item(user=user, owner=owner).filter(on_hand__gt=0)
            .annotate(last_outbound=Subquery(last_out), first_receipt=Subquery(first_in))
            .annotate(idle_since=Coalesce("last_outbound", "first_receipt"))
            .filter(idle_since__lt=cutoff).order_by("idle_since", "owner__code", "code"))


class _DaysBetween(Func):
    """PostgreSQL's date − date: whole days as an integer."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def near_expiry(*, user, within_days: int = analysis.DEFAULT_NEAR_EXPIRY_DAYS,
                used: Fraction = analysis.DEFAULT_SHELF_LIFE_USED, today: datetime.date | None = None,
                owner=None, warehouse=None) -> QuerySet[Lot]:
    """Lots with stock that are expired, expire within `within_days`, or have used more than
    `used` of their shelf life (the lot's expiry − production, else the item's shelf life);
    soonest first, annotated with `days_left` and `life_days` (see `analysis.expiry_reason`)."""
    if isinstance(within_days, bool) or not isinstance(within_days, int) or within_days < 0:
        raise ValidationFailed(details={"within_days": [_("天数必须是不小于零的整数")]})
    today = today or timezone.localdate()
    today_value = Value(today, output_field=DateField())
    return (stock_by_lot(user=user, owner=owner, warehouse=warehouse)
            .filter(expiry_date__isnull=False)
            .annotate(days_left=_DaysBetween(F("expiry_date"), today_value),
                      life_days=Coalesce(_DaysBetween(F("expiry_date"), F("production_date")),
                                         F("item__shelf_life_days"), output_field=IntegerField()))
            .annotate(left_scaled=F("days_left") * used.denominator,
                      life_scaled=F("life_days") * (used.denominator - used.numerator))
            .filter(Q(days_left__lte=within_days) | Q(life_days__isnull=False, left_scaled__lte=F("life_scaled")))
            .order_by("expiry_date", "item__code", "lot_number"))


def items_below_reorder_point(*, user, owner=None) -> QuerySet[Item]:
    """Active items whose available stock (on hand − reserved) is below their reorder point."""
    return (stock_by_item(user=user, owner=owner).filter(is_active=True, reorder_point__gt=0)
            .filter(available__lt=F("reorder_point")).order_by("owner__code", "code"))
