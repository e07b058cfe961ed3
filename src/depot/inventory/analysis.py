"""Inventory analysis formulas, as plain functions of plain numbers (docs/inventory-analysis.md).

The selectors (`selectors_analysis`) compute the inputs with SQL aggregates and call these. A
figure whose inputs do not exist is None — shown as "no data" — never a 0 that looks like a result.
Quantities are integers of the item's base unit, money and rates are Decimal.
"""

import datetime
import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction

# ABC: class A is the items making up the first 80% of outbound value, B the next 15%, C the rest.
A_SHARE = Decimal("0.80")
B_SHARE = Decimal("0.95")

DEFAULT_ANALYSIS_DAYS = 90
DEFAULT_SLOW_MOVING_DAYS = 90
DEFAULT_NEAR_EXPIRY_DAYS = 30
# A lot is near expiry once this share of its shelf life has gone by.
DEFAULT_SHELF_LIFE_USED = Fraction(2, 3)

# Replenishment inputs used when neither the owner nor the global settings give them.
DEFAULT_ORDER_COST = Decimal("200.00")
DEFAULT_HOLDING_COST_RATE = Decimal("0.2500")
DEFAULT_SERVICE_LEVEL = Decimal("0.950")
DEFAULT_LEAD_TIME_DAYS = 7
DAYS_PER_YEAR = 365

# z of the standard normal distribution for the usual service levels (one-sided), as printed in
# textbooks; other levels are computed.
Z_TABLE = {
    Decimal("0.5"): Decimal("0.00"),
    Decimal("0.8"): Decimal("0.84"),
    Decimal("0.85"): Decimal("1.04"),
    Decimal("0.9"): Decimal("1.28"),
    Decimal("0.95"): Decimal("1.65"),
    Decimal("0.975"): Decimal("1.96"),
    Decimal("0.98"): Decimal("2.05"),
    Decimal("0.99"): Decimal("2.33"),
    Decimal("0.995"): Decimal("2.58"),
    Decimal("0.999"): Decimal("3.09"),
}

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
_STEP = Decimal("0.0001")


def _ceil(value: Decimal) -> int:
    # Round first: 2/3 × 3 is 2.000…01 in Decimal and must not become 3.
    return int(value.quantize(_STEP, rounding=ROUND_HALF_UP).to_integral_value(rounding=ROUND_CEILING))


# --- ABC -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AbcLine:
    key: Hashable
    value: Decimal
    share: Decimal
    cumulative: Decimal
    abc_class: str


def abc_classify(values: Mapping, *, a_share: Decimal = A_SHARE, b_share: Decimal = B_SHARE
                 ) -> list[AbcLine] | None:
    """Rank keys by value, highest first (ties by key), and class each by the cumulative share of
    the value *before* it: below `a_share` → A, below `b_share` → B, else C. So the item that
    crosses 80% is still A, and an item with no value is always C. None when the total is 0."""
    total = sum((Decimal(v) for v in values.values()), Decimal(0))
    if total <= 0:
        return None
    lines = []
    before = Decimal(0)
    for key, value in sorted(values.items(), key=lambda kv: (-Decimal(kv[1]), kv[0])):
        value = Decimal(value)
        share_before = before / total
        abc_class = "A" if share_before < a_share else "B" if share_before < b_share else "C"
        before += value
        lines.append(AbcLine(key=key, value=value, share=value / total, cumulative=before / total,
                             abc_class=abc_class))
    return lines


# --- turnover, cover ----------------------------------------------------------------------------


def average_on_hand(opening: int, daily_net: Sequence[int]) -> Decimal | None:
    """Mean of the end-of-day stock over the days of the period: `opening` is the stock at the
    start of the first day, `daily_net` each day's receipts minus issues. None without days."""
    if not daily_net:
        return None
    level, total = opening, 0
    for net in daily_net:
        level += net
        total += level
    return (Decimal(total) / len(daily_net)).quantize(_CENT, rounding=ROUND_HALF_UP)


def turnover_rate(outbound_quantity: int, average_stock: Decimal | None) -> Decimal | None:
    """Times the average stock went out in the period: outbound quantity ÷ average on hand."""
    if average_stock is None or average_stock <= 0:
        return None
    return (Decimal(outbound_quantity) / average_stock).quantize(_CENT, rounding=ROUND_HALF_UP)


def annualised(turnover: Decimal | None, days: int) -> Decimal | None:
    if turnover is None or days <= 0:
        return None
    return (turnover * DAYS_PER_YEAR / days).quantize(_CENT, rounding=ROUND_HALF_UP)


def mean_daily_demand(daily: Sequence[int]) -> Decimal | None:
    """Average outbound quantity per day, days without outbound counted as 0."""
    if not daily:
        return None
    return Decimal(sum(daily)) / len(daily)


