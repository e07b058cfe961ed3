import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from depot.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.inventory import services
from depot.inventory.checks import stock_problems
from depot.inventory.choices import LocationKind, LocationStatus, MoveKind
from depot.inventory.errors import InsufficientStock, LocationRejected
from depot.inventory.models import Balance, Lot, StockMove
from tests.inventory.helpers import days, on_hand, snapshot_state

# Receiving


def test_a_receipt_creates_the_lot_writes_one_move_and_raises_the_balance(wh, food, keeper):
    move = services.stock_receive(actor=keeper, item=food, quantity=120, location=wh.loc["AMB-RCV"],
                                  lot_number="B2401", production_date=days(-10), expiry_date=days(170),
                                  document_type="inbound", document_ref="IN001")
    assert move.kind == MoveKind.RECEIPT
    assert move.from_location.kind == LocationKind.SUPPLIER
    assert (move.owner, move.item, move.quantity, move.actor) == (food.owner, food, 120, keeper)
    assert (move.document_type, move.document_ref) == ("inbound", "IN001")
    lot = Lot.objects.get(item=food, lot_number="B2401")
    assert (lot.production_date, lot.expiry_date, lot.received_on) == (days(-10), days(170), datetime.date.today())
    assert on_hand(food, wh.loc["AMB-RCV"]) == 120
    assert stock_problems() == []


def test_a_second_receipt_of_the_same_lot_adds_to_it(wh, item, stock):
    stock(item, 10, wh.loc["AMB-01"], "L7")
    stock(item, 5, wh.loc["AMB-01"], "L7")
    assert Lot.objects.filter(item=item).count() == 1
    assert on_hand(item, wh.loc["AMB-01"]) == 15


def test_a_receipt_without_a_lot_number_gets_one_from_its_date(wh, item, keeper):
    move = services.stock_receive(actor=keeper, item=item, quantity=3, location=wh.loc["AMB-RCV"])
    assert move.lot.lot_number == f"R{datetime.date.today():%Y%m%d}"


def test_the_expiry_date_is_worked_out_from_the_shelf_life(wh, food, keeper):
    move = services.stock_receive(actor=keeper, item=food, quantity=3, location=wh.loc["AMB-RCV"],
                                  lot_number="B1", production_date=days(-20))
    assert move.lot.expiry_date == days(-20) + datetime.timedelta(days=180)


@pytest.mark.parametrize("quantity", [0, -5, 2.5, "7", True])
def test_a_receipt_of_a_non_positive_or_non_integer_quantity_is_refused(wh, item, keeper, quantity):
    before = snapshot_state()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=keeper, item=item, quantity=quantity, location=wh.loc["AMB-RCV"])
    assert "数量必须是大于零的整数" in exc.value.details["quantity"][0]
    assert snapshot_state() == before


def test_a_lot_expiring_before_it_was_produced_is_refused(wh, food, keeper):
    before = snapshot_state()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=keeper, item=food, quantity=5, location=wh.loc["AMB-RCV"], lot_number="X",
                               production_date=days(-5), expiry_date=days(-6))
    assert exc.value.details["expiry_date"] == ["到期日期不能早于生产日期"]
    assert snapshot_state() == before


def test_a_production_date_in_the_future_is_refused(wh, item, keeper):
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=keeper, item=item, quantity=5, location=wh.loc["AMB-RCV"],
                               production_date=days(3))
    assert "production_date" in exc.value.details


def test_a_fefo_item_cannot_be_received_without_an_expiry_date(wh, make_item, keeper):
    medicine = make_item("PH-1", category="pharma", rotation="fefo")
    before = snapshot_state()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=keeper, item=medicine, quantity=5, location=wh.loc["AMB-RCV"])
    assert "近效期先出" in exc.value.details["expiry_date"][0]
    assert snapshot_state() == before


def test_receiving_a_known_lot_with_other_dates_is_refused(wh, food, keeper, stock):
    stock(food, 5, wh.loc["AMB-01"], "B1", expiry_date=days(100))
    before = snapshot_state()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=keeper, item=food, quantity=5, location=wh.loc["AMB-01"], lot_number="B1",
                               expiry_date=days(200))
    assert "已存在" in exc.value.details["expiry_date"][0]
    assert snapshot_state() == before


