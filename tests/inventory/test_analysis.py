"""The analysis formulas against values worked out by hand (docs/inventory-analysis.md)."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from depot.inventory import analysis

D = Decimal
TODAY = datetime.date(2025, 1, 1)


def classes(values):
    return {line.key: line.abc_class for line in analysis.abc_classify(values)}


def test_abc_puts_the_first_80_percent_of_value_in_a_the_next_15_in_b_and_the_rest_in_c():
    values = {"a1": D(50), "a2": D(30), "b1": D(10), "b2": D(5), "c1": D(3), "c2": D(2)}
    assert classes(values) == {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C", "c2": "C"}


def test_the_item_that_crosses_80_percent_is_still_class_a():
    assert classes({1: D(70), 2: D(20), 3: D(10)}) == {1: "A", 2: "A", 3: "B"}


def test_one_dominant_item_is_a_and_the_others_follow():
    assert classes({1: D(90), 2: D(5), 3: D(5)}) == {1: "A", 2: "B", 3: "C"}


def test_abc_lines_carry_share_and_cumulative_share():
    lines = analysis.abc_classify({1: D(60), 2: D(40)})
    assert [(line.key, line.share, line.cumulative) for line in lines] == [(1, D("0.6"), D(1) * D("0.6")),
                                                                             (2, D("0.4"), D(1))]


def test_items_without_outbound_value_are_class_c():
    assert classes({1: D(100), 2: D(0)}) == {1: "A", 2: "C"}


def test_equal_values_are_ranked_by_key():
    assert [line.key for line in analysis.abc_classify({3: D(10), 1: D(10), 2: D(10)})] == [1, 2, 3]


def test_abc_without_any_outbound_value_is_no_data():
    assert analysis.abc_classify({1: D(0), 2: D(0)}) is None
    assert analysis.abc_classify({}) is None


def test_average_on_hand_is_the_mean_of_the_end_of_day_stock():
    # end of day: 10, 6, 12 → 28 / 3
    assert analysis.average_on_hand(10, [0, -4, 6]) == D("9.33")
    assert analysis.average_on_hand(10, []) is None


def test_turnover_is_outbound_quantity_over_average_on_hand():
    assert analysis.turnover_rate(20, D("9.33")) == D("2.14")
    assert analysis.annualised(D("2.14"), 73) == D("10.70")


def test_turnover_without_average_stock_is_no_data():
    assert analysis.turnover_rate(20, None) is None
    assert analysis.turnover_rate(20, D(0)) is None


def test_turnover_of_an_item_that_did_not_move_is_zero():
    assert analysis.turnover_rate(0, D(40)) == D("0.00")


def test_daily_demand_mean_and_sample_deviation():
    daily = [0, 4, 2, 6]
    assert analysis.mean_daily_demand(daily) == D(3)
    # deviations −3, 1, −1, 3 → 20 / (4 − 1) → √6.667 = 2.582
    assert analysis.demand_deviation(daily).quantize(D("0.001")) == D("2.582")
    assert analysis.demand_deviation([5]) is None
    assert analysis.mean_daily_demand([]) is None


def test_days_of_cover_is_on_hand_over_average_daily_outbound():
    assert analysis.days_of_cover(60, D(3)) == D("20.0")
    assert analysis.days_of_cover(10, D(3)) == D("3.3")


def test_days_of_cover_without_outbound_is_no_data():
    assert analysis.days_of_cover(60, D(0)) is None
    assert analysis.days_of_cover(60, None) is None


@pytest.mark.parametrize("level, z", [("0.95", "1.65"), ("0.975", "1.96"), ("0.99", "2.33"), ("0.90", "1.28"),
                                      ("0.93", "1.48")])
def test_service_level_gives_the_normal_z(level, z):
    assert analysis.z_for_service_level(D(level)) == D(z)


@pytest.mark.parametrize("level", ["0", "1", "1.2", "-0.5"])
def test_an_impossible_service_level_is_refused(level):
    with pytest.raises(ValueError):
        analysis.z_for_service_level(D(level))


def test_safety_stock_is_z_times_deviation_times_root_of_lead_time_rounded_up():
    # 1.65 × 2.582 × √4 = 8.52 → 9
    assert analysis.safety_stock(D("1.65"), analysis.demand_deviation([0, 4, 2, 6]), 4) == 9
    assert analysis.safety_stock(D("1.65"), None, 4) is None


def test_reorder_point_is_demand_during_lead_time_plus_safety_stock():
    assert analysis.reorder_point(D(3), 4, 9) == 21
    assert analysis.reorder_point(None, 4, 9) is None


def test_reorder_point_does_not_round_a_whole_number_up_by_mistake():
    # 2/3 a day for 3 days is 2, not 3
    assert analysis.reorder_point(analysis.mean_daily_demand([1, 1, 0]), 3, 0) == 2


def test_eoq_is_the_root_of_twice_annual_demand_times_order_cost_over_holding_cost():
    # D = 3 × 365 = 1095, S = 200, H = 10 × 25% = 2.5 → √175200 = 418.6 → 419
    demand = analysis.annual_demand(D(3))
    holding = analysis.holding_cost(D(10), D("0.25"))
    assert (demand, holding) == (D(1095), D("2.5000"))
    assert analysis.economic_order_quantity(demand, D(200), holding) == 419


def test_eoq_without_demand_or_holding_cost_is_no_data():
    assert analysis.economic_order_quantity(D(0), D(200), D("2.5")) is None
    assert analysis.economic_order_quantity(None, D(200), D("2.5")) is None
    assert analysis.holding_cost(D(0), D("0.25")) is None
    assert analysis.economic_order_quantity(D(1095), D(200), None) is None


def test_an_item_is_slow_moving_when_idle_for_the_given_days_with_stock_on_hand():
    idle = analysis.idle_days(last_outbound=TODAY - datetime.timedelta(days=90), first_receipt=None, today=TODAY)
    assert idle == 90
    assert analysis.is_slow_moving(on_hand=5, idle=idle, days=90)
    assert not analysis.is_slow_moving(on_hand=0, idle=idle, days=90)
    assert not analysis.is_slow_moving(on_hand=5, idle=89, days=90)


def test_an_item_that_never_shipped_is_idle_since_its_first_receipt():
    assert analysis.idle_days(last_outbound=None, first_receipt=TODAY - datetime.timedelta(days=10),
                              today=TODAY) == 10
    assert analysis.idle_days(last_outbound=None, first_receipt=None, today=TODAY) is None


def reason(expiry, production=None, item_life=None, within=30, used=Fraction(2, 3)):
    life = analysis.shelf_life_days(production_date=production, expiry_date=expiry, item_shelf_life_days=item_life)
    return analysis.expiry_reason(expiry_date=expiry, life_days=life, today=TODAY, within_days=within, used=used)


def test_a_lot_past_its_expiry_date_is_expired():
    assert reason(datetime.date(2024, 12, 31)) == analysis.EXPIRED


def test_a_lot_expiring_today_or_within_the_window_is_near_expiry():
    assert reason(TODAY) == analysis.WITHIN_DAYS
    assert reason(datetime.date(2025, 1, 31)) == analysis.WITHIN_DAYS
    assert reason(datetime.date(2025, 2, 1)) is None


def test_a_lot_that_used_two_thirds_of_its_shelf_life_is_near_expiry():
    expiry = datetime.date(2025, 3, 1)  # 59 days left
    assert reason(expiry, production=datetime.date(2024, 9, 1)) == analysis.SHELF_LIFE_USED  # 181-day life
    assert reason(expiry, production=datetime.date(2024, 11, 1)) is None  # 120-day life: 59 > 40
    assert reason(expiry, item_life=180) == analysis.SHELF_LIFE_USED
    assert reason(expiry, item_life=None) is None
