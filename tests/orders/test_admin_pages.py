"""The orders back office: every page renders for the roles that may see it, lists take a bounded
number of queries, and a specialist only ever reaches their own customers' orders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from depot.customers.choices import Status
from depot.orders import services
from depot.orders.choices import Channel, OutboundState
from depot.orders.models import OutboundOrder
from tests.orders.conftest import order_data, orders_state


@pytest.fixture
def world(wh, biscuits, milk, stock, submit, keeper, specialist, customer, make_customer, make_item):
    stock(biscuits, 40, wh.loc["AMB-01"])
    allocated = submit([{"item_code": "BIS-1", "quantity": 3}])
    suspended = submit([{"item_code": "BIS-1", "quantity": 4}])
    pick_list = services.picklist_create(actor=keeper, orders=[suspended])
    line = suspended.pick_lines.get()
    services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=3, damaged_quantity=1)
    picking = submit([{"item_code": "BIS-1", "quantity": 2}])
    services.picklist_create(actor=keeper, orders=[picking])
    held = submit([{"item_code": "MILK-1", "quantity": 5}])
    newcomer = make_customer(specialist, status=Status.ACTIVE, credit_limit=100000)
    make_item("NEW-1", owner=newcomer)
    review = submit([{"item_code": "NEW-1", "quantity": 1}], customer=newcomer)
    inbound, _ = services.inbound_create(actor=specialist, customer=customer, channel=Channel.EMAIL,
                                         data={"warehouse": wh.warehouse},
                                         lines=[{"item_code": "BIS-1", "quantity": 9}])
    for order in (allocated, suspended, held, review):
        order.refresh_from_db()
    assert [o.state for o in (allocated, suspended, held, review)] == [
        OutboundState.ALLOCATED, OutboundState.SUSPENDED, OutboundState.HELD, OutboundState.CREDIT_REVIEW]
    return {"allocated": allocated, "suspended": suspended, "picking": picking, "held": held, "review": review,
            "inbound": inbound, "pick_list": pick_list, "newcomer": newcomer}


def pages(world) -> dict[str, str]:
    a, s = world["allocated"], world["suspended"]
    return {
        "outbound list": reverse("admin:orders_outboundorder_changelist"),
        "held tab": reverse("admin:orders_outboundorder_changelist") + "?state__exact=held",
        "order page": reverse("admin:orders_outboundorder_change", args=[a.pk]),
        "suspended order page": reverse("admin:orders_outboundorder_change", args=[s.pk]),
        "new order": reverse("admin:orders_outboundorder_add"),
        "resolve form": reverse("admin:orders_outbound_action", args=[s.pk, "resolve"]),
        "pick form": reverse("admin:orders_outbound_action", args=[world["picking"].pk, "pick"]),
        "credit form": reverse("admin:orders_outbound_action", args=[world["review"].pk, "credit"]),
        "inbound list": reverse("admin:orders_inboundorder_changelist"),
        "inbound page": reverse("admin:orders_inboundorder_change", args=[world["inbound"].pk]),
        "new inbound": reverse("admin:orders_inboundorder_add"),
        "receive form": reverse("admin:orders_inbound_action", args=[world["inbound"].pk, "receive"]),
        "pick lists": reverse("admin:orders_picklist_changelist"),
        "pick list": reverse("admin:orders_picklist_change", args=[world["pick_list"].pk]),
        "pick list print": reverse("admin:orders_picklist_change", args=[world["pick_list"].pk]) + "?print=1",
        "credit reviews": reverse("admin:orders_creditreview_changelist") + "?state__exact=pending",
        "exceptions": reverse("admin:orders_orderexception_changelist") + "?state__exact=open",
        "import": reverse("admin:orders_outbound_import"),
        "dashboard": reverse("admin:index"),
    }


CS_ONLY = {"new order", "new inbound", "import", "resolve form", "credit form"}
EXPECTED = {
    "specialist": {"receive form": 302, "pick form": 302, "credit form": 302},
    "supervisor": {"receive form": 302, "pick form": 302},
    "keeper": {name: 403 if name in ("new order", "new inbound", "import") else 302 for name in CS_ONLY},
}


@pytest.mark.parametrize("role", ["specialist", "supervisor", "keeper"])
def test_each_page_renders_for_the_roles_that_may_see_it(client, request, world, role):
    client.force_login(request.getfixturevalue(role))

    statuses = {name: client.get(url).status_code for name, url in pages(world).items()}

    assert statuses == {name: EXPECTED[role].get(name, 200) for name in statuses}


def test_the_order_page_shows_lines_reservations_timeline_and_only_the_buttons_its_state_allows(client, specialist,
                                                                                                 world):
    client.force_login(specialist)

    page = client.get(reverse("admin:orders_outboundorder_change", args=[world["allocated"].pk])).content.decode()
    suspended = client.get(reverse("admin:orders_outboundorder_change",
                                   args=[world["suspended"].pk])).content.decode()

    assert all(text in page for text in ("BIS-1", "库存预留", "AMB-01", "订单轨迹", "新建 → 待审核", "待审核 → 已分配"))
    assert "取消订单" in page and "审核" not in _buttons(page) and "发货" not in _buttons(page)
    assert "生成拣货单" not in _buttons(page)  # the specialist does not make pick lists
    assert "处理异常" in _buttons(suspended) and "拣货破损" in suspended and "外箱" not in suspended


def _buttons(page: str) -> str:
    start = page.find('id="order-actions"')
    return page[start:page.find("</form>", start)] if start >= 0 else ""


def test_a_specialist_cannot_open_another_specialists_customers_order_by_url(client, other_specialist, world):
    order = world["allocated"]
    client.force_login(other_specialist)
    before = orders_state()

    page = client.get(reverse("admin:orders_outboundorder_change", args=[order.pk]))
    action = client.get(reverse("admin:orders_outbound_action", args=[order.pk, "cancel"]))
    post = client.post(reverse("admin:orders_outbound_action", args=[order.pk, "cancel"]), {"reason": "试试"})
    inbound = client.get(reverse("admin:orders_inboundorder_change", args=[world["inbound"].pk]))
    listing = client.get(reverse("admin:orders_outboundorder_changelist")).content.decode()

    assert (page.status_code, action.status_code, post.status_code, inbound.status_code) == (404, 404, 404, 404)
    assert order.number not in listing
    assert orders_state() == before


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_lists_take_the_same_number_of_queries_for_few_and_many_orders(client, supervisor, specialist, customer,
                                                                            world):
    client.force_login(supervisor)
    urls = [reverse("admin:orders_outboundorder_changelist"),
            reverse("admin:orders_outboundorder_changelist") + "?state__exact=pending_audit",
            reverse("admin:orders_inboundorder_changelist"), reverse("admin:orders_creditreview_changelist"),
            reverse("admin:orders_orderexception_changelist"), reverse("admin:orders_picklist_changelist")]
    few = [count_queries(client, url) for url in urls]
    for n in range(8):
        services.outbound_create(actor=specialist, customer=customer, data=order_data(), channel=Channel.PHONE,
                                 lines=[{"item_code": "BIS-1", "quantity": 1}], external_ref=f"MANY-{n}")
        services.outbound_submit(actor=specialist, customer=world["newcomer"], data=order_data(),
                                 channel=Channel.PHONE, lines=[{"item_code": "NEW-1", "quantity": 1}],
                                 external_ref=f"REVIEW-{n}")
        services.inbound_create(actor=specialist, customer=customer, channel=Channel.EMAIL,
                                data={"warehouse": world["inbound"].warehouse},
                                lines=[{"item_code": "BIS-1", "quantity": 9}], external_ref=f"ASN-{n}")

    many = [count_queries(client, url) for url in urls]

    assert many == few
    assert max(many) <= 20
    assert OutboundOrder.objects.count() > 20


def test_the_dashboard_shows_orders_by_state_exceptions_and_credit_reviews(client, supervisor, world):
    client.force_login(supervisor)

    page = client.get(reverse("admin:index")).content.decode()

    assert all(text in page for text in ("今日发货", "本月按时发货率", "待处理异常", "待审批信用审核", "滞留订单",
                                         "出库单（按状态）", "已挂起"))


def test_the_order_search_finds_a_pasted_number_exactly_and_anything_else_inside_the_fields(
        client, supervisor, specialist, other_specialist, world):
    allocated, held = world["allocated"], world["held"]
    OutboundOrder.objects.filter(pk=allocated.pk).update(external_ref="PO-7788", tracking_number="SF1234567890")
    OutboundOrder.objects.filter(pk=held.pk).update(external_ref="PO-77889")
    url = reverse("admin:orders_outboundorder_changelist")

    def found(user, term) -> set[str]:
        client.force_login(user)
        response = client.get(url, {"q": term})
        assert response.status_code == 200
        return {order.number for order in response.context["cl"].result_list}

    assert found(supervisor, allocated.number) == {allocated.number}
    assert found(supervisor, "SF1234567890") == {allocated.number}
    assert found(supervisor, "PO-7788") == {allocated.number}  # exact, not also PO-77889
    assert found(supervisor, "PO-778") == {allocated.number, held.number}  # inside the field
    assert found(supervisor, " ") == set(OutboundOrder.objects.values_list("number", flat=True))
    assert found(specialist, world["review"].number) == {world["review"].number}
    assert found(other_specialist, allocated.number) == set()  # pasted exactly, still only one's own customers
