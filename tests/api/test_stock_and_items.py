"""Items and stock for a warehouse integration: a customer token sees its own customer only."""

import datetime

import pytest
from django.utils import timezone

from depot.inventory.models import Item
from tests.api.conftest import problem


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_stock_by_item_shows_on_hand_reserved_and_available(api, stocked, customer):
    assert rows(api.get("/stock", {"item_code": "BIS-1"})) == [{
        "customer_code": customer.code, "item_code": "BIS-1", "item_name": "苏打饼干", "base_unit": "件",
        "lot_number": None, "production_date": None, "expiry_date": None, "warehouse_code": None,
        "location_code": None, "on_hand": 100, "reserved": 0, "available": 100,
    }]


def test_stock_counts_reservations_of_submitted_orders(api, stocked):
    api.post("/outbound-orders", {"consignee_name": "李四", "consignee_phone": "13800138000", "address": "张江路1号",
                                  "lines": [{"item_code": "BIS-1", "quantity": 70}]})
    [row] = rows(api.get("/stock", {"item_code": "BIS-1"}))
    assert (row["on_hand"], row["reserved"], row["available"]) == (100, 70, 30)


def test_a_customer_token_sees_only_its_own_stock(api, stocked):
    assert {r["item_code"] for r in rows(api.get("/stock"))} == {"BIS-1", "MILK-1"}
    assert rows(api.get("/stock", {"item_code": "RIV-1"})) == []
    assert rows(api.get("/stock", {"item_code": "RIV-1", "group_by": "location"})) == []


def test_a_customer_token_asking_for_another_customers_stock_gets_404(api, stocked, rival):
    response = api.get("/stock", {"customer_code": rival.code})
    assert response.status_code == 404
    body = problem(response)
    assert "RIV-1" not in response.content.decode() and body["errors"][0]["field"] == "customer_code"


def test_stock_by_lot_and_by_location(api, stocked):
    lots = rows(api.get("/stock", {"item_code": "MILK-1", "group_by": "lot"}))
    assert [(r["lot_number"], r["on_hand"]) for r in lots] == [("M1", 30), ("M2", 20)]
    assert lots[0]["expiry_date"] == (timezone.localdate() + datetime.timedelta(days=10)).isoformat()

    places = rows(api.get("/stock", {"item_code": "BIS-1", "group_by": "location"}))
    assert sorted((r["location_code"], r["lot_number"], r["on_hand"], r["warehouse_code"]) for r in places) == [
        ("AMB-01", "B1", 60, "WH1"), ("AMB-02", "B2", 40, "WH1")]


def test_expiring_within_days_counts_only_lots_expiring_by_then(api, stocked):
    params = {"expiring_within_days": 30}
    assert [(r["item_code"], r["on_hand"]) for r in rows(api.get("/stock", params))] == [("MILK-1", 30)]
    assert [r["lot_number"] for r in rows(api.get("/stock", {**params, "group_by": "lot"}))] == ["M1"]
    assert [r["lot_number"] for r in rows(api.get("/stock", {**params, "group_by": "location"}))] == ["M1"]


def test_stock_polling_with_updated_since_returns_only_what_changed(api, stocked, stock, biscuits):
    mark = timezone.now()
    assert rows(api.get("/stock", {"updated_since": mark.isoformat()})) == []
    stock(biscuits, 5, stocked.loc["AMB-01"], "B1")
    changed = rows(api.get("/stock", {"updated_since": mark.isoformat()}))
    assert [(r["item_code"], r["on_hand"]) for r in changed] == [("BIS-1", 105)]
    changed = rows(api.get("/stock", {"updated_since": mark.isoformat(), "group_by": "location"}))
    assert [(r["location_code"], r["on_hand"]) for r in changed] == [("AMB-01", 65)]


def test_an_unknown_warehouse_is_422(api, stocked):
    response = api.get("/stock", {"warehouse": "NOPE"})
    assert response.status_code == 422
    assert problem(response)["errors"][0]["field"] == "warehouse"


def test_a_staff_token_sees_the_stock_of_the_customers_its_user_may_see(
        as_token, make_token, stocked, specialist, customer, rival, supervisor):
    mine = as_token(make_token(user=specialist))
    assert {r["customer_code"] for r in rows(mine.get("/stock"))} == {customer.code}
    assert mine.get("/stock", {"customer_code": rival.code}).status_code == 404

    boss = as_token(make_token(user=supervisor))
    assert {r["customer_code"] for r in rows(boss.get("/stock"))} >= {customer.code, rival.code}
    assert {r["item_code"] for r in rows(boss.get("/stock", {"customer_code": rival.code}))} == {"RIV-1"}


