"""KPI and appraisal formulas in pure Python (explained to users in docs/kpi.md and on the pages).

Every figure is None when it has no data: a KPI without orders, counts or answers is "暂无数据",
never 0 % or 100 %.
"""

import calendar
import datetime
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from depot.kpi.choices import LOWER_IS_BETTER, Component, Rating

ONE_PLACE = Decimal("0.1")


def pct(part: int, whole: int) -> Decimal | None:
    """part ÷ whole in percent, one decimal; None without a whole."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def average_hours(durations: Iterable[datetime.timedelta]) -> Decimal | None:
    durations = list(durations)
    return mean_hours(sum(d.total_seconds() for d in durations), len(durations))


def mean_hours(total_seconds: float, count: int) -> Decimal | None:
    """The average of `count` durations that add up to `total_seconds`, in hours, one decimal;
    None without any (the figures read as a sum and a count from the database)."""
    if not count:
        return None
    seconds = float(total_seconds) / count
    return (Decimal(str(seconds)) / 3600).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def perfect_order_rate(orders: Iterable[tuple[bool, bool, bool, bool]]) -> Decimal | None:
    """Share of orders that were on time AND complete AND damage-free AND accurately documented —
    counted per order, not the product (or mean) of the four rates."""
    orders = list(orders)
    return pct(sum(1 for o in orders if all(o)), len(orders))


def target_met(code: str, value: Decimal | None, target: Decimal | None) -> bool | None:
    if value is None or target is None:
        return None
    return value <= target if code in LOWER_IS_BETTER else value >= target


def month_period(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def year_period(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def previous_months(year: int, month: int, n: int) -> list[tuple[int, int]]:
    """The n months up to and including (year, month), oldest first."""
    out = []
    for _ in range(n):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


# ---- appraisal ------------------------------------------------------------------------------

def response_time_score(hours: Decimal | None, target_hours: Decimal) -> Decimal | None:
    """100 when the average first response is within the target; target ÷ actual × 100 beyond it."""
    if hours is None:
        return None
    if hours <= target_hours:
        return Decimal(100)
    return (Decimal(100) * target_hours / hours).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def component_scores(figures: Mapping[str, Decimal | None], *, response_target_hours: Decimal) -> dict:
    """Each component as a 0–100 score: rates are their percentage, CSAT its value, the response
    time by `response_time_score`, attitude and ability as the supervisor gave them."""
    scores = {}
    for component in Component.values:
        value = figures.get(component)
        if component == Component.FIRST_RESPONSE:
            scores[component] = response_time_score(value, response_target_hours)
        else:
            scores[component] = None if value is None else Decimal(value)
    return scores


def weighted_total(scores: Mapping[str, Decimal | None], weights: Mapping[str, int]) -> Decimal | None:
    """Σ weight × score ÷ Σ weight, over the components that have a score: a component without data
    (no complaints handled this month, say) neither helps nor hurts — its weight is shared by the
    others in proportion."""
    used = [(Decimal(weights.get(c, 0)), s) for c, s in scores.items() if s is not None and weights.get(c, 0)]
    total_weight = sum(w for w, _s in used)
    if not total_weight:
        return None
    return (sum(w * s for w, s in used) / total_weight).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


RATING_FROM = [(Decimal(90), Rating.EXCELLENT), (Decimal(80), Rating.GOOD), (Decimal(60), Rating.PASS)]


def rating_for(total: Decimal) -> str:
    for threshold, rating in RATING_FROM:
        if total >= threshold:
            return rating
    return Rating.IMPROVE
