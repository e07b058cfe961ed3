"""Orders from the portal go through the same services as the API, as the portal user: the order
is taken in and allocated, its timeline names the person; receipt is confirmed with a rating;
an Excel file of orders is imported by the orders import."""

import io

from openpyxl import Workbook

from depot.orders.choices import Channel, InboundState, OutboundState
from depot.orders.models import InboundOrder, OrderEvent, OutboundOrder


def new_orders():
    return OutboundOrder.objects.exclude(request_hash="history")


def order_form(**overrides) -> dict:
    data = {"consignee_name": "李四", "consignee_phone": "13800138000", "province": "上海市", "city": "上海市",
            "district": "浦东新区", "address": "张江路100号", "service_level": "standard",
            "item_code_1": "BIS-1", "quantity_1": "12"}
    data.update(overrides)
    return data


def test_an_order_submitted_in_the_portal_is_allocated_and_names_the_portal_user(portal, stocked, portal_user):
    response = portal.post("/portal/orders/new/", order_form(item_code_2="MILK-1 纯牛奶", quantity_2="3",
                                                             external_ref="PO-778"))

    order = new_orders().get()
    assert response.status_code == 302 and response["Location"] == f"/portal/orders/{order.number}/"
    assert order.channel == Channel.PORTAL and order.created_by == portal_user and order.external_ref == "PO-778"
    assert order.state == OutboundState.ALLOCATED
    assert [(line.item_code, line.quantity) for line in order.lines.order_by("line_no")] == [("BIS-1", 12),
                                                                                             ("MILK-1", 3)]
    assert OrderEvent.objects.filter(outbound=order, actor=portal_user).exists()
    page = portal.get(response["Location"]).content.decode()
    assert "已分配" in page and "陈经理" in page


def test_a_missing_consignee_and_an_unknown_item_are_shown_next_to_the_fields_and_nothing_is_saved(portal, stocked):
    response = portal.post("/portal/orders/new/", order_form(consignee_name="", item_code_1="RIV-1",
                                                             quantity_2="5"))

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["consignee_name"] == ["这个字段是必填项。"]
    assert form.errors["item_code_1"] == ["货品编码“RIV-1”不存在"]
    assert form.errors["item_code_2"] == ["请选择货品"]
    assert "请检查并修改标红的内容，尚未保存任何数据" in response.content.decode()
    assert not new_orders().exists()


def test_an_order_without_lines_is_refused(portal, stocked):
    response = portal.post("/portal/orders/new/", order_form(item_code_1="", quantity_1=""))
    assert response.context["form"].errors["item_code_1"] == ["请至少填写一行货品"]
    assert not new_orders().exists()


def test_a_ship_date_in_the_past_comes_back_from_the_service_on_its_field(portal, stocked):
    response = portal.post("/portal/orders/new/", order_form(requested_ship_date="2020-01-01"))
    assert response.context["form"].errors["requested_ship_date"] == ["要求发货日期不能早于今天"]
    assert not new_orders().exists()


def test_the_same_customer_reference_twice_does_not_make_two_orders(portal, stocked):
    portal.post("/portal/orders/new/", order_form(external_ref="PO-1"))
    portal.post("/portal/orders/new/", order_form(external_ref="PO-1"))
    assert new_orders().count() == 1


def test_the_order_page_shows_the_tracking_number_once_shipped(portal, stocked, phone_order, customer, ship):
    order = ship(phone_order(customer, quantity=4), tracking="SF9988776655")
    page = portal.get(f"/portal/orders/{order.number}/").content.decode()
    assert "SF9988776655" in page and "顺丰速运" in page and "确认签收" in page


def test_the_customer_confirms_receipt_with_a_rating(portal, stocked, phone_order, customer, ship, portal_user):
    order = ship(phone_order(customer, quantity=4))

    response = portal.post(f"/portal/orders/{order.number}/confirm/", {"rating": "4", "comment": "包装完好"})

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.state == OutboundState.CONFIRMED and order.rating == 4 and order.receipt_comment == "包装完好"
    assert OrderEvent.objects.filter(outbound=order, to_state=OutboundState.CONFIRMED, actor=portal_user).exists()


