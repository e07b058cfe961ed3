"""Figures aggregated in the database give what the same rules give on the orders one by one, and
the reads behind them do not grow with the number of customers or orders."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from depot.analytics import forecast as fc
from depot.analytics import policy, selectors
from depot.analytics.models import SegmentSnapshot
from depot.customers.choices import Status
from depot.orders.choices import OUTBOUND_ENDED_STATES
from depot.orders.models import OutboundLine, OutboundOrder

from .conftest import NOW, TODAY, order

d = datetime.date


def _live_orders():
    return OutboundOrder.objects.exclude(state__in=OUTBOUND_ENDED_STATES)


def _order_dates(until: datetime.date) -> dict[int, list[datetime.date]]:
    out = defaultdict(list)
    for customer, created in _live_orders().values_list("customer", "created_at"):
        if timezone.localtime(created).date() <= until:
            out[customer].append(timezone.localtime(created).date())
    return out


def _falling(make_customer, specialist):
    """A customer ordering every 5 days for nine months and rarely since: both churn rules."""
    falling = make_customer(specialist, name="戊食品有限公司", short_name="戊", status=Status.ACTIVE)
    for n in range(55):
        order(falling, d(2025, 11, 20) + datetime.timedelta(days=5 * n), 100)
    order(falling, d(2026, 9, 1), 100)
    return falling


def test_the_churn_list_gives_the_risk_the_rules_give_on_every_order_date(dataset, supervisor, make_customer,
                                                                           specialist):
    _falling(make_customer, specialist)
    for today in (TODAY, d(2026, 9, 20), d(2026, 4, 1)):
        expected = {}
        for pk, dates in _order_dates(today).items():
            risk = policy.churn_risk(dates, today=today)
            if risk is not None:
                expected[pk] = risk
        assert {c.pk: r for c, r in selectors.churn_list(user=supervisor, today=today)} == expected
    assert {c.short_name for c, _r in selectors.churn_list(user=supervisor, today=TODAY)} >= {"丙", "丁", "戊"}


def test_the_churn_risk_of_the_counts_is_the_churn_risk_of_the_dates():
    dates = [d(2026, 1, 1) + datetime.timedelta(days=4 * n) for n in range(60)] + [d(2026, 10, 20)]
    today = d(2026, 11, 15)
    recent_from, baseline_from = policy.churn_windows(today)
    risk = policy.churn_risk_of(last_dates=dates[-policy.CHURN_HISTORY_ORDERS:], today=today,
                                recent=sum(1 for x in dates if x >= recent_from),
                                baseline_count=sum(1 for x in dates if baseline_from <= x < recent_from))
    assert risk == policy.churn_risk(dates, today=today)
    assert risk.level == policy.HIGH


def test_the_churn_list_reads_the_same_few_queries_however_many_customers_order(dataset, supervisor, make_customer,
                                                                                 specialist):
    selectors.churn_list(user=supervisor, today=TODAY)  # the user's permissions are cached from here on
    with CaptureQueriesContext(connection) as few:
        selectors.churn_list(user=supervisor, today=TODAY)
    for n in range(5):
        extra = make_customer(specialist, name=f"新增客户{n}有限公司", short_name=f"新{n}", status=Status.ACTIVE)
        for k in range(12):
            order(extra, d(2026, 1, 5) + datetime.timedelta(days=7 * k), 100)
    with CaptureQueriesContext(connection) as many:
        churn = selectors.churn_list(user=supervisor, today=TODAY)
    assert len(churn) > 2
    assert len(many.captured_queries) == len(few.captured_queries) <= 3


def test_value_figures_aggregated_in_sql_equal_those_of_the_orders_one_by_one(dataset, supervisor):
    period = policy.Period(d(2025, 10, 1), d(2026, 11, 15))
    figures = selectors.value_figures(user=supervisor, period=period, now=NOW)
    orders = _live_orders().filter(created_at__gte=selectors._moment(period.start),
                                   created_at__lt=selectors._moment(period.end + datetime.timedelta(days=1)))
    for customer in dataset.values():
        mine = list(orders.filter(customer=customer))
        lines = OutboundLine.objects.filter(order__in=mine)
        f = figures[customer.pk]
        assert (f.order_count, f.order_value) == (len(mine), sum((o.total_value for o in mine), Decimal(0)))
        assert (f.order_lines, f.units) == (lines.count(), sum(line.quantity for line in lines))
        assert f.mean_days_between == policy.mean_days_between(
            [timezone.localtime(o.created_at).date() for o in mine])
    # 甲: 2025-10-20 to 2026-10-23 is 368 days over four intervals
    assert figures[dataset["甲"].pk].mean_days_between == Decimal("92.0")


def test_the_units_of_the_volume_are_the_units_of_the_lines_of_each_month(dataset, supervisor):
    vol = selectors.volume(user=supervisor, kind=fc.MONTHLY, today=TODAY)
    expected = defaultdict(int)
    for line in OutboundLine.objects.filter(order__in=_live_orders()).select_related("order"):
        expected[timezone.localtime(line.order.created_at).date().replace(day=1)] += line.quantity
    assert vol.units == [expected.get(s, 0) for s in vol.starts]
    assert vol.units[vol.starts.index(d(2026, 10, 1))] == 10 + 5 + 20 + 7 + 1  # 甲 and 乙


def test_the_board_reads_the_same_queries_however_many_customers_order(dataset, supervisor, make_customer,
                                                                       specialist):
    selectors.board(user=supervisor, today=TODAY)  # the user's permissions are cached from here on
    with CaptureQueriesContext(connection) as few:
        selectors.board(user=supervisor, today=TODAY)
    for n in range(5):
        extra = make_customer(specialist, name=f"新增客户{n}有限公司", short_name=f"新{n}", status=Status.ACTIVE)
        for k in range(12):
            order(extra, d(2026, 9, 5) + datetime.timedelta(days=7 * k), 100)
    with CaptureQueriesContext(connection) as many:
        selectors.board(user=supervisor, today=TODAY)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_segment_changes_compare_the_day_s_snapshot_with_the_one_before_only(dataset, supervisor, specialist):
    def snap(customer, day, segment):
        return SegmentSnapshot.objects.create(customer=customer, as_of=day, frequency=0, monetary=Decimal(0),
                                              r_score=1, f_score=1, m_score=1, segment=segment)

    jia, yi, bing, ding = (dataset[k] for k in ("甲", "乙", "丙", "丁"))
    snap(jia, d(2026, 8, 31), "important_value")
    before = snap(jia, d(2026, 9, 30), "general_keep")
    after = snap(jia, d(2026, 10, 31), "important_value")
    snap(yi, d(2026, 9, 30), "general_keep")
    snap(yi, d(2026, 10, 31), "important_value")
    snap(bing, d(2026, 9, 30), "general_keep")
    snap(bing, d(2026, 10, 31), "general_keep")
    snap(ding, d(2026, 10, 31), "general_retain")
    snap(ding, d(2026, 11, 30), "important_value")
    changes = selectors.segment_changes(user=specialist, as_of=d(2026, 10, 31))
    assert [(c["customer"], c["before"], c["after"]) for c in changes] == [(jia, before, after)]
    assert [c["customer"] for c in selectors.segment_changes(user=supervisor, as_of=d(2026, 10, 31))] == [jia, yi]
    assert selectors.segment_changes(user=supervisor, as_of=d(2026, 11, 1)) == []
