"""The analytics formulas as plain functions of plain numbers (docs/analytics.md).

The selectors compute the inputs with SQL aggregates and call these. A figure whose inputs do not
exist is None — shown as “暂无数据” — never a 0 that looks like a result.
"""

import datetime
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from depot.core.errors import ValidationFailed

MAX_PERIOD_DAYS = 731
DAYS_PER_MONTH = 30

_TENTH = Decimal("0.1")
_CENT = Decimal("0.01")
_RATE = Decimal("0.0001")


# --- periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        end = self.start - datetime.timedelta(days=1)
        return Period(end - datetime.timedelta(days=self.days - 1), end)

    def last_year(self) -> "Period":
        """The same dates one year earlier (29 February becomes the 28th)."""
        return Period(_year_back(self.start), _year_back(self.end))

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"


def _year_back(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def period_check(start, end, *, max_days: int = MAX_PERIOD_DAYS) -> Period:
    """A valid period, or ValidationFailed with a clear message: dates missing, reversed, or the
    period longer than `max_days`."""
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date):
        raise ValidationFailed(details={"period": [_("请填写开始日期和结束日期")]})
    if start > end:
        raise ValidationFailed(details={"period": [_("开始日期不能晚于结束日期")]})
    if (end - start).days + 1 > max_days:
        raise ValidationFailed(details={"period": [_("统计期间不能超过%(n)d天，请缩短期间") % {"n": max_days}]})
    return Period(start, end)


def month_period(year: int, month: int) -> Period:
    start = datetime.date(year, month, 1)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return Period(start, nxt - datetime.timedelta(days=1))


def previous_month(today: datetime.date) -> Period:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return month_period(last.year, last.month)


# --- customer value --------------------------------------------------------------------------------


def ratio(part, whole, *, places: Decimal = _RATE) -> Decimal | None:
    """part ÷ whole, or None when the whole is missing or zero."""
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)


def orders_per_month(order_count: int, days: int) -> Decimal | None:
    """Orders × 30 ÷ days of the period."""
    if days <= 0:
        return None
    return (Decimal(order_count) * DAYS_PER_MONTH / days).quantize(_CENT, rounding=ROUND_HALF_UP)


def mean_days_between(dates: Sequence[datetime.date]) -> Decimal | None:
    """(last order date − first order date) ÷ (orders − 1); None with fewer than two orders."""
    if len(dates) < 2:
        return None
    return mean_days_between_span(min(dates), max(dates), len(dates))


