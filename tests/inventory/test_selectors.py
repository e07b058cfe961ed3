import pytest

from depot.core.errors import ValidationFailed
from depot.inventory import selectors, services
from depot.inventory.choices import MoveKind
from tests.inventory.helpers import ago, days


@pytest.fixture
def two_owners_stock(wh, make_item, other_owner, item, food, stock):
    """`item` and `food` belong to the specialist's customer; `theirs` to another specialist's."""
    theirs = make_item("OTHER-1", owner=other_owner, name="别家货品")
    return {
        "item_lot": stock(item, 40, wh.loc["AMB-01"], "G1"),
        "food_soon": stock(food, 10, wh.loc["AMB-02"], "SOON", expiry_date=days(5)),
        "food_later": stock(food, 15, wh.loc["AMB-02"], "LATER", expiry_date=days(200)),
        "food_expired": stock(food, 3, wh.loc["AMB-03"], "OLD", production_date=days(-300), expiry_date=days(-2)),
        "theirs": theirs,
        "theirs_lot": stock(theirs, 7, wh.loc["AMB-03"], "T1", expiry_date=days(3)),
    }


def test_stock_by_item_sums_on_hand_reserved_and_available(wh, specialist, item, food, two_owners_stock):
    services.reservation_create(actor=specialist, item=item, quantity=15, document_type="outbound",
                                document_ref="O1")
    rows = {i.code: (i.on_hand, i.reserved, i.available) for i in selectors.stock_by_item(user=specialist)}
    assert rows == {"FOOD-1": (28, 0, 28), "GEN-1": (40, 15, 25)}


def test_a_cs_specialist_sees_only_the_stock_of_their_own_customers(specialist, other_specialist,
                                                                     two_owners_stock):
    assert "OTHER-1" not in {i.code for i in selectors.stock_by_item(user=specialist)}
    assert {i.code for i in selectors.stock_by_item(user=other_specialist)} == {"OTHER-1"}
    assert not selectors.stock_by_location(user=specialist).filter(item=two_owners_stock["theirs"]).exists()
    assert not selectors.item_moves(user=specialist, item=two_owners_stock["theirs"]).exists()
    assert "T1" not in {lot.lot_number for lot in selectors.stock_expiring(user=specialist, within_days=30)}


def test_keepers_and_supervisors_see_every_customers_stock(keeper, supervisor, two_owners_stock):
    for user in (keeper, supervisor):
        assert {i.code for i in selectors.stock_by_item(user=user)} == {"GEN-1", "FOOD-1", "OTHER-1"}


def test_a_user_without_the_view_permission_sees_no_stock(make_user, two_owners_stock):
    from django.contrib.auth.models import Permission

    user = make_user("cs_specialist")
    user.groups.first().permissions.remove(Permission.objects.get(codename="view_balance"))
    user = type(user).objects.get(pk=user.pk)
    assert not selectors.stock_by_item(user=user).exists()
    assert not selectors.stock_by_location(user=user).exists()


def test_stock_by_lot_lists_lots_with_stock_soonest_expiry_first(specialist, food, two_owners_stock):
    lots = list(selectors.stock_by_lot(user=specialist, item=food))
    assert [(lot.lot_number, lot.on_hand) for lot in lots] == [("OLD", 3), ("SOON", 10), ("LATER", 15)]


def test_stock_by_location_lists_each_lot_at_each_location(wh, specialist, two_owners_stock):
    rows = [(b.location.code, b.item.code, b.lot.lot_number, b.available)
            for b in selectors.stock_by_location(user=specialist, warehouse=wh.warehouse)]
    assert rows == [("AMB-01", "GEN-1", "G1", 40), ("AMB-02", "FOOD-1", "LATER", 15),
                    ("AMB-02", "FOOD-1", "SOON", 10), ("AMB-03", "FOOD-1", "OLD", 3)]


def test_stock_expiring_lists_expired_and_soon_expiring_lots_but_not_later_ones(keeper, two_owners_stock):
    lots = [lot.lot_number for lot in selectors.stock_expiring(user=keeper, within_days=30)]
    assert lots == ["OLD", "T1", "SOON"]
    assert [lot.lot_number for lot in selectors.stock_expiring(user=keeper, within_days=0)] == ["OLD"]


def test_stock_expiring_refuses_a_negative_number_of_days(keeper):
    with pytest.raises(ValidationFailed):
        selectors.stock_expiring(user=keeper, within_days=-1)


def test_item_moves_is_the_items_history_newest_first(wh, keeper, specialist, item, stock):
    lot = stock(item, 10, wh.loc["AMB-RCV"], "L1", at=ago(3))
    services.stock_putaway(actor=keeper, item=item, lot=lot, from_location=wh.loc["AMB-RCV"], quantity=10,
                           to_location=wh.loc["AMB-01"])
    history = list(selectors.item_moves(user=specialist, item=item))
    assert [m.kind for m in history] == [MoveKind.PUTAWAY, MoveKind.RECEIPT]
    assert [m.kind for m in selectors.item_moves(user=specialist, location=wh.loc["AMB-01"])] == [MoveKind.PUTAWAY]
    assert not selectors.item_moves(user=specialist, item=item, since=ago(1), kinds=[MoveKind.RECEIPT]).exists()


def test_putaway_suggestions_offer_only_compatible_locations_with_room(wh, frozen, stock):
    stock(frozen, 95, wh.loc["FRZ-01"], "F0", expiry_date=days(100))
    suggestions = selectors.putaway_suggestions(item=frozen, quantity=10, warehouse=wh.warehouse)
    assert [s.location.code for s in suggestions] == ["FRZ-02", "FRZ-03"]
    assert suggestions[0].free == 100


def test_reservations_for_a_document_are_listed_for_those_who_may_see_them(wh, specialist, other_specialist, item,
                                                                            stock):
    stock(item, 10, wh.loc["AMB-01"], "L1")
    services.reservation_create(actor=specialist, item=item, quantity=3, document_type="outbound",
                                document_ref="O1")
    assert selectors.reservations_for_document(user=specialist, document_type="outbound",
                                               document_ref="O1").count() == 1
    assert not selectors.reservations_for_document(user=other_specialist, document_type="outbound",
                                                   document_ref="O1").exists()
