"""Email through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from depot.notifications.choices import Channel, Outcome, Status
from depot.notifications.models import MessageTemplate, Notification
from depot.notifications.policy import MAX_ATTEMPTS
from depot.notifications.services import notification_enqueue
from tests.notifications.helpers import queued_jobs, run_jobs, time_passes

pytestmark = pytest.mark.django_db

SHIPPED = {"order_no": "SO-20260315-001", "carrier": "顺丰速运", "tracking_no": "SF1234567890",
           "shipped_at": "2026-03-15 16:20", "contact_name": "陈经理"}


def shipped_email(customer, **kwargs):
    return notification_enqueue(event="order.shipped", customer=customer, channel=Channel.EMAIL,
                                recipient="chen@huashengda.cn", template_code="order.shipped",
                                context=SHIPPED, **kwargs)


def test_a_shipping_email_arrives_in_chinese(customer, smtp_server):
    smtp_server.start()
    notification = shipped_email(customer)

    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert notification.delivered_at is not None
    [received] = smtp_server.messages
    message = received["message"]
    assert received["to"] == ["chen@huashengda.cn"]
    assert message["Subject"].strip() == "订单 SO-20260315-001 已发货，运单号 SF1234567890"
    assert message["From"] == "kefu@cangku.example.cn"
    assert message["X-Depot-Delivery"] == str(notification.pk)
    body = message.get_content()
    assert "尊敬的陈经理：" in body
    assert "承运商：顺丰速运" in body
    assert "运单号：SF1234567890" in body
    [attempt] = notification.delivery_attempts.all()
    assert (attempt.number, attempt.outcome, attempt.status_code) == (1, Outcome.DELIVERED, 250)


def test_when_the_mail_server_is_down_the_attempt_is_logged_and_a_retry_is_scheduled(customer, smtp_server):
    notification = shipped_email(customer)

    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.attempts == 1
    assert "Connection refused" in notification.last_error or "ConnectionRefused" in notification.last_error
    assert timezone.now() + timedelta(seconds=50) < notification.next_attempt_at
    assert notification.next_attempt_at < timezone.now() + timedelta(seconds=70)
    [attempt] = notification.delivery_attempts.all()
    assert attempt.outcome == Outcome.FAILED
    retry = queued_jobs(notification).get()
    assert abs(retry.scheduled_at - notification.next_attempt_at) < timedelta(seconds=1)


def test_a_message_that_failed_is_delivered_when_the_mail_server_is_back(customer, smtp_server):
    notification = shipped_email(customer)
    run_jobs()
    assert run_jobs() == 0  # the retry waits for its time

    smtp_server.start()
    time_passes(notification)
    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert [a.outcome for a in notification.delivery_attempts.all()] == [Outcome.FAILED, Outcome.DELIVERED]
    assert len(smtp_server.messages) == 1
    assert not queued_jobs().exists()


def test_a_message_that_never_gets_through_fails_after_the_last_attempt(customer, smtp_server):
    notification = shipped_email(customer)

    for _ in range(MAX_ATTEMPTS):
        run_jobs()
        notification.refresh_from_db()
        if notification.status != Status.PENDING:
            break
        time_passes(notification)

    assert notification.status == Status.FAILED
    assert notification.attempts == MAX_ATTEMPTS
    assert notification.next_attempt_at is None
    assert notification.delivery_attempts.count() == MAX_ATTEMPTS
    assert not queued_jobs().exists()


def test_a_broken_template_is_a_failed_attempt_and_the_message_goes_out_once_it_is_fixed(customer, smtp_server):
    smtp_server.start()
    unclosed_if = "运单号：{% if tracking_no %}{{ tracking_no }}"
    MessageTemplate.objects.filter(code="order.shipped").update(body_template=unclosed_if)
    notification = shipped_email(customer)

    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    [attempt] = notification.delivery_attempts.all()
    assert attempt.outcome == Outcome.FAILED
    assert attempt.error.startswith("消息模板有误")
    assert smtp_server.messages == []

    MessageTemplate.objects.filter(code="order.shipped").update(body_template="运单号：{{ tracking_no }}")
    time_passes(notification)
    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert smtp_server.messages[0]["message"].get_content().strip() == "运单号：SF1234567890"


def test_a_missing_template_is_recorded_as_a_failed_attempt(customer, smtp_server):
    notification = notification_enqueue(event="order.unknown", customer=customer, channel=Channel.EMAIL,
                                        recipient="chen@huashengda.cn", template_code="order.unknown")

    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert "找不到消息模板 order.unknown" in notification.last_error


def test_a_message_given_subject_and_body_needs_no_template(customer, smtp_server):
    smtp_server.start()
    notification_enqueue(event="order.held", customer=customer, channel=Channel.EMAIL,
                         recipient="chen@huashengda.cn", subject="订单暂停", body="您的订单因库存不足暂停处理。")

    run_jobs()

    assert Notification.objects.get().status == Status.DELIVERED
    assert smtp_server.messages[0]["message"]["Subject"].strip() == "订单暂停"
