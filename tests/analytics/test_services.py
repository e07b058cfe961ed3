import datetime
import io

import pytest
from pypdf import PdfReader

from depot.analytics import services, tasks
from depot.analytics.choices import ReportScope, ReportState
from depot.analytics.models import ReportRun, ReportSchedule, SegmentSnapshot
from depot.core.errors import PermissionDenied, ValidationFailed

from .conftest import TODAY

d = datetime.date


def test_the_snapshot_keeps_each_customers_segment_and_can_be_retaken(dataset, supervisor):
    assert services.segment_snapshot_take(actor=supervisor, as_of=TODAY) == 4
    assert services.segment_snapshot_take(actor=supervisor, as_of=TODAY) == 4
    snap = SegmentSnapshot.objects.get(customer=dataset["乙"], as_of=TODAY)
    assert (snap.segment, snap.r_score, snap.f_score, snap.m_score) == ("important_value", 4, 3, 3)
    assert SegmentSnapshot.objects.count() == 4


def test_a_snapshot_in_the_future_is_refused_and_nothing_is_written(dataset, supervisor):
    with pytest.raises(ValidationFailed):
        services.segment_snapshot_take(actor=supervisor, as_of=d(2999, 1, 1))
    assert not SegmentSnapshot.objects.exists()


def test_churn_risk_plans_one_follow_up_per_customer_for_its_specialist(dataset, specialist):
    from depot.followups.models import FollowUp

    planned = services.churn_followups_schedule(actor=specialist, today=TODAY)
    again = services.churn_followups_schedule(actor=specialist, today=TODAY)
    assert {f.pk for f in planned} == {f.pk for f in again}
    rows = FollowUp.objects.filter(reason="churn_risk")
    assert {f.customer.short_name for f in rows} == {"丙", "丁"}
    assert all(f.assignee == specialist and f.planned_on == d(2026, 11, 18) for f in rows)


def test_a_report_is_generated_in_the_worker_with_both_files(dataset, supervisor, django_capture_on_commit_callbacks):
    run = services.report_request(actor=supervisor, scope=ReportScope.CUSTOMER, start=d(2026, 10, 1),
                                  end=d(2026, 10, 31), customer=dataset["甲"])
    assert run.state == ReportState.QUEUED
    services.report_generate(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == ReportState.DONE
    assert "月度客户服务报告" in PdfReader(io.BytesIO(bytes(run.pdf))).pages[0].extract_text()
    assert bytes(run.excel)[:2] == b"PK"


def test_a_report_over_more_than_a_year_is_refused(dataset, supervisor):
    with pytest.raises(ValidationFailed) as exc:
        services.report_request(actor=supervisor, scope=ReportScope.WAREHOUSE, start=d(2024, 1, 1),
                                end=d(2026, 1, 1))
    assert "不能超过366天" in exc.value.messages()[0]
    assert not ReportRun.objects.exists()


def test_a_specialist_cannot_request_a_warehouse_report(dataset, specialist):
    with pytest.raises(PermissionDenied):
        services.report_request(actor=specialist, scope=ReportScope.WAREHOUSE, start=d(2026, 10, 1),
                                end=d(2026, 10, 31))


def test_a_schedule_needs_valid_recipients(supervisor):
    with pytest.raises(ValidationFailed) as exc:
        services.report_schedule_save(actor=supervisor, data={"name": "月报", "scope": ReportScope.WAREHOUSE,
                                                              "recipients": "boss@example.cn; not-an-address"})
    assert "邮箱地址格式不正确：not-an-address" in exc.value.messages()[0]
    assert not ReportSchedule.objects.exists()


def test_the_monthly_run_sends_last_months_report_once_and_mails_the_list(dataset, supervisor):
    from depot.notifications.models import Notification

    services.report_schedule_save(actor=supervisor, data={
        "name": "主管月报", "scope": ReportScope.WAREHOUSE, "recipients": "a@example.cn;b@example.cn"})
    actor = tasks.system_actor()
    runs = services.reports_monthly_send(actor=actor, today=TODAY)
    assert len(runs) == 1 and (runs[0].start, runs[0].end) == (d(2026, 10, 1), d(2026, 10, 31))
    assert services.reports_monthly_send(actor=actor, today=TODAY) == []
    services.report_generate(run_id=runs[0].pk)
    mails = Notification.objects.filter(event="analytics.monthly_report")
    assert sorted(m.recipient for m in mails) == ["a@example.cn", "b@example.cn"]
    assert "月度客户服务报告" in mails[0].subject
