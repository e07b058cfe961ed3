"""Jobs of the orders app, run by `depot worker`. Thin: each calls a service or a selector.

Periodic jobs act as the system user (`system_actor`): an account that cannot sign in (no usable
password, not staff) holding only the permissions the jobs need, so the timeline shows “系统” as
the one who allocated a held order.
"""

import datetime
import logging

from django.utils import timezone
from procrastinate.contrib.django import app

from depot.core.accounts import technical_user
from depot.orders import selectors, services

logger = logging.getLogger("depot.orders")

SYSTEM_USERNAME = "depot-system"
SYSTEM_NAME = "系统"
SYSTEM_PERMISSIONS = (
    "customers.view_customer", "customers.view_all_customers",
    "orders.view_outboundorder", "orders.audit_outbound",
    "inventory.view_reservation", "inventory.reserve_stock",
)
STUCK_SCAN_MINUTES = 15


def system_actor():
    """The system user, created on first use; its permissions are set again every time, so a
    change of SYSTEM_PERMISSIONS takes effect without a migration."""
    return technical_user(username=SYSTEM_USERNAME, name=SYSTEM_NAME, permissions=SYSTEM_PERMISSIONS)


def retry_held(*, limit: int = 200) -> list:
    """Try the orders held for stock again (VIP first); returns the orders allocated now."""
    allocated = services.outbound_retry_held(actor=system_actor(), limit=limit)
    if allocated:
        logger.info("held orders allocated: %s", ", ".join(o.number for o in allocated))
    return allocated


def scan_stuck(*, now=None, minutes: int = STUCK_SCAN_MINUTES) -> list:
    """Log the orders that became stuck since the previous scan (each one once, not at every
    scan); the dashboard lists all of them. Returns the newly stuck orders."""
    now = now or timezone.now()
    newly = [o for o in selectors.stuck_orders(user=system_actor(), now=now)
             if o.entered_at + o.stuck_limit > now - datetime.timedelta(minutes=minutes)]
    for order in newly:
        logger.warning("order %s has been %s since %s", order.number, order.get_state_display(),
                       timezone.localtime(order.entered_at).strftime("%Y-%m-%d %H:%M"))
    return newly


@app.periodic(cron="*/10 * * * *")
@app.task(name="orders.retry_held", queue="orders", queueing_lock="orders.retry_held")
def retry_held_orders(timestamp: int) -> None:
    retry_held()


@app.periodic(cron=f"*/{STUCK_SCAN_MINUTES} * * * *")
@app.task(name="orders.scan_stuck", queue="orders", queueing_lock="orders.scan_stuck")
def scan_stuck_orders(timestamp: int) -> None:
    scan_stuck()


@app.task(name="orders.import_excel", queue="imports")
def import_orders(import_id: int) -> None:
    from depot.orders.excel import order_import_run

    order_import_run(import_id=import_id)