def test_a_staff_token_of_a_user_without_stock_permission_gets_403(as_token, make_token, stocked, specialist):
    raw = make_token(user=specialist)
    specialist.groups.clear()
    response = as_token(raw).get("/stock")
    assert response.status_code == 403
    problem(response)


def test_stock_pages_follow_a_cursor_and_are_stable_under_inserts(api, customer, make_item, stocked):
    for n in range(5):
        make_item(customer, f"AAA-{n}")
    first = api.get("/stock", {"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    make_item(customer, "0-NEW")  # sorts before every code already paged
    rest, cursor = [], first["next_cursor"]
    while cursor:
        page = api.get("/stock", {"limit": 3, "cursor": cursor}).json()
        rest += page["items"]
        cursor = page["next_cursor"]
    seen = [r["item_code"] for r in first["items"] + rest]
    assert len(seen) == len(set(seen))
    assert set(seen) >= {"BIS-1", "MILK-1", "AAA-0", "AAA-4"}


def test_items_list_with_filters_and_polling(api, customer, make_item, stocked, admin_user):
    from depot.inventory import services as inventory

    items = rows(api.get("/items"))
    assert {i["code"] for i in items} == {"BIS-1", "MILK-1"}
    assert items[0]["customer_code"] == customer.code

    mark = timezone.now()
    inventory.item_update(actor=admin_user, item=Item.objects.get(code="MILK-1"), data={"name": "全脂纯牛奶"})
    changed = rows(api.get("/items", {"updated_since": mark.isoformat()}))
    assert [(i["code"], i["name"]) for i in changed] == [("MILK-1", "全脂纯牛奶")]
    assert [i["code"] for i in rows(api.get("/items", {"code": "BIS-1"}))] == ["BIS-1"]
    assert rows(api.get("/items", {"code": "RIV-1"})) == []


def test_items_pages_by_update_time(api, customer, make_item):
    for n in range(7):
        make_item(customer, f"P-{n}")
    seen, cursor = [], None
    while True:
        page = api.get("/items", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [i["code"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"P-{n}" for n in range(7)]


@pytest.mark.parametrize("params", [{}, {"group_by": "lot"}, {"group_by": "location"}, {"expiring_within_days": 9}])
def test_stock_takes_a_bounded_number_of_queries_whatever_the_data(
        api, customer, make_item, stock, stocked, django_assert_max_num_queries, params):
    for n in range(30):
        item = make_item(customer, f"Q-{n}")
        stock(item, 1, stocked.loc["AMB-01"], f"Q{n}")
    # The token's first request in this process: it also looks up the token, its permissions,
    # whether its technical user sees its customer, and counts the request for the rate limit.
    with django_assert_max_num_queries(8):
        response = api.get("/stock", {"limit": 200, **params})
    assert response.status_code == 200


def test_items_take_a_bounded_number_of_queries(api, customer, make_item, django_assert_max_num_queries):
    for n in range(30):
        make_item(customer, f"Q-{n}")
    with django_assert_max_num_queries(7):
        assert len(api.get("/items", {"limit": 200}).json()["items"]) == 30


@pytest.mark.parametrize("params", [{}, {"item_code": "BIS-1"}, {"group_by": "lot"}])
def test_a_further_read_with_the_same_token_queries_only_the_stock(api, stocked, django_assert_max_num_queries,
                                                                   params):
    assert api.get("/stock", params).status_code == 200
    with django_assert_max_num_queries(2):  # the stock, and perhaps the rate limit's counter
        response = api.get("/stock", params)
    assert response.status_code == 200


def test_stock_by_item_is_the_same_for_the_customer_token_and_for_staff(api, as_token, make_token, specialist,
                                                                        customer, stocked):
    staff = as_token(make_token(user=specialist))
    mine = api.get("/stock", {"group_by": "item"}).json()
    theirs = staff.get("/stock", {"group_by": "item", "customer_code": customer.code}).json()
    every_visible = staff.get("/stock", {"group_by": "item"}).json()  # through the scoping subquery
    assert mine == theirs == every_visible and mine["items"]
