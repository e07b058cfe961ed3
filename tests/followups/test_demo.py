"""The demo: follow-ups and care tasks in every state."""

from depot.customers.choices import Status
from depot.followups.choices import CareState, FollowUpState
from depot.followups.demo import followups_demo_load
from depot.followups.models import CareTask, FollowUp


def test_the_demo_has_follow_ups_and_care_tasks_in_every_state_and_loads_once(make_customer, admin_user, supervisor,
                                                                              specialist):
    customers = [make_customer(admin_user, status=Status.ACTIVE, owner=specialist) for _ in range(5)]

    text = followups_demo_load(actor=supervisor, customers=customers)

    assert set(FollowUp.objects.values_list("state", flat=True)) == set(FollowUpState.values)
    assert FollowUp.objects.filter(state=FollowUpState.DONE, satisfaction__isnull=False).exists()
    assert set(CareTask.objects.values_list("state", flat=True)) == set(CareState.values)
    assert "回访与关怀演示数据" in text
    counts = (FollowUp.objects.count(), CareTask.objects.count())
    assert followups_demo_load(actor=supervisor, customers=customers) == text
    assert (FollowUp.objects.count(), CareTask.objects.count()) == counts
