"""The orders' periodic jobs: held orders are retried as the system user, stuck orders are flagged."""

import datetime

from django.utils import timezone
from procrastinate.contrib.django import app

from depot.orders import selectors, tasks
from depot.orders.choices import HoldKind, OutboundState
from depot.orders.models import OrderEvent


def test_the_periodic_jobs_are_registered_with_the_worker():
    schedules = {key[0]: p.cron for key, p in app.periodic_registry.periodic_tasks.items()}

    assert schedules["orders.retry_held"] == "*/10 * * * *"
    assert schedules["orders.scan_stuck"] == "*/15 * * * *"
    assert "orders.import_excel" in app.tasks


def test_held_orders_are_allocated_by_the_system_user_once_stock_arrives(wh, biscuits, stock, submit):
    order = submit([{"item_code": "BIS-1", "quantity": 5}])
    assert (order.state, order.hold_kind) == (OutboundState.HELD, HoldKind.STOCK)
    stock(biscuits, 8, wh.loc["AMB-01"])

    app.tasks["orders.retry_held"](timestamp=0)

    order.refresh_from_db()
    assert order.state == OutboundState.ALLOCATED
    system = order.events.order_by("at", "id").last().actor
    assert system.username == tasks.SYSTEM_USERNAME and system.first_name == "系统"
    assert not system.has_usable_password() and not system.is_staff


def test_the_system_user_is_created_once_with_only_the_permissions_the_jobs_need(db):
    first = tasks.system_actor()
    again = tasks.system_actor()

    assert first.pk == again.pk
    assert again.has_perm("orders.audit_outbound") and again.has_perm("inventory.reserve_stock")
    assert not again.has_perm("orders.cancel_outbound") and not again.has_perm("customers.change_customer")


def _entered(order, hours_ago: float) -> None:
    OrderEvent.objects.filter(outbound=order, to_state=order.state).update(
        at=timezone.now() - datetime.timedelta(hours=hours_ago))


def test_an_order_waiting_for_its_audit_longer_than_the_limit_is_stuck(wh, biscuits, specialist, customer, supervisor,
                                                                      settings):
    from depot.orders import services
    from tests.orders.conftest import order_data

    waiting, _ = services.outbound_create(actor=specialist, customer=customer, data=order_data(), channel="phone",
                                          lines=[{"item_code": "BIS-1", "quantity": 1}])
    fresh, _ = services.outbound_create(actor=specialist, customer=customer, data=order_data(), channel="phone",
                                        lines=[{"item_code": "BIS-1", "quantity": 2}], external_ref="NEW")
    _entered(waiting, 3)
    _entered(fresh, 1)

    stuck = list(selectors.stuck_orders(user=supervisor))

    assert [o.number for o in stuck] == [waiting.number]
    assert stuck[0].stuck_limit == datetime.timedelta(hours=2)
    settings.DEPOT_ORDER_STUCK_AFTER = {OutboundState.PENDING_AUDIT: datetime.timedelta(minutes=30)}
    assert {o.number for o in selectors.stuck_orders(user=supervisor)} == {waiting.number, fresh.number}
    settings.DEPOT_ORDER_STUCK_AFTER = {OutboundState.PENDING_AUDIT: None}
    assert not selectors.stuck_orders(user=supervisor).exists()


def test_the_scan_reports_a_stuck_order_once_not_at_every_run(wh, biscuits, specialist, customer, caplog):
    from depot.orders import services
    from tests.orders.conftest import order_data

    order, _ = services.outbound_create(actor=specialist, customer=customer, data=order_data(), channel="phone",
                                        lines=[{"item_code": "BIS-1", "quantity": 1}])
    _entered(order, 2.1)  # became stuck six minutes ago
    now = timezone.now()

    first = tasks.scan_stuck(now=now)
    later = tasks.scan_stuck(now=now + datetime.timedelta(minutes=tasks.STUCK_SCAN_MINUTES))

    assert [o.number for o in first] == [order.number]
    assert later == []
    assert [r.getMessage() for r in caplog.records if order.number in r.getMessage()] == [
        f"order {order.number} has been 待审核 since "
        f"{timezone.localtime(order.events.get().at):%Y-%m-%d %H:%M}"]
