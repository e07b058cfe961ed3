"""Recording, cancelling and rescheduling a follow-up, and the Chinese errors for bad input."""

import datetime

import pytest
from django.utils import timezone

from depot.core.audit import audit_history
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.customers.choices import Channel
from depot.followups import services
from depot.followups.choices import FollowUpReason, FollowUpState, Outcome
from depot.followups.models import FollowUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(specialist, customer):
    return services.followup_schedule(actor=specialist, customer=customer, reason=FollowUpReason.GRADE,
                                      planned_on=timezone.localdate())


def state(followup):
    return FollowUp.objects.filter(pk=followup.pk).values(
        "state", "done_at", "outcome", "satisfaction", "notes", "planned_on", "cancel_reason").get()


def test_recording_the_outcome_marks_it_done_on_time_with_an_audit_entry(specialist, planned):
    done = services.followup_record(actor=specialist, followup=planned, outcome=Outcome.NEW_NEED, satisfaction=4,
                                    notes="客户计划下月增加冷链仓位", channel=Channel.PHONE)
    assert done.state == FollowUpState.DONE
    assert (done.satisfaction, done.outcome, done.channel) == (4, Outcome.NEW_NEED, Channel.PHONE)
    assert done.done_on_time is True
    assert [e.action for e in audit_history(done).order_by("id")] == ["create", "followup_done"]


@pytest.mark.parametrize("satisfaction", [0, 6, "很好"])
def test_a_satisfaction_outside_1_to_5_is_refused_and_nothing_changes(specialist, planned, satisfaction):
    before = state(planned)
    with pytest.raises(ValidationFailed) as err:
        services.followup_record(actor=specialist, followup=planned, outcome=Outcome.SATISFIED,
                                 satisfaction=satisfaction)
    assert err.value.details == {"satisfaction": ["满意度须为1到5分"]}
    assert state(planned) == before


def test_marking_done_twice_is_refused(specialist, planned):
    services.followup_record(actor=specialist, followup=planned, outcome=Outcome.SATISFIED, satisfaction=5)
    before = state(planned)
    with pytest.raises(IllegalTransition) as err:
        services.followup_record(actor=specialist, followup=planned, outcome=Outcome.ISSUE, satisfaction=2)
    assert str(err.value.message) == "该回访已完成，不能重复登记"
    assert state(planned) == before


def test_a_done_time_in_the_future_is_refused(specialist, planned):
    before = state(planned)
    with pytest.raises(ValidationFailed) as err:
        services.followup_record(actor=specialist, followup=planned, outcome=Outcome.SATISFIED, satisfaction=5,
                                 done_at=timezone.now() + datetime.timedelta(days=1))
    assert err.value.details == {"done_at": ["回访时间不能晚于当前时间"]}
    assert state(planned) == before


def test_a_missing_outcome_and_an_unreachable_customer_without_notes_are_refused(specialist, planned):
    with pytest.raises(ValidationFailed) as err:
        services.followup_record(actor=specialist, followup=planned, outcome="", satisfaction=None)
    assert err.value.details == {"outcome": ["请选择回访结果"]}
    with pytest.raises(ValidationFailed) as err:
        services.followup_record(actor=specialist, followup=planned, outcome=Outcome.UNREACHABLE, satisfaction=None)
    assert err.value.details == {"notes": ["未联系上时请记录联系经过"]}


def test_done_late_is_not_on_time(specialist, customer):
    late = services.followup_schedule(actor=specialist, customer=customer, reason=FollowUpReason.MANUAL,
                                      planned_on=timezone.localdate() - datetime.timedelta(days=3))
    late = services.followup_record(actor=specialist, followup=late, outcome=Outcome.SATISFIED, satisfaction=3)
    assert late.done_on_time is False


def test_cancelling_needs_a_reason_and_frees_the_slot_for_a_new_plan(specialist, customer, planned):
    with pytest.raises(ValidationFailed) as err:
        services.followup_cancel(actor=specialist, followup=planned, reason=" ")
    assert err.value.details == {"cancel_reason": ["请填写取消原因"]}
    assert state(planned)["state"] == FollowUpState.PLANNED
    services.followup_cancel(actor=specialist, followup=planned, reason="客户已改为季度例会沟通")
    assert state(planned)["state"] == FollowUpState.CANCELLED
    again = services.followup_schedule(actor=specialist, customer=customer, reason=FollowUpReason.GRADE,
                                       planned_on=timezone.localdate())
    assert again.pk != planned.pk
    with pytest.raises(IllegalTransition):
        services.followup_record(actor=specialist, followup=planned, outcome=Outcome.SATISFIED, satisfaction=5)


def test_rescheduling_moves_the_date_but_never_into_the_past(specialist, planned):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    services.followup_reschedule(actor=specialist, followup=planned, planned_on=tomorrow, reason="客户出差")
    assert state(planned)["planned_on"] == tomorrow
    with pytest.raises(ValidationFailed) as err:
        services.followup_reschedule(actor=specialist, followup=planned,
                                     planned_on=timezone.localdate() - datetime.timedelta(days=1))
    assert err.value.details == {"planned_on": ["计划回访日期不能早于今天"]}
    assert state(planned)["planned_on"] == tomorrow


def test_a_specialist_cannot_record_another_specialists_follow_up(other_specialist, planned):
    with pytest.raises(NotFound):
        services.followup_record(actor=other_specialist, followup=planned, outcome=Outcome.SATISFIED,
                                 satisfaction=5)
    assert state(planned)["state"] == FollowUpState.PLANNED


def test_a_supervisor_records_any_follow_up(supervisor, planned):
    services.followup_record(actor=supervisor, followup=planned, outcome=Outcome.SATISFIED, satisfaction=5)
    assert state(planned)["state"] == FollowUpState.DONE


def test_a_keeper_may_not_record_follow_ups(keeper, planned):
    from depot.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.followup_record(actor=keeper, followup=planned, outcome=Outcome.SATISFIED, satisfaction=5)
