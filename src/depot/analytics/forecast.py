"""Order-volume forecast: Holt-Winters exponential smoothing (statsmodels `ExponentialSmoothing`,
additive trend and additive seasonality) on a monthly (season 12) or weekly (season 52) series.

The last `holdout` periods are held out: the model is fitted on the rest, its forecast of the
held-out periods gives the error (MAE, and MAPE over the periods with volume), then it is fitted
again on the whole series for the forecast shown. A series too short for two seasons plus the
held-out periods gets Holt's linear trend model instead (no seasonality, said so); one with too
little volume gets no forecast, with the reason.
"""

import datetime
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MONTHLY = "month"
WEEKLY = "week"
SEASON = {MONTHLY: 12, WEEKLY: 52}
HOLDOUT = {MONTHLY: 3, WEEKLY: 8}
MIN_TREND_POINTS = 6
MIN_ORDERS = 2


@dataclass
class Forecast:
    """`values` are the forecast of the next periods (empty when `reason` says why there is none)."""

    model: str = ""
    values: list[float] = field(default_factory=list)
    mae: float | None = None
    mape: float | None = None
    holdout_actual: list[float] = field(default_factory=list)
    holdout_predicted: list[float] = field(default_factory=list)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.values)


def month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    out, day = [], start.replace(day=1)
    while day <= end:
        out.append(day)
        day = datetime.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


def week_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    day = start - datetime.timedelta(days=start.weekday())
    out = []
    while day <= end:
        out.append(day)
        day += datetime.timedelta(days=7)
    return out


def next_periods(last: datetime.date, kind: str, n: int) -> list[datetime.date]:
    if kind == WEEKLY:
        return [last + datetime.timedelta(days=7 * (i + 1)) for i in range(n)]
    out, day = [], last
    for _i in range(n):
        day = datetime.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        out.append(day)
    return out


def errors(actual: Sequence[float], predicted: Sequence[float]) -> tuple[float | None, float | None]:
    """MAE over all periods; MAPE (%) over the periods whose actual value is not 0."""
    if not actual:
        return None, None
    mae = sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / len(actual)
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a]
    mape = 100 * sum(abs(a - p) / abs(a) for a, p in pairs) / len(pairs) if pairs else None
    return mae, mape


def _fit(series: Sequence[float], season: int | None):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            [float(v) for v in series], trend="add", seasonal="add" if season else None,
            seasonal_periods=season, initialization_method="estimated",
        )
        return model.fit(optimized=True)


def _forecast(series, season, horizon) -> list[float]:
    return [max(0.0, float(v)) for v in _fit(series, season).forecast(horizon)]


def forecast(series: Sequence[float], *, kind: str = MONTHLY, horizon: int | None = None,
             orders: int | None = None) -> Forecast:
    """Forecast the next `horizon` periods (default: one season, at most 12) of `series`.
    `orders` is the number of orders behind the series, when the series is not itself a count."""
    season = SEASON[kind]
    holdout = HOLDOUT[kind]
    horizon = horizon or min(season, 12)
    total = orders if orders is not None else sum(series)
    if total < MIN_ORDERS:
        return Forecast(reason=_("只有%(n)d个订单，无法预测（至少需要%(m)d个）") % {"n": total, "m": MIN_ORDERS})
    if len(series) >= 2 * season + holdout:
        seasonal, model = season, _("Holt-Winters 指数平滑（加法趋势、加法季节，周期%(s)d）") % {"s": season}
    elif len(series) >= MIN_TREND_POINTS + holdout:
        seasonal = None
        model = _("Holt 线性趋势指数平滑（历史不足两个完整季节周期，不含季节项）")
    else:
        return Forecast(reason=_("历史只有%(n)d期，至少需要%(m)d期才能预测") % {
            "n": len(series), "m": MIN_TREND_POINTS + holdout})
    train, test = list(series[:-holdout]), list(series[-holdout:])
    predicted = _forecast(train, seasonal, holdout)
    mae, mape = errors(test, predicted)
    return Forecast(model=model, values=_forecast(series, seasonal, horizon), mae=mae, mape=mape,
                    holdout_actual=[float(v) for v in test], holdout_predicted=predicted)
