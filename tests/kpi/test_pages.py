import pytest
from django.urls import reverse

from depot.kpi.choices import Component
from depot.kpi.models import Appraisal, AppraisalWeight

pytestmark = pytest.mark.usefixtures("incidents_and_complaints", "followups", "survey_answers", "counts_and_inbound")


def test_the_service_kpi_page_shows_actual_target_and_no_data(client, october):
    client.force_login(october.supervisor)
    page = client.get(reverse("admin:kpi_service") + "?month=2026-10")
    html = page.content.decode()
    assert page.status_code == 200
    assert "66.7%" in html and "20.0%" in html and "完美订单率" in html
    empty = client.get(reverse("admin:kpi_service") + "?month=2026-07").content.decode()
    assert "暂无数据" in empty and "本期没有发货的出库单" in empty


def test_the_staff_page_and_a_persons_page(client, october):
    client.force_login(october.supervisor)
    page = client.get(reverse("admin:kpi_staff") + "?kind=month&month=2026-10")
    assert page.status_code == 200 and "33.3%" in page.content.decode()
    assert client.get(reverse("admin:kpi_staff") + "?kind=year&month=2026-10").status_code == 200
    assert client.get(reverse("admin:kpi_person", args=[october.specialist.pk])).status_code == 200


def test_specialists_do_not_see_the_kpi_pages_but_see_their_own_record(client, october, other_specialist):
    client.force_login(october.specialist)
    assert client.get(reverse("admin:kpi_service")).status_code == 403
    assert client.get(reverse("admin:kpi_me"), follow=True).status_code == 200
    assert client.get(reverse("admin:kpi_person", args=[other_specialist.pk])).status_code == 403


def test_weights_and_an_appraisal_through_the_admin(client, october):
    client.force_login(october.supervisor)
    bad = client.post(reverse("admin:kpi_weights"), {c: 10 for c in Component.values})
    assert "合计须为100%" in bad.content.decode() and not AppraisalWeight.objects.exists()
    response = client.post(reverse("admin:kpi_appraisal_add"), {
        "staff": october.specialist.pk, "period_kind": "month", "period_start": "2026-10-01", "attitude": "90",
        "ability": "80", "comment": "良好"})
    assert response.status_code == 302, response.content.decode()[:3000]
    appraisal = Appraisal.objects.get()
    assert str(appraisal.total) == "63.8"
    assert client.get(reverse("admin:kpi_appraisal_change", args=[appraisal.pk])).status_code == 200
