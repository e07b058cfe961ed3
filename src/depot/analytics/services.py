"""Writes of the analytics app — only into its own tables (segment snapshots, reports, schedules);
the churn follow-ups are planned through the follow-up app's service."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.analytics import policy, reports, selectors
from depot.analytics.choices import ReportScope, ReportState
from depot.analytics.models import ReportRun, ReportSchedule, SegmentSnapshot
from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import DomainError, ValidationFailed
from depot.core.jobs import job_defer
from depot.core.permissions import require_perm
from depot.customers.selectors import customer_get

logger = logging.getLogger("depot.analytics")

# Reports over more days than this are generated in the worker; shorter ones right away.
INLINE_REPORT_DAYS = 31
SCHEDULE_FIELDS = ("name", "scope", "warehouse", "customer", "recipients", "active")


@transaction.atomic
def segment_snapshot_take(*, actor, as_of: datetime.date) -> int:
    """Write (or rewrite) every visible customer's RFM segment as of `as_of`. Returns the number of
    customers written. Raises PermissionDenied without the analytics permission."""
    require_perm(actor, "analytics.view_analytics")
    if as_of > timezone.localdate():
        raise ValidationFailed(details={"as_of": [_("统计截止日不能晚于今天")]})
    written = 0
    for customer, rfm in selectors.rfm_list(user=actor, as_of=as_of):
        SegmentSnapshot.objects.update_or_create(
            customer=customer, as_of=as_of,
            defaults={"recency_days": rfm.recency_days, "frequency": rfm.frequency, "monetary": rfm.monetary,
                      "r_score": rfm.r, "f_score": rfm.f, "m_score": rfm.m, "segment": rfm.segment or "",
                      "taken_at": timezone.now()})
        written += 1
    return written


FOLLOWUP_DELAY_DAYS = 3


def churn_followups_schedule(*, actor, today: datetime.date | None = None) -> list:
    """Plan a “churn_risk” follow-up visit for each customer on the churn list, assigned to its
    specialist, three days ahead; one per customer and month (source_ref “流失预警YYYY-MM”), so
    running it again plans nothing twice. Returns the follow-ups (new or already planned)."""
    require_perm(actor, "analytics.view_analytics")
    try:
        from depot.followups.services import followup_schedule
    except ImportError:
        raise DomainError(_("回访模块尚未启用，无法生成回访建议")) from None
    today = today or timezone.localdate()
    out = []
    with transaction.atomic():
        for customer, _risk in selectors.churn_list(user=actor, today=today):
            out.append(followup_schedule(
                actor=actor, customer=customer, reason="churn_risk",
                planned_on=today + datetime.timedelta(days=FOLLOWUP_DELAY_DAYS),
                source_ref=_("流失预警%(m)s") % {"m": today.strftime("%Y-%m")}, assignee=customer.owner))
    return out


def _report_target(*, actor, scope, warehouse, customer):
    if scope not in ReportScope.values:
        raise ValidationFailed(details={"scope": [_("请选择报告范围")]})
    if scope == ReportScope.CUSTOMER:
        if customer is None:
            raise ValidationFailed(details={"customer": [_("按客户的报告须选择客户")]})
        customer_get(user=actor, pk=customer.pk)
        return None, customer
    require_perm(actor, "analytics.manage_reports", _("只有主管可以生成仓库报告"))
    return warehouse, None


@transaction.atomic
def report_request(*, actor, scope: str, start, end, warehouse=None, customer=None, schedule=None) -> ReportRun:
    """Queue the monthly customer-service report for the period: the worker generates it
    (`report_generate`). Raises ValidationFailed for a reversed or too long period (max 366 days)
    or a missing customer, PermissionDenied for a warehouse report without manage_reports."""
    require_perm(actor, "analytics.view_analytics")
    period = policy.period_check(start, end, max_days=366)
    warehouse, customer = _report_target(actor=actor, scope=scope, warehouse=warehouse, customer=customer)
    run = ReportRun.objects.create(scope=scope, warehouse=warehouse, customer=customer, start=period.start,
                                   end=period.end, requested_by=actor, schedule=schedule)
    from depot.analytics.tasks import generate_report

    job_defer(generate_report, run_id=run.pk)
    return run


def report_build(*, actor, scope: str, start, end, warehouse=None, customer=None) -> dict:
    """The report's data for a short period, built right away (the page's direct download)."""
    require_perm(actor, "analytics.view_analytics")
    period = policy.period_check(start, end, max_days=366)
    if period.days > INLINE_REPORT_DAYS:
        raise ValidationFailed(details={"period": [_("超过%(n)d天的报告请提交后台生成") % {"n": INLINE_REPORT_DAYS}]})
    warehouse, customer = _report_target(actor=actor, scope=scope, warehouse=warehouse, customer=customer)
    return reports.report_data(user=actor, start=period.start, end=period.end, warehouse=warehouse,
                               customer=customer)


def report_generate(*, run_id: int) -> ReportRun | None:
    """Generate a queued report (the worker's job) with the requester's visibility, store both
    files and, for a scheduled report, mail the schedule's recipients a link. A failure is
    recorded on the report, not raised."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update(skip_locked=True).filter(
            pk=run_id, state=ReportState.QUEUED).first()
        if run is None:
            return None
        run.state = ReportState.RUNNING
        run.save(update_fields=["state"])
    try:
        data = reports.report_data(user=run.requested_by, start=run.start, end=run.end, warehouse=run.warehouse,
                                   customer=run.customer)
        excel, pdf = reports.report_excel(data), reports.report_pdf(data)
    except Exception as exc:  # noqa: BLE001 — any failure is the report's state, shown on its page
        logger.exception("report %s failed", run.pk)
        ReportRun.objects.filter(pk=run.pk).update(state=ReportState.FAILED, error=str(exc)[:2000],
                                                   finished_at=timezone.now())
        return ReportRun.objects.get(pk=run.pk)
    with transaction.atomic():
        run.excel, run.pdf, run.state, run.finished_at = excel, pdf, ReportState.DONE, timezone.now()
        run.save(update_fields=["excel", "pdf", "state", "finished_at"])
        if run.schedule_id:
            _mail_report(run)
    return run


