import math

from depot.analytics import forecast as fc


def seasonal(months: int, *, base=200.0, amplitude=60.0, trend=1.0) -> list[float]:
    return [base + trend * m + amplitude * math.sin(2 * math.pi * (m % 12) / 12) for m in range(months)]


def test_monthly_seasonal_series_gets_a_holt_winters_forecast_of_one_season():
    series = seasonal(48)
    result = fc.forecast(series, kind=fc.MONTHLY)
    assert "Holt-Winters" in result.model
    assert len(result.values) == 12 and len(result.holdout_predicted) == fc.HOLDOUT[fc.MONTHLY]
    assert result.mae is not None and result.mape < 5


def test_the_forecast_keeps_the_season_peak_and_trough():
    series = seasonal(48)
    values = fc.forecast(series, kind=fc.MONTHLY).values
    # month 48 is position 0 of the season: the peak is 3 months in, the trough 9 months in
    assert values.index(max(values)) == 3
    assert values.index(min(values)) == 9


def test_weekly_series_uses_a_season_of_52_weeks():
    series = [100 + 40 * math.sin(2 * math.pi * (w % 52) / 52) for w in range(2 * 52 + 10)]
    result = fc.forecast(series, kind=fc.WEEKLY, horizon=8)
    assert "周期52" in result.model and len(result.values) == 8


def test_a_short_history_gets_the_trend_model_and_says_so():
    result = fc.forecast([5, 6, 7, 8, 9, 10, 11, 12, 13, 14], kind=fc.MONTHLY)
    assert "不含季节项" in result.model and result.ok


def test_too_little_history_gets_no_forecast():
    result = fc.forecast([3, 4, 5], kind=fc.MONTHLY)
    assert not result.ok and "至少需要9期" in result.reason


def test_errors_leave_months_without_volume_out_of_mape():
    mae, mape = fc.errors([10, 0, 20], [12, 1, 15])
    assert round(mae, 4) == round((2 + 1 + 5) / 3, 4)
    assert round(mape, 4) == round(100 * (0.2 + 0.25) / 2, 4)
