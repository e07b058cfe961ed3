"""Writing a notification: the row and its delivery job go in the caller's transaction, or neither."""

import pytest
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from depot.core.errors import ValidationFailed
from depot.core.jobs import job_defer
from depot.customers.choices import ConsentPurpose
from depot.customers.services import consent_record
from depot.notifications.choices import Channel, Status
from depot.notifications.models import MessageTemplate, Notification
from depot.notifications.services import notification_enqueue, notification_publish
from depot.notifications.tasks import deliver_notification
from tests.notifications.helpers import queued_jobs

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_a_job_deferred_in_a_transaction_that_rolls_back_leaves_no_job_row():
    with pytest.raises(Boom), transaction.atomic():
        job_defer(deliver_notification, notification_id=12345)
        assert ProcrastinateJob.objects.filter(args__notification_id=12345).count() == 1
        raise Boom

    assert not ProcrastinateJob.objects.filter(args__notification_id=12345).exists()


def test_enqueueing_writes_the_notification_and_its_delivery_job(customer):
    notification = notification_enqueue(
        event="order.shipped", customer=customer, channel=Channel.EMAIL, recipient="chen@huashengda.cn",
        template_code="order.shipped", context={"order_no": "SO-1", "carrier": "顺丰速运", "tracking_no": "SF1"},
        related=customer,
    )

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.recipient == "chen@huashengda.cn"
    assert notification.related == customer
    assert notification.customer == customer
    job = queued_jobs(notification).get()
    assert job.task_name == "notifications.deliver"
    assert job.queue_name == "notifications"


def test_enqueueing_inside_a_transaction_that_rolls_back_leaves_no_notification_and_no_job(customer):
    with pytest.raises(Boom), transaction.atomic():
        notification_enqueue(event="order.held", customer=customer, channel=Channel.EMAIL,
                             recipient="chen@huashengda.cn", template_code="order.held",
                             context={"order_no": "SO-2", "reason": "库存不足"})
        raise Boom

    assert not Notification.objects.exists()
    assert not queued_jobs().exists()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"channel": Channel.EMAIL, "recipient": "not-an-address", "body": "x"}, "recipient"),
    ({"channel": Channel.EMAIL, "recipient": "chen@huashengda.cn"}, "body"),
    ({"channel": "sms", "recipient": "13900001111", "body": "x"}, "channel"),
    ({"channel": Channel.WEBHOOK, "recipient": "https://erp.example.cn/unknown"}, "recipient"),
])
def test_a_malformed_notification_is_refused_and_nothing_is_written(customer, kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        notification_enqueue(event="order.shipped", customer=customer, **kwargs)

    assert field in exc.value.details
    assert not Notification.objects.exists()
    assert not queued_jobs().exists()


def test_an_endpoint_of_another_customer_never_receives_this_customers_events(customer, make_customer,
                                                                               specialist, make_endpoint):
    other = make_customer(specialist, name="上海明珠食品有限公司")
    endpoint, _secret = make_endpoint("https://erp.mingzhu.cn/hooks", owner=other)

    with pytest.raises(ValidationFailed):
        notification_enqueue(event="order.shipped", customer=customer, channel=Channel.WEBHOOK,
                             recipient=endpoint, payload={"order_no": "SO-3"})

    assert not Notification.objects.exists()


def test_a_switched_off_template_withholds_the_message_without_a_job(customer):
    MessageTemplate.objects.filter(code="order.status_changed").update(active=False)

    notification = notification_enqueue(
        event="order.status_changed", customer=customer, channel=Channel.EMAIL, recipient="chen@huashengda.cn",
        template_code="order.status_changed", context={"order_no": "SO-4", "status_label": "拣货中"},
    )

    assert notification.status == Status.WITHHELD
    assert notification.last_error == "消息模板已停用"
    assert not queued_jobs().exists()


def test_a_warehouse_side_endpoint_gets_customer_events_only_with_third_party_consent(
        customer, make_endpoint, supervisor):
    endpoint, _secret = make_endpoint("https://crm.cangku.cn/hooks")  # the warehouse's own CRM

    before = notification_enqueue(event="order.shipped", customer=customer, channel=Channel.WEBHOOK,
                                  recipient=endpoint.url, payload={"order_no": "SO-5"})
    consent_record(actor=supervisor, customer=customer, purpose=ConsentPurpose.THIRD_PARTY, recipient="纷享销客",
                   evidence="合同附件三")
    after = notification_enqueue(event="order.shipped", customer=customer, channel=Channel.WEBHOOK,
                                 recipient=endpoint.url, payload={"order_no": "SO-5"})

    assert before.status == Status.WITHHELD
    assert before.last_error == "客户未同意向第三方系统提供信息"
    assert after.status == Status.PENDING
    assert list(queued_jobs().values_list("args__notification_id", flat=True)) == [after.pk]


def test_publishing_an_event_mails_the_primary_contact_and_calls_the_subscribed_endpoints(
        customer, make_customer, specialist, make_endpoint):
    own, _ = make_endpoint("https://erp.huashengda.cn/hooks", owner=customer)
    make_endpoint("https://erp.huashengda.cn/other-events", owner=customer, events=["order.held"])
    make_endpoint("https://erp.mingzhu.cn/hooks", owner=make_customer(specialist, name="上海明珠食品有限公司"))

    sent = notification_publish(event="order.shipped", customer=customer,
                                context={"order_no": "SO-6", "carrier": "顺丰速运", "tracking_no": "SF6"})

    assert sorted((n.channel, n.recipient) for n in sent) == [
        (Channel.EMAIL, "chen@huashengda.cn"), (Channel.WEBHOOK, own.url),
    ]
    email = next(n for n in sent if n.channel == Channel.EMAIL)
    assert email.context["contact_name"] == "陈经理"
    assert queued_jobs().count() == 2
