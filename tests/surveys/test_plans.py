import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.errors import IllegalTransition, ValidationFailed
from depot.customers.choices import Status
from depot.surveys import services
from depot.surveys.choices import Dimension, PlanSource, PlanState
from depot.surveys.models import ImprovementPlan, Invitation
from tests.surveys.helpers import answers_for, make_campaign, make_template

SCALES = [d for d in Dimension.values if d != Dimension.NPS]


@pytest.fixture
def setup(supervisor, make_customer, specialist):
    customers = [make_customer(specialist, status=Status.ACTIVE) for _ in range(2)]
    template = make_template(supervisor)
    return customers, template


def run_campaign(supervisor, template, customers, custody_scores, name):
    campaign = make_campaign(supervisor, template, name=name)
    services.campaign_send(actor=supervisor, campaign=campaign)
    for customer, score in zip(customers, custody_scores, strict=True):
        token = Invitation.objects.get(campaign=campaign, customer=customer).token
        services.response_submit(token=token, answers=answers_for(
            template, {**{d: 5 for d in SCALES}, Dimension.CUSTODY: score}, nps=9))
    services.campaign_close(actor=supervisor, campaign=campaign)
    return campaign


def make_plan(supervisor, specialist, campaign):
    return services.plan_create(actor=supervisor, data={
        "title": "提升货物保管满意度", "source": PlanSource.DIMENSION, "dimension": Dimension.CUSTODY,
        "campaign": campaign, "problem": "保管评分低", "actions": "加强巡检", "department": "仓储部",
        "owner": specialist, "deadline": timezone.localdate() + datetime.timedelta(days=30)})


def complete(supervisor, plan):
    services.plan_transition(actor=supervisor, plan=plan, to=PlanState.IN_PROGRESS)
    return services.plan_transition(actor=supervisor, plan=plan, to=PlanState.COMPLETED)


def test_the_review_compares_the_next_campaigns_score_with_the_baseline(supervisor, specialist, setup):
    customers, template = setup
    first = run_campaign(supervisor, template, customers, [2, 4], "一季度")  # custody CSAT 50 %
    plan = make_plan(supervisor, specialist, first)
    assert plan.baseline_csat == Decimal("50.0")
    complete(supervisor, plan)
    second = run_campaign(supervisor, template, customers, [4, 5], "二季度")  # custody CSAT 100 %
    plan = services.plan_review(actor=supervisor, plan=plan, note="巡检有效")
    assert plan.state == PlanState.EFFECTIVE
    assert (plan.review_campaign, plan.review_csat) == (second, Decimal("100.0"))


def test_a_score_that_did_not_rise_makes_the_plan_ineffective(supervisor, specialist, setup):
    customers, template = setup
    first = run_campaign(supervisor, template, customers, [2, 4], "一季度")
    plan = complete(supervisor, make_plan(supervisor, specialist, first))
    run_campaign(supervisor, template, customers, [3, 4], "二季度")  # still 50 %
    plan = services.plan_review(actor=supervisor, plan=plan)
    assert plan.state == PlanState.INEFFECTIVE and plan.review_csat == Decimal("50.0")


def test_without_a_later_campaign_the_review_waits_unless_the_reviewer_decides(supervisor, specialist, setup):
    customers, template = setup
    first = run_campaign(supervisor, template, customers, [2, 4], "一季度")
    plan = complete(supervisor, make_plan(supervisor, specialist, first))
    with pytest.raises(ValidationFailed) as exc:
        services.plan_review(actor=supervisor, plan=plan)
    assert "暂不能评估" in exc.value.messages()[0]
    plan.refresh_from_db()
    assert plan.state == PlanState.COMPLETED
    plan = services.plan_review(actor=supervisor, plan=plan, effective=False, note="客户仍反映温控问题")
    assert plan.state == PlanState.INEFFECTIVE and plan.review_csat is None


def test_plans_move_only_along_their_transitions(supervisor, specialist, setup):
    customers, template = setup
    first = run_campaign(supervisor, template, customers, [2, 4], "一季度")
    plan = make_plan(supervisor, specialist, first)
    with pytest.raises(IllegalTransition):
        services.plan_transition(actor=supervisor, plan=plan, to=PlanState.COMPLETED)
    with pytest.raises(IllegalTransition):
        services.plan_review(actor=supervisor, plan=plan, effective=True)
    plan.refresh_from_db()
    assert plan.state == PlanState.PLANNED


def test_a_plan_needs_its_owner_deadline_and_for_a_complaint_its_code(supervisor, specialist):
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(actor=supervisor, data={
            "title": "减少错发货", "source": PlanSource.COMPLAINT, "problem": "错发", "actions": "双人复核",
            "department": "仓储部", "owner": None, "deadline": timezone.localdate() - datetime.timedelta(days=1)})
    assert set(exc.value.details) == {"owner", "deadline", "complaint_code"}
    assert not ImprovementPlan.objects.exists()
