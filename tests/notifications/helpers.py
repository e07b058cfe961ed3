"""Running the queued jobs inside the test's transaction, the way the worker would."""

from datetime import timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from depot.notifications.models import Notification


def queued_jobs(notification: Notification | None = None):
    jobs = ProcrastinateJob.objects.filter(status="todo").order_by("id")
    if notification is not None:
        jobs = jobs.filter(args__notification_id=notification.pk)
    return jobs


def run_jobs(*, due_only: bool = True) -> int:
    """Take each queued job (due ones, or all) and run its task, as the worker does; jobs those
    tasks defer are run too when due. Returns how many ran."""
    ran = 0
    while True:
        jobs = queued_jobs()
        if due_only:
            jobs = jobs.exclude(scheduled_at__gt=timezone.now())
        job = jobs.first()
        if job is None:
            return ran
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs WHERE id = %s", [job.id])
        app.tasks[job.task_name](**job.args)
        ran += 1


def time_passes(notification: Notification) -> None:
    """As if the time of the message's next attempt had come: that attempt and the jobs queued
    for the message move into the past by the same amount."""
    notification.refresh_from_db()
    shift = notification.next_attempt_at - timezone.now() + timedelta(seconds=1)
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=F("next_attempt_at") - shift)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = scheduled_at - %s "
                       "WHERE status = 'todo' AND (args->>'notification_id')::bigint = %s",
                       [shift, notification.pk])