def demand_deviation(daily: Sequence[int]) -> Decimal | None:
    """Sample standard deviation σ of the daily outbound quantity (needs two days at least)."""
    if len(daily) < 2:
        return None
    return Decimal(str(statistics.stdev(daily)))


def days_of_cover(on_hand: int, mean_daily: Decimal | None) -> Decimal | None:
    """How many days the stock lasts at the average daily outbound; None without outbound."""
    if mean_daily is None or mean_daily <= 0:
        return None
    return (Decimal(on_hand) / mean_daily).quantize(_TENTH, rounding=ROUND_HALF_UP)


# --- replenishment ------------------------------------------------------------------------------


def z_for_service_level(level: Decimal) -> Decimal:
    """z such that P(Z ≤ z) = level for the standard normal distribution."""
    level = Decimal(str(level))
    if not Decimal(0) < level < Decimal(1):
        raise ValueError("service level must be between 0 and 1")
    level = level.normalize()
    if level in Z_TABLE:
        return Z_TABLE[level]
    return Decimal(str(statistics.NormalDist().inv_cdf(float(level)))).quantize(_CENT, rounding=ROUND_HALF_UP)


def safety_stock(z: Decimal, deviation: Decimal | None, lead_time_days: int | None) -> int | None:
    """z × σ(daily demand) × √(lead time in days), rounded up to a whole unit."""
    if deviation is None or not lead_time_days:
        return None
    return _ceil(z * deviation * Decimal(lead_time_days).sqrt())


def reorder_point(mean_daily: Decimal | None, lead_time_days: int | None, safety: int | None) -> int | None:
    """Average daily demand × lead time + safety stock, rounded up to a whole unit."""
    if mean_daily is None or not lead_time_days or safety is None:
        return None
    return _ceil(mean_daily * lead_time_days + safety)


def annual_demand(mean_daily: Decimal | None) -> Decimal | None:
    if mean_daily is None:
        return None
    return mean_daily * DAYS_PER_YEAR


def holding_cost(unit_value: Decimal | None, rate: Decimal) -> Decimal | None:
    """Cost of holding one unit for a year: unit value × annual holding-cost rate."""
    if unit_value is None or unit_value <= 0:
        return None
    return (unit_value * rate).quantize(_STEP, rounding=ROUND_HALF_UP)


def economic_order_quantity(demand_per_year: Decimal | None, order_cost: Decimal,
                            holding_per_unit_year: Decimal | None) -> int | None:
    """EOQ = √(2 × annual demand × order cost ÷ holding cost per unit per year), to the nearest
    unit (at least 1). None without demand or without a holding cost."""
    if not demand_per_year or demand_per_year <= 0 or not holding_per_unit_year or holding_per_unit_year <= 0:
        return None
    eoq = (2 * demand_per_year * order_cost / holding_per_unit_year).sqrt()
    return max(1, int(eoq.to_integral_value(rounding=ROUND_HALF_UP)))


# --- slow movers, expiry ------------------------------------------------------------------------


def idle_days(*, last_outbound: datetime.date | None, first_receipt: datetime.date | None,
              today: datetime.date) -> int | None:
    """Days since the item last went out, or since it first came in when it never went out."""
    since = last_outbound or first_receipt
    return None if since is None else (today - since).days


def is_slow_moving(*, on_hand: int, idle: int | None, days: int = DEFAULT_SLOW_MOVING_DAYS) -> bool:
    return on_hand > 0 and idle is not None and idle >= days


EXPIRED = "expired"
WITHIN_DAYS = "within_days"
SHELF_LIFE_USED = "shelf_life_used"


def shelf_life_days(*, production_date: datetime.date | None, expiry_date: datetime.date | None,
                    item_shelf_life_days: int | None) -> int | None:
    """The lot's own shelf life (expiry − production) or, without a production date, the item's."""
    if production_date and expiry_date:
        return (expiry_date - production_date).days
    return item_shelf_life_days


def expiry_reason(*, expiry_date: datetime.date | None, life_days: int | None, today: datetime.date,
                  within_days: int = DEFAULT_NEAR_EXPIRY_DAYS, used: Fraction = DEFAULT_SHELF_LIFE_USED
                  ) -> str | None:
    """Why a lot is on the near-expiry list: already expired, expiring within `within_days`, or
    more than `used` of its shelf life gone (remaining ≤ (1 − used) × shelf life). None if not."""
    if expiry_date is None:
        return None
    remaining = (expiry_date - today).days
    if remaining < 0:
        return EXPIRED
    if remaining <= within_days:
        return WITHIN_DAYS
    if life_days and remaining * used.denominator <= (used.denominator - used.numerator) * life_days:
        return SHELF_LIFE_USED
    return None
