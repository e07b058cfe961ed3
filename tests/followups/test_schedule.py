"""Planning follow-ups: the entry point other apps call, and the daily generation by grade."""

import datetime

import pytest

from depot.core.errors import PermissionDenied, ValidationFailed
from depot.customers.choices import Grade, Status
from depot.customers.models import Customer
from depot.followups import services
from depot.followups.choices import FollowUpReason, FollowUpState, Outcome
from depot.followups.models import CadenceRule, FollowUp
from tests.followups.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_scheduling_twice_for_the_same_source_returns_the_planned_follow_up(specialist, customer):
    first = services.followup_schedule(actor=specialist, customer=customer, reason=FollowUpReason.COMPLAINT,
                                       planned_on=TODAY, source_ref="TS2611-0007")
    again = services.followup_schedule(actor=specialist, customer=customer, reason=FollowUpReason.COMPLAINT,
                                       planned_on=TODAY + datetime.timedelta(days=3), source_ref="TS2611-0007")
    assert again.pk == first.pk
    assert first.assignee == specialist
    assert first.state == FollowUpState.PLANNED
    assert FollowUp.objects.count() == 1


def test_another_source_gets_its_own_follow_up(specialist, customer):
    services.followup_schedule(actor=specialist, customer=customer, reason=FollowUpReason.COMPLAINT,
                               planned_on=TODAY, source_ref="TS2611-0007")
    services.followup_schedule(actor=specialist, customer=customer, reason=FollowUpReason.COMPLAINT,
                               planned_on=TODAY, source_ref="TS2611-0008")
    assert FollowUp.objects.count() == 2


def test_a_contact_of_another_customer_is_refused(specialist, customer, other_customer):
    with pytest.raises(ValidationFailed) as err:
        services.followup_schedule(actor=specialist, customer=customer, reason=FollowUpReason.MANUAL,
                                   planned_on=TODAY, contact=other_customer.contacts.first())
    assert "联系人不属于该客户" in err.value.messages()[0]
    assert not FollowUp.objects.exists()


def test_default_cadence_is_seeded():
    assert dict(CadenceRule.objects.values_list("grade", "interval_months")) == {"VIP": 1, "A": 3, "B": 6, "C": 12}


def test_generation_plans_today_for_a_customer_never_visited_and_is_idempotent(system, customer, other_customer):
    created = services.followups_generate(actor=system, today=TODAY)
    assert {(f.customer, f.planned_on, f.assignee) for f in created} == {
        (customer, TODAY, customer.owner), (other_customer, TODAY, other_customer.owner)}
    assert services.followups_generate(actor=system, today=TODAY) == []
    assert services.followups_generate(actor=system, today=TODAY + datetime.timedelta(days=1)) == []
    assert FollowUp.objects.filter(reason=FollowUpReason.GRADE).count() == 2


def test_next_grade_follow_up_is_one_interval_after_the_last_done(system, specialist, customer):
    done = services.followup_schedule(actor=system, customer=customer, reason=FollowUpReason.GRADE,
                                      planned_on=datetime.date(2026, 10, 30))
    services.followup_record(actor=specialist, followup=done, outcome=Outcome.SATISFIED, satisfaction=5,
                             done_at=datetime.date(2026, 10, 31))
    [planned] = services.followups_generate(actor=system, today=TODAY)
    assert planned.planned_on == datetime.date(2027, 1, 31)  # grade A: every 3 months


def test_an_edited_cadence_applies_to_the_next_generation(system, supervisor, specialist, customer):
    services.cadence_save(actor=supervisor, grade=Grade.A, interval_months=1)
    done = services.followup_schedule(actor=system, customer=customer, reason=FollowUpReason.GRADE,
                                      planned_on=datetime.date(2026, 11, 10))
    services.followup_record(actor=specialist, followup=done, outcome=Outcome.SATISFIED, satisfaction=4,
                             done_at=datetime.date(2026, 11, 10))
    [planned] = services.followups_generate(actor=system, today=TODAY)
    assert planned.planned_on == datetime.date(2026, 12, 10)


def test_a_long_overdue_visit_is_planned_for_today_not_in_the_past(system, specialist, customer):
    done = services.followup_schedule(actor=system, customer=customer, reason=FollowUpReason.GRADE,
                                      planned_on=datetime.date(2025, 1, 10))
    services.followup_record(actor=specialist, followup=done, outcome=Outcome.SATISFIED, satisfaction=4,
                             done_at=datetime.date(2025, 1, 10))
    [planned] = services.followups_generate(actor=system, today=TODAY)
    assert planned.planned_on == TODAY


def test_customers_not_active_get_no_grade_follow_up(system, customer):
    Customer.objects.filter(pk=customer.pk).update(status=Status.SUSPENDED)
    assert services.followups_generate(actor=system, today=TODAY) == []


def test_only_supervisors_edit_the_cadence_and_within_1_to_36_months(specialist, supervisor):
    with pytest.raises(PermissionDenied):
        services.cadence_save(actor=specialist, grade=Grade.A, interval_months=2)
    with pytest.raises(ValidationFailed) as err:
        services.cadence_save(actor=supervisor, grade=Grade.A, interval_months=0)
    assert err.value.details == {"interval_months": ["回访间隔须为1到36个月"]}
    assert CadenceRule.objects.get(grade=Grade.A).interval_months == 3


def test_a_planned_follow_up_for_another_reason_does_not_hold_back_the_grade_one(system, specialist, customer):
    done = services.followup_schedule(actor=system, customer=customer, reason=FollowUpReason.GRADE,
                                      planned_on=datetime.date(2026, 10, 1))
    services.followup_record(actor=specialist, followup=done, outcome=Outcome.SATISFIED, satisfaction=5,
                             done_at=datetime.date(2026, 10, 1))
    services.followup_schedule(actor=system, customer=customer, reason=FollowUpReason.COMPLAINT,
                               planned_on=TODAY, source_ref="TS2611-0001")
    [planned] = services.followups_generate(actor=system, today=TODAY)
    assert (planned.reason, planned.planned_on) == (FollowUpReason.GRADE, datetime.date(2027, 1, 1))


def test_the_daily_jobs_are_periodic_tasks_of_the_worker(customer):
    from procrastinate.contrib.django import app

    from depot.followups import tasks

    assert {"followups.generate", "followups.care"} <= set(app.tasks)
    [planned] = tasks.generate_followups(today=TODAY)
    assert planned.customer == customer
    assert tasks.generate_care_tasks(today=TODAY) == []
