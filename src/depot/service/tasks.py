"""Jobs of the service app, run by `depot worker`. Thin: each calls a service.

Escalations made by a job have no actor: the timeline and the audit trail show “系统”.
"""

import logging

from procrastinate.contrib.django import app

from depot.service import services

logger = logging.getLogger("depot.service")

ESCALATION_SCAN_MINUTES = 5


def escalate_due(*, now=None) -> dict:
    """Warn about complaints near their deadline, escalate the complaints and inquiries that missed it."""
    done = services.complaints_escalate_due(now=now)
    done["inquiries"] = services.inquiries_escalate_overdue(now=now)
    if done["escalated"] or done["inquiries"]:
        logger.info("escalated complaints: %s; inquiries: %s", ", ".join(done["escalated"]) or "-",
                       ", ".join(str(i) for i in done["inquiries"]) or "-")
    return done


@app.periodic(cron=f"*/{ESCALATION_SCAN_MINUTES} * * * *")
@app.task(name="service.escalate_due", queue="service", queueing_lock="service.escalate_due")
def escalate_due_job(timestamp: int) -> None:
    escalate_due()
