"""Demo data of analytics, written only into its own tables: the segment snapshots of the last
three month-ends (so segment changes show), a monthly report schedule and last month's report of
the first demo customer with orders, generated right away."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from depot.analytics import policy, services
from depot.analytics.choices import ReportScope
from depot.analytics.models import ReportRun, ReportSchedule, SegmentSnapshot

DEMO_SCHEDULE = "月度服务报告（演示）"


def analytics_demo_load(*, actor, customers) -> str:
    """Load once; later calls only report what is there."""
    if not ReportSchedule.objects.filter(name=DEMO_SCHEDULE).exists():
        today = timezone.localdate()
        day = today.replace(day=1)
        for _i in range(3):
            day = day - datetime.timedelta(days=1)
            services.segment_snapshot_take(actor=actor, as_of=day)
            day = day.replace(day=1)
        services.report_schedule_save(actor=actor, data={
            "name": DEMO_SCHEDULE, "scope": ReportScope.WAREHOUSE, "recipients": ["kefu-zhuguan@example.cn"],
            "active": True})
        month = policy.previous_month(today)
        from depot.orders.models import OutboundOrder

        first = (OutboundOrder.objects.filter(customer__in=[c.pk for c in customers]).order_by("customer__code")
                 .values_list("customer", flat=True).first())
        if first is not None:
            customer = next(c for c in customers if c.pk == first)
            run = services.report_request(actor=actor, scope=ReportScope.CUSTOMER, start=month.start, end=month.end,
                                          customer=customer)
            services.report_generate(run_id=run.pk)
    return _("数据分析：%(s)d条客户分群快照，%(r)d份月度报告，%(p)d个报告发送计划") % {
        "s": SegmentSnapshot.objects.count(), "r": ReportRun.objects.count(), "p": ReportSchedule.objects.count()}
