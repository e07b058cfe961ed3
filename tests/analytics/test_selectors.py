import datetime
from decimal import Decimal

import pytest

from depot.analytics import selectors
from depot.core.errors import NotFound, ValidationFailed

from .conftest import NOW, TODAY

d = datetime.date
OCTOBER = (d(2026, 10, 1), d(2026, 10, 31))


def test_customer_value_of_a_period_against_previous_period_and_last_year(dataset, specialist):
    value = selectors.customer_value(user=specialist, customer=dataset["甲"], start=OCTOBER[0], end=OCTOBER[1],
                                     now=NOW)
    cur = value.current
    assert (cur.order_count, cur.order_lines, cur.units, cur.order_value) == (3, 4, 42, Decimal("6000.00"))
    assert cur.orders_per_month == Decimal("2.90")
    assert cur.mean_days_between == Decimal("10.0")
    assert (cur.on_time, cur.on_time_total, cur.on_time_rate) == (1, 3, Decimal("0.3333"))
    assert cur.tenure_months == 33
    assert value.previous.order_count == 1 and value.previous.order_value == Decimal("1500.00")
    assert value.last_year.order_count == 1 and value.last_year.order_value == Decimal("500.00")
    assert value.trend("order_count") == Decimal("2.0000")
    assert value.trend("order_value") == Decimal("3.0000")
    assert value.trend("order_value", "last_year") == Decimal("11.0000")


def test_a_period_without_orders_has_no_data_rather_than_zero(dataset, specialist):
    value = selectors.customer_value(user=specialist, customer=dataset["甲"], start=d(2026, 3, 1),
                                     end=d(2026, 3, 31), now=NOW)
    assert not value.current.has_data
    assert value.current.orders_per_month is None and value.current.on_time_rate is None
    assert value.trend("order_count") is None


def test_a_reversed_period_is_refused(dataset, specialist):
    with pytest.raises(ValidationFailed):
        selectors.customer_value(user=specialist, customer=dataset["甲"], start=OCTOBER[1], end=OCTOBER[0])


def test_a_specialist_cannot_analyse_another_specialists_customer(dataset, specialist):
    with pytest.raises(NotFound):
        selectors.customer_value(user=specialist, customer=dataset["乙"], start=OCTOBER[0], end=OCTOBER[1])


def test_rfm_segments_of_the_data_set(dataset, supervisor):
    rows = {c.short_name: r for c, r in selectors.rfm_list(user=supervisor, as_of=TODAY)}
    jia = rows["甲"]
    assert (jia.recency_days, jia.frequency, jia.monetary) == (23, 4, Decimal("7500.00"))
    assert (jia.r, jia.f, jia.m, jia.segment) == (5, 2, 1, "general_develop")
    yi = rows["乙"]
    assert (yi.recency_days, yi.frequency, yi.monetary) == (45, 6, Decimal("120000.00"))
    assert (yi.r, yi.f, yi.m, yi.segment_label) == (4, 3, 3, "重要价值客户")


def test_a_specialist_sees_only_their_customers_segments(dataset, specialist):
    names = {c.short_name for c, _r in selectors.rfm_list(user=specialist, as_of=TODAY)}
    assert names == {"甲", "丙", "丁"}


def test_churn_list_with_the_reason_highest_risk_first(dataset, specialist):
    churn = selectors.churn_list(user=specialist, today=TODAY)
    assert [(c.short_name, r.level) for c, r in churn] == [("丁", "high"), ("丙", "medium")]
    assert churn[1][1].reason == "已77天未下单，通常每10天下单一次（超过2倍）"
    assert churn[0][0].owner == specialist


def test_monthly_volume_with_forecast_reason_when_history_is_short(dataset, supervisor):
    vol = selectors.volume(user=supervisor, today=TODAY)
    by_month = dict(zip(vol.starts, vol.orders, strict=True))
    assert vol.starts[0] == d(2025, 10, 1)  # the first month with an order
    assert by_month[d(2026, 10, 1)] == 4  # 甲 3, 乙 1
    assert vol.forecast.ok and "Holt 线性趋势" in vol.forecast.model
    assert any("双十一" in p for p in vol.peaks.values())


def test_a_customer_with_one_order_gets_no_forecast_and_is_told_why(make_customer, specialist):
    from .conftest import order

    customer = make_customer(specialist)
    order(customer, d(2026, 9, 1), 100)
    vol = selectors.volume(user=specialist, customer=customer, today=TODAY)
    assert not vol.forecast.ok
    assert vol.forecast.reason == "只有1个订单，无法预测（至少需要2个）"


def test_the_portal_overview_shows_only_that_customer(dataset):
    overview = selectors.customer_overview(customer=dataset["甲"], today=TODAY)
    assert overview["last_month"]["orders"] == 3 and overview["last_month"]["units"] == 42
    assert not overview["this_month"]["has_data"]
    assert dict(overview["monthly"])[d(2026, 10, 1)] == 3


def test_grading_gets_the_segment_as_an_input(dataset):
    from depot.customers.grading import grading_inputs

    assert grading_inputs(dataset["乙"])["rfm_segment"] in {"important_value", "important_keep"}
