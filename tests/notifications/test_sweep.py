"""The periodic sweep: a message whose job was lost, or whose worker died while sending, is sent."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app

from depot.notifications.choices import Channel, Outcome, Status
from depot.notifications.models import Notification
from depot.notifications.policy import SENDING_LEASE
from depot.notifications.services import notification_deliver, notification_enqueue, notifications_sweep
from depot.notifications.tasks import sweep_notifications
from tests.notifications.helpers import queued_jobs, run_jobs

pytestmark = pytest.mark.django_db


def lose_jobs(notification):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE (args->>'notification_id')::bigint = %s",
                       [notification.pk])


def held_email(customer):
    return notification_enqueue(event="order.held", customer=customer, channel=Channel.EMAIL,
                                recipient="chen@huashengda.cn", template_code="order.held",
                                context={"order_no": "SO-7", "reason": "库存不足，等待补货"})


def test_the_sweep_runs_every_minute():
    [periodic] = [p for p in app.periodic_registry.periodic_tasks.values() if p.task.name == "notifications.sweep"]

    assert periodic.cron == "* * * * *"


def test_the_sweep_gives_a_new_job_to_a_pending_message_whose_job_was_lost(customer, smtp_server):
    smtp_server.start()
    notification = held_email(customer)
    lose_jobs(notification)
    assert run_jobs() == 0

    sweep_notifications(timestamp=int(timezone.now().timestamp()))

    assert queued_jobs(notification).count() == 1
    run_jobs()
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert "SO-7" in smtp_server.messages[0]["message"]["Subject"]


def test_the_sweep_leaves_alone_a_message_whose_job_is_waiting(customer):
    notification = held_email(customer)

    assert notifications_sweep() == 0
    assert queued_jobs(notification).count() == 1


def test_the_sweep_leaves_alone_a_message_that_is_not_due(customer):
    notification = held_email(customer)
    lose_jobs(notification)
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert notifications_sweep() == 0


def test_a_message_left_sending_by_a_worker_that_died_is_sent_again(customer, smtp_server):
    smtp_server.start()
    notification = held_email(customer)
    lose_jobs(notification)
    # a worker claimed it, then the machine went down before it reported back
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    assert timedelta(minutes=1) < SENDING_LEASE

    assert notifications_sweep() == 1
    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert [(a.number, a.outcome) for a in notification.delivery_attempts.all()] == [
        (1, Outcome.INTERRUPTED), (2, Outcome.DELIVERED)]


def test_a_second_job_for_a_message_being_sent_does_nothing(customer, smtp_server):
    notification = held_email(customer)
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENDING, attempts=1, next_attempt_at=timezone.now() + SENDING_LEASE,
    )

    assert notification_deliver(notification_id=notification.pk) is None

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENDING, 1)
    assert not notification.delivery_attempts.exists()


def test_a_delivered_message_is_never_sent_twice_by_a_stray_job(customer, smtp_server):
    smtp_server.start()
    notification = held_email(customer)
    run_jobs()

    assert notification_deliver(notification_id=notification.pk) is None
    assert len(smtp_server.messages) == 1
