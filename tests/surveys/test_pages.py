import datetime

import pytest
from django.urls import reverse

from depot.customers.choices import Grade, Status
from depot.notifications.models import Notification
from depot.surveys import services
from depot.surveys.choices import Dimension, PlanState
from depot.surveys.models import Campaign, ImprovementPlan, Invitation
from tests.surveys.helpers import answers_for, make_campaign, make_template


@pytest.fixture
def answered(supervisor, make_customer, specialist):
    make_customer(specialist, status=Status.ACTIVE, grade=Grade.A)
    template = make_template(supervisor)
    campaign = make_campaign(supervisor, template)
    services.campaign_send(actor=supervisor, campaign=campaign)
    token = Invitation.objects.get(campaign=campaign).token
    scores = {d: 5 for d in Dimension.values if d != Dimension.NPS} | {Dimension.CUSTODY: 2}
    services.response_submit(token=token, answers=answers_for(template, scores, nps=7, comment="温控记录不及时"))
    return campaign


def test_the_campaign_page_shows_results_charts_and_the_lowest_dimension_comments(client, supervisor, answered):
    client.force_login(supervisor)
    page = client.get(reverse("admin:surveys_campaign_results", args=[answered.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "各维度满意度" in html and "温控记录不及时" in html and "创建改进计划" in html
    assert client.get(reverse("admin:surveys_campaign_changelist")).status_code == 200
    assert client.get(reverse("admin:surveys_surveytemplate_change", args=[answered.template_id])).status_code == 200


def test_reminding_from_the_page_goes_through_the_outbox(client, supervisor, make_customer, specialist, answered):
    client.force_login(supervisor)
    response = client.post(reverse("admin:surveys_campaign_results", args=[answered.pk]), {"remind": "1"})
    assert response.status_code == 302
    assert not Notification.objects.filter(event=services.EVENT_REMIND).exists()  # everyone has answered


def test_creating_a_campaign_in_the_admin_and_sending_it(client, supervisor, make_customer, specialist):
    make_customer(specialist, status=Status.ACTIVE)
    template = make_template(supervisor)
    client.force_login(supervisor)
    response = client.post(reverse("admin:surveys_campaign_add"), {
        "name": "年中调查", "template": template.pk, "period_start": "2026-01-01", "period_end": "2026-06-30",
        "channel": "email", "audience": "all_active", "expires_at_0": "2030-01-01", "expires_at_1": "12:00:00"})
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get(name="年中调查")
    client.post(reverse("admin:surveys_campaign_results", args=[campaign.pk]), {"send": "1"})
    assert campaign.invitations.count() == 1


def test_a_plan_from_a_low_dimension_records_its_baseline_and_is_reviewed_on_its_page(
        client, supervisor, specialist, answered):
    client.force_login(supervisor)
    form = client.get(reverse("admin:surveys_improvementplan_add") + f"?dimension=custody&campaign={answered.pk}")
    assert form.status_code == 200
    deadline = (datetime.date.today() + datetime.timedelta(days=20)).isoformat()
    response = client.post(reverse("admin:surveys_improvementplan_add"), {
        "title": "提升货物保管满意度", "source": "dimension", "dimension": "custody", "campaign": answered.pk,
        "problem": "温控记录不及时", "actions": "每日两次温湿度巡检并推送客户", "department": "仓储部",
        "owner": specialist.pk, "deadline": deadline})
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = ImprovementPlan.objects.get()
    assert plan.baseline_csat == 0
    state_url = reverse("admin:surveys_improvementplan_state", args=[plan.pk])
    client.post(state_url, {"to": PlanState.IN_PROGRESS})
    client.post(state_url, {"to": PlanState.COMPLETED})
    page = client.post(state_url, {"review": "1", "note": ""}, follow=True)
    assert "暂不能评估" in page.content.decode()
    client.post(state_url, {"review": "1", "effective": "1", "note": "巡检已落实"})
    plan.refresh_from_db()
    assert plan.state == PlanState.EFFECTIVE and plan.review_note == "巡检已落实"


def test_a_plan_can_start_from_a_complaints_root_cause(client, supervisor, make_customer, specialist):
    from django.utils import timezone

    from depot.service.models import Complaint
    from depot.surveys.admin_views import plan_add_url_for_complaint

    now = timezone.now()
    complaint = Complaint.objects.create(
        code="TS2610-0001", customer=make_customer(specialist), channel="hotline", category="wrong_goods",
        severity="medium", description="发错货", received_at=now, first_response_due=now, resolution_due=now,
        root_cause="相似SKU相邻存放，拣货未扫码复核")
    client.force_login(supervisor)
    page = client.get(plan_add_url_for_complaint(complaint)).content.decode()
    assert "TS2610-0001" in page and "相似SKU相邻存放" in page
