import pytest

from depot.core.audit import audit_history
from depot.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.inventory import selectors, services
from depot.inventory.checks import stock_problems
from depot.inventory.choices import CountScope, CountState, MoveKind
from depot.inventory.errors import InsufficientStock, LocationRejected
from depot.inventory.models import CountLine, StockMove
from tests.inventory.helpers import on_hand, snapshot_state


@pytest.fixture
def stocked(wh, item, food, stock):
    from tests.inventory.helpers import days

    return {
        "gen": stock(item, 50, wh.loc["AMB-01"], "G1"),
        "gen2": stock(item, 20, wh.loc["AMB-02"], "G2"),
        "food": stock(food, 30, wh.loc["AMB-02"], "F1", expiry_date=days(90)),
        "cool": stock(item, 10, wh.loc["COOL-01"], "G1"),
    }


def zone_count(keeper, wh, zone="AMB"):
    return services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ZONE,
                                      zone=wh.zones[zone])


def test_a_zone_count_covers_every_storage_location_of_the_zone(wh, keeper, stocked):
    count = zone_count(keeper, wh)
    codes = sorted(count.locations.values_list("location__code", flat=True))
    assert codes == ["AMB-01", "AMB-02", "AMB-03", "AMB-P1"]
    assert count.state == CountState.PLANNED
    assert count.number.startswith("PD")


def test_an_item_count_covers_the_locations_holding_the_items(wh, keeper, item, stocked):
    count = services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ITEMS, items=[item])
    assert sorted(count.locations.values_list("location__code", flat=True)) == ["AMB-01", "AMB-02", "COOL-01"]


def test_a_cycle_count_covers_the_locations_of_an_abc_class(wh, keeper, admin_user, food, stocked):
    services.item_update(actor=admin_user, item=food, data={"abc_class": "A"})
    count = services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ABC, abc_class="A")
    assert list(count.items.all()) == [food]
    assert list(count.locations.values_list("location__code", flat=True)) == ["AMB-02"]


@pytest.mark.parametrize("kwargs, field", [
    ({"scope": CountScope.ZONE}, "zone"),
    ({"scope": CountScope.ITEMS}, "items"),
    ({"scope": CountScope.ABC}, "abc_class"),
    ({"scope": CountScope.ABC, "abc_class": "C"}, "scope"),
])
def test_a_count_plan_without_a_usable_scope_is_refused(wh, keeper, stocked, kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        services.count_plan_create(actor=keeper, warehouse=wh.warehouse, **kwargs)
    assert field in exc.value.details


def test_a_running_count_freezes_only_its_own_uncounted_locations(wh, keeper, item, stocked):
    count = zone_count(keeper, wh)
    services.count_start(actor=keeper, count=count)
    before = snapshot_state()
    with pytest.raises(LocationRejected) as exc:
        services.stock_transfer(actor=keeper, item=item, lot=stocked["gen"], from_location=wh.loc["AMB-01"],
                                to_location=wh.loc["COOL-02"], quantity=1)
    assert "正在盘点" in str(exc.value)
    with pytest.raises(LocationRejected):
        services.stock_receive(actor=keeper, item=item, quantity=1, location=wh.loc["AMB-03"])
    assert snapshot_state() == before
    services.stock_transfer(actor=keeper, item=item, lot=stocked["cool"], from_location=wh.loc["COOL-01"],
                            to_location=wh.loc["COOL-02"], quantity=4)
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"],
                          counted=[(item, stocked["gen"], 50)])
    services.stock_transfer(actor=keeper, item=item, lot=stocked["gen"], from_location=wh.loc["AMB-01"],
                            to_location=wh.loc["COOL-02"], quantity=1)


def test_counting_is_blind_until_the_count_is_submitted(wh, keeper, supervisor, item, food, stocked):
    count = zone_count(keeper, wh)
    services.count_start(actor=keeper, count=count)
    sheet = selectors.count_sheet(user=keeper, count=count)
    assert [row["location"].code for row in sheet] == ["AMB-01", "AMB-02", "AMB-03", "AMB-P1"]
    assert all(set(row) == {"location", "recorded", "items"} for row in sheet)
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"], counted=[(item, stocked["gen"], 48)])
    assert selectors.count_variances(user=supervisor, count=count) == []


