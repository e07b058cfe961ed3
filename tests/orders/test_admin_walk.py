"""Walking orders through the back office's buttons and forms, as the people who press them."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from depot.customers.choices import Status
from depot.notifications.models import Notification
from depot.orders import services
from depot.orders.choices import Channel, ExceptionState, InboundState, OutboundState
from depot.orders.models import InboundOrder, OutboundOrder, PickList
from tests.orders.conftest import order_data, orders_state

ADDRESS = {"province": "上海市", "city": "上海市", "district": "浦东新区", "address": "张江路100号"}


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{k}": v for k, v in row.items()})
    return data


def act(client, order, action, data=None):
    url = reverse("admin:orders_outbound_action" if isinstance(order, OutboundOrder) else "admin:orders_inbound_action",
                  args=[order.pk, action])
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    order.refresh_from_db()
    return response


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def newcomer(make_customer, specialist, make_item, stock, wh):
    """A new customer (no shipped order yet, so its first order needs a credit review) with stock of
    NEW-1 in two lots."""
    customer = make_customer(specialist, status=Status.ACTIVE, credit_limit=Decimal("100000"))
    item = make_item("NEW-1", owner=customer, name="新品饼干", unit_value=Decimal("12"))
    stock(item, 10, wh.loc["AMB-01"], "LOT-A")
    stock(item, 5, wh.loc["AMB-02"], "LOT-B")
    return customer


def test_one_order_walks_from_a_phone_call_to_the_customers_receipt_through_every_button(
        client, specialist, supervisor, keeper, newcomer):
    client.force_login(specialist)
    response = client.post(reverse("admin:orders_outboundorder_add"), {
        "customer": newcomer.pk, "channel": Channel.PHONE, "external_ref": "TEL-0001", "consignee_name": "李四",
        "consignee_phone": "", **ADDRESS, "service_level": "standard", "note": "",
        **formset("lines", [{"item_code": "NEW-1", "quantity": "6"}, {"item_code": "", "quantity": ""}]),
    }, follow=True)
    order = OutboundOrder.objects.get(external_ref="TEL-0001")
    assert order.state == OutboundState.INCOMPLETE and "缺少收货人电话" in response.content.decode()

    act(client, order, "supplement", {"consignee_name": "李四", "consignee_phone": "13800138000", **ADDRESS,
                                      "service_level": "standard", "note": "",
                                      **formset("lines", [{"item_code": "NEW-1", "quantity": "6"}], initial=1)})
    assert order.state == OutboundState.PENDING_AUDIT
    act(client, order, "audit")
    assert order.state == OutboundState.CREDIT_REVIEW

    client.force_login(supervisor)
    act(client, order, "credit", {"decision": "approve", "reason": "新客户已预付保证金"})
    assert order.state == OutboundState.ALLOCATED

    client.force_login(keeper)
    response = act(client, order, "picklist")
    assert order.state == OutboundState.PICKING and order.pick_lines.get().pick_list.number in said(response)[0]
    line = order.pick_lines.get()
    act(client, order, "pick", formset("pick", [{"picked": "5", "damaged": "1", "note": "外箱压损"}], initial=1))
    assert order.state == OutboundState.SUSPENDED

    client.force_login(specialist)
    exception = order.exceptions.get()
    lot_b = line.lot.item.lots.get(lot_number="LOT-B")
    act(client, order, "resolve", {"exception": exception.pk, "resolution": "substitute", "substitute_lot": lot_b.pk,
                                   "note": "改拣B批次"})
    assert order.state == OutboundState.PICKING

    client.force_login(keeper)
    act(client, order, "pick", formset("pick", [{"picked": "1", "damaged": "0", "note": ""}], initial=1))
    assert order.state == OutboundState.PICKED
    act(client, order, "pack", formset("packages", [{"weight_kg": "3.5", "length_cm": "40"}, {"weight_kg": ""}]))
    act(client, order, "ship", {"carrier": "顺丰速运", "tracking_number": "SF1000200030"})
    assert order.state == OutboundState.SHIPPED
    act(client, order, "deliver")
    assert order.state == OutboundState.DELIVERED

    client.force_login(specialist)
    act(client, order, "confirm", {"rating": "5", "comment": "包装完好"})

    assert (order.state, order.rating, order.receipt_comment) == (OutboundState.CONFIRMED, 5, "包装完好")
    assert order.lines.get().shipped == 6 and order.packages.count() == 1
    assert exception.__class__.objects.get(pk=exception.pk).state == ExceptionState.RESOLVED
    assert list(order.events.order_by("at", "id").values_list("to_state", flat=True)) == [
        "incomplete", "pending_audit", "credit_review", "allocated", "picking", "suspended", "picking", "picked",
        "packed", "shipped", "delivered", "confirmed"]
    assert list(Notification.objects.filter(customer=newcomer).order_by("pk").values_list("event", flat=True)) == [
        "order.incomplete", "order.status_changed", "order.status_changed", "order.shipped", "order.status_changed"]
    page = client.get(reverse("admin:orders_outboundorder_change", args=[order.pk])).content.decode()
    assert "已发货 → 已送达" in page and "SF1000200030" in page and "★★★★★" in page


@pytest.fixture
def allocated(wh, biscuits, stock, submit):
    stock(biscuits, 20, wh.loc["AMB-01"])
    return submit([{"item_code": "BIS-1", "quantity": 3}])


def test_an_action_the_state_does_not_allow_is_refused_with_a_message_and_changes_nothing(client, keeper, allocated):
    client.force_login(keeper)
    before = orders_state()

    shipped = act(client, allocated, "ship", {"carrier": "顺丰速运", "tracking_number": "SF1"})
    delivered = act(client, allocated, "deliver")

    assert "当前状态为“已分配”，不能变为“已发货”" in shipped.content.decode()
    assert said(delivered) == [f"{allocated.number} 当前状态为“已分配”，不能变为“已送达”"]
    assert orders_state() == before


def test_a_keeper_cannot_audit_or_cancel_an_order(client, keeper, wh, biscuits, specialist, customer):
    order, _ = services.outbound_create(actor=specialist, customer=customer, data=order_data(), channel=Channel.PHONE,
                                        lines=[{"item_code": "BIS-1", "quantity": 1}])
    client.force_login(keeper)
    before = orders_state()

    audit = act(client, order, "audit")
    cancel = act(client, order, "cancel", {"reason": "不要了"})

    assert said(audit) == said(cancel) == ["没有执行此操作的权限"]
    assert orders_state() == before


def test_the_new_order_form_shows_the_services_errors_and_creates_nothing(client, specialist, customer, biscuits):
    client.force_login(specialist)
    before = orders_state()
    data = {"customer": customer.pk, "channel": Channel.PHONE, "consignee_name": "李四",
            "consignee_phone": "13800138000", **ADDRESS, "service_level": "standard"}

    late = client.post(reverse("admin:orders_outboundorder_add"), {
        **data, "requested_ship_date": "2020-01-01", **formset("lines", [{"item_code": "BIS-1", "quantity": "2"}])})
    twice = client.post(reverse("admin:orders_outboundorder_add"), {**data, **formset("lines", [
        {"item_code": "BIS-1", "quantity": "2"}, {"item_code": "BIS-1", "quantity": "1"}])})

    assert late.status_code == twice.status_code == 200
    assert "要求发货日期不能早于今天" in late.content.decode()
    assert "与第1行货品编码重复" in twice.content.decode()
    assert orders_state() == before


def test_bulk_actions_audit_make_a_wave_pick_list_and_cancel_with_a_reason(client, specialist, supervisor, keeper,
                                                                           wh, biscuits, stock, customer):
    stock(biscuits, 30, wh.loc["AMB-01"])
    orders = [services.outbound_create(actor=specialist, customer=customer, data=order_data(), channel=Channel.PHONE,
                                       lines=[{"item_code": "BIS-1", "quantity": n + 1}], external_ref=f"B-{n}")[0]
              for n in range(4)]
    url = reverse("admin:orders_outboundorder_changelist")
    client.force_login(supervisor)

    audited = client.post(url, {"action": "audit_selected", "_selected_action": [o.pk for o in orders]}, follow=True)
    assert said(audited) == ["审核完成4张：已分配4张"]
    client.force_login(keeper)
    wave = client.post(url, {"action": "picklist_selected", "_selected_action": [o.pk for o in orders[:2]]})
    pick_list = PickList.objects.get()
    assert wave.url == reverse("admin:orders_picklist_change", args=[pick_list.pk])
    assert set(pick_list.lines.values_list("order__number", flat=True)) == {orders[0].number, orders[1].number}
    client.force_login(supervisor)
    ask = client.post(url, {"action": "cancel_selected", "_selected_action": [o.pk for o in orders[2:]]})
    assert ask.status_code == 200 and "取消原因" in ask.content.decode()
    cancelled = client.post(url, {"action": "cancel_selected", "_selected_action": [o.pk for o in orders[2:]],
                                  "apply": "1", "reason": "客户来电取消"}, follow=True)

    assert said(cancelled) == ["取消完成2张：已取消2张"]
    assert [o.state for o in OutboundOrder.objects.filter(pk__in=[o.pk for o in orders]).order_by("external_ref")] == [
        OutboundState.PICKING, OutboundState.PICKING, OutboundState.CANCELLED, OutboundState.CANCELLED]
    page = client.get(reverse("admin:orders_picklist_change", args=[pick_list.pk]) + "?print=1").content.decode()
    assert "AMB-01" in page and orders[1].number in page and "window.print()" in page

    client.force_login(keeper)
    list_url = reverse("admin:orders_picklist_change", args=[pick_list.pk])
    assert "全部按应拣数量确认" in client.get(list_url).content.decode()
    confirmed = client.post(list_url, {"go": "confirm_all"}, follow=True)
    assert said(confirmed) == [f"拣货单{pick_list.number}的2行已全部按应拣数量确认"]
    assert {o.state for o in OutboundOrder.objects.filter(pk__in=[orders[0].pk, orders[1].pk])} == {
        OutboundState.PICKED}
    assert "全部按应拣数量确认" not in client.get(list_url).content.decode()
    again = client.post(list_url, {"go": "confirm_all"}, follow=True)
    assert len(said(again)) == 1 and OutboundOrder.objects.filter(state=OutboundState.PICKED).count() == 2


def test_a_held_order_is_allocated_with_its_button_once_stock_arrives(client, specialist, wh, biscuits, stock, submit):
    order = submit([{"item_code": "BIS-1", "quantity": 5}])
    assert order.state == OutboundState.HELD
    client.force_login(specialist)
    still = act(client, order, "allocate")
    assert order.state == OutboundState.HELD and "仍然库存不足" in said(still)[0]
    stock(biscuits, 5, wh.loc["AMB-01"])

    act(client, order, "allocate")

    assert order.state == OutboundState.ALLOCATED


def test_an_asn_is_received_with_a_discrepancy_and_put_away_through_the_forms(client, specialist, keeper, customer,
                                                                             wh, biscuits):
    client.force_login(specialist)
    client.post(reverse("admin:orders_inboundorder_add"), {
        "customer": customer.pk, "warehouse": wh.warehouse.pk, "channel": Channel.EMAIL, "external_ref": "ASN-1",
        **formset("lines", [{"item_code": "BIS-1", "quantity": "10", "lot_number": "B2601"}])})
    order = InboundOrder.objects.get(external_ref="ASN-1")

    client.force_login(keeper)
    act(client, order, "receive", {"finish": "on", **formset("receive", [
        {"quantity_good": "8", "quantity_damaged": "1", "lot_number": "B2601", "note": "外箱破损"}], initial=1)})
    assert order.state == InboundState.RECEIVED
    page = client.get(reverse("admin:orders_inboundorder_change", args=[order.pk])).content.decode()
    assert "短少1，破损1" in page
    act(client, order, "putaway", formset("putaway", [{"quantity": "8", "location": ""}], initial=1))

    assert order.state == InboundState.PUT_AWAY
    assert order.lines.get().put_away == 8