def test_a_receipt_without_a_rating_is_refused_and_the_order_stays_shipped(portal, stocked, phone_order, customer,
                                                                           ship):
    order = ship(phone_order(customer, quantity=4))
    response = portal.post(f"/portal/orders/{order.number}/confirm/", {"rating": "", "comment": "x"})
    assert response.status_code == 400 and "请选择评分" in response.content.decode()
    order.refresh_from_db()
    assert order.state == OutboundState.SHIPPED and order.rating is None


def test_receipt_cannot_be_confirmed_before_shipping(portal, stocked, phone_order, customer):
    order = phone_order(customer, quantity=4)
    response = portal.post(f"/portal/orders/{order.number}/confirm/", {"rating": "5"})
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.state == OutboundState.ALLOCATED


def test_an_inbound_notice_from_the_portal(portal, stocked, portal_user):
    response = portal.post("/portal/inbound/new/", {
        "warehouse": stocked.warehouse.pk, "expected_date": "2099-01-10", "carrier": "德邦",
        "item_code_1": "BIS-1", "quantity_1": "200", "lot_number_1": "B9"})
    notice = InboundOrder.objects.get()
    assert response.status_code == 302
    assert notice.state == InboundState.NOTIFIED and notice.channel == Channel.PORTAL
    assert notice.created_by == portal_user
    assert "B9" in portal.get(f"/portal/inbound/{notice.number}/").content.decode()


def test_an_inbound_notice_without_a_date_is_refused(portal, stocked):
    response = portal.post("/portal/inbound/new/", {"warehouse": stocked.warehouse.pk, "item_code_1": "BIS-1",
                                                    "quantity_1": "abc"})
    form = response.context["form"]
    assert form.errors["expected_date"] == ["这个字段是必填项。"]
    assert form.errors["quantity_1"] == ["输入整数。"]
    assert not InboundOrder.objects.exists()


def _workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["客户单号", "收货人", "收货人电话", "省份", "城市", "详细地址", "货品编码", "数量"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, content: bytes):
    file = io.BytesIO(content)
    file.name = "orders.xlsx"
    return client.post("/portal/orders/upload/", {"file": file})


def test_an_excel_upload_imports_the_customers_orders(portal, stocked, portal_user):
    content = _workbook([["PO-1", "李四", "13800138000", "上海市", "上海市", "张江路1号", "BIS-1", 5],
                         ["PO-1", "李四", "13800138000", "上海市", "上海市", "张江路1号", "MILK-1", 2],
                         ["PO-2", "王五", "13900139000", "江苏省", "南京市", "中山路2号", "BIS-1", 3]])

    response = _upload(portal, content)

    assert response.status_code == 302
    orders = new_orders().order_by("external_ref")
    assert [o.external_ref for o in orders] == ["PO-1", "PO-2"]
    assert {o.channel for o in orders} == {Channel.EXCEL} and {o.created_by for o in orders} == {portal_user}
    page = portal.get(response["Location"]).content.decode()
    assert orders[0].number in page


def test_an_excel_row_for_another_customers_item_imports_nothing(portal, stocked):
    content = _workbook([["PO-1", "李四", "13800138000", "上海市", "上海市", "张江路1号", "BIS-1", 5],
                         ["PO-2", "王五", "13900139000", "江苏省", "南京市", "中山路2号", "RIV-1", 3]])
    response = _upload(portal, content)
    page = portal.get(response["Location"]).content.decode()
    assert "货品编码“RIV-1”不存在" in page
    assert not new_orders().exists()


def test_a_file_that_is_not_excel_is_refused_on_the_field(portal, stocked):
    file = io.BytesIO(b"hello")
    file.name = "orders.csv"
    response = portal.post("/portal/orders/upload/", {"file": file})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["请上传 .xlsx 格式的Excel文件"]


def test_the_import_template_has_no_customer_column_for_a_portal_user(portal, stocked):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(portal.get("/portal/orders/upload/template/").content))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert "客户编码" not in headers and "客户单号" in headers