def record_all(keeper, count, wh, item, food, stocked, gen=48, gen2=20, food_qty=33):
    services.count_start(actor=keeper, count=count)
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"], counted=[(item, stocked["gen"], gen)])
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-02"],
                          counted=[(item, stocked["gen2"], gen2), (food, stocked["food"], food_qty)])
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-03"], counted=[])
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-P1"], counted=[])
    return services.count_submit(actor=keeper, count=count)


def test_the_variances_are_listed_once_submitted(wh, keeper, supervisor, item, food, stocked):
    count = record_all(keeper, zone_count(keeper, wh), wh, item, food, stocked)
    variances = selectors.count_variances(user=supervisor, count=count)
    assert sorted((v.location.code, v.item.code, v.expected, v.counted, v.variance) for v in variances) == [
        ("AMB-01", "GEN-1", 50, 48, -2), ("AMB-02", "FOOD-1", 30, 33, 3)]


def test_an_approved_count_posts_its_variances_as_adjustment_moves(wh, keeper, supervisor, item, food, stocked):
    count = record_all(keeper, zone_count(keeper, wh), wh, item, food, stocked)
    moves = services.count_approve(actor=supervisor, count=count, note="差异已复核")
    assert sorted((m.kind, m.quantity, m.document_ref) for m in moves) == [
        (MoveKind.ADJUSTMENT, 2, count.number), (MoveKind.ADJUSTMENT, 3, count.number)]
    assert on_hand(item, wh.loc["AMB-01"]) == 48
    assert on_hand(food, wh.loc["AMB-02"]) == 33
    count.refresh_from_db()
    assert (count.state, count.decided_by) == (CountState.APPROVED, supervisor)
    assert [e.action for e in audit_history(count)] == ["approve", "create"]
    assert stock_problems() == []


def test_a_count_is_posted_only_once(wh, keeper, supervisor, item, food, stocked):
    count = record_all(keeper, zone_count(keeper, wh), wh, item, food, stocked)
    services.count_approve(actor=supervisor, count=count)
    before = snapshot_state()
    with pytest.raises(IllegalTransition) as exc:
        services.count_approve(actor=supervisor, count=count)
    assert "已审批过账，不能重复操作" in str(exc.value)
    assert snapshot_state() == before


def test_only_a_supervisor_approves_a_count(wh, keeper, item, food, stocked):
    count = record_all(keeper, zone_count(keeper, wh), wh, item, food, stocked)
    with pytest.raises(PermissionDenied):
        services.count_approve(actor=keeper, count=count)
    assert not StockMove.objects.filter(kind=MoveKind.ADJUSTMENT).exists()


def test_a_count_with_a_location_not_recorded_cannot_be_submitted(wh, keeper, item, stocked):
    count = zone_count(keeper, wh)
    services.count_start(actor=keeper, count=count)
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"], counted=[(item, stocked["gen"], 50)])
    with pytest.raises(ValidationFailed) as exc:
        services.count_submit(actor=keeper, count=count)
    assert "AMB-02" in exc.value.messages()[0]
    count.refresh_from_db()
    assert count.state == CountState.COUNTING


def test_a_location_is_recorded_only_once(wh, keeper, item, stocked):
    count = zone_count(keeper, wh)
    services.count_start(actor=keeper, count=count)
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"], counted=[(item, stocked["gen"], 50)])
    with pytest.raises(IllegalTransition):
        services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"],
                              counted=[(item, stocked["gen"], 49)])
    assert CountLine.objects.get(location=wh.loc["AMB-01"]).counted == 50


def test_recording_a_location_outside_the_count_or_before_it_starts_is_refused(wh, keeper, item, stocked):
    count = zone_count(keeper, wh)
    with pytest.raises(IllegalTransition):
        services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"], counted=[])
    services.count_start(actor=keeper, count=count)
    with pytest.raises(NotFound):
        services.count_record(actor=keeper, count=count, location=wh.loc["COOL-01"], counted=[])


