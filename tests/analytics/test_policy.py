import datetime
from decimal import Decimal

import pytest

from depot.analytics import policy
from depot.core.errors import ValidationFailed

d = datetime.date


def test_a_reversed_period_is_refused_with_a_clear_message():
    with pytest.raises(ValidationFailed) as exc:
        policy.period_check(d(2026, 10, 31), d(2026, 10, 1))
    assert "开始日期不能晚于结束日期" in exc.value.messages()[0]


def test_a_period_longer_than_two_years_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        policy.period_check(d(2020, 1, 1), d(2026, 1, 1))
    assert "不能超过731天" in exc.value.messages()[0]


def test_previous_period_and_same_period_last_year():
    p = policy.period_check(d(2026, 10, 1), d(2026, 10, 31))
    assert p.previous() == policy.Period(d(2026, 8, 31), d(2026, 9, 30))
    assert p.last_year() == policy.Period(d(2025, 10, 1), d(2025, 10, 31))
    assert policy.Period(d(2028, 2, 29), d(2028, 2, 29)).last_year().start == d(2027, 2, 28)


def test_value_formulas():
    assert policy.orders_per_month(3, 31) == Decimal("2.90")
    assert policy.mean_days_between([d(2026, 10, 23), d(2026, 10, 3), d(2026, 10, 13)]) == Decimal("10.0")
    assert policy.mean_days_between([d(2026, 10, 3)]) is None
    assert policy.tenure_months(d(2024, 1, 15), d(2026, 10, 31)) == 33
    assert policy.tenure_months(d(2024, 1, 15), d(2026, 10, 14)) == 32
    assert policy.change(3, 1) == Decimal("2.0000")
    assert policy.change(3, 0) is None
    assert policy.ratio(1, 3) == Decimal("0.3333")
    assert policy.ratio(1, 0) is None


@pytest.mark.parametrize("recency, frequency, monetary, segment", [
    (10, 30, Decimal("2000000"), "important_value"),
    (200, 30, Decimal("2000000"), "important_keep"),
    (10, 1, Decimal("2000000"), "important_develop"),
    (200, 1, Decimal("2000000"), "important_retain"),
    (10, 30, Decimal("100"), "general_value"),
    (200, 30, Decimal("100"), "general_keep"),
    (10, 1, Decimal("100"), "general_develop"),
    (200, 1, Decimal("100"), "general_retain"),
])
def test_each_combination_of_high_and_low_names_its_segment(recency, frequency, monetary, segment):
    assert policy.rfm(recency_days=recency, frequency=frequency, monetary=monetary).segment == segment


def test_rfm_scores_at_the_thresholds():
    r = policy.rfm(recency_days=90, frequency=6, monetary=Decimal("100000"))
    assert (r.r, r.f, r.m) == (3, 3, 3)
    r = policy.rfm(recency_days=91, frequency=5, monetary=Decimal("99999.99"))
    assert (r.r, r.f, r.m) == (2, 2, 2)
    assert r.segment_label == "一般挽留客户"


def test_a_customer_that_never_ordered_has_no_segment():
    r = policy.rfm(recency_days=None, frequency=0, monetary=Decimal(0))
    assert r.segment is None and r.segment_label == "暂无订单"


def test_the_thresholds_are_spelled_out():
    text = "\n".join(policy.rfm_thresholds_text())
    assert "≤30天=5分" in text and "≥24单=5分" in text and "≥1,000,000元=5分" in text


def test_churn_overdue_against_the_usual_interval_is_medium_risk():
    dates = [d(2026, 6, 1) + datetime.timedelta(days=10 * n) for n in range(10)]
    risk = policy.churn_risk(dates, today=d(2026, 11, 15))
    assert risk.level == policy.MEDIUM
    assert risk.usual_interval == Decimal("10.0") and risk.days_since_last == 77
    assert risk.reasons == ["已77天未下单，通常每10天下单一次（超过2倍）"]


def test_churn_overdue_and_falling_volume_is_high_risk():
    dates = [d(2026, 1, 5) + datetime.timedelta(days=7 * n) for n in range(30)]
    risk = policy.churn_risk(dates, today=d(2026, 11, 15))
    assert risk.level == policy.HIGH
    assert risk.recent_orders == 0 and risk.baseline_orders == Decimal("10.00")
    assert risk.reasons[1] == "近90天0单，此前平均每90天10单，下降100%"


def test_a_customer_ordering_as_usual_is_not_at_risk():
    dates = [d(2026, 1, 5) + datetime.timedelta(days=7 * n) for n in range(45)]
    assert policy.churn_risk(dates, today=dates[-1] + datetime.timedelta(days=5)) is None


def test_two_orders_are_too_few_to_judge_churn():
    assert policy.churn_risk([d(2025, 1, 1), d(2025, 2, 1)], today=d(2026, 11, 15)) is None
