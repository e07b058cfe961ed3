"""Reads of custody (保管养护): inspection plans due, readings per zone, alerts and the stock an
alert concerns. Plans and readings are the warehouse's own records (anyone with the view
permission sees them); the stock behind an alert is scoped to the customers the user may see."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, When
from django.utils import timezone

from depot.core.errors import NotFound
from depot.inventory.choices import AlertState
from depot.inventory.models import (
    EnvironmentAlert,
    EnvironmentReading,
    Inspection,
    InspectionPlan,
    Item,
    Lot,
    StockMove,
    Zone,
)
from depot.inventory.selectors import _can, _owners


def inspection_plan_list(*, user) -> QuerySet[InspectionPlan]:
    if not _can(user, "inventory.view_inspectionplan"):
        return InspectionPlan.objects.none()
    return InspectionPlan.objects.select_related("warehouse", "zone__warehouse", "responsible")


def inspection_plan_get(*, user, pk) -> InspectionPlan:
    try:
        return inspection_plan_list(user=user).get(pk=pk)
    except (InspectionPlan.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def inspection_plans_due(*, user, today: datetime.date | None = None, within_days: int = 0
                         ) -> QuerySet[InspectionPlan]:
    """Active plans due by `today` (+ `within_days`), oldest due date first, annotated with
    `overdue` (the due date has passed)."""
    today = today or timezone.localdate()
    return (inspection_plan_list(user=user)
            .filter(is_active=True, next_due__lte=today + datetime.timedelta(days=within_days))
            .annotate(overdue=Case(When(next_due__lt=today, then=True), default=False))
            .order_by("next_due", "title"))


def inspection_list(*, user, plan: InspectionPlan | None = None) -> QuerySet[Inspection]:
    if not _can(user, "inventory.view_inspection"):
        return Inspection.objects.none()
    qs = Inspection.objects.select_related("plan", "done_by")
    return qs.filter(plan=plan) if plan is not None else qs


def reading_list(*, user, zone: Zone | None = None, since: datetime.datetime | None = None,
                 until: datetime.datetime | None = None) -> QuerySet[EnvironmentReading]:
    if not _can(user, "inventory.view_environmentreading"):
        return EnvironmentReading.objects.none()
    qs = EnvironmentReading.objects.select_related("zone__warehouse", "recorded_by")
    if zone is not None:
        qs = qs.filter(zone=zone)
    if since is not None:
        qs = qs.filter(measured_at__gte=since)
    if until is not None:
        qs = qs.filter(measured_at__lt=until)
    return qs.order_by("-measured_at", "-id")


def zones_with_readings(*, user, since: datetime.datetime) -> QuerySet[Zone]:
    """Active zones that have readings since `since`, in warehouse and code order."""
    if not _can(user, "inventory.view_environmentreading"):
        return Zone.objects.none()
    recent = EnvironmentReading.objects.filter(zone=OuterRef("pk"), measured_at__gte=since)
    return (Zone.objects.filter(Exists(recent)).select_related("warehouse")
            .order_by("warehouse__code", "code"))


def alert_list(*, user, state: str | None = None, active: bool = False) -> QuerySet[EnvironmentAlert]:
    if not _can(user, "inventory.view_environmentalert"):
        return EnvironmentAlert.objects.none()
    qs = EnvironmentAlert.objects.select_related("zone__warehouse", "reading", "last_reading",
                                                 "acknowledged_by", "closed_by")
    if state:
        qs = qs.filter(state=state)
    if active:
        qs = qs.exclude(state=AlertState.CLOSED)
    return qs.order_by("-opened_at", "-id")


def alert_get(*, user, pk) -> EnvironmentAlert:
    try:
        return alert_list(user=user).get(pk=pk)
    except (EnvironmentAlert.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@dataclass(frozen=True)
class AffectedStock:
    owner: object
    item: Item
    lot: Lot
    quantity: int


def alert_affected_stock(*, user, alert: EnvironmentAlert) -> list[AffectedStock]:
    """What was stored in the alert's zone when the reading that opened it was taken, per owner,
    item and lot — rebuilt from the ledger, so a closed alert still shows what it concerned — for
    the customers the user may see."""
    if not _can(user, "inventory.view_balance"):
        return []
    zone_id = alert.zone_id
    signed = (Case(When(to_location__zone_id=zone_id, then=F("quantity")), default=0, output_field=IntegerField())
              - Case(When(from_location__zone_id=zone_id, then=F("quantity")), default=0,
                     output_field=IntegerField()))
    rows = (StockMove.objects.filter(owner__in=_owners(user), at__lte=alert.reading.measured_at)
            .filter(Q(to_location__zone_id=zone_id) | Q(from_location__zone_id=zone_id))
            .values("item_id", "lot_id").annotate(quantity=Sum(signed)).filter(quantity__gt=0))
    rows = list(rows)
    lots = Lot.objects.in_bulk([r["lot_id"] for r in rows])
    items = Item.objects.select_related("owner").in_bulk([r["item_id"] for r in rows])
    out = [AffectedStock(owner=items[r["item_id"]].owner, item=items[r["item_id"]], lot=lots[r["lot_id"]],
                         quantity=r["quantity"]) for r in rows]
    return sorted(out, key=lambda a: (a.owner.code, a.item.code, a.lot.lot_number))
