"""The Chinese default templates for the events of the orders app, and how messages are rendered."""

import datetime
from decimal import Decimal

import pytest

from depot.notifications import rendering
from depot.notifications.choices import Channel
from depot.notifications.models import MessageTemplate
from depot.notifications.services import notification_enqueue

pytestmark = pytest.mark.django_db


def render(code, **context):
    template = MessageTemplate.objects.get(code=code, channel=Channel.EMAIL)
    return rendering.render_subject(template.subject_template, context), rendering.render(template.body_template,
                                                                                           context)


def test_every_event_of_the_orders_app_has_an_active_chinese_email_template():
    codes = set(MessageTemplate.objects.filter(channel=Channel.EMAIL, active=True).values_list("code", flat=True))

    assert {"order.status_changed", "order.incomplete", "order.held", "order.shipped",
            "inbound.received"} <= codes


def test_the_status_change_names_the_old_and_new_status():
    subject, body = render("order.status_changed", order_no="SO-1", status_label="拣货中",
                           previous_status_label="已审核", contact_name="陈经理")

    assert subject == "订单 SO-1 状态更新：拣货中"
    assert body.startswith("尊敬的陈经理：")
    assert "状态已更新为「拣货中」（原状态：已审核）" in body


def test_an_incomplete_order_lists_what_is_missing():
    _subject, body = render("order.incomplete", order_no="SO-2", missing=["收货人电话", "收货地址的区县"])

    assert "1. 收货人电话\n2. 收货地址的区县\n" in body
    assert body.startswith("尊敬的客户：")


def test_a_held_order_gives_the_reason():
    subject, body = render("order.held", order_no="SO-3", reason="信用额度不足，等待主管审核")

    assert subject == "订单 SO-3 已暂停处理"
    assert "原因：信用额度不足，等待主管审核" in body


def test_the_shipping_notice_gives_carrier_and_tracking_number():
    subject, body = render("order.shipped", order_no="SO-4", carrier="顺丰速运", tracking_no="SF123", packages=3)

    assert subject == "订单 SO-4 已发货，运单号 SF123"
    assert "承运商：顺丰速运\n运单号：SF123\n" in body
    assert "件数：3" in body


def test_the_receiving_notice_gives_quantities_and_discrepancies():
    lines = [{"sku": "A001", "name": "矿泉水 550ml", "expected": 100, "received": 98}]
    discrepancies = [{"sku": "A001", "name": "矿泉水 550ml", "kind": "短少", "quantity": 2, "note": "外箱破损"}]

    subject, body = render("inbound.received", inbound_no="ASN-5", lines=lines, discrepancies=discrepancies)
    _subject, clean = render("inbound.received", inbound_no="ASN-6", lines=lines, discrepancies=[])

    assert subject == "入库单 ASN-5 已收货（有差异）"
    assert "A001 矿泉水 550ml：应收 100，实收 98" in body
    assert "A001 矿泉水 550ml：短少 2（外箱破损）" in body
    assert "无差异" in clean and "短少" not in clean


def test_customer_data_is_not_html_escaped_in_a_plain_text_message():
    _subject, body = render("order.held", order_no="SO-7", reason="客户要求 <暂缓> & 改期")

    assert "原因：客户要求 <暂缓> & 改期" in body


def test_dates_and_amounts_in_the_context_are_stored_as_people_read_them(customer):
    shipped_at = datetime.datetime(2026, 3, 15, 8, 20, tzinfo=datetime.UTC)

    notification = notification_enqueue(
        event="order.shipped", customer=customer, channel=Channel.EMAIL, recipient="chen@huashengda.cn",
        template_code="order.shipped", context={"shipped_at": shipped_at, "freight": Decimal("12.50"),
                                                "eta": datetime.date(2026, 3, 17)},
    )

    notification.refresh_from_db()
    assert notification.context == {"shipped_at": "2026-03-15 16:20", "freight": "12.50", "eta": "2026-03-17"}
