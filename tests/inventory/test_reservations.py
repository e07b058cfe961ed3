import pytest

from depot.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from depot.inventory import services
from depot.inventory.checks import stock_problems
from depot.inventory.choices import LocationKind, LocationStatus, MoveKind, ReservationState
from depot.inventory.errors import InsufficientStock, LocationRejected
from depot.inventory.models import Balance, Reservation, StockMove
from tests.inventory.helpers import ago, days, on_hand, reserved, snapshot_state

DOC = {"document_type": "outbound", "document_ref": "OUT-001"}


def reserve(actor, item, quantity, **kwargs):
    return services.reservation_create(actor=actor, item=item, quantity=quantity, **{**DOC, **kwargs})


def test_fifo_reserves_the_earliest_received_lot_first_across_locations(wh, item, specialist, stock):
    old = stock(item, 5, wh.loc["AMB-02"], "OLD", at=ago(30))
    new = stock(item, 20, wh.loc["AMB-01"], "NEW", at=ago(1))
    reservations = reserve(specialist, item, 8)
    assert [(r.balance.lot, r.quantity) for r in reservations] == [(old, 5), (new, 3)]
    assert (reserved(item, wh.loc["AMB-02"]), reserved(item, wh.loc["AMB-01"])) == (5, 3)
    assert all(r.state == ReservationState.OPEN and r.document_ref == "OUT-001" for r in reservations)
    assert stock_problems() == []


def test_fefo_reserves_the_lot_expiring_first_even_if_received_later(wh, food, specialist, stock):
    stock(food, 10, wh.loc["AMB-01"], "LONG", expiry_date=days(300), at=ago(20))
    short = stock(food, 10, wh.loc["AMB-02"], "SHORT", expiry_date=days(30), at=ago(2))
    [reservation] = reserve(specialist, food, 6)
    assert reservation.balance.lot == short


def test_expired_lots_are_never_reserved(wh, food, specialist, stock):
    stock(food, 10, wh.loc["AMB-01"], "EXPIRED", production_date=days(-200), expiry_date=days(-1))
    fresh = stock(food, 10, wh.loc["AMB-02"], "FRESH", expiry_date=days(90))
    [reservation] = reserve(specialist, food, 10)
    assert reservation.balance.lot == fresh
    with pytest.raises(InsufficientStock):
        reserve(specialist, food, 1, document_ref="OUT-002")


def test_stock_in_receiving_staging_or_blocked_locations_is_not_reserved(wh, item, specialist, admin_user, stock):
    stock(item, 10, wh.loc["AMB-RCV"], "L1")
    stock(item, 10, wh.loc["AMB-01"], "L1")
    services.location_set_status(actor=admin_user, location=wh.loc["AMB-01"], status=LocationStatus.BLOCKED,
                                 reason="质量冻结")
    with pytest.raises(InsufficientStock) as exc:
        reserve(specialist, item, 1)
    assert exc.value.available == 0


def test_a_reservation_beyond_available_stock_is_refused_whole_and_changes_nothing(wh, item, specialist, stock):
    stock(item, 4, wh.loc["AMB-01"], "L1")
    stock(item, 3, wh.loc["AMB-02"], "L2")
    reserve(specialist, item, 2, document_ref="OUT-000")
    before = snapshot_state()
    with pytest.raises(InsufficientStock) as exc:
        reserve(specialist, item, 6)
    assert (exc.value.item, exc.value.requested, exc.value.available) == (item, 6, 5)
    assert exc.value.code == "insufficient_stock"
    assert "需要6，可用5" in str(exc.value)
    assert snapshot_state() == before


def test_a_partial_reservation_takes_what_there_is(wh, item, specialist, stock):
    stock(item, 4, wh.loc["AMB-01"], "L1")
    reservations = reserve(specialist, item, 10, allow_partial=True)
    assert sum(r.quantity for r in reservations) == 4
    assert reserve(specialist, item, 10, allow_partial=True, document_ref="OUT-002") == []


@pytest.mark.parametrize("quantity", [0, -1, 1.5])
def test_reserving_a_non_positive_quantity_is_refused(wh, item, specialist, stock, quantity):
    stock(item, 4, wh.loc["AMB-01"], "L1")
    with pytest.raises(ValidationFailed):
        reserve(specialist, item, quantity)


