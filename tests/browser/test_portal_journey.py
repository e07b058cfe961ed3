"""A customer's employee on a phone: logs in to the portal, checks stock, submits an order,
follows it to shipped and confirms receipt, files a complaint and rejects the answer. The
warehouse's and CS's steps in between are driven through the services."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core import roles
from depot.core.accounts import user_create
from depot.customers.choices import Status
from depot.customers.services import customer_create
from depot.inventory import services as inventory
from depot.orders import services as orders
from depot.orders.choices import Channel, OutboundState
from depot.orders.models import OutboundOrder
from depot.portal.services import portal_account_create
from depot.service.choices import ComplaintState
from depot.service.models import Complaint
from depot.service.services import complaint_answer
from tests.inventory.helpers import build_warehouse

pytestmark = pytest.mark.django_db(transaction=True)


def _world():
    admin = user_create(username="sys", password="x", role=roles.ADMIN, check_password=False)
    keeper = user_create(username="cangku", password="x", role=roles.WAREHOUSE_KEEPER, check_password=False)
    specialist = user_create(username="kefu", password="x", role=roles.CS_SPECIALIST, check_password=False)
    customer = customer_create(actor=specialist, data={
        "name": "华东食品贸易有限公司", "short_name": "华东食品", "credit_code": "91310000MA1FL4TT4E",
        "status": Status.ACTIVE, "credit_limit": Decimal("100000")}, contacts=[
        {"name": "陈经理", "phone": "13900001234", "is_primary": True}])
    past = timezone.now() - datetime.timedelta(days=30)
    OutboundOrder.objects.create(number="CKHIST00001", customer=customer, channel=Channel.PHONE,
                                 state=OutboundState.CONFIRMED, request_hash="history", created_at=past,
                                 shipped_at=past, confirmed_at=past)
    wh = build_warehouse(admin)
    biscuits = inventory.item_create(actor=admin, owner=customer, data={
        "code": "BIS-1", "name": "苏打饼干", "unit_value": Decimal("10")})
    inventory.stock_receive(actor=keeper, item=biscuits, quantity=100, location=wh.loc["AMB-01"], lot_number="B1")
    portal_account_create(actor=specialist, customer=customer, username="chen", name="陈经理",
                          password="Kehu-portal-2026")
    return keeper, specialist


def _ship(keeper, order):
    pick_list = orders.picklist_create(actor=keeper, orders=[order])
    orders.picklist_confirm_all(actor=keeper, pick_list=pick_list)
    order.refresh_from_db()
    orders.outbound_pack(actor=keeper, order=order, packages=[{"weight_kg": "3.5"}])
    orders.outbound_ship(actor=keeper, order=order, carrier="顺丰速运", tracking_number="SF1234567890")


def test_a_customer_follows_an_order_to_receipt_and_rejects_a_complaint_answer_on_a_phone(page):
    keeper, specialist = _world()
    page.set_viewport_size({"width": 390, "height": 844})
    base = page.base_url + "/portal"

    page.goto(base + "/login/")
    page.fill("#id_username", "chen")
    page.fill("#id_password", "Kehu-portal-2026")
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/portal/$"))
    assert "华东食品" in page.content() and "库存货值" in page.content()

    page.click("nav.main >> text=库存")
    page.wait_for_url(re.compile(r"/portal/stock/"))
    row = page.locator("tr", has_text="BIS-1")
    assert "100" in row.inner_text()

    page.goto(base + "/orders/new/")
    page.fill("#id_consignee_name", "李四")
    page.fill("#id_consignee_phone", "13800138000")
    page.fill("#id_province", "上海市")
    page.fill("#id_city", "上海市")
    page.fill("#id_address", "张江路100号")
    page.fill("#id_item_code_1", "BIS-1")
    page.fill("#id_quantity_1", "5")
    page.click("text=提交订单")
    page.wait_for_url(re.compile(r"/portal/orders/CK"))
    assert "已分配" in page.content()
    order = OutboundOrder.objects.exclude(request_hash="history").get()
    assert order.created_by.username == "chen"

    _ship(keeper, order)
    page.reload()
    assert "SF1234567890" in page.content() and "已发货" in page.content()
    page.check("input[name=rating][value='5']")
    page.fill("#id_comment", "包装完好")
    page.click("text=确认已收到货")
    page.wait_for_load_state()
    assert "已确认签收" in page.content()
    order.refresh_from_db()
    assert order.state == OutboundState.CONFIRMED and order.rating == 5

    page.click("text=对此订单投诉")
    page.wait_for_url(re.compile(r"/portal/complaints/new/"))
    page.select_option("#id_category", "delay")
    page.fill("#id_description", "比约定时间晚到一天")
    page.click("text=提交投诉")
    page.wait_for_url(re.compile(r"/portal/complaints/TS"))
    complaint = Complaint.objects.get()
    assert list(complaint.orders.all()) == [order]

    complaint_answer(actor=specialist, complaint=complaint, answer="承运商中转延误，已约谈承运商")
    page.reload()
    assert "承运商中转延误" in page.content()
    page.fill("#id_reason", "没有说明以后怎么避免")
    page.click("text=不接受，请重新处理")
    page.wait_for_load_state()
    assert "已收到您的意见" in page.content()
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.REOPENED and complaint.rejection_count == 1
