"""The KPIs are counted and summed in the database, every month of a trend in the same queries:
the figures are those of the formulas in `policy`, and the number of queries does not grow with
the months, the orders or the staff."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from depot.core import roles
from depot.kpi import policy, selectors
from depot.kpi.choices import ServiceKpi
from tests.kpi.conftest import OCTOBER, at, order

pytestmark = pytest.mark.usefixtures("incidents_and_complaints", "counts_and_inbound", "survey_answers", "followups")


@pytest.fixture
def september(october):
    """Two September orders of A: one perfect, one shipped short; and one complaint answered."""
    from depot.service.choices import Channel as ServiceChannel
    from depot.service.choices import ComplaintCategory, ComplaintState, Severity
    from depot.service.models import Complaint

    order(october.a, due=at(9, 10, 18), shipped=at(9, 10, 9), lines=[(4, 4)], handled_by=october.specialist)
    order(october.a, due=at(9, 20, 18), shipped=at(9, 21, 9), lines=[(6, 5), (2, 2)])
    Complaint.objects.create(
        code="TS-S1", customer=october.a, channel=ServiceChannel.HOTLINE, category=ComplaintCategory.DELAY,
        severity=Severity.LOW, description="发货延误", assignee=october.specialist, received_at=at(9, 21, 10),
        first_response_due=at(9, 21, 14), first_responded_at=at(9, 21, 11, 20), resolution_due=at(9, 23, 10),
        closed_at=at(9, 22, 10), state=ComplaintState.CLOSED)
    return october


def codes(kpis):
    return [(k.code, k.value, k.numerator, k.denominator, k.reason) for k in kpis]


def test_each_month_of_the_trend_has_the_figures_of_that_month_read_alone(september):
    trend = selectors.service_kpi_trend(user=september.supervisor, year=2026, month=10, months=3)
    assert [t["month"] for t in trend] == ["2026-08", "2026-09", "2026-10"]
    for t in trend:
        year, month = (int(x) for x in t["month"].split("-"))
        alone = selectors.service_kpis(user=september.supervisor, period=policy.month_period(year, month))
        assert codes(t["kpis"].values()) == codes(alone)
    sept = trend[1]["kpis"]
    assert (sept[ServiceKpi.FILL_RATE].numerator, sept[ServiceKpi.FILL_RATE].denominator) == (2, 3)
    assert (sept[ServiceKpi.PERFECT_ORDER].numerator, sept[ServiceKpi.PERFECT_ORDER].denominator) == (1, 2)
    assert sept[ServiceKpi.COMPLAINT_FIRST_RESPONSE].value == Decimal("1.3")  # 1 h 20 min
    assert all(k.value is None for k in trend[0]["kpis"].values())


def test_average_hours_summed_in_the_database_equal_the_formula_over_the_durations(october):
    from depot.service.choices import Channel as ServiceChannel
    from depot.service.choices import ComplaintCategory, Severity
    from depot.service.models import Complaint

    Complaint.objects.all().delete()
    durations = [datetime.timedelta(seconds=5399, microseconds=500_000), datetime.timedelta(microseconds=1),
                 datetime.timedelta(hours=7, seconds=7, microseconds=999_999)]
    for n, took in enumerate(durations):
        received = at(10, 3 + n, 9, 13) + datetime.timedelta(microseconds=123_457)
        Complaint.objects.create(
            code=f"TS-D{n}", customer=october.a, channel=ServiceChannel.HOTLINE, category=ComplaintCategory.DELAY,
            severity=Severity.LOW, description="发货延误", received_at=received, first_response_due=received,
            first_responded_at=received + took, resolution_due=received)
    first = {k.code: k for k in selectors.service_kpis(user=october.supervisor, period=OCTOBER)}[
        ServiceKpi.COMPLAINT_FIRST_RESPONSE]
    assert (first.value, first.denominator) == (policy.average_hours(durations), 3)
    assert first.value == Decimal("2.8")  # 30 607.5 s / 3 = 2.83 h


def test_the_service_page_reads_six_months_in_a_bounded_number_of_queries(client, september):
    client.force_login(september.supervisor)
    url = reverse("admin:kpi_service") + "?month=2026-10"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(20):
        order(september.b, due=at(8, 1 + n, 18), shipped=at(8, 1 + n, 9), lines=[(1, 1), (2, 1)])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 30


def test_the_staff_page_reads_every_person_in_the_same_queries(client, october, make_user):
    client.force_login(october.supervisor)
    url = reverse("admin:kpi_staff") + "?kind=month&month=2026-10"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(5):
        make_user(roles.CS_SPECIALIST, f"cs.extra{n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 20
