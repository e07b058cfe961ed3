"""The service back office: pages render for the roles that may see them, actions go through the
services with their messages on the form, another specialist gets 404."""

import pytest
from django.urls import reverse

from depot.service import services
from depot.service.choices import ComplaintState
from depot.service.models import Complaint, Inquiry


@pytest.fixture
def world(customer, specialist, make_complaint):
    complaint = make_complaint(customer)
    inquiry = services.inquiry_create(actor=specialist, customer=customer, data={"question": "库存还有多少？"})
    return {"complaint": complaint, "inquiry": inquiry}


def pages(world):
    c, i = world["complaint"], world["inquiry"]
    return [
        reverse("admin:service_complaint_changelist"),
        reverse("admin:service_complaint_changelist") + "?sla=overdue",
        reverse("admin:service_complaint_change", args=[c.pk]),
        reverse("admin:service_complaint_add"),
        reverse("admin:service_inquiry_changelist") + "?overdue=1",
        reverse("admin:service_inquiry_change", args=[i.pk]),
        reverse("admin:service_inquiry_add"),
        reverse("admin:service_worklist"),
        reverse("admin:service_slapolicy_changelist"),
        reverse("admin:service_calendarday_changelist"),
        reverse("admin:index"),
    ]


def test_every_page_renders_for_the_specialist_and_the_supervisor(client, world, specialist, supervisor):
    for user in (specialist, supervisor):
        client.force_login(user)
        for url in pages(world):
            assert client.get(url).status_code == 200, url
    assert client.get(reverse("admin:service_worklist_team")).status_code == 200


def test_the_specialist_cannot_open_the_team_list(client, specialist):
    client.force_login(specialist)
    assert client.get(reverse("admin:service_worklist_team")).status_code == 403


def test_another_specialist_gets_404(client, world, other_specialist):
    client.force_login(other_specialist)
    assert client.get(reverse("admin:service_complaint_change", args=[world["complaint"].pk])).status_code == 404
    assert client.get(reverse("admin:service_inquiry_change", args=[world["inquiry"].pk])).status_code == 404
    response = client.post(reverse("admin:service_complaint_change", args=[world["complaint"].pk]) + "?form=answer",
                           {"answer-answer": "已处理"})
    assert response.status_code == 404
    assert Complaint.objects.get().state == ComplaintState.OPEN


def test_answering_on_the_page_and_an_empty_answer_shows_the_message(client, world, specialist):
    client.force_login(specialist)
    url = reverse("admin:service_complaint_change", args=[world["complaint"].pk])
    response = client.post(url + "?form=answer", {"answer-answer": "  "})
    assert response.status_code == 200 and "请填写答复客户的内容" in response.content.decode()
    assert Complaint.objects.get().state == ComplaintState.OPEN
    response = client.post(url + "?form=answer", {"answer-answer": "已赔偿", "answer-root_cause": "碰撞"})
    assert response.status_code == 302
    assert Complaint.objects.get().state == ComplaintState.ANSWERED


def test_registering_a_complaint_without_description_keeps_the_form(client, customer, specialist):
    client.force_login(specialist)
    response = client.post(reverse("admin:service_complaint_add"), {
        "customer": customer.pk, "channel": "hotline", "category": "delay", "severity": "low", "description": ""})
    assert response.status_code == 200 and "请填写投诉内容" in response.content.decode()
    assert not Complaint.objects.exists()
    response = client.post(reverse("admin:service_complaint_add"), {
        "customer": customer.pk, "channel": "hotline", "category": "delay", "severity": "low",
        "description": "发货延误一天"})
    assert response.status_code == 302 and Complaint.objects.get().description == "发货延误一天"


def test_the_work_list_page_shows_my_inquiry(client, world, specialist):
    client.force_login(specialist)
    body = client.get(reverse("admin:service_worklist")).content.decode()
    assert "库存还有多少？" in body and world["complaint"].code in body
    assert Inquiry.objects.count() == 1


def test_a_supervisor_edits_the_sla_policy_and_the_change_is_audited(client, supervisor, specialist):
    from depot.core.audit import audit_history
    from depot.service.models import SlaPolicy

    policy = SlaPolicy.objects.get(grade="VIP", severity="critical")
    url = reverse("admin:service_slapolicy_change", args=[policy.pk])
    client.force_login(specialist)
    assert client.post(url, {"first_response_hours": "3", "resolution_hours": "9", "warning_hours": "1"}
                       ).status_code == 403
    client.force_login(supervisor)
    response = client.post(url, {"first_response_hours": "5", "resolution_hours": "4", "warning_hours": "1"})
    assert response.status_code == 200 and "处理时限不能短于首次响应时限" in response.content.decode()
    response = client.post(url, {"first_response_hours": "2", "resolution_hours": "12", "warning_hours": "1"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.first_response_hours, policy.resolution_hours) == (2, 12)
    assert audit_history(policy).get().changes["resolution_hours"] == ["8.00", "12.00"]
