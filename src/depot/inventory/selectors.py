"""Reads of inventory, scoped by user: staff see the stock of the customers they may see
(`customers.selectors.customer_list`: a CS specialist their own customers, keepers and
supervisors all), and only with the matching view permission."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.errors import NotFound, ValidationFailed
from depot.customers.selectors import customer_list, within_customers
from depot.inventory import policy
from depot.inventory.choices import CountState, LocationKind, LocationStatus, ReservationState
from depot.inventory.models import (
    Balance,
    Count,
    CountLine,
    CountLocation,
    Item,
    Location,
    Lot,
    Reservation,
    StockMove,
    Zone,
)


def _can(user, perm: str) -> bool:
    return bool(user and user.is_active and user.has_perm(perm))


def _owners(user):
    return customer_list(user=user)


def _zero():
    return Value(0, output_field=IntegerField())


def item_list(*, user, owner=None) -> QuerySet[Item]:
    if not _can(user, "inventory.view_item"):
        return Item.objects.none()
    qs = within_customers(Item.objects.all(), user=user, field="owner").select_related("owner")
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs


def item_get(*, user, pk) -> Item:
    try:
        return item_list(user=user).get(pk=pk)
    except (Item.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def lot_get(*, user, pk) -> Lot:
    """A lot of a visible customer's item (NotFound otherwise)."""
    try:
        if not _can(user, "inventory.view_lot"):
            raise Lot.DoesNotExist
        return within_customers(Lot.objects.select_related("item__owner"), user=user, field="item__owner").get(pk=pk)
    except (Lot.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _balances(user) -> QuerySet[Balance]:
    if not _can(user, "inventory.view_balance"):
        return Balance.objects.none()
    return within_customers(Balance.objects.all(), user=user, field="item__owner")


def _with_stock(items: QuerySet[Item], warehouse) -> QuerySet[Item]:
    cond = Q(balances__location__zone__warehouse=warehouse) if warehouse is not None else None
    on_hand = Coalesce(Sum("balances__on_hand", filter=cond), _zero())
    reserved = Coalesce(Sum("balances__reserved", filter=cond), _zero())
    return items.annotate(on_hand=on_hand, reserved=reserved, available=on_hand - reserved)


def stock_by_item(*, user, owner=None, warehouse=None) -> QuerySet[Item]:
    """Visible items annotated with `on_hand`, `reserved`, `available` (optionally in one warehouse)."""
    if not _can(user, "inventory.view_balance"):
        return Item.objects.none()
    return _with_stock(item_list(user=user, owner=owner), warehouse).order_by("owner__code", "code")


def customer_stock_by_item(*, user, customer, warehouse=None) -> QuerySet[Item]:
    """`stock_by_item(user=user, owner=customer)` for a caller that already knows the user sees
    `customer` (the API, whose token pins the customer): the same rows, without the subquery of
    visible customers and without joining the customer."""
    if not (_can(user, "inventory.view_balance") and _can(user, "inventory.view_item")):
        return Item.objects.none()
    return _with_stock(Item.objects.filter(owner=customer), warehouse).order_by("code")


def stock_by_lot(*, user, item=None, owner=None, warehouse=None) -> QuerySet[Lot]:
    """Lots with stock, annotated with `on_hand`, `reserved`, `available`; FIFO/FEFO order."""
    if not _can(user, "inventory.view_balance"):
        return Lot.objects.none()
    cond = Q(balances__location__zone__warehouse=warehouse) if warehouse is not None else None
    on_hand = Coalesce(Sum("balances__on_hand", filter=cond), _zero())
    reserved = Coalesce(Sum("balances__reserved", filter=cond), _zero())
    qs = within_customers(Lot.objects.all(), user=user, field="item__owner").select_related("item", "item__owner")
    if item is not None:
        qs = qs.filter(item=item)
    if owner is not None:
        qs = qs.filter(item__owner=owner)
    return (qs.annotate(on_hand=on_hand, reserved=reserved, available=on_hand - reserved)
            .filter(on_hand__gt=0).order_by("item__code", F("expiry_date").asc(nulls_last=True), "received_on"))


def stock_by_location(*, user, warehouse=None, zone=None, location=None, item=None, owner=None
                      ) -> QuerySet[Balance]:
    """Balances with stock, each with its item, lot and location (`available` is a property)."""
    qs = _balances(user).filter(on_hand__gt=0)
    for name, value in (("location__zone__warehouse", warehouse), ("location__zone", zone),
                        ("location", location), ("item", item), ("item__owner", owner)):
        if value is not None:
            qs = qs.filter(**{name: value})
    return (qs.select_related("item", "item__owner", "lot", "location", "location__zone__warehouse")
            .order_by("location__code", "item__code", "lot__lot_number"))


def stock_expiring(*, user, within_days: int, today: datetime.date | None = None, owner=None,
                   warehouse=None) -> QuerySet[Lot]:
    """Lots with stock whose expiry date falls within `within_days` from today, already expired
    ones included; soonest first."""
    if isinstance(within_days, bool) or not isinstance(within_days, int) or within_days < 0:
        raise ValidationFailed(details={"within_days": [_("天数必须是不小于零的整数")]})
    today = today or timezone.localdate()
    return (stock_by_lot(user=user, owner=owner, warehouse=warehouse)
            .filter(expiry_date__isnull=False, expiry_date__lte=today + datetime.timedelta(days=within_days))
            .order_by("expiry_date", "item__code"))


def item_moves(*, user, item=None, lot=None, location=None, owner=None, since=None, until=None,
               kinds=None) -> QuerySet[StockMove]:
    """The ledger of the visible customers' stock, newest first, filtered as asked."""
    if not _can(user, "inventory.view_stockmove"):
        return StockMove.objects.none()
    qs = within_customers(StockMove.objects.all(), user=user, field="owner")
    if item is not None:
        qs = qs.filter(item=item)
    if lot is not None:
        qs = qs.filter(lot=lot)
    if location is not None:
        qs = qs.filter(Q(from_location=location) | Q(to_location=location))
    if owner is not None:
        qs = qs.filter(owner=owner)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.select_related("item", "lot", "from_location", "to_location", "actor", "owner").order_by("-at", "-id")


def reservations_for_document(*, user, document_type: str, document_ref: str) -> QuerySet[Reservation]:
    if not _can(user, "inventory.view_reservation"):
        return Reservation.objects.none()
    return (Reservation.objects.filter(document_type=document_type, document_ref=document_ref,
                                       balance__item__owner__in=_owners(user))
            .select_related("balance__item", "balance__lot", "balance__location").order_by("pk"))


def location_is_frozen():
    """Annotation: is a running count still waiting to count this location?"""
    return Exists(CountLocation.objects.filter(
        location=OuterRef("pk"), count__state=CountState.COUNTING, recorded_at__isnull=True))


@dataclass(frozen=True)
class PutawaySuggestion:
    location: Location
    free: int | None


def putaway_suggestions(*, item: Item, quantity: int, warehouse, lot: Lot | None = None,
                        limit: int = 5) -> list[PutawaySuggestion]:
    """Storage locations of `warehouse` that accept `item` and have room for `quantity` now,
    best first (`policy.rank_putaway`)."""
    zones = [z for z in Zone.objects.filter(warehouse=warehouse, is_active=True) if policy.location_accepts(item, z)]
    if not zones:
        return []
    locations = {loc.pk: loc for loc in Location.objects.filter(
        zone__in=zones, kind=LocationKind.STORAGE, status=LocationStatus.ACTIVE,
    ).annotate(frozen=location_is_frozen()).filter(frozen=False).select_related("zone")}
    lines: dict[int, dict] = {pk: {} for pk in locations}
    for loc_id, item_id, lot_id, qty, pq in (Balance.objects.filter(location_id__in=list(locations), on_hand__gt=0)
                                             .values_list("location_id", "item_id", "lot_id", "on_hand",
                                                          "item__pallet_quantity")):
        lines[loc_id][(item_id, lot_id)] = policy.Line(qty, pq)
    lot_id = lot.pk if lot is not None else None
    options = []
    for pk, loc in locations.items():
        held = lines[pk]
        key = (item.pk, lot_id)
        if not policy.capacity_check(capacity=loc.capacity, unit=loc.capacity_unit, lines=held, key=key,
                                     quantity=quantity, pallet_quantity=item.pallet_quantity):
            continue
        options.append(policy.PutawayOption(
            key=pk, code=loc.code, zone_temperature=loc.zone.temperature_class, zone_hazard=loc.zone.hazard_class,
            free=policy.free_capacity(capacity=loc.capacity, unit=loc.capacity_unit, lines=held.values()),
            holds_same_lot=lot_id is not None and key in held,
            holds_same_item=any(i == item.pk for i, _l in held),
        ))
    return [PutawaySuggestion(locations[o.key], o.free) for o in policy.rank_putaway(item, options)[:limit]]


def count_list(*, user) -> QuerySet[Count]:
    if not _can(user, "inventory.view_count"):
        return Count.objects.none()
    return (Count.objects.select_related("warehouse", "zone__warehouse", "created_by", "decided_by")
            .order_by("-created_at", "-id"))


def count_sheet(*, user, count: Count) -> list[dict]:
    """The blind counting sheet: each location to count, whether it is done, and (for a count of
    chosen items) the items to look for. No system quantities."""
    if not _can(user, "inventory.view_count"):
        raise NotFound()
    items = [str(i) for i in count.items.all()]
    return [
        {"location": entry.location, "recorded": entry.recorded_at is not None, "items": items}
        for entry in count.locations.select_related("location").order_by("location__code")
    ]


def count_variances(*, user, count: Count) -> list[CountLine]:
    """Lines whose counted quantity differs from the system's, with `value` (variance × unit
    value). Shown only once the count is submitted, so counting stays blind."""
    if not _can(user, "inventory.view_count"):
        raise NotFound()
    if count.state in (CountState.PLANNED, CountState.COUNTING, CountState.CANCELLED):
        return []
    lines = [line for line in count.lines.select_related("item", "lot", "location") if line.variance]
    for line in lines:
        line.value = Decimal(line.variance) * line.item.unit_value
    return lines


def open_reservations_for_documents(*, user, document_type: str, document_refs, storage_only: bool = False
                                    ) -> QuerySet[Reservation]:
    """The open reservations of several documents at once (a pick wave), with balance, item, lot
    and location; `storage_only` leaves out stock already picked to staging."""
    if not _can(user, "inventory.view_reservation"):
        return Reservation.objects.none()
    qs = Reservation.objects.filter(document_type=document_type, document_ref__in=list(document_refs),
                                    state=ReservationState.OPEN, balance__item__owner__in=_owners(user))
    if storage_only:
        qs = qs.filter(balance__location__kind=LocationKind.STORAGE)
    return qs.select_related("balance__item", "balance__lot", "balance__location").order_by("pk")


def receiving_location_for(*, item: Item, warehouse) -> Location | None:
    """The first active receiving (dock) location of `warehouse` whose zone may hold `item`."""
    candidates = (Location.objects.filter(zone__warehouse=warehouse, kind=LocationKind.RECEIVING,
                                          status=LocationStatus.ACTIVE, zone__is_active=True)
                  .select_related("zone").order_by("code"))
    for location in candidates:
        if policy.location_accepts(item, location.zone):
            return location
    return None
