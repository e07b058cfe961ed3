"""What each user sees: overdue and this week's follow-ups, care tasks due, the work lists and the
dashboard section, scoped to the specialist's own customers."""

import datetime

import pytest
from django.test import RequestFactory

from depot.core import worklist
from depot.followups import selectors, services
from depot.followups import worklist as providers
from depot.followups.choices import FollowUpReason, Outcome
from depot.followups.dashboard import followups_section
from tests.followups.conftest import TODAY, allow_care

pytestmark = pytest.mark.django_db

MONDAY = TODAY  # 2026-11-23 is a Monday


@pytest.fixture
def plans(system, customer, other_customer, specialist):
    def plan(c, day, ref):
        return services.followup_schedule(actor=system, customer=c, reason=FollowUpReason.MANUAL, planned_on=day,
                                          source_ref=ref)

    return {
        "overdue": plan(customer, TODAY - datetime.timedelta(days=5), "A"),
        "this_week": plan(customer, TODAY + datetime.timedelta(days=4), "B"),
        "next_week": plan(customer, TODAY + datetime.timedelta(days=9), "C"),
        "others_overdue": plan(other_customer, TODAY - datetime.timedelta(days=1), "D"),
    }


def test_overdue_lists_only_planned_follow_ups_past_their_date(plans, specialist, supervisor):
    assert list(selectors.followups_overdue(user=specialist, today=TODAY)) == [plans["overdue"]]
    assert list(selectors.followups_overdue(user=supervisor, today=TODAY)) == [plans["overdue"],
                                                                              plans["others_overdue"]]
    services.followup_record(actor=specialist, followup=plans["overdue"], outcome=Outcome.SATISFIED, satisfaction=4)
    assert list(selectors.followups_overdue(user=specialist, today=TODAY)) == []


def test_this_week_runs_from_monday_to_sunday(plans, specialist):
    assert list(selectors.followup_list(user=specialist, week=True, today=TODAY)) == [plans["this_week"]]


def test_a_specialist_sees_only_their_customers_follow_ups_and_a_keeper_none(plans, specialist, other_specialist,
                                                                             keeper):
    assert set(selectors.followup_list(user=specialist)) == {plans["overdue"], plans["this_week"],
                                                             plans["next_week"]}
    assert set(selectors.followup_list(user=other_specialist)) == {plans["others_overdue"]}
    assert not selectors.followup_list(user=keeper).exists()


def test_a_follow_up_assigned_to_a_colleague_shows_in_their_list_too(system, customer, other_specialist):
    lent = services.followup_schedule(actor=system, customer=customer, reason=FollowUpReason.MANUAL,
                                      planned_on=TODAY, assignee=other_specialist)
    assert lent in selectors.followup_list(user=other_specialist, mine=True)


def test_the_work_list_shows_due_and_overdue_follow_ups_of_the_user(plans, specialist, supervisor):
    tasks = providers.followups_due(user=specialist, team=False, today=TODAY)
    assert [(t.kind, t.due, t.overdue) for t in tasks] == [
        ("回访", plans["overdue"].planned_on, True), ("回访", plans["this_week"].planned_on, False)]
    assert tasks[0].url == f"/admin/followups/followup/{plans['overdue'].pk}/change/"
    assert tasks[0].customer == str(plans["overdue"].customer) and tasks[0].owner == "zhang.cs"
    assert providers.followups_due(user=supervisor, team=False, today=TODAY) == []
    assert len(providers.followups_due(user=supervisor, team=True, today=TODAY)) == 3


def test_the_providers_are_registered_with_the_work_list(plans, specialist):
    kinds = [t.kind for t in worklist.collect(user=specialist)]
    assert "回访" in kinds


def test_care_tasks_due_appear_in_the_work_list_of_the_customers_specialist(system, specialist, other_specialist,
                                                                             customer):
    from depot.customers.models import Contact

    allow_care(specialist, customer)
    Contact.objects.filter(customer=customer).update(birthday=datetime.date(1985, 11, 25))
    services.care_generate(actor=system, today=TODAY)
    [task] = providers.care_tasks(user=specialist, team=False, today=TODAY)
    assert (task.kind, task.title, task.due, task.overdue) == ("客户关怀", "生日祝福：陈经理",
                                                               datetime.date(2025 + 1, 11, 25), False)
    assert providers.care_tasks(user=other_specialist, team=False, today=TODAY) == []


def test_the_dashboard_section_counts_the_users_follow_ups(plans, specialist, keeper):
    request = RequestFactory().get("/admin/")
    request.user = specialist
    section = followups_section(request, today=TODAY)
    cards = {c["label"]: c["value"] for c in section["cards"]}
    assert cards == {"本周待回访": 1, "逾期回访": 1, "今日关怀任务": 0}
    request.user = keeper
    assert followups_section(request, today=TODAY) is None
