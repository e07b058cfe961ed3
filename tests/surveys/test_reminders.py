"""Automatic reminders of email campaigns: to those who have not answered, every few days, up to a
limit that manual reminders count towards, only while the links are valid and only in working time."""

import datetime

import pytest
from procrastinate.contrib.django import app

from depot.core.audit import AuditEntry
from depot.core.errors import ValidationFailed
from depot.customers.choices import Grade, Status
from depot.notifications.models import Notification
from depot.service.selectors import calendar_load
from depot.surveys import services, tasks
from depot.surveys.choices import CampaignChannel, CampaignState, Dimension
from depot.surveys.models import Campaign, Invitation
from tests.surveys.helpers import answers_for, make_campaign, make_template

DAY = datetime.timedelta(days=1)


@pytest.fixture
def customers(make_customer, specialist):
    return (make_customer(specialist, name="华东食品贸易有限公司", status=Status.ACTIVE, grade=Grade.VIP),
            make_customer(specialist, name="南方电子科技有限公司", status=Status.ACTIVE, grade=Grade.B))


@pytest.fixture
def template(supervisor):
    return make_template(supervisor)


def send(supervisor, template, **extra):
    campaign = make_campaign(supervisor, template, days=30, **extra)
    services.campaign_send(actor=supervisor, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


def reminders_to(customer) -> int:
    return Notification.objects.filter(event=services.EVENT_REMIND, customer=customer).count()


def test_a_new_campaign_reminds_every_three_days_at_most_twice_by_default(supervisor, template):
    campaign = make_campaign(supervisor, template)
    assert (campaign.remind_every_days, campaign.remind_limit) == (3, 2)


def test_only_those_who_have_not_answered_are_reminded_once_the_interval_has_passed(supervisor, template, customers):
    campaign = send(supervisor, template)
    answered, silent = customers
    token = Invitation.objects.get(campaign=campaign, customer=answered).token
    scores = {d: 5 for d in Dimension.values if d != Dimension.NPS}
    services.response_submit(token=token, answers=answers_for(template, scores, nps=9))
    sent = campaign.sent_at

    assert services.campaigns_remind_due(actor=supervisor, now=sent + 2 * DAY) == 0
    assert services.campaigns_remind_due(actor=supervisor, now=sent + 3 * DAY) == 1
    assert (reminders_to(silent), reminders_to(answered)) == (1, 0)
    assert services.campaigns_remind_due(actor=supervisor, now=sent + 4 * DAY) == 0, "three days since the reminder"
    assert services.campaigns_remind_due(actor=supervisor, now=sent + 6 * DAY) == 1
    assert services.campaigns_remind_due(actor=supervisor, now=sent + 20 * DAY) == 0, "the limit of two is reached"
    assert reminders_to(silent) == 2
    note = AuditEntry.objects.filter(action="update").order_by("at", "id").last().note
    assert note == "自动提醒1位未答复的联系人"


def test_a_manual_reminder_counts_towards_the_limit_and_restarts_the_interval(supervisor, template, customers):
    campaign = send(supervisor, template, remind_limit=1)
    services.campaign_remind(actor=supervisor, campaign=campaign, now=campaign.sent_at + 2 * DAY)
    assert services.campaigns_remind_due(actor=supervisor, now=campaign.sent_at + 10 * DAY) == 0
    assert Notification.objects.filter(event=services.EVENT_REMIND).count() == 2  # the manual one, to both


def test_no_automatic_reminders_when_switched_off_closed_expired_or_portal_only(supervisor, template, customers):
    off = send(supervisor, template, name="不提醒", remind_every_days=0)
    closed = send(supervisor, template, name="已结束")
    services.campaign_close(actor=supervisor, campaign=closed)
    portal = send(supervisor, template, name="仅门户", channel=CampaignChannel.PORTAL)
    later = max(c.sent_at for c in (off, closed, portal)) + 5 * DAY
    assert services.campaigns_remind_due(actor=supervisor, now=later) == 0
    expiring = send(supervisor, template, name="将过期")
    assert services.campaigns_remind_due(actor=supervisor, now=expiring.expires_at + DAY) == 0
    assert not Notification.objects.filter(event=services.EVENT_REMIND).exists()
    assert Campaign.objects.get(pk=closed.pk).state == CampaignState.CLOSED


def test_impossible_reminder_settings_are_refused_and_nothing_is_created(supervisor, template):
    with pytest.raises(ValidationFailed) as refused:
        make_campaign(supervisor, template, remind_every_days=90, remind_limit=9)
    assert set(refused.value.details) == {"remind_every_days", "remind_limit"}
    assert not Campaign.objects.exists()


def test_the_hourly_job_reminds_in_working_time_only_as_its_own_user(supervisor, template, customers):
    campaign = send(supervisor, template)
    calendar = calendar_load()
    working = calendar.add(campaign.sent_at + 3 * DAY, 0)  # the first working moment three days on
    night = working.replace(hour=22) if working.hour < 22 else working + datetime.timedelta(hours=1)
    assert not calendar.is_working(night)

    assert tasks.remind_due(now=max(night, campaign.sent_at + 3 * DAY)) == 0
    assert tasks.remind_due(now=working) == 2
    entry = AuditEntry.objects.filter(note__startswith="自动提醒").get()
    assert entry.actor.username == tasks.REMINDER_USERNAME and not entry.actor.has_usable_password()
    schedules = {key[0]: p.cron for key, p in app.periodic_registry.periodic_tasks.items()}
    assert schedules["surveys.remind_due"] == "5 * * * *"