def test_a_receipt_dated_in_the_future_is_refused(wh, item, keeper):
    with pytest.raises(ValidationFailed) as exc:
        services.stock_receive(actor=keeper, item=item, quantity=5, location=wh.loc["AMB-RCV"],
                               at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))
    assert "at" in exc.value.details


def test_frozen_goods_cannot_be_received_into_an_ambient_dock(wh, frozen, keeper):
    before = snapshot_state()
    with pytest.raises(LocationRejected) as exc:
        services.stock_receive(actor=keeper, item=frozen, quantity=5, location=wh.loc["AMB-RCV"],
                               expiry_date=days(300))
    assert "冷冻货品不能存放在常温库区" in str(exc.value)
    assert snapshot_state() == before


def test_an_inactive_item_cannot_be_received(wh, item, keeper, admin_user):
    services.item_update(actor=admin_user, item=item, data={"is_active": False})
    with pytest.raises(ValidationFailed):
        services.stock_receive(actor=keeper, item=item, quantity=5, location=wh.loc["AMB-RCV"])


def test_a_cs_specialist_cannot_receive_stock(wh, item, specialist):
    with pytest.raises(PermissionDenied):
        services.stock_receive(actor=specialist, item=item, quantity=5, location=wh.loc["AMB-RCV"])


# Putaway


def test_putaway_without_a_location_takes_the_best_compatible_one(wh, frozen, keeper, stock):
    lot = stock(frozen, 40, wh.loc["FRZ-RCV"], "F1", expiry_date=days(300))
    move = services.stock_putaway(actor=keeper, item=frozen, lot=lot, from_location=wh.loc["FRZ-RCV"], quantity=40)
    assert move.kind == MoveKind.PUTAWAY
    assert move.to_location.zone == wh.zones["FRZ"]
    assert move.to_location.kind == LocationKind.STORAGE
    assert on_hand(frozen, wh.loc["FRZ-RCV"]) == 0
    assert on_hand(frozen, move.to_location) == 40


def test_putaway_suggests_the_location_already_holding_the_lot(wh, item, keeper, stock):
    lot = stock(item, 10, wh.loc["AMB-02"], "L1")
    stock(item, 10, wh.loc["AMB-RCV"], "L1")
    move = services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=10)
    assert move.to_location == wh.loc["AMB-02"]


def test_frozen_goods_are_never_put_away_into_an_ambient_location(wh, frozen, keeper, stock):
    lot = stock(frozen, 10, wh.loc["FRZ-RCV"], "F1", expiry_date=days(300))
    before = snapshot_state()
    with pytest.raises(LocationRejected) as exc:
        services.stock_putaway(actor=keeper, item=frozen, lot=lot, from_location=wh.loc["FRZ-RCV"], quantity=10,
                               to_location=wh.loc["AMB-01"])
    assert exc.value.code == "location_rejected"
    assert "冷冻货品不能存放在常温库区" in exc.value.details["location"][0]
    assert snapshot_state() == before


def test_hazardous_goods_are_put_away_only_into_a_zone_of_their_class(wh, solvent, keeper, stock):
    lot = stock(solvent, 10, wh.loc["HAZ3-RCV"], "S1")
    with pytest.raises(LocationRejected):
        services.stock_putaway(actor=keeper, item=solvent, lot=lot, from_location=wh.loc["HAZ3-RCV"], quantity=10,
                               to_location=wh.loc["AMB-01"])
    move = services.stock_putaway(actor=keeper, item=solvent, lot=lot, from_location=wh.loc["HAZ3-RCV"],
                                  quantity=10)
    assert move.to_location.zone == wh.zones["HAZ3"]


def test_food_is_never_put_away_into_a_hazardous_zone(wh, food, keeper, stock):
    lot = stock(food, 10, wh.loc["AMB-RCV"], "B1", expiry_date=days(100))
    before = snapshot_state()
    with pytest.raises(LocationRejected) as exc:
        services.stock_putaway(actor=keeper, item=food, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=10,
                               to_location=wh.loc["HAZ3-01"])
    assert "食品、药品不能存放在危险品库区" in str(exc.value)
    assert snapshot_state() == before


