import pytest
from django.urls import reverse

from depot.inventory import services
from depot.inventory.choices import CountScope, LocationStatus
from depot.inventory.models import Item, StockMove

PAGES = ["item", "warehouse", "zone", "location", "lot", "balance", "stockmove", "reservation", "count"]


@pytest.fixture
def stocked(wh, item, stock, specialist):
    lot = stock(item, 10, wh.loc["AMB-01"], "L1")
    services.reservation_create(actor=specialist, item=item, quantity=2, document_type="outbound",
                                document_ref="O1")
    return lot


@pytest.mark.parametrize("model", PAGES)
def test_the_back_office_lists_inventory(client, admin_user, stocked, model):
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:inventory_{model}_changelist"))
    assert response.status_code == 200


def test_a_cs_specialist_sees_only_their_customers_items_and_stock(client, specialist, make_item, other_owner,
                                                                   stocked):
    make_item("THEIRS-1", owner=other_owner, name="别家货品")
    client.force_login(specialist)
    items = client.get(reverse("admin:inventory_item_changelist")).content.decode()
    assert "GEN-1" in items and "THEIRS-1" not in items
    assert client.get(reverse("admin:inventory_balance_changelist")).status_code == 200


def test_the_ledger_cannot_be_edited_in_the_back_office(client, admin_user, stocked):
    client.force_login(admin_user)
    move = StockMove.objects.first()
    assert client.get(reverse("admin:inventory_stockmove_add")).status_code == 403
    response = client.post(reverse("admin:inventory_stockmove_delete", args=[move.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert StockMove.objects.filter(pk=move.pk).exists()


def test_an_item_added_in_the_back_office_goes_through_the_service(client, admin_user, owner, item):
    client.force_login(admin_user)
    data = {"owner": owner.pk, "code": "GEN-1", "name": "重复编码", "category": "general", "base_unit": "件",
            "case_quantity": 1, "storage_class": "ambient", "hazard_class": "", "rotation": "fifo",
            "unit_value": "1.00", "safety_stock": 0, "reorder_point": 0, "is_active": "on"}
    response = client.post(reverse("admin:inventory_item_add"), data)
    assert response.status_code == 200
    assert "同一货主下货品编码不能重复" in response.content.decode()
    assert Item.objects.filter(code="GEN-1").count() == 1

    response = client.post(reverse("admin:inventory_item_add"), {**data, "code": "GEN-2"})
    assert response.status_code == 302
    assert Item.objects.get(code="GEN-2").owner == owner


def test_locations_are_blocked_from_the_back_office(client, keeper, wh):
    client.force_login(keeper)
    response = client.post(reverse("admin:inventory_location_changelist"), {
        "action": "block_locations", "_selected_action": [wh.loc["AMB-03"].pk]})
    assert response.status_code == 302
    wh.loc["AMB-03"].refresh_from_db()
    assert wh.loc["AMB-03"].status == LocationStatus.BLOCKED


def test_a_running_count_shows_no_system_quantities(client, admin_user, keeper, wh, stocked):
    count = services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ZONE,
                                       zone=wh.zones["AMB"])
    services.count_start(actor=keeper, count=count)
    services.count_record(actor=keeper, count=count, location=wh.loc["AMB-01"], counted=[])
    client.force_login(admin_user)
    page = client.get(reverse("admin:inventory_count_change", args=[count.pk])).content.decode()
    assert count.number in page
    assert "L1" not in page


@pytest.mark.parametrize("model", PAGES)
def test_each_inventory_list_takes_the_same_number_of_queries_for_few_and_many_rows(
        client, admin_user, specialist, wh, make_item, stock, stocked, model, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.count_plan_create(actor=admin_user, warehouse=wh.warehouse, scope=CountScope.ZONE, zone=wh.zones["AMB"])
    client.force_login(admin_user)
    url = reverse(f"admin:inventory_{model}_changelist")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(6):
        more = make_item(f"MORE-{n}", name=f"更多货品{n}")
        stock(more, 5, wh.loc[f"AMB-0{n % 3 + 1}"], f"M{n}")
        services.reservation_create(actor=specialist, item=more, quantity=1, document_type="outbound",
                                    document_ref=f"O-MORE-{n}")
    for zone in ("COOL", "FRZ"):
        services.count_plan_create(actor=admin_user, warehouse=wh.warehouse, scope=CountScope.ZONE,
                                   zone=wh.zones[zone])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
