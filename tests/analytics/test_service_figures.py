"""Complaints and incidents (arranged directly) in the value figures, the report and the SLA board:
甲 has one complaint in October 2026, received on the 10th and closed on the 12th, within its
resolution deadline of the 15th, one damage incident on 14 October with 200 元 compensation, and an
open complaint received 1 November whose resolution deadline (3 November) has passed."""

import datetime
from decimal import Decimal

import pytest

from depot.analytics import reports, selectors

from .conftest import NOW, at

d = datetime.date


@pytest.fixture
def service_data(dataset):
    from depot.incidents.models import Incident
    from depot.service.models import Complaint

    jia = dataset["甲"]
    Complaint.objects.create(
        code="TS2610-0001", customer=jia, channel="hotline", category="damage", severity="medium",
        description="外箱破损", received_at=at(d(2026, 10, 10)), first_response_due=at(d(2026, 10, 11)),
        resolution_due=at(d(2026, 10, 15)), closed_at=at(d(2026, 10, 12)), state="closed")
    Complaint.objects.create(
        code="TS2611-0001", customer=jia, channel="hotline", category="delay", severity="low",
        description="发货延误", received_at=at(d(2026, 11, 1)), first_response_due=at(d(2026, 11, 2)),
        resolution_due=at(d(2026, 11, 3)), state="open")
    Incident.objects.create(code="HS2610-0001", customer=jia, kind="damage", occurred_at=at(d(2026, 10, 14)),
                            description="叉车碰撞", compensation_amount=Decimal("200.00"))
    return dataset


def test_complaint_and_damage_rates_per_order(service_data, specialist):
    value = selectors.customer_value(user=specialist, customer=service_data["甲"], start=d(2026, 10, 1),
                                     end=d(2026, 10, 31), now=NOW)
    assert (value.current.complaint_count, value.current.complaint_rate) == (1, Decimal("0.3333"))
    assert (value.current.damage_count, value.current.damage_rate) == (1, Decimal("0.3333"))
    assert value.current.notes == []


def test_open_complaints_by_sla_status(service_data, supervisor):
    sla = selectors.complaint_sla(user=supervisor, now=NOW)
    assert sla == {"overdue": 1, "due_soon": 0, "on_track": 0}


def test_the_reports_complaints_and_claims_section(service_data, supervisor):
    data = reports.report_data(user=supervisor, start=d(2026, 10, 1), end=d(2026, 10, 31),
                               customer=service_data["甲"], now=NOW)
    rows = {r[0]: r[1] for r in next(s for s in data["sections"] if s["key"] == "complaints")["rows"]}
    assert rows["受理投诉"] == "1" and rows["按时关闭"] == "1" and rows["投诉按时处理率"] == "100.0%"
    assert rows["类别：货损"] == "1"
    assert rows["货损货丢事件"] == "1" and rows["赔付金额"] == "¥200.00"