def test_putaway_into_a_full_location_is_refused_and_changes_nothing(wh, item, keeper, stock):
    stock(item, 95, wh.loc["AMB-01"], "L0")
    lot = stock(item, 10, wh.loc["AMB-RCV"], "L1")
    before = snapshot_state()
    with pytest.raises(LocationRejected) as exc:
        services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=10,
                               to_location=wh.loc["AMB-01"])
    assert "容量不足" in str(exc.value) and "已占用95" in str(exc.value)
    assert snapshot_state() == before


def test_putaway_counts_pallets_in_a_pallet_location(wh, make_item, keeper, stock):
    boxed = make_item("BOX-1", pallet_quantity=50)
    lot = stock(boxed, 150, wh.loc["AMB-RCV"], "P1")
    services.stock_putaway(actor=keeper, item=boxed, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=100,
                           to_location=wh.loc["AMB-P1"])
    with pytest.raises(LocationRejected):
        services.stock_putaway(actor=keeper, item=boxed, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=1,
                               to_location=wh.loc["AMB-P1"])


def test_putaway_when_no_location_fits_is_refused(wh, make_item, keeper, stock):
    item = make_item("BULK-1", pallet_quantity=100)
    lot = stock(item, 500, wh.loc["AMB-RCV"], "BIG")
    with pytest.raises(ValidationFailed) as exc:
        services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=500)
    assert "没有相容且容量足够" in exc.value.details["to_location"][0]


def test_putaway_into_a_blocked_location_is_refused(wh, item, keeper, stock, admin_user):
    services.location_set_status(actor=admin_user, location=wh.loc["AMB-01"], status=LocationStatus.BLOCKED,
                                 reason="货架维修")
    lot = stock(item, 10, wh.loc["AMB-RCV"], "L1")
    with pytest.raises(LocationRejected) as exc:
        services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=10,
                               to_location=wh.loc["AMB-01"])
    assert "货架维修" in str(exc.value)
    move = services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=10)
    assert move.to_location != wh.loc["AMB-01"]


def test_putaway_starts_only_from_a_receiving_location(wh, item, keeper, stock):
    lot = stock(item, 10, wh.loc["AMB-01"], "L1")
    with pytest.raises(LocationRejected):
        services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-01"], quantity=5,
                               to_location=wh.loc["AMB-02"])


def test_putting_away_more_than_was_received_is_refused(wh, item, keeper, stock):
    lot = stock(item, 10, wh.loc["AMB-RCV"], "L1")
    before = snapshot_state()
    with pytest.raises(InsufficientStock) as exc:
        services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=11)
    assert (exc.value.requested, exc.value.available) == (11, 10)
    assert snapshot_state() == before


def test_a_lot_of_another_item_is_refused(wh, item, food, keeper, stock):
    lot = stock(food, 10, wh.loc["AMB-RCV"], "B1", expiry_date=days(100))
    with pytest.raises(ValidationFailed) as exc:
        services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=1)
    assert "lot" in exc.value.details


# Transfer, adjustment, damage, loss, return


def test_a_transfer_moves_available_stock_between_locations(wh, item, keeper, stock):
    lot = stock(item, 30, wh.loc["AMB-01"])
    move = services.stock_transfer(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-01"],
                                   to_location=wh.loc["COOL-01"], quantity=12)
    assert move.kind == MoveKind.TRANSFER
    assert (on_hand(item, wh.loc["AMB-01"]), on_hand(item, wh.loc["COOL-01"])) == (18, 12)


