"""The follow-ups back office: the lists and pages render for the roles that may see them, a
specialist reaches only their own customers' follow-ups, and the forms record through the services
with Chinese errors on bad input."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from depot.customers.models import Contact
from depot.followups import services
from depot.followups.choices import CareState, FollowUpReason, FollowUpState
from depot.followups.models import CareTask, FollowUp
from tests.followups.conftest import allow_care

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(system, specialist, customer, other_customer):
    today = timezone.localdate()
    mine = services.followup_schedule(actor=system, customer=customer, reason=FollowUpReason.GRADE,
                                      planned_on=today - datetime.timedelta(days=2))
    theirs = services.followup_schedule(actor=system, customer=other_customer, reason=FollowUpReason.GRADE,
                                        planned_on=today)
    allow_care(specialist, customer)
    Contact.objects.filter(customer=customer).update(birthday=today + datetime.timedelta(days=1))
    [task] = services.care_generate(actor=system, today=today)
    return {"mine": mine, "theirs": theirs, "task": task}


def client_for(client, user):
    client.force_login(user)
    return client


def test_every_page_renders_for_the_specialist(client, specialist, world):
    client_for(client, specialist)
    urls = [
        reverse("admin:followups_followup_changelist"),
        reverse("admin:followups_followup_changelist") + "?due=overdue",
        reverse("admin:followups_followup_changelist") + "?due=week&mine=1",
        reverse("admin:followups_followup_change", args=[world["mine"].pk]),
        reverse("admin:followups_followup_add"),
        reverse("admin:followups_caretask_changelist") + "?due=today",
        reverse("admin:followups_caretask_change", args=[world["task"].pk]),
        reverse("admin:followups_cadencerule_changelist"),
        reverse("admin:followups_festival_changelist"),
        reverse("admin:index"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_the_overdue_list_shows_only_the_specialists_overdue_follow_ups(client, specialist, world):
    response = client_for(client, specialist).get(reverse("admin:followups_followup_changelist") + "?due=overdue")
    assert list(response.context["cl"].queryset) == [world["mine"]]


def test_another_specialists_follow_up_is_not_found(client, specialist, world):
    response = client_for(client, specialist).get(
        reverse("admin:followups_followup_change", args=[world["theirs"].pk]))
    assert response.status_code == 404


def test_recording_through_the_page(client, specialist, world):
    url = reverse("admin:followups_followup_action", args=[world["mine"].pk, "record"])
    response = client_for(client, specialist).post(url, {"outcome": "satisfied", "satisfaction": "5",
                                                         "channel": "phone", "notes": "客户对发货时效满意"})
    assert response.status_code == 302
    world["mine"].refresh_from_db()
    assert (world["mine"].state, world["mine"].satisfaction) == (FollowUpState.DONE, 5)


def test_a_future_done_time_comes_back_on_the_form_and_nothing_is_saved(client, specialist, world):
    url = reverse("admin:followups_followup_action", args=[world["mine"].pk, "record"])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(client, specialist).post(url, {
        "outcome": "satisfied", "satisfaction": "4", "done_at_0": tomorrow.isoformat(), "done_at_1": "10:00"})
    assert response.status_code == 200
    assert "回访时间不能晚于当前时间" in response.content.decode()
    assert FollowUp.objects.get(pk=world["mine"].pk).state == FollowUpState.PLANNED


def test_planning_a_follow_up_by_hand(client, specialist, customer, world):
    response = client_for(client, specialist).post(reverse("admin:followups_followup_add"), {
        "customer": customer.pk, "planned_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "notes": "了解春节备货计划"})
    assert response.status_code == 302
    assert FollowUp.objects.filter(customer=customer, reason=FollowUpReason.MANUAL, notes="了解春节备货计划").exists()


def test_marking_a_care_task_sent_and_the_bulk_action(client, specialist, world):
    client_for(client, specialist)
    url = reverse("admin:followups_caretask_action", args=[world["task"].pk, "sent"])
    response = client.post(url, {"channel": ""})
    assert "请选择发送方式" in response.content.decode()
    assert CareTask.objects.get().state == CareState.PENDING
    response = client.post(reverse("admin:followups_caretask_changelist"), {
        "action": "mark_sent_selected", "_selected_action": [world["task"].pk]})
    assert response.status_code == 302
    task = CareTask.objects.get()
    assert (task.state, task.channel, task.sent_by) == (CareState.SENT, "phone", specialist)


def test_a_supervisor_edits_the_cadence_a_specialist_may_not(client, specialist, supervisor, world):
    from depot.followups.models import CadenceRule

    rule = CadenceRule.objects.get(grade="B")
    url = reverse("admin:followups_cadencerule_change", args=[rule.pk])
    assert client_for(client, specialist).post(url, {"interval_months": "4"}).status_code == 403
    response = client_for(client, supervisor).post(url, {"interval_months": "40"})
    assert "回访间隔须为1到36个月" in response.content.decode() or "36" in response.content.decode()
    assert CadenceRule.objects.get(grade="B").interval_months == 6
    client.post(url, {"interval_months": "4"})
    assert CadenceRule.objects.get(grade="B").interval_months == 4