def _mail_report(run: ReportRun) -> None:
    from depot.core.links import public_url
    from depot.notifications.services import notification_enqueue

    link = public_url(reverse("admin:analytics_report_download", args=[run.pk, "pdf"]))
    for recipient in run.schedule.recipients:
        notification_enqueue(
            event="analytics.monthly_report", customer=run.customer, channel="email", recipient=recipient,
            subject=_("月度客户服务报告：%(t)s %(p)s") % {"t": run, "p": run.start.strftime("%Y-%m")},
            body=_("%(name)s：\n\n%(t)s 的月度客户服务报告已生成，请登录系统下载（PDF/Excel）：\n%(link)s\n") % {
                "name": run.schedule.name, "t": run, "link": link},
            related=run)


def _clean_recipients(value) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace("；", ";").replace(",", ";").replace("\n", ";").split(";")]
    out = []
    for address in value or []:
        address = str(address).strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationFailed(details={"recipients": [_("邮箱地址格式不正确：%(a)s") % {"a": address}]}) from None
        if address not in out:
            out.append(address)
    if not out:
        raise ValidationFailed(details={"recipients": [_("请至少填写一个收件人邮箱")]})
    return out


@transaction.atomic
def report_schedule_save(*, actor, data: dict, schedule: ReportSchedule | None = None) -> ReportSchedule:
    """Create or change a monthly report schedule (supervisors). Raises ValidationFailed for a
    missing name, no valid recipient, or a customer report without a customer."""
    require_perm(actor, "analytics.manage_reports", _("只有主管可以设置报告发送计划"))
    before = snapshot(schedule, SCHEDULE_FIELDS) if schedule else None
    obj = schedule or ReportSchedule(created_by=actor)
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationFailed(details={"name": [_("请填写名称")]})
    recipients = _clean_recipients(data.get("recipients"))
    scope = data.get("scope") or ReportScope.WAREHOUSE
    warehouse, customer = _report_target(actor=actor, scope=scope, warehouse=data.get("warehouse"),
                                         customer=data.get("customer"))
    obj.name, obj.scope, obj.warehouse, obj.customer = name, scope, warehouse, customer
    obj.recipients, obj.active = recipients, bool(data.get("active", True))
    obj.save()
    audit_record(actor=actor, obj=obj, action=ACTION_UPDATE if schedule else ACTION_CREATE, before=before,
                 after=snapshot(obj, SCHEDULE_FIELDS))
    return obj


def reports_monthly_send(*, actor, today: datetime.date | None = None) -> list[ReportRun]:
    """For every active schedule not yet sent for last month: queue last month's report (mailed
    when generated). Running it again the same month queues nothing."""
    today = today or timezone.localdate()
    month = policy.previous_month(today)
    runs = []
    for schedule in ReportSchedule.objects.filter(active=True).exclude(last_sent_for=month.start).order_by("pk"):
        with transaction.atomic():
            locked = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
            if locked.last_sent_for == month.start:
                continue
            runs.append(report_request(actor=actor, scope=locked.scope, start=month.start, end=month.end,
                                       warehouse=locked.warehouse, customer=locked.customer, schedule=locked))
            locked.last_sent_for = month.start
            locked.save(update_fields=["last_sent_for"])
    return runs
