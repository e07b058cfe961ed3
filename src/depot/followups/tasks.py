"""Daily jobs of follow-ups and care, run by `depot worker` as the system user. Thin: each calls a
service with today's date."""

import logging

from django.utils import timezone
from procrastinate.contrib.django import app

from depot.followups import services

logger = logging.getLogger("depot.followups")


def system_actor():
    from depot.orders.tasks import system_actor as orders_system_actor

    return orders_system_actor()


def generate_followups(*, today=None) -> list:
    created = services.followups_generate(actor=system_actor(), today=today or timezone.localdate())
    if created:
        logger.info("grade follow-ups planned: %d", len(created))
    return created


def generate_care_tasks(*, today=None) -> list:
    created = services.care_generate(actor=system_actor(), today=today or timezone.localdate())
    if created:
        logger.info("care tasks created: %d", len(created))
    return created


@app.periodic(cron="10 6 * * *")
@app.task(name="followups.generate", queue="followups", queueing_lock="followups.generate")
def generate_followups_daily(timestamp: int) -> None:
    generate_followups()


@app.periodic(cron="20 6 * * *")
@app.task(name="followups.care", queue="followups", queueing_lock="followups.care")
def generate_care_tasks_daily(timestamp: int) -> None:
    generate_care_tasks()