def test_reserved_stock_cannot_be_transferred_away(wh, item, keeper, specialist, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    services.reservation_create(actor=specialist, item=item, quantity=8, document_type="outbound", document_ref="O1")
    before = snapshot_state()
    with pytest.raises(InsufficientStock) as exc:
        services.stock_transfer(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-01"],
                                to_location=wh.loc["AMB-02"], quantity=3)
    assert exc.value.available == 2
    assert "库存不足" in exc.value.messages()[0]
    assert snapshot_state() == before


def test_a_transfer_to_the_same_location_is_refused(wh, item, keeper, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    with pytest.raises(ValidationFailed):
        services.stock_transfer(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-01"],
                                to_location=wh.loc["AMB-01"], quantity=1)


def test_an_adjustment_records_found_and_missing_stock(wh, item, supervisor, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    gain = services.stock_adjust(actor=supervisor, item=item, lot=lot, location=wh.loc["AMB-01"], delta=3,
                                 reason="复核多出")
    loss = services.stock_adjust(actor=supervisor, item=item, lot=lot, location=wh.loc["AMB-01"], delta=-5,
                                 reason="复核短少")
    assert gain.from_location.kind == LocationKind.ADJUSTMENT and loss.to_location.kind == LocationKind.ADJUSTMENT
    assert on_hand(item, wh.loc["AMB-01"]) == 8
    assert stock_problems() == []


def test_an_adjustment_that_would_make_stock_negative_is_refused(wh, item, supervisor, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    before = snapshot_state()
    with pytest.raises(InsufficientStock):
        services.stock_adjust(actor=supervisor, item=item, lot=lot, location=wh.loc["AMB-01"], delta=-11,
                              reason="短少")
    assert snapshot_state() == before


@pytest.mark.parametrize("delta, reason, field", [(0, "x", "delta"), (3, "  ", "reason")])
def test_an_adjustment_needs_a_non_zero_delta_and_a_reason(wh, item, supervisor, stock, delta, reason, field):
    lot = stock(item, 10, wh.loc["AMB-01"])
    with pytest.raises(ValidationFailed) as exc:
        services.stock_adjust(actor=supervisor, item=item, lot=lot, location=wh.loc["AMB-01"], delta=delta,
                              reason=reason)
    assert field in exc.value.details


def test_a_keeper_cannot_adjust_stock_by_hand(wh, item, keeper, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    with pytest.raises(PermissionDenied):
        services.stock_adjust(actor=keeper, item=item, lot=lot, location=wh.loc["AMB-01"], delta=1, reason="x")


def test_damage_and_loss_are_written_off_to_their_virtual_locations(wh, item, keeper, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    damage = services.stock_post_damage(actor=keeper, item=item, lot=lot, location=wh.loc["AMB-01"], quantity=2,
                                        reason="叉车碰撞", document_type="incident", document_ref="D001")
    loss = services.stock_post_loss(actor=keeper, item=item, lot=lot, location=wh.loc["AMB-01"], quantity=1,
                                    reason="盘点未找到")
    assert (damage.kind, damage.to_location.kind) == (MoveKind.DAMAGE, LocationKind.DAMAGE)
    assert (loss.kind, loss.to_location.kind) == (MoveKind.LOSS, LocationKind.LOSS)
    assert on_hand(item, wh.loc["AMB-01"]) == 7


def test_damage_beyond_the_stock_on_hand_is_refused(wh, item, keeper, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    before = snapshot_state()
    with pytest.raises(InsufficientStock):
        services.stock_post_damage(actor=keeper, item=item, lot=lot, location=wh.loc["AMB-01"], quantity=11,
                                   reason="破损")
    assert snapshot_state() == before


def test_a_customer_return_comes_back_from_the_virtual_customer_location(wh, item, keeper, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    move = services.stock_return(actor=keeper, item=item, lot=lot, quantity=2, location=wh.loc["AMB-RCV"],
                                 reason="客户拒收", document_type="outbound", document_ref="O9")
    assert (move.kind, move.from_location.kind) == (MoveKind.RETURN, LocationKind.CUSTOMER)
    assert on_hand(item, wh.loc["AMB-RCV"]) == 2


# Reversal and the ledger


def test_a_wrong_move_is_corrected_by_a_reversing_move(wh, item, keeper, supervisor, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    wrong = services.stock_transfer(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-01"],
                                    to_location=wh.loc["AMB-02"], quantity=4)
    reversal = services.move_reverse(actor=supervisor, move=wrong, reason="录错库位")
    assert reversal.reversal_of == wrong
    assert (reversal.from_location, reversal.to_location, reversal.kind) == (wh.loc["AMB-02"], wh.loc["AMB-01"],
                                                                             MoveKind.TRANSFER)
    assert (on_hand(item, wh.loc["AMB-01"]), on_hand(item, wh.loc["AMB-02"])) == (10, 0)
    assert StockMove.objects.filter(pk=wrong.pk).exists()
    assert stock_problems() == []


def test_a_move_is_reversed_only_once(wh, item, supervisor, stock):
    stock(item, 10, wh.loc["AMB-01"])
    receipt = StockMove.objects.get(item=item)
    reversal = services.move_reverse(actor=supervisor, move=receipt, reason="重复收货")
    before = snapshot_state()
    with pytest.raises(IllegalTransition) as exc:
        services.move_reverse(actor=supervisor, move=receipt, reason="再来一次")
    assert "已冲正" in str(exc.value)
    with pytest.raises(IllegalTransition):
        services.move_reverse(actor=supervisor, move=reversal, reason="撤销冲正")
    assert snapshot_state() == before


def test_a_receipt_whose_stock_is_already_gone_cannot_be_reversed(wh, item, keeper, supervisor, stock):
    lot = stock(item, 10, wh.loc["AMB-01"])
    receipt = StockMove.objects.get(item=item)
    services.stock_post_damage(actor=keeper, item=item, lot=lot, location=wh.loc["AMB-01"], quantity=5,
                               reason="破损")
    with pytest.raises(InsufficientStock):
        services.move_reverse(actor=supervisor, move=receipt, reason="收错")


def test_picks_are_not_reversed_directly(wh, item, keeper, specialist, supervisor, stock):
    stock(item, 10, wh.loc["AMB-01"])
    [reservation] = services.reservation_create(actor=specialist, item=item, quantity=4, document_type="outbound",
                                                document_ref="O1")
    services.reservation_consume(actor=keeper, reservation=reservation)
    pick = StockMove.objects.get(kind=MoveKind.PICK)
    with pytest.raises(IllegalTransition):
        services.move_reverse(actor=supervisor, move=pick, reason="拣错")


def test_the_ledger_refuses_updates_and_deletes(wh, item, stock):
    stock(item, 10, wh.loc["AMB-01"])
    move = StockMove.objects.get(item=item)
    for sql in ("UPDATE inventory_stockmove SET quantity = 99 WHERE id = %s",
                "DELETE FROM inventory_stockmove WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [move.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).update(quantity=1)
    move.refresh_from_db()
    assert move.quantity == 10


def test_the_ledger_can_be_truncated_as_a_whole(wh, item, stock):
    stock(item, 10, wh.loc["AMB-01"])
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("TRUNCATE inventory_stockmove CASCADE")
    assert StockMove.objects.count() == 0


def test_a_cs_specialist_cannot_touch_stock_of_a_customer_they_do_not_serve(wh, make_item, other_owner, specialist):
    theirs = make_item("OTHER-1", owner=other_owner)
    with pytest.raises(NotFound):
        services.reservation_create(actor=specialist, item=theirs, quantity=1, document_type="outbound",
                                    document_ref="O1")


# The check


def test_the_stock_check_finds_a_balance_changed_behind_the_ledgers_back(wh, item, stock):
    stock(item, 10, wh.loc["AMB-01"])
    assert stock_problems() == []
    with connection.cursor() as cur:
        cur.execute("UPDATE inventory_balance SET on_hand = 12 WHERE item_id = %s", [item.pk])
    problems = stock_problems()
    assert len(problems) == 1
    assert "现存12，流水合计10" in problems[0]


def test_the_stock_check_finds_reserved_stock_without_reservations(wh, item, stock):
    stock(item, 10, wh.loc["AMB-01"])
    with connection.cursor() as cur:
        cur.execute("UPDATE inventory_balance SET reserved = 4 WHERE item_id = %s", [item.pk])
    assert any("预留4，有效预留合计0" in p for p in stock_problems())


def test_the_stock_check_finds_moves_without_a_balance(wh, item, stock):
    stock(item, 10, wh.loc["AMB-01"])
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("DELETE FROM inventory_balance WHERE item_id = %s", [item.pk])
    assert any("无余额记录" in p for p in stock_problems())
    assert Balance.objects.filter(item=item).count() == 0
