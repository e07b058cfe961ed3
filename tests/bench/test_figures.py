"""How a run's figures are judged: the growth ratio compares the larger scale with the mean of the
small order flow measured before and after it."""

from depot.bench.runner import figures, judge


def _report(small_before, small_after, medium):
    small = {"order_flow": {"orders_per_s": small_before}, "http": {"stock_by_item": {"1": {"p95": 10.0}}}}
    if small_after is not None:
        small["order_flow_again"] = {"orders_per_s": small_after}
    return {"scale": "medium", "pgbench": {"tps": 1000.0}, "scales": {
        "small": small,
        "medium": {"order_flow": {"orders_per_s": medium}, "http": {"stock_by_item": {"1": {"p95": 12.0}}},
                   "generate": {"seconds": 240.0}},
    }}


def test_growth_compares_the_larger_scale_with_the_mean_of_both_small_runs():
    values = figures(_report(100.0, 60.0, 72.0))

    assert values["growth_base_flow_per_s"] == [100.0, 60.0]
    assert values["growth_throughput"] == 0.9
    assert values["growth_stock_p95"] == 1.2
    assert values["order_flow_vs_pgbench"] == 0.072
    met = {row["key"]: row["met"] for row in judge(values)}
    assert met["growth_throughput"] is True and met["growth_stock_p95"] is True


def test_without_a_second_small_run_the_first_one_is_the_base():
    values = figures(_report(100.0, None, 72.0))

    assert values["growth_throughput"] == 0.72
    assert {row["key"]: row["met"] for row in judge(values)}["growth_throughput"] is False
