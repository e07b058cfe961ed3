"""The back office: the outbox list and detail, “重新发送”, templates and webhook endpoints."""

import pytest
from django.db import connection
from django.urls import reverse

from depot.core.audit import audit_history
from depot.notifications.choices import Channel, Status
from depot.notifications.models import MessageTemplate, Notification, WebhookEndpoint
from depot.notifications.policy import MAX_ATTEMPTS
from depot.notifications.services import notification_enqueue
from tests.notifications.helpers import queued_jobs, run_jobs

pytestmark = pytest.mark.django_db

LIST = reverse("admin:notifications_notification_changelist")


def failed_email(customer, order_no="SO-9"):
    notification = notification_enqueue(
        event="order.shipped", customer=customer, channel=Channel.EMAIL, recipient="chen@huashengda.cn",
        template_code="order.shipped", context={"order_no": order_no, "carrier": "中通快递", "tracking_no": "ZT9"},
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.FAILED, attempts=MAX_ATTEMPTS, next_attempt_at=None, last_error="Connection refused")
    return notification


def test_the_supervisor_lists_notifications_and_filters_them_by_status_channel_and_event(
        client, supervisor, customer):
    failed = failed_email(customer)
    notification_enqueue(event="order.held", customer=customer, channel=Channel.EMAIL,
                         recipient="chen@huashengda.cn", subject="订单暂停", body="库存不足")
    client.force_login(supervisor)

    page = client.get(LIST).content.decode()
    only_failed = client.get(LIST, {"status__exact": "failed", "channel__exact": "email",
                                    "event": "order.shipped"})

    assert "订单已发货" in page and "订单暂停处理" in page
    assert list(only_failed.context["cl"].result_list) == [failed]


def test_a_specialist_sees_only_the_notifications_of_their_own_customers(
        client, specialist, other_specialist, customer, make_customer):
    mine = failed_email(customer)
    failed_email(make_customer(other_specialist, name="上海明珠食品有限公司"), order_no="SO-10")
    client.force_login(specialist)

    response = client.get(LIST)

    assert list(response.context["cl"].result_list) == [mine]


def test_a_warehouse_keeper_has_no_access_to_the_outbox(client, keeper):
    client.force_login(keeper)

    assert client.get(LIST).status_code == 403


def test_the_detail_shows_each_delivery_attempt(client, supervisor, customer, smtp_settings):
    notification = notification_enqueue(event="order.shipped", customer=customer, channel=Channel.EMAIL,
                                        recipient="chen@huashengda.cn", subject="发货", body="已发货")
    run_jobs()
    client.force_login(supervisor)

    page = client.get(reverse("admin:notifications_notification_change", args=[notification.pk])).content.decode()

    assert "投递尝试" in page
    assert "Connection refused" in page or "ConnectionRefused" in page
    assert "chen@huashengda.cn" in page


def test_resending_a_failed_notification_from_its_page_queues_it_again(client, supervisor, customer):
    notification = failed_email(customer)
    url = reverse("admin:notifications_notification_retry_detail", args=[notification.pk])
    client.force_login(supervisor)

    confirm = client.get(url)
    response = client.post(url)

    assert "将立即再次尝试发送这条通知" in confirm.content.decode()
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert queued_jobs(notification).count() == 1
    assert [e.action for e in audit_history(notification)] == ["notification_retry"]


def test_resending_selected_notifications_from_the_list(client, supervisor, customer):
    first, second = failed_email(customer, "SO-11"), failed_email(customer, "SO-12")
    client.force_login(supervisor)

    client.post(LIST, {"action": "retry_selected", "_selected_action": [first.pk, second.pk]})

    assert set(Notification.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert queued_jobs().count() == 2


def test_a_delivered_notification_cannot_be_resent(client, supervisor, customer):
    notification = failed_email(customer)
    Notification.objects.filter(pk=notification.pk).update(status=Status.DELIVERED)
    client.force_login(supervisor)

    response = client.post(reverse("admin:notifications_notification_retry_detail", args=[notification.pk]),
                           follow=True)

    assert "只有发送失败、已暂停发送或待发送的通知可以重新发送" in response.content.decode()
    assert not queued_jobs().exists()


def test_a_template_that_does_not_compile_is_refused_and_not_saved(client, supervisor):
    template = MessageTemplate.objects.get(code="order.shipped", channel=Channel.EMAIL)
    client.force_login(supervisor)

    response = client.post(reverse("admin:notifications_messagetemplate_change", args=[template.pk]), {
        "name": template.name, "subject_template": "订单 {{ order_no }} 已发货",
        "body_template": "{% for x in lines %}没有结束", "active": "on",
    })

    assert response.status_code == 200
    assert "模板语法错误" in response.content.decode()
    template.refresh_from_db()
    assert "没有结束" not in template.body_template


def test_the_supervisor_edits_a_template_seeing_the_variables_of_its_event(client, supervisor):
    template = MessageTemplate.objects.get(code="order.held", channel=Channel.EMAIL)
    url = reverse("admin:notifications_messagetemplate_change", args=[template.pk])
    client.force_login(supervisor)

    form = client.get(url).content.decode()
    response = client.post(reverse("admin:notifications_messagetemplate_change", args=[template.pk]), {
        "name": "暂停通知", "subject_template": "【暂停】订单 {{ order_no }}", "body_template": "原因：{{ reason }}",
        "active": "on",
    })

    assert "reason 暂停原因" in form
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject_template == "【暂停】订单 {{ order_no }}"
    assert [e.action for e in audit_history(template)] == ["update"]


def test_a_new_webhook_endpoints_secret_is_shown_once(client, admin_user, customer):
    client.force_login(admin_user)

    response = client.post(reverse("admin:notifications_webhookendpoint_add"), {
        "name": "华盛达 ERP", "url": "https://erp.huashengda.cn/hooks", "owner": customer.pk,
        "events": ["order.shipped", "order.held"], "active": "on",
    })

    endpoint = WebhookEndpoint.objects.get()
    page = response.content.decode()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in page
    assert endpoint.events == ["order.held", "order.shipped"]
    change = client.get(reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in change


def test_rotating_the_secret_shows_the_new_one(client, admin_user, make_endpoint):
    endpoint, old_secret = make_endpoint("https://erp.huashengda.cn/hooks")
    client.force_login(admin_user)

    response = client.post(reverse("admin:notifications_webhookendpoint_rotate_secret", args=[endpoint.pk]))

    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret
    assert endpoint.secret in response.content.decode()


def test_the_system_menu_lists_the_outbox_for_the_supervisor(client, supervisor):
    client.force_login(supervisor)

    page = client.get(reverse("admin:index")).content.decode()

    assert "通知发送记录" in page
    assert LIST in page
    assert "消息模板" in page


def test_the_landing_page_warns_of_failed_notifications(client, supervisor, customer):
    failed_email(customer)
    client.force_login(supervisor)

    sections = client.get(reverse("admin:index")).context["depot_sections"]

    [section] = [s for s in sections if s["title"] == "通知"]
    assert {c["label"]: c["value"] for c in section["cards"]}["发送失败的通知"] == 1


def test_the_landing_page_says_nothing_about_notifications_when_all_is_well(client, supervisor):
    client.force_login(supervisor)

    sections = client.get(reverse("admin:index")).context["depot_sections"]

    assert "通知" not in [s["title"] for s in sections]
