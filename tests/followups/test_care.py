"""The daily care job: birthdays of contacts and festivals (solar and lunar), with consent."""

import datetime

import pytest

from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.customers.choices import Channel, Status
from depot.customers.models import Contact, Customer
from depot.customers.services import consent_withdraw
from depot.followups import policy, services
from depot.followups.choices import CalendarKind, CareState, Occasion
from depot.followups.models import CareTask, Festival
from tests.followups.conftest import allow_care

pytestmark = pytest.mark.django_db


def test_lunar_festivals_are_converted_to_their_solar_dates():
    assert policy.solar_date(calendar_kind=CalendarKind.LUNAR, month=8, day=15, year=2026) == datetime.date(2026, 9, 25)
    assert policy.solar_date(calendar_kind=CalendarKind.LUNAR, month=1, day=1, year=2027) == datetime.date(2027, 2, 6)
    assert policy.solar_date(calendar_kind=CalendarKind.LUNAR, month=5, day=5, year=2026) == datetime.date(2026, 6, 19)


def test_a_lunar_thirtieth_in_a_short_month_falls_on_the_29th():
    # The twelfth lunar month of 2026 has 29 days: 除夕 is its 29th.
    assert policy.solar_date(calendar_kind=CalendarKind.LUNAR, month=12, day=30, year=2026) == datetime.date(2027, 2, 5)


def test_a_29_february_birthday_is_greeted_on_28_february_in_common_years():
    assert policy.birthday_in(datetime.date(1988, 2, 29), 2027) == datetime.date(2027, 2, 28)


@pytest.fixture
def greeted(specialist, customer):
    """The customer agreed to care messages; its primary contact was born on 28 November."""
    allow_care(specialist, customer)
    Contact.objects.filter(customer=customer).update(birthday=datetime.date(1980, 11, 28))
    return customer


def test_a_birthday_task_is_created_lead_days_ahead_once(system, greeted, specialist):
    contact = greeted.contacts.get()
    assert services.care_generate(actor=system, today=datetime.date(2026, 11, 24)) == []  # 4 days ahead: too early
    [task] = services.care_generate(actor=system, today=datetime.date(2026, 11, 25))
    assert (task.contact, task.occasion, task.occasion_date, task.due_on, task.year) == (
        contact, Occasion.BIRTHDAY, datetime.date(2026, 11, 28), datetime.date(2026, 11, 25), 2026)
    assert task.state == CareState.PENDING and task.assignee == specialist
    assert task.message.startswith("陈经理您好") and "华东食品" in task.message
    assert services.care_generate(actor=system, today=datetime.date(2026, 11, 26)) == []
    assert CareTask.objects.count() == 1


def test_mid_autumn_2026_and_spring_festival_2027_tasks_fall_on_the_lunar_dates(system, greeted):
    [mid_autumn] = services.care_generate(actor=system, today=datetime.date(2026, 9, 21))
    assert mid_autumn.festival.name == "中秋节"
    assert mid_autumn.occasion_date == datetime.date(2026, 9, 25)
    assert mid_autumn.due_on == datetime.date(2026, 9, 20)
    [spring] = services.care_generate(actor=system, today=datetime.date(2027, 2, 2))
    assert (spring.festival.name, spring.occasion_date, spring.year) == ("春节", datetime.date(2027, 2, 6), 2027)
    assert "新春" in spring.message and "陈经理" in spring.message


def test_festivals_greet_only_the_primary_contact_birthdays_every_contact(system, specialist, greeted):
    from depot.customers.services import contact_save

    second = contact_save(actor=specialist, customer=greeted, data={"name": "刘会计", "phone": "13900001234"})
    Contact.objects.filter(pk=second.pk).update(birthday=datetime.date(1990, 10, 1))
    allow_care(specialist, greeted, contact=second)
    created = services.care_generate(actor=system, today=datetime.date(2026, 9, 30))
    assert sorted((t.contact.name, t.festival.name if t.festival else "生日") for t in created) == [
        ("刘会计", "生日"), ("陈经理", "国庆节")]


def test_no_task_without_a_marketing_consent_or_after_it_is_withdrawn(system, specialist, customer):
    Contact.objects.filter(customer=customer).update(birthday=datetime.date(1980, 11, 28))
    assert services.care_generate(actor=system, today=datetime.date(2026, 11, 27)) == []
    consent = allow_care(specialist, customer)
    consent_withdraw(actor=specialist, consent=consent, note="客户要求不再发送")
    assert services.care_generate(actor=system, today=datetime.date(2026, 11, 27)) == []


def test_a_contacts_own_refusal_overrides_the_customers_consent(system, specialist, greeted):
    contact = greeted.contacts.get()
    consent_withdraw(actor=specialist, consent=allow_care(specialist, greeted, contact=contact))
    assert services.care_generate(actor=system, today=datetime.date(2026, 11, 27)) == []


def test_customers_not_active_get_no_care_tasks(system, greeted):
    Customer.objects.filter(pk=greeted.pk).update(status=Status.CLOSED)
    assert services.care_generate(actor=system, today=datetime.date(2026, 11, 27)) == []


def test_an_inactive_festival_is_not_greeted(system, supervisor, greeted):
    national_day = Festival.objects.get(name="国庆节")
    services.festival_save(actor=supervisor, festival=national_day, data={"active": False})
    assert services.care_generate(actor=system, today=datetime.date(2026, 9, 30)) == []


def test_marking_sent_records_who_when_and_how_and_only_once(system, specialist, greeted):
    [task] = services.care_generate(actor=system, today=datetime.date(2026, 11, 27))
    services.care_mark_sent(actor=specialist, task=task, channel=Channel.WECHAT)
    task.refresh_from_db()
    assert (task.state, task.channel, task.sent_by) == (CareState.SENT, Channel.WECHAT, specialist)
    assert task.sent_at is not None
    with pytest.raises(IllegalTransition) as err:
        services.care_skip(actor=specialist, task=task, reason="重复")
    assert "已处理" in str(err.value.message)


def test_skipping_needs_a_reason(system, specialist, greeted):
    [task] = services.care_generate(actor=system, today=datetime.date(2026, 11, 27))
    with pytest.raises(ValidationFailed) as err:
        services.care_skip(actor=specialist, task=task, reason="")
    assert err.value.details == {"skip_reason": ["请填写跳过原因"]}
    with pytest.raises(ValidationFailed) as err:
        services.care_mark_sent(actor=specialist, task=task, channel="pigeon")
    assert err.value.details == {"channel": ["请选择发送方式"]}
    task.refresh_from_db()
    assert task.state == CareState.PENDING
    services.care_skip(actor=specialist, task=task, reason="联系人已离职")
    task.refresh_from_db()
    assert (task.state, task.skip_reason) == (CareState.SKIPPED, "联系人已离职")


def test_another_specialist_cannot_touch_the_task(system, other_specialist, greeted):
    [task] = services.care_generate(actor=system, today=datetime.date(2026, 11, 27))
    with pytest.raises(NotFound):
        services.care_mark_sent(actor=other_specialist, task=task, channel=Channel.PHONE)


def test_a_festival_date_must_exist(supervisor):
    with pytest.raises(ValidationFailed) as err:
        services.festival_save(actor=supervisor, data={"name": "虚构节", "calendar": CalendarKind.SOLAR, "month": 2,
                                                       "day": 30, "lead_days": 1, "message": "{contact}您好"})
    assert err.value.details == {"day": ["该月没有这一天"]}
    assert not Festival.objects.filter(name="虚构节").exists()
