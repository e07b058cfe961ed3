"""Analysis figures computed from a small, fixed stock history, checked against hand-worked values.

History (days before today, at 10:00 local time): X (unit value 10, lead time 4 days) receives 100
on day −9 and ships 20 on day −5 and 10 on day −2; Y (unit value 2) receives 50 on day −9 and ships
20 on day −3; Z (unit value 100) received 40 a hundred days ago and never shipped. The other
specialist's customer ships 30 of T on day −4.
"""

import datetime
import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from depot.core.errors import NotFound, PermissionDenied, ValidationFailed
from depot.inventory import analysis, selectors_analysis, services
from depot.inventory.choices import CountScope, ItemCategory, Rotation
from depot.inventory.models import Item
from tests.inventory.helpers import days

_refs = itertools.count(1)


def local(days_ago: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def ship(specialist, keeper, other_specialist):
    def go(item, quantity, days_ago, actor=None):
        ref = f"AN{next(_refs)}"
        for r in services.reservation_create(actor=actor or specialist, item=item, quantity=quantity,
                                             document_type="outbound", document_ref=ref):
            services.reservation_consume(actor=keeper, reservation=r, at=local(days_ago))
        services.document_ship(actor=keeper, document_type="outbound", document_ref=ref, at=local(days_ago, 11))

    return go


@pytest.fixture
def history(wh, make_item, other_owner, other_specialist, keeper, ship):
    x = make_item("X", name="高值货品", unit_value=Decimal(10), lead_time_days=4)
    y = make_item("Y", name="低值货品", unit_value=Decimal(2))
    z = make_item("Z", name="呆滞货品", unit_value=Decimal(100))
    t = make_item("T", owner=other_owner, name="别家货品", unit_value=Decimal(50))
    for item, quantity, days_ago, loc in ((x, 100, 9, "AMB-01"), (y, 50, 9, "AMB-02"), (z, 40, 100, "AMB-03"),
                                          (t, 60, 9, "AMB-03")):
        services.stock_receive(actor=keeper, item=item, quantity=quantity, location=wh.loc[loc],
                               lot_number=f"{item.code}1", at=local(days_ago, 9))
    ship(x, 20, 5)
    ship(x, 10, 2)
    ship(y, 20, 3)
    ship(t, 30, 4, actor=other_specialist)
    return {"x": x, "y": y, "z": z, "t": t}


def last_days(n):
    return selectors_analysis.period(n)


def test_abc_ranks_an_owners_items_by_the_value_they_shipped(specialist, owner, history):
    since, until = last_days(30)
    result = selectors_analysis.abc_analysis(user=specialist, owner=owner, since=since, until=until)
    assert result.total_value == Decimal(340)
    assert [(r.item.code, r.quantity, r.value, r.abc_class) for r in result.rows] == [
        ("X", 30, Decimal(300), "A"), ("Y", 20, Decimal(40), "B"), ("Z", 0, Decimal(0), "C")]
    assert result.classes["A"]["items"] == 1


def test_abc_of_a_period_without_shipments_is_no_data(specialist, owner, history):
    result = selectors_analysis.abc_analysis(user=specialist, owner=owner, since=days(-60), until=days(-30))
    assert not result.has_data and result.rows == []


def test_a_specialist_cannot_analyse_another_specialists_customer(specialist, other_owner, history):
    since, until = last_days(30)
    with pytest.raises(NotFound):
        selectors_analysis.abc_analysis(user=specialist, owner=other_owner, since=since, until=until)


def test_item_figures_match_the_hand_computed_values(specialist, history):
    since, until = last_days(10)
    f = selectors_analysis.item_figures(user=specialist, item=history["x"], since=since, until=until)
    assert (f.observed_days, f.on_hand, f.outbound_quantity, f.outbound_value) == (10, 70, 30, Decimal(300))
    # end of day: 100 × 4 days, 80 × 3, 70 × 3 → 850 / 10
    assert f.opening == 0 and f.average_on_hand == Decimal("85.00")
    assert f.turnover == Decimal("0.35")
    assert f.mean_daily_demand == Decimal(3)
    # daily 0,0,0,0,20,0,0,10,0,0: Σ(d − 3)² = 410 → √(410 / 9) = 6.75
    assert f.demand_deviation.quantize(Decimal("0.01")) == Decimal("6.75")
    assert f.days_of_cover == Decimal("23.3")
    assert (f.lead_time_days, f.z) == (4, Decimal("1.65"))
    assert f.safety_stock == 23  # 1.65 × 6.75 × √4 = 22.27
    assert f.reorder_point == 35  # 3 × 4 + 23
    assert f.holding_cost == Decimal("2.5000") and f.eoq == 419  # √(2 × 1095 × 200 ÷ 2.5)


def test_an_item_observed_for_fewer_days_than_the_period_is_judged_on_the_days_it_was_here(specialist, history):
    since, until = last_days(90)
    f = selectors_analysis.item_figures(user=specialist, item=history["x"], since=since, until=until)
    assert f.observed_days == 10 and f.average_on_hand == Decimal("85.00")


def test_an_item_that_did_not_ship_has_no_demand_based_figures(specialist, history):
    since, until = last_days(30)
    f = selectors_analysis.item_figures(user=specialist, item=history["z"], since=since, until=until)
    assert f.opening == 40 and f.average_on_hand == Decimal("40.00") and f.turnover == Decimal("0.00")
    assert (f.days_of_cover, f.safety_stock, f.reorder_point, f.eoq) == (None, None, None, None)


def test_an_item_without_any_stock_history_has_no_figures(specialist, make_item):
    item = make_item("NEW", name="新货品", unit_value=Decimal(5))
    since, until = last_days(30)
    f = selectors_analysis.item_figures(user=specialist, item=item, since=since, until=until)
    assert f.observed_days == 0
    assert (f.average_on_hand, f.turnover, f.mean_daily_demand, f.eoq) == (None, None, None, None)


def test_replenishment_settings_of_the_owner_override_the_global_ones_which_override_the_defaults(
        supervisor, specialist, owner, history):
    since, until = last_days(10)
    x = history["x"]
    assert selectors_analysis.replenishment_settings_for(owner).order_cost == analysis.DEFAULT_ORDER_COST
    services.replenishment_settings_save(actor=supervisor, data={"order_cost": Decimal(800)})
    assert selectors_analysis.item_figures(user=specialist, item=x, since=since, until=until).eoq == 837
    services.replenishment_settings_save(actor=supervisor, owner=owner, data={
        "order_cost": Decimal(50), "service_level": Decimal("0.975")})
    f = selectors_analysis.item_figures(user=specialist, item=x, since=since, until=until)
    assert (f.eoq, f.z, f.settings.source) == (209, Decimal("1.96"), "货主设置")


def test_replenishment_settings_with_impossible_values_are_refused(supervisor, specialist):
    with pytest.raises(ValidationFailed) as exc:
        services.replenishment_settings_save(actor=supervisor, data={"service_level": Decimal("1.5")})
    assert "service_level" in exc.value.details
    with pytest.raises(PermissionDenied):
        services.replenishment_settings_save(actor=specialist, data={"order_cost": Decimal(1)})
    assert not selectors_analysis.ReplenishmentSettings.objects.exists()


def test_slow_movers_are_items_with_stock_and_no_shipment_for_the_given_days(specialist, history):
    assert [i.code for i in selectors_analysis.slow_moving(user=specialist)] == ["Z"]
    assert [i.code for i in selectors_analysis.slow_moving(user=specialist, days=3)] == ["Z", "Y"]
    assert [i.code for i in selectors_analysis.slow_moving(user=specialist, days=2)] == ["Z", "Y", "X"]
    assert selectors_analysis.slow_moving(user=specialist).get().on_hand == 40


def test_near_expiry_lists_expired_soon_expiring_and_mostly_used_lots(wh, keeper, specialist, make_item):
    food = make_item("F", name="牛奶", category=ItemCategory.FOOD, rotation=Rotation.FEFO, shelf_life_days=120)
    for lot, expiry, produced in (("OLD", days(-1), None), ("SOON", days(20), None),
                                  ("USED", days(50), days(-200)), ("FRESH", days(50), days(-20)),
                                  ("ITEMLIFE", days(35), None), ("LATE", days(45), None)):
        services.stock_receive(actor=keeper, item=food, quantity=5, location=wh.loc["AMB-02"], lot_number=lot,
                               expiry_date=expiry, production_date=produced)
    lots = list(selectors_analysis.near_expiry(user=specialist))
    # FRESH: 50 of 70 days left; LATE: 45 of the item's 120 days left — more than a third: not listed
    assert [lot.lot_number for lot in lots] == ["OLD", "SOON", "ITEMLIFE", "USED"]
    reasons = {lot.lot_number: analysis.expiry_reason(expiry_date=lot.expiry_date, life_days=lot.life_days,
                                                      today=timezone.localdate()) for lot in lots}
    assert reasons == {"OLD": analysis.EXPIRED, "SOON": analysis.WITHIN_DAYS, "ITEMLIFE": analysis.SHELF_LIFE_USED,
                       "USED": analysis.SHELF_LIFE_USED}
    assert [lot.lot_number for lot in selectors_analysis.near_expiry(user=specialist, within_days=0,
                                                                     used=Fraction(9, 10))] == ["OLD"]


def test_items_below_their_reorder_point_are_listed(admin_user, specialist, history):
    services.item_update(actor=admin_user, item=history["x"], data={"reorder_point": 80})
    assert [i.code for i in selectors_analysis.items_below_reorder_point(user=specialist)] == ["X"]


def test_applying_the_abc_classification_stores_the_classes_used_by_cycle_counts(supervisor, keeper, owner, wh,
                                                                                history):
    since, until = last_days(30)
    counts = services.abc_classification_apply(actor=supervisor, owner=owner, since=since, until=until)
    assert counts == {"A": 1, "B": 1, "C": 1}
    assert dict(Item.objects.filter(owner=owner).values_list("code", "abc_class")) == {"X": "A", "Y": "B", "Z": "C"}
    count = services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ABC, abc_class="A")
    assert [i.code for i in count.items.all()] == ["X"]
    assert list(count.locations.values_list("location__code", flat=True)) == ["AMB-01"]


def test_abc_classification_of_a_period_without_shipments_is_refused_and_changes_nothing(supervisor, owner,
                                                                                        history):
    with pytest.raises(ValidationFailed):
        services.abc_classification_apply(actor=supervisor, owner=owner, since=days(-60), until=days(-30))
    assert set(Item.objects.filter(owner=owner).values_list("abc_class", flat=True)) == {""}
