import pytest

from depot.surveys.choices import PlanState
from depot.surveys.models import Campaign, ImprovementPlan, Response


@pytest.mark.django_db
def test_the_demo_has_two_campaigns_with_answers_plans_in_several_states_and_kpis(settings):
    from depot.demo import demo_load
    from depot.kpi.models import Appraisal, KpiTarget, TrainingRecord

    text = demo_load()
    assert "满意度调查：2次" in text
    assert Campaign.objects.count() == 2
    assert all(Response.objects.filter(campaign=c).exists() for c in Campaign.objects.all())
    states = set(ImprovementPlan.objects.values_list("state", flat=True))
    assert {PlanState.EFFECTIVE, PlanState.COMPLETED, PlanState.PLANNED, PlanState.CANCELLED} <= states
    assert KpiTarget.objects.count() == 11 and Appraisal.objects.exists() and TrainingRecord.objects.exists()