def mean_days_between_span(first: datetime.date | None, last: datetime.date | None, orders: int) -> Decimal | None:
    """`mean_days_between` from the first and last order date and the number of orders."""
    if orders < 2:
        return None
    return (Decimal((last - first).days) / (orders - 1)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def tenure_months(since: datetime.date | None, until: datetime.date) -> int | None:
    """Whole months from the start of cooperation to `until`."""
    if since is None or since > until:
        return None
    months = (until.year - since.year) * 12 + until.month - since.month
    return months - (until.day < since.day)


def change(current, previous) -> Decimal | None:
    """Relative change (current − previous) ÷ previous; None when either is missing or previous is 0."""
    if current is None or previous is None or not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(_RATE, rounding=ROUND_HALF_UP)


# --- RFM -------------------------------------------------------------------------------------------

RFM_WINDOW_DAYS = 365
# Score 5..2 when the value reaches the threshold (recency: at most that many days); else 1.
RECENCY_DAYS = (30, 60, 90, 180)
FREQUENCY_ORDERS = (24, 12, 6, 2)
MONETARY_VALUE = (Decimal("1000000"), Decimal("300000"), Decimal("100000"), Decimal("30000"))
# A score of at least HIGH_SCORE counts as “high” (高) when naming the segment.
HIGH_SCORE = 3

SEGMENTS = {
    (True, True, True): ("important_value", gettext_lazy("重要价值客户")),
    (False, True, True): ("important_keep", gettext_lazy("重要保持客户")),
    (True, False, True): ("important_develop", gettext_lazy("重要发展客户")),
    (False, False, True): ("important_retain", gettext_lazy("重要挽留客户")),
    (True, True, False): ("general_value", gettext_lazy("一般价值客户")),
    (False, True, False): ("general_keep", gettext_lazy("一般保持客户")),
    (True, False, False): ("general_develop", gettext_lazy("一般发展客户")),
    (False, False, False): ("general_retain", gettext_lazy("一般挽留客户")),
}
SEGMENT_LABELS = {code: label for code, label in SEGMENTS.values()}


def recency_score(days: int | None) -> int:
    if days is None:
        return 1
    for score, limit in zip((5, 4, 3, 2), RECENCY_DAYS, strict=True):
        if days <= limit:
            return score
    return 1


def _at_least_score(value, thresholds) -> int:
    for score, limit in zip((5, 4, 3, 2), thresholds, strict=True):
        if value >= limit:
            return score
    return 1


def frequency_score(orders: int) -> int:
    return _at_least_score(orders, FREQUENCY_ORDERS)


def monetary_score(value: Decimal) -> int:
    return _at_least_score(value, MONETARY_VALUE)


@dataclass(frozen=True)
class Rfm:
    recency_days: int | None
    frequency: int
    monetary: Decimal
    r: int
    f: int
    m: int
    segment: str | None

    @property
    def segment_label(self) -> str:
        return str(SEGMENT_LABELS[self.segment]) if self.segment else _("暂无订单")

    @property
    def code(self) -> str:
        return f"{self.r}{self.f}{self.m}"


def rfm(*, recency_days: int | None, frequency: int, monetary: Decimal) -> Rfm:
    """Scores 1–5 by the fixed thresholds above and the named segment (R, F, M each high when the
    score ≥ HIGH_SCORE). A customer that never ordered has no segment."""
    r, f, m = recency_score(recency_days), frequency_score(frequency), monetary_score(Decimal(monetary))
    segment = None
    if recency_days is not None:
        segment = SEGMENTS[(r >= HIGH_SCORE, f >= HIGH_SCORE, m >= HIGH_SCORE)][0]
    return Rfm(recency_days, frequency, Decimal(monetary), r, f, m, segment)


def rfm_thresholds_text() -> list[str]:
    """The scoring rules as people read them, shown on every page that shows a segment."""
    r = "、".join(f"≤{d}天={s}分" for s, d in zip((5, 4, 3, 2), RECENCY_DAYS, strict=True))
    f = "、".join(f"≥{n}单={s}分" for s, n in zip((5, 4, 3, 2), FREQUENCY_ORDERS, strict=True))
    m = "、".join(f"≥{v:,.0f}元={s}分" for s, v in zip((5, 4, 3, 2), MONETARY_VALUE, strict=True))
    return [
        _("R（最近一次下单距今天数）：%(r)s，其余1分") % {"r": r},
        _("F（近12个月订单数）：%(f)s，其余1分") % {"f": f},
        _("M（近12个月订单货值）：%(m)s，其余1分") % {"m": m},
        _("得分≥%(h)d为“高”；R、F、M高低组合得到八类客户（如三项皆高为重要价值客户，"
          "仅M高为重要挽留客户）") % {"h": HIGH_SCORE},
    ]


# --- churn risk ------------------------------------------------------------------------------------

CHURN_MIN_ORDERS = 3
CHURN_HISTORY_ORDERS = 12
CHURN_INTERVAL_FACTOR = 2
CHURN_MIN_SILENCE_DAYS = 14
CHURN_RECENT_DAYS = 90
CHURN_BASELINE_DAYS = 270
CHURN_DROP = Decimal("0.5")
CHURN_MIN_BASELINE = Decimal("2")

HIGH = "high"
MEDIUM = "medium"
RISK_LABELS = {HIGH: gettext_lazy("高"), MEDIUM: gettext_lazy("中")}


@dataclass(frozen=True)
class ChurnRisk:
    level: str
    reasons: list[str]
    days_since_last: int
    usual_interval: Decimal | None
    recent_orders: int
    baseline_orders: Decimal | None

    @property
    def level_label(self) -> str:
        return str(RISK_LABELS[self.level])

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def usual_interval(order_dates: Sequence[datetime.date]) -> Decimal | None:
    """Median of the days between consecutive orders among the last CHURN_HISTORY_ORDERS orders;
    None with fewer than CHURN_MIN_ORDERS orders."""
    dates = sorted(order_dates)[-CHURN_HISTORY_ORDERS:]
    if len(dates) < CHURN_MIN_ORDERS:
        return None
    gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
    return Decimal(str(statistics.median(gaps))).quantize(_TENTH, rounding=ROUND_HALF_UP)


def churn_windows(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First day of the recent 90 days and first day of the 270 days before them, as of `today`."""
    recent_from = today - datetime.timedelta(days=CHURN_RECENT_DAYS - 1)
    return recent_from, recent_from - datetime.timedelta(days=CHURN_BASELINE_DAYS)


def churn_risk(order_dates: Sequence[datetime.date], *, today: datetime.date) -> ChurnRisk | None:
    """The customer's churn risk as of `today`, from the dates of its orders, or None
    (`churn_risk_of` with the counts taken from the dates)."""
    dates = sorted(d for d in order_dates if d <= today)
    recent_from, baseline_from = churn_windows(today)
    return churn_risk_of(last_dates=dates[-CHURN_HISTORY_ORDERS:], today=today,
                         recent=sum(1 for d in dates if d >= recent_from),
                         baseline_count=sum(1 for d in dates if baseline_from <= d < recent_from))


def churn_risk_of(*, last_dates: Sequence[datetime.date], recent: int, baseline_count: int,
                  today: datetime.date) -> ChurnRisk | None:
    """The customer's churn risk as of `today`, or None, from the dates of its last
    CHURN_HISTORY_ORDERS orders up to today and its order counts in the windows of `churn_windows`
    (`recent`: the last 90 days; `baseline_count`: the 270 days before).

    Rule 1 (overdue): days since the last order > CHURN_INTERVAL_FACTOR × the usual interval and at
    least CHURN_MIN_SILENCE_DAYS. Rule 2 (volume falling): orders of the last 90 days ≤ 50% of the
    average per 90 days over the 270 days before, with that average ≥ 2. One rule: 中; both: 高.
    """
    dates = sorted(last_dates)
    if len(dates) < CHURN_MIN_ORDERS:
        return None
    interval = usual_interval(dates)
    silence = (today - dates[-1]).days
    baseline = (Decimal(baseline_count) * CHURN_RECENT_DAYS / CHURN_BASELINE_DAYS).quantize(_CENT)
    reasons = []
    if interval is not None and silence >= CHURN_MIN_SILENCE_DAYS and silence > interval * CHURN_INTERVAL_FACTOR:
        reasons.append(_("已%(s)d天未下单，通常每%(i)s天下单一次（超过%(k)d倍）") % {
            "s": silence, "i": _plain(interval), "k": CHURN_INTERVAL_FACTOR})
    if baseline >= CHURN_MIN_BASELINE and recent <= baseline * CHURN_DROP:
        drop = (1 - Decimal(recent) / baseline) * 100
        reasons.append(_("近90天%(r)d单，此前平均每90天%(b)s单，下降%(p)s%%") % {
            "r": recent, "b": _plain(baseline), "p": drop.quantize(Decimal("1"))})
    if not reasons:
        return None
    return ChurnRisk(level=HIGH if len(reasons) == 2 else MEDIUM, reasons=reasons, days_since_last=silence,
                     usual_interval=interval, recent_orders=recent, baseline_orders=baseline)