def test_a_reservation_needs_a_document(wh, item, specialist, stock):
    stock(item, 4, wh.loc["AMB-01"], "L1")
    with pytest.raises(ValidationFailed) as exc:
        services.reservation_create(actor=specialist, item=item, quantity=1, document_type="outbound",
                                    document_ref=" ")
    assert "document_ref" in exc.value.details


def test_several_items_are_reserved_all_or_nothing(wh, item, food, specialist, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    stock(food, 2, wh.loc["AMB-02"], "B1", expiry_date=days(60))
    before = snapshot_state()
    with pytest.raises(InsufficientStock) as exc:
        services.reservations_create(actor=specialist, lines=[(item, 5), (food, 3)], **DOC)
    assert exc.value.item == food
    assert snapshot_state() == before
    reservations = services.reservations_create(actor=specialist, lines=[(item, 5), (food, 2)], **DOC)
    assert sorted(r.quantity for r in reservations) == [2, 5]


def test_a_user_without_the_reserve_permission_cannot_reserve_stock(wh, item, stock, django_user_model):
    stock(item, 4, wh.loc["AMB-01"], "L1")
    outsider = django_user_model.objects.create_user(username="visitor", password="x", is_staff=True)
    with pytest.raises(PermissionDenied):
        reserve(outsider, item, 1)


def test_releasing_a_reservation_makes_the_stock_available_again(wh, item, specialist, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    services.reservation_release(actor=specialist, reservation=reservation, quantity=2)
    assert reserved(item) == 4
    released = services.reservation_release(actor=specialist, reservation=reservation)
    assert (released.state, released.released, reserved(item)) == (ReservationState.RELEASED, 6, 0)
    assert stock_problems() == []


def test_a_closed_reservation_cannot_be_released_again(wh, item, specialist, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    services.reservation_release(actor=specialist, reservation=reservation)
    before = snapshot_state()
    with pytest.raises(IllegalTransition):
        services.reservation_release(actor=specialist, reservation=reservation)
    assert snapshot_state() == before


def test_releasing_more_than_is_open_is_refused(wh, item, specialist, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    with pytest.raises(ValidationFailed):
        services.reservation_release(actor=specialist, reservation=reservation, quantity=7)


def test_picking_moves_reserved_stock_to_staging_and_keeps_it_held_for_the_document(wh, item, specialist, keeper,
                                                                                     stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    staged = services.reservation_consume(actor=keeper, reservation=reservation)
    pick = StockMove.objects.get(kind=MoveKind.PICK)
    assert (pick.from_location, pick.to_location, pick.quantity) == (wh.loc["AMB-01"], wh.loc["AMB-STG"], 6)
    assert (pick.document_ref, pick.reservation) == ("OUT-001", reservation)
    reservation.refresh_from_db()
    assert (reservation.state, reservation.consumed) == (ReservationState.CONSUMED, 6)
    assert (staged.source, staged.quantity, staged.balance.location) == (reservation, 6, wh.loc["AMB-STG"])
    assert (on_hand(item, wh.loc["AMB-01"]), reserved(item, wh.loc["AMB-01"])) == (4, 0)
    assert (on_hand(item, wh.loc["AMB-STG"]), reserved(item, wh.loc["AMB-STG"])) == (6, 6)
    assert stock_problems() == []


def test_shipping_sends_picked_stock_to_the_customer(wh, item, specialist, keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    staged = services.reservation_consume(actor=keeper, reservation=reservation, quantity=4)
    shipment = services.reservation_ship(actor=keeper, reservation=staged)
    assert (shipment.kind, shipment.to_location.kind, shipment.quantity) == (MoveKind.SHIPMENT,
                                                                            LocationKind.CUSTOMER, 4)
    reservation.refresh_from_db()
    assert (reservation.state, reservation.open_quantity) == (ReservationState.OPEN, 2)
    assert on_hand(item, wh.loc["AMB-STG"]) == 0
    assert (on_hand(item, wh.loc["AMB-01"]), reserved(item, wh.loc["AMB-01"])) == (6, 2)
    assert stock_problems() == []


def test_stock_not_yet_picked_cannot_be_shipped(wh, item, specialist, keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    with pytest.raises(IllegalTransition):
        services.reservation_ship(actor=keeper, reservation=reservation)


def test_picking_more_than_reserved_is_refused(wh, item, specialist, keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    before = snapshot_state()
    with pytest.raises(ValidationFailed):
        services.reservation_consume(actor=keeper, reservation=reservation, quantity=7)
    assert snapshot_state() == before


def test_picking_to_a_storage_location_is_refused(wh, item, specialist, keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    with pytest.raises(LocationRejected):
        services.reservation_consume(actor=keeper, reservation=reservation, to_location=wh.loc["AMB-02"])


def test_frozen_goods_are_picked_to_the_frozen_staging_location(wh, frozen, specialist, keeper, stock):
    stock(frozen, 10, wh.loc["FRZ-01"], "F1", expiry_date=days(200))
    [reservation] = reserve(specialist, frozen, 3)
    staged = services.reservation_consume(actor=keeper, reservation=reservation)
    assert staged.balance.location == wh.loc["FRZ-STG"]


def test_a_cancelled_order_releases_everything_it_held(wh, item, food, specialist, keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    stock(food, 10, wh.loc["AMB-02"], "B1", expiry_date=days(60))
    reservations = services.reservations_create(actor=specialist, lines=[(item, 5), (food, 4)], **DOC)
    services.reservation_consume(actor=keeper, reservation=reservations[0], quantity=2)
    assert services.document_release(actor=specialist, **DOC) == 9
    assert not Reservation.objects.filter(state=ReservationState.OPEN).exists()
    assert sum(Balance.objects.values_list("reserved", flat=True)) == 0
    picked = Balance.objects.get(item=item, location=wh.loc["AMB-STG"])
    services.stock_transfer(actor=keeper, item=item, lot=picked.lot, from_location=wh.loc["AMB-STG"],
                            to_location=wh.loc["AMB-01"], quantity=2)
    assert on_hand(item, wh.loc["AMB-01"]) == 10
    assert stock_problems() == []


def test_a_document_is_shipped_in_one_go(wh, item, food, specialist, keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    stock(food, 10, wh.loc["AMB-02"], "B1", expiry_date=days(60))
    for reservation in services.reservations_create(actor=specialist, lines=[(item, 5), (food, 4)], **DOC):
        services.reservation_consume(actor=keeper, reservation=reservation)
    moves = services.document_ship(actor=keeper, **DOC)
    assert sorted(m.quantity for m in moves) == [4, 5]
    assert on_hand(item, wh.loc["AMB-STG"]) == on_hand(food, wh.loc["AMB-STG"]) == 0
    with pytest.raises(ValidationFailed):
        services.document_ship(actor=keeper, **DOC)
    assert stock_problems() == []



def test_several_reservations_are_picked_in_one_pass_each_to_its_zones_staging(wh, item, food, frozen, specialist,
                                                                                keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    stock(food, 10, wh.loc["AMB-02"], "B1", expiry_date=days(60))
    stock(frozen, 10, wh.loc["FRZ-01"], "F1", expiry_date=days(200))
    reservations = services.reservations_create(actor=specialist, lines=[(item, 5), (food, 4), (frozen, 3)], **DOC)
    staged = services.reservations_pick(actor=keeper, picks=[(r, r.quantity) for r in reservations])
    assert [(s.source, s.quantity, s.balance.location) for s in staged] == [
        (reservations[0], 5, wh.loc["AMB-STG"]), (reservations[1], 4, wh.loc["AMB-STG"]),
        (reservations[2], 3, wh.loc["FRZ-STG"])]
    assert StockMove.objects.filter(kind=MoveKind.PICK, document_ref="OUT-001").count() == 3
    assert set(Reservation.objects.filter(pk__in=[r.pk for r in reservations]).values_list("state", flat=True)) == {
        ReservationState.CONSUMED}
    assert (on_hand(item, wh.loc["AMB-01"]), reserved(item, wh.loc["AMB-01"])) == (5, 0)
    assert (on_hand(food, wh.loc["AMB-STG"]), reserved(food, wh.loc["AMB-STG"])) == (4, 4)
    assert (on_hand(frozen, wh.loc["FRZ-STG"]), reserved(frozen, wh.loc["FRZ-STG"])) == (3, 3)
    assert stock_problems() == []
    moves = services.document_ship(actor=keeper, **DOC)
    assert sorted(m.quantity for m in moves) == [3, 4, 5]
    assert stock_problems() == []


def test_picking_part_of_a_reservation_in_a_batch_leaves_the_rest_reserved(wh, item, specialist, keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = reserve(specialist, item, 6)
    [staged] = services.reservations_pick(actor=keeper, picks=[(reservation, 4)])
    reservation.refresh_from_db()
    assert (reservation.state, reservation.open_quantity, staged.quantity) == (ReservationState.OPEN, 2, 4)
    assert (on_hand(item, wh.loc["AMB-01"]), reserved(item, wh.loc["AMB-01"])) == (6, 2)
    assert stock_problems() == []


def test_a_batch_pick_with_one_closed_reservation_changes_nothing(wh, item, food, specialist, keeper, stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    stock(food, 10, wh.loc["AMB-02"], "B1", expiry_date=days(60))
    first, second = services.reservations_create(actor=specialist, lines=[(item, 5), (food, 4)], **DOC)
    services.reservation_release(actor=specialist, reservation=second)
    before = snapshot_state()
    with pytest.raises(IllegalTransition):
        services.reservations_pick(actor=keeper, picks=[(first, 5), (second, 4)])
    assert snapshot_state() == before


def test_a_batch_pick_into_a_full_staging_location_counts_every_move_of_the_batch(wh, item, food, specialist,
                                                                                   keeper, admin_user, stock):
    services.location_update(actor=admin_user, location=wh.loc["AMB-STG"], data={"capacity": 8})
    stock(item, 10, wh.loc["AMB-01"], "L1")
    stock(food, 10, wh.loc["AMB-02"], "B1", expiry_date=days(60))
    first, second = services.reservations_create(actor=specialist, lines=[(item, 5), (food, 4)], **DOC)
    before = snapshot_state()
    with pytest.raises(LocationRejected):
        services.reservations_pick(actor=keeper, picks=[(first, 5), (second, 4)])
    assert snapshot_state() == before
    assert len(services.reservations_pick(actor=keeper, picks=[(first, 5), (second, 3)])) == 2
    assert on_hand(item, wh.loc["AMB-STG"]) + on_hand(food, wh.loc["AMB-STG"]) == 8


def test_a_pick_in_one_pass_skips_a_blocked_staging_location_for_the_zones_next_one(wh, item, specialist, keeper,
                                                                                     admin_user, stock):
    second = services.location_create(actor=admin_user, zone=wh.zones["AMB"], data={
        "code": "AMB-STG2", "kind": LocationKind.STAGING, "capacity": None})
    services.location_set_status(actor=admin_user, location=wh.loc["AMB-STG"], status=LocationStatus.BLOCKED,
                                 reason="维修")
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = services.reservations_create(actor=specialist, lines=[(item, 5)], **DOC)
    [staged] = services.reservations_pick(actor=keeper, picks=[(reservation, 5)])
    assert staged.balance.location == second
    assert (on_hand(item, second), reserved(item, second)) == (5, 5)
    assert stock_problems() == []


def test_a_pick_in_one_pass_from_a_zone_without_staging_goes_to_one_of_the_warehouse_that_accepts_the_item(
        wh, item, specialist, keeper, admin_user, stock):
    services.location_set_status(actor=admin_user, location=wh.loc["AMB-STG"], status=LocationStatus.BLOCKED,
                                 reason="维修")
    stock(item, 10, wh.loc["AMB-01"], "L1")
    [reservation] = services.reservations_create(actor=specialist, lines=[(item, 5)], **DOC)
    [staged] = services.reservations_pick(actor=keeper, picks=[(reservation, 5)])
    assert staged.balance.location.kind == LocationKind.STAGING
    assert staged.balance.location.zone != wh.zones["AMB"]
    assert on_hand(item, staged.balance.location) == 5
    assert stock_problems() == []


def test_picking_a_whole_pick_list_costs_the_same_statements_whatever_its_length(
        wh, make_item, specialist, keeper, stock, django_assert_max_num_queries):
    items = [make_item(f"GEN-{n}", name=f"货品{n}") for n in range(1, 7)]
    for n, item in enumerate(items):
        stock(item, 10, wh.loc[f"AMB-0{n % 3 + 1}"], f"L{n}")
    reservations = services.reservations_create(actor=specialist, lines=[(i, 2) for i in items], **DOC)
    keeper.get_all_permissions()
    with django_assert_max_num_queries(12):
        services.reservations_pick(actor=keeper, picks=[(r, r.quantity) for r in reservations])
    services.virtual_location(LocationKind.CUSTOMER)
    with django_assert_max_num_queries(9):
        services.document_ship(actor=keeper, **DOC)
    assert stock_problems() == []
