"""Jobs of the analytics app, run by `depot worker`: generate a report, and on the first day of
every month take the segment snapshot of last month, send the scheduled reports and plan the
churn follow-ups. Periodic jobs act as the analytics system user (`system_actor`)."""

import logging

from django.utils import timezone
from procrastinate.contrib.django import app

from depot.analytics import policy, services
from depot.core.accounts import technical_user
from depot.core.errors import DomainError

logger = logging.getLogger("depot.analytics")

SYSTEM_USERNAME = "depot-analytics"
SYSTEM_NAME = "系统（数据分析）"
SYSTEM_PERMISSIONS = (
    "customers.view_customer", "customers.view_all_customers", "orders.view_outboundorder",
    "inventory.view_balance", "inventory.view_stockmove", "inventory.view_item",
    "analytics.view_analytics", "analytics.manage_reports",
)


def system_actor():
    """The analytics system user: cannot sign in, sees every customer, may read what the reports
    need and nothing else."""
    return technical_user(username=SYSTEM_USERNAME, name=SYSTEM_NAME, permissions=SYSTEM_PERMISSIONS)


def monthly_run(*, today=None) -> dict:
    today = today or timezone.localdate()
    actor = system_actor()
    month = policy.previous_month(today)
    out = {"snapshots": services.segment_snapshot_take(actor=actor, as_of=month.end),
           "reports": len(services.reports_monthly_send(actor=actor, today=today))}
    try:
        out["followups"] = len(services.churn_followups_schedule(actor=actor, today=today))
    except DomainError as exc:
        logger.warning("churn follow-ups not planned: %s", exc)
    return out


@app.periodic(cron="30 6 1 * *")
@app.task(name="analytics.monthly", queue="reports", queueing_lock="analytics.monthly")
def analytics_monthly(timestamp: int) -> None:
    logger.info("analytics monthly run: %s", monthly_run())


@app.task(name="analytics.generate_report", queue="reports")
def generate_report(run_id: int) -> None:
    services.report_generate(run_id=run_id)
