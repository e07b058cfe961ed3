"""Jobs of the surveys app, run by `depot worker`: the automatic reminders of email campaigns.

Checked every hour, sent only in the warehouse's working time (the service calendar: weekdays,
holidays and 调休), so that nobody gets a survey reminder at night or on a public holiday. The
job acts as a technical user holding only the permission to send reminders; the audit trail names it.
"""

import logging

from django.utils import timezone
from procrastinate.contrib.django import app

from depot.core.accounts import technical_user
from depot.service.selectors import calendar_load
from depot.surveys import services

logger = logging.getLogger("depot.surveys")

REMINDER_USERNAME = "depot-survey-reminder"
REMINDER_NAME = "满意度调查自动提醒"
REMINDER_PERMISSIONS = ("surveys.send_campaign",)


def remind_due(*, now=None) -> int:
    """Send the reminders that are due, in working time only; returns how many went out."""
    now = now or timezone.now()
    if not calendar_load().is_working(now):
        return 0
    actor = technical_user(username=REMINDER_USERNAME, name=REMINDER_NAME, permissions=REMINDER_PERMISSIONS)
    sent = services.campaigns_remind_due(actor=actor, now=now)
    if sent:
        logger.info("survey reminders sent: %d", sent)
    return sent


@app.periodic(cron="5 * * * *")
@app.task(name="surveys.remind_due", queue="surveys", queueing_lock="surveys.remind_due")
def remind_due_campaigns(timestamp: int) -> None:
    remind_due()