@pytest.mark.parametrize("quantity", [-1, 2.5])
def test_a_negative_or_fractional_count_is_refused(wh, keeper, item, stocked, quantity):
    count = zone_count(keeper, wh)
    services.count_start(actor=keeper, count=count)
    with pytest.raises(ValidationFailed):
        services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"],
                              counted=[(item, stocked["gen"], quantity)])
    assert not CountLine.objects.exists()


def test_an_item_count_refuses_results_for_other_items(wh, keeper, item, food, stocked):
    count = services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ITEMS, items=[food])
    services.count_start(actor=keeper, count=count)
    with pytest.raises(ValidationFailed):
        services.count_record(actor=keeper, count=count, location=wh.loc["AMB-02"],
                              counted=[(item, stocked["gen2"], 20)])
    lines = services.count_record(actor=keeper, count=count, location=wh.loc["AMB-02"],
                                  counted=[(food, stocked["food"], 30)])
    assert [(line.item, line.expected, line.counted) for line in lines] == [(food, 30, 30)]


def test_stock_found_where_the_system_had_none_is_a_gain(wh, keeper, supervisor, item, stocked):
    count = services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ZONE,
                                       zone=wh.zones["COOL"])
    services.count_start(actor=keeper, count=count)
    for code in ("COOL-01", "COOL-02", "COOL-03"):
        counted = [(item, stocked["cool"], 10)] if code != "COOL-03" else [(item, stocked["cool"], 1)]
        services.count_record(actor=keeper, count=count, location=wh.loc[code], counted=counted)
    services.count_submit(actor=keeper, count=count)
    services.count_approve(actor=supervisor, count=count)
    assert (on_hand(item, wh.loc["COOL-02"]), on_hand(item, wh.loc["COOL-03"])) == (10, 1)
    assert stock_problems() == []


def test_two_running_counts_cannot_share_a_location(wh, keeper, item, stocked):
    first = zone_count(keeper, wh)
    services.count_start(actor=keeper, count=first)
    second = services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ITEMS, items=[item])
    with pytest.raises(IllegalTransition) as exc:
        services.count_start(actor=keeper, count=second)
    assert first.number in str(exc.value)


def test_a_shortage_that_would_cut_into_reserved_stock_is_not_posted(wh, keeper, specialist, supervisor, item,
                                                                     food, stocked):
    count = record_all(keeper, zone_count(keeper, wh), wh, item, food, stocked, gen=10)
    services.reservation_create(actor=specialist, item=item, quantity=60, document_type="outbound",
                                document_ref="O1")
    before = snapshot_state()
    with pytest.raises(InsufficientStock) as exc:
        services.count_approve(actor=supervisor, count=count)
    assert "AMB-01" in str(exc.value)
    assert snapshot_state() == before
    count.refresh_from_db()
    assert count.state == CountState.SUBMITTED


def test_a_rejected_count_posts_nothing(wh, keeper, supervisor, item, food, stocked):
    count = record_all(keeper, zone_count(keeper, wh), wh, item, food, stocked)
    with pytest.raises(ValidationFailed):
        services.count_reject(actor=supervisor, count=count, note="")
    services.count_reject(actor=supervisor, count=count, note="差异过大，重新盘点")
    count.refresh_from_db()
    assert count.state == CountState.REJECTED
    assert not StockMove.objects.filter(kind=MoveKind.ADJUSTMENT).exists()
    with pytest.raises(IllegalTransition):
        services.count_approve(actor=supervisor, count=count)


def test_cancelling_a_count_releases_its_locations(wh, keeper, item, stocked):
    count = zone_count(keeper, wh)
    services.count_start(actor=keeper, count=count)
    services.count_cancel(actor=keeper, count=count, note="计划调整")
    services.stock_transfer(actor=keeper, item=item, lot=stocked["gen"], from_location=wh.loc["AMB-01"],
                            to_location=wh.loc["AMB-03"], quantity=5)
    assert on_hand(item, wh.loc["AMB-03"]) == 5
