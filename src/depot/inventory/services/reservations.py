"""The reservation API the orders app uses: reserve stock for a document following the item's
rotation policy, release it, pick it (to an outbound staging location) and ship it.

A reservation is a row on one balance; `Balance.reserved` is the sum of the open quantities of
its open reservations and changes only under that balance's row lock, in the transaction that
writes the reservation. Picking moves the reserved stock to a staging location and carries the
reservation over to the staging balance (a new reservation whose `source` is the picked one), so
picked goods stay held for their document until they are shipped.
"""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.db import update_rows
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.selectors import sees_all_customers
from depot.inventory import policy
from depot.inventory.choices import LocationKind, LocationStatus, MoveKind, ReservationState
from depot.inventory.errors import InsufficientStock, LocationRejected
from depot.inventory.models import Balance, Item, Location, Reservation, StockMove
from depot.inventory.services._ledger import (
    MoveSpec,
    lock_balances,
    positive_quantity,
    post_move,
    post_moves,
    require_visible_item,
    virtual_location,
    virtual_location_from,
    virtual_location_id,
    visible_item,
    visible_items,
)


def _require_document(document_type: str, document_ref: str) -> tuple[str, str]:
    document_type, document_ref = (document_type or "").strip(), (document_ref or "").strip()
    errors = {}
    if not document_type:
        errors["document_type"] = [_("请填写单据类型")]
    if not document_ref:
        errors["document_ref"] = [_("请填写单据编号")]
    if errors:
        raise ValidationFailed(details=errors)
    return document_type, document_ref


def reservable_balances(*, items, warehouse=None, today: datetime.date | None = None):
    """Balances stock may be reserved from: storage locations that are active, in an active zone,
    with stock available, of lots not yet expired."""
    today = today or timezone.localdate()
    qs = Balance.objects.filter(
        item__in=items, location__kind=LocationKind.STORAGE, location__status=LocationStatus.ACTIVE,
        location__zone__is_active=True, location__zone__warehouse__is_active=True, on_hand__gt=F("reserved"),
    ).filter(Q(lot__expiry_date__isnull=True) | Q(lot__expiry_date__gte=today))
    if warehouse is not None:
        qs = qs.filter(location__zone__warehouse=warehouse)
    return qs


def _close_if_done(reservation: Reservation) -> None:
    if reservation.open_quantity == 0:
        reservation.state = ReservationState.CONSUMED if reservation.consumed else ReservationState.RELEASED
        reservation.closed_at = timezone.now()


@transaction.atomic
def reservations_create(*, actor, lines: list[tuple[Item, int]], document_type: str, document_ref: str,
                        warehouse=None, allow_partial: bool = False,
                        today: datetime.date | None = None) -> list[Reservation]:
    """Reserve several items for one document at once (use this rather than several
    `reservation_create` calls in one transaction: all balances are locked in one pk-ordered pass).

    For each (item, quantity) line, stock is taken across lots and locations in the item's
    rotation order (FIFO by receipt date, FEFO by expiry). All-or-nothing: raises InsufficientStock
    (item, requested, available) for the first line that cannot be met in full, unless
    `allow_partial`, which reserves what there is (possibly nothing). Returns the new reservations.
    """
    return reserve_for_document(actor=actor, lines=lines, document_type=document_type, document_ref=document_ref,
                                warehouse=warehouse, allow_partial=allow_partial, today=today)


def reserve_for_document(*, actor, lines: list[tuple[Item, int]], document_type: str, document_ref: str,
                         warehouse=None, allow_partial: bool = False, today: datetime.date | None = None,
                         items_read: bool = False) -> list[Reservation]:
    """`reservations_create` inside the caller's transaction, without a savepoint of its own: it
    raises (InsufficientStock, ValidationFailed, NotFound, PermissionDenied) only before writing
    anything, so a caller may catch InsufficientStock and go on (an order then held for stock).
    Reads the items once, locks the balances in pk order, writes them in one UPDATE and the
    reservations in one INSERT.

    `items_read`: the caller read these items in its transaction, of a customer the actor may see
    (an order's lines just taken in): they are used as they are instead of being read again."""
    require_perm(actor, "inventory.reserve_stock")
    document_type, document_ref = _require_document(document_type, document_ref)
    if not lines:
        raise ValidationFailed(details={"lines": [_("没有要预留的货品")]})
    seen = set()
    for item, quantity in lines:
        positive_quantity(quantity)
        if item.pk in seen:
            raise ValidationFailed(details={"lines": [_("货品%(item)s重复出现") % {"item": item}]})
        seen.add(item.pk)
    if not items_read:
        current = visible_items(actor, [item for item, _q in lines])
        lines = [(current[item.pk], quantity) for item, quantity in lines]
    locked = list(
        reservable_balances(items=[item for item, _q in lines], warehouse=warehouse, today=today)
        .select_related("lot", "location").select_for_update(of=("self",)).order_by("pk")
    )
    by_item: dict[int, list[Balance]] = {}
    for balance in locked:
        by_item.setdefault(balance.item_id, []).append(balance)

    plan: list[tuple[Item, Balance, int]] = []
    for item, quantity in lines:
        balances = {b.pk: b for b in by_item.get(item.pk, [])}
        candidates = [
            policy.Candidate(key=b.pk, available=b.on_hand - b.reserved, received_on=b.lot.received_on,
                             expiry_date=b.lot.expiry_date, location_code=b.location.code)
            for b in balances.values()
        ]
        allocation = policy.allocate(candidates, quantity, item.rotation)
        taken = sum(q for _c, q in allocation)
        if taken < quantity and not allow_partial:
            raise InsufficientStock(item=item, requested=quantity, available=sum(c.available for c in candidates))
        plan.extend((item, balances[c.key], q) for c, q in allocation)
    if not plan:
        return []

    now = timezone.now()
    reservations = []
    for _item, balance, quantity in plan:
        balance.reserved += quantity
        balance.updated_at = now
        reservations.append(Reservation(
            balance=balance, quantity=quantity, document_type=document_type, document_ref=document_ref,
            created_by=actor,
        ))
    # The balances are row-locked above: writing the computed values is safe, in one statement.
    update_rows(Balance, [balance for _item, balance, _q in plan], ["reserved", "updated_at"])
    return Reservation.objects.bulk_create(reservations)


def reservation_create(*, actor, item: Item, quantity: int, document_type: str, document_ref: str,
                       warehouse=None, allow_partial: bool = False,
                       today: datetime.date | None = None) -> list[Reservation]:
    """Reserve `quantity` of `item` for a document; see `reservations_create`. Returns one
    reservation per (lot, location) used."""
    return reservations_create(actor=actor, lines=[(item, quantity)], document_type=document_type,
                               document_ref=document_ref, warehouse=warehouse, allow_partial=allow_partial,
                               today=today)


def _lock_open(reservation: Reservation) -> Reservation:
    reservation = (Reservation.objects.select_for_update(of=("self",))
                   .select_related("balance__item", "balance__lot", "balance__location__zone__warehouse")
                   .get(pk=reservation.pk))
    if reservation.state != ReservationState.OPEN:
        raise IllegalTransition(_("预留已%(state)s，不能再操作") % {"state": reservation.get_state_display()})
    return reservation


def _part(reservation: Reservation, quantity: int | None) -> int:
    if quantity is None:
        return reservation.open_quantity
    quantity = positive_quantity(quantity)
    if quantity > reservation.open_quantity:
        raise ValidationFailed(details={"quantity": [
            _("超过预留的未完成数量%(n)d") % {"n": reservation.open_quantity}]})
    return quantity


def _release_locked(reservation: Reservation, quantity: int) -> None:
    balance = lock_balances([(reservation.balance.item_id, reservation.balance.lot_id,
                              reservation.balance.location_id)])[
        (reservation.balance.item_id, reservation.balance.lot_id, reservation.balance.location_id)]
    balance.reserved -= quantity
    balance.save(update_fields=["reserved", "updated_at"])
    reservation.released += quantity
    _close_if_done(reservation)
    reservation.save(update_fields=["released", "state", "closed_at"])


@transaction.atomic
def reservation_release(*, actor, reservation: Reservation, quantity: int | None = None) -> Reservation:
    """Give back all (or `quantity`) of an open reservation. Locks the reservation, then its balance.
    Raises IllegalTransition when the reservation is already closed."""
    require_perm(actor, "inventory.reserve_stock")
    reservation = _lock_open(reservation)
    require_visible_item(actor, reservation.balance.item)
    _release_locked(reservation, _part(reservation, quantity))
    return reservation


def _document_open(document_type: str, document_ref: str):
    return Reservation.objects.filter(document_type=document_type, document_ref=document_ref,
                                      state=ReservationState.OPEN)


@transaction.atomic
def document_release(*, actor, document_type: str, document_ref: str) -> int:
    """Release every open reservation of a document (an order cancelled). Returns the quantity."""
    require_perm(actor, "inventory.reserve_stock")
    open_ = list(_document_open(document_type, document_ref).select_related("balance__item")
                 .select_for_update(of=("self",)).order_by("pk"))
    for reservation in open_:
        require_visible_item(actor, reservation.balance.item)
    lock_balances([(r.balance.item_id, r.balance.lot_id, r.balance.location_id) for r in open_])
    total = 0
    for reservation in open_:
        quantity = reservation.open_quantity
        _release_locked(reservation, quantity)
        total += quantity
    return total


def default_staging(*, item: Item, location: Location) -> Location:
    """The outbound staging location for stock picked at `location`: an active staging location of
    the same zone, else one in the same warehouse whose zone accepts the item."""
    same_zone = (Location.objects.filter(zone=location.zone, kind=LocationKind.STAGING,
                                         status=LocationStatus.ACTIVE).order_by("code").first())
    if same_zone:
        return same_zone
    others = (Location.objects.filter(zone__warehouse=location.zone.warehouse_id, kind=LocationKind.STAGING,
                                      status=LocationStatus.ACTIVE, zone__is_active=True)
              .select_related("zone").order_by("code"))
    for candidate in others:
        if policy.location_accepts(item, candidate.zone):
            return candidate
    raise LocationRejected(location=location, field="to_location", reason=_("仓库内没有可接收该货品的出库暂存库位"))


def zone_staging(zone_ids) -> dict[int, Location]:
    """{zone id: the zone's own outbound staging location} for those of `zone_ids` that have one,
    in one statement: what `default_staging` chooses first (the zone's first active staging
    location by code), whatever the item."""
    rows = (Location.objects.filter(zone_id__in=[z for z in zone_ids if z is not None], kind=LocationKind.STAGING,
                                    status=LocationStatus.ACTIVE).order_by("zone_id", "code").distinct("zone_id"))
    return {location.zone_id: location for location in rows}


@transaction.atomic
def reservation_consume(*, actor, reservation: Reservation, quantity: int | None = None,
                        to_location: Location | None = None, at=None) -> Reservation:
    """Pick reserved stock: post a `pick` move of all (or `quantity`) of the reservation from its
    storage location to an outbound staging location (`to_location` or `default_staging`), and
    carry the reservation over to the staging balance. Returns that staged reservation; ship it
    with `reservation_ship`. Locks the reservation, the two locations, then the two balances.
    """
    require_perm(actor, "inventory.pick_stock")
    reservation = _lock_open(reservation)
    balance = reservation.balance
    require_visible_item(actor, balance.item)
    if balance.location.kind != LocationKind.STORAGE:
        raise IllegalTransition(_("该预留的货品已拣到出库暂存区，请发货或释放"))
    quantity = _part(reservation, quantity)
    staging = to_location or default_staging(item=balance.item, location=balance.location)
    if staging.kind != LocationKind.STAGING:
        raise LocationRejected(location=staging, field="to_location", reason=_("拣货只能拣到出库暂存库位"))
    move = post_move(kind=MoveKind.PICK, item=balance.item, lot=balance.lot, source=balance.location, dest=staging,
              quantity=quantity, actor=actor, document_type=reservation.document_type,
              document_ref=reservation.document_ref, reservation=reservation, consume_reserved=quantity, at=at)
    reservation.consumed += quantity
    _close_if_done(reservation)
    reservation.save(update_fields=["consumed", "state", "closed_at"])
    staged_balance = move.locked_balances[(balance.item_id, balance.lot_id, staging.pk)]
    staged_balance.reserved += quantity
    staged_balance.save(update_fields=["reserved", "updated_at"])
    return Reservation.objects.create(
        balance=staged_balance, quantity=quantity, document_type=reservation.document_type,
        document_ref=reservation.document_ref, source=reservation, created_by=actor,
    )


def _ship_locked(*, actor, reservation: Reservation, quantity: int, at=None) -> StockMove:
    balance = reservation.balance
    if balance.location.kind != LocationKind.STAGING:
        raise IllegalTransition(_("只能发运已拣到出库暂存区的货品，请先拣货"))
    move = post_move(kind=MoveKind.SHIPMENT, item=balance.item, lot=balance.lot, source=balance.location,
                     dest=virtual_location(LocationKind.CUSTOMER), quantity=quantity, actor=actor,
                     document_type=reservation.document_type, document_ref=reservation.document_ref,
                     reservation=reservation, consume_reserved=quantity, at=at)
    reservation.consumed += quantity
    _close_if_done(reservation)
    reservation.save(update_fields=["consumed", "state", "closed_at"])
    return move


@transaction.atomic
def reservation_ship(*, actor, reservation: Reservation, quantity: int | None = None, at=None) -> StockMove:
    """Ship picked stock: a `shipment` move from the staging location to the virtual customer
    location, consuming the staged reservation."""
    require_perm(actor, "inventory.pick_stock")
    reservation = _lock_open(reservation)
    require_visible_item(actor, reservation.balance.item)
    return _ship_locked(actor=actor, reservation=reservation, quantity=_part(reservation, quantity), at=at)


@transaction.atomic
def document_ship(*, actor, document_type: str, document_ref: str, at=None) -> list[StockMove]:
    """Ship everything picked for a document. Locks its staged reservations, their locations and
    balances up front, each in pk order, and posts all the shipment moves at once."""
    return document_ship_in_transaction(actor=actor, document_type=document_type, document_ref=document_ref, at=at)


def document_ship_in_transaction(*, actor, document_type: str, document_ref: str, at=None) -> list[StockMove]:
    """`document_ship` inside the caller's transaction, without a savepoint of its own (it raises
    only before writing anything)."""
    require_perm(actor, "inventory.pick_stock")
    staged = list(_document_open(document_type, document_ref)
                  .filter(balance__location__kind=LocationKind.STAGING)
                  .select_related("balance__item", "balance__lot", "balance__location")
                  .annotate(customer_location_id=virtual_location_id(LocationKind.CUSTOMER))
                  .select_for_update(of=("self",)).order_by("pk"))
    if not staged:
        raise ValidationFailed(details={"document_ref": [_("该单据没有已拣货待发运的货品")]})
    if not sees_all_customers(actor):
        visible_items(actor, [r.balance.item for r in staged])
    customer = virtual_location_from(LocationKind.CUSTOMER, staged[0].customer_location_id)
    specs = [MoveSpec(kind=MoveKind.SHIPMENT, item=r.balance.item, lot=r.balance.lot, source=r.balance.location,
                      dest=customer, quantity=r.open_quantity, document_type=r.document_type,
                      document_ref=r.document_ref, reservation=r, consume_reserved=r.open_quantity)
             for r in staged]
    moves, _balances = post_moves(specs, actor=actor, at=at)
    for reservation in staged:
        reservation.consumed += reservation.open_quantity
        _close_if_done(reservation)
    update_rows(Reservation, staged, ["consumed", "state", "closed_at"])
    return moves


@transaction.atomic
def reservations_pick(*, actor, picks: list[tuple[Reservation, int]], at=None) -> list[Reservation]:
    """Pick several reservations in one pass (every line of a pick list): for each (reservation,
    quantity), what `reservation_consume` does — a `pick` move to the outbound staging location of
    the storage location's zone (`default_staging`), the reservation carried over to the staging
    balance. Locks the reservations, the locations, then the balances, each in pk order, once.
    Returns the staged reservations, in the order of `picks`. Raises IllegalTransition (a
    reservation closed or already picked), ValidationFailed, InsufficientStock, LocationRejected;
    nothing is written then."""
    return reservations_pick_in_transaction(actor=actor, picks=picks, at=at)


def reservations_pick_in_transaction(*, actor, picks: list[tuple[Reservation, int]], at=None) -> list[Reservation]:
    """`reservations_pick` inside the caller's transaction, without a savepoint of its own (it
    raises only before writing anything)."""
    require_perm(actor, "inventory.pick_stock")
    if not picks:
        return []
    wanted: dict[int, int] = {}
    for reservation, quantity in picks:
        if reservation.pk in wanted:
            raise ValidationFailed(details={"picks": [_("同一预留重复出现")]})
        wanted[reservation.pk] = quantity
    locked = {r.pk: r for r in (Reservation.objects.select_for_update(of=("self",))
                                .select_related("balance__item", "balance__lot", "balance__location")
                                .filter(pk__in=list(wanted)).order_by("pk"))}
    if len(locked) != len(wanted):
        raise NotFound()
    if not sees_all_customers(actor):
        visible_items(actor, [r.balance.item for r in locked.values()])
    staging_by_zone = zone_staging({r.balance.location.zone_id for r in locked.values()})
    specs, rows = [], []
    for pk, quantity in wanted.items():
        reservation = locked[pk]
        if reservation.state != ReservationState.OPEN:
            raise IllegalTransition(_("预留已%(state)s，不能再操作") % {"state": reservation.get_state_display()})
        balance = reservation.balance
        if balance.location.kind != LocationKind.STORAGE:
            raise IllegalTransition(_("该预留的货品已拣到出库暂存区，请发货或释放"))
        quantity = _part(reservation, quantity)
        staging = staging_by_zone.get(balance.location.zone_id)
        if staging is None:  # the zone has none: one elsewhere in the warehouse that accepts the item
            staging = default_staging(item=balance.item, location=balance.location)
        specs.append(MoveSpec(kind=MoveKind.PICK, item=balance.item, lot=balance.lot, source=balance.location,
                              dest=staging, quantity=quantity, document_type=reservation.document_type,
                              document_ref=reservation.document_ref, reservation=reservation,
                              consume_reserved=quantity, reserve_at_dest=quantity))
        rows.append((reservation, quantity, staging))
    _moves, balances = post_moves(specs, actor=actor, at=at)
    staged = []
    for reservation, quantity, staging in rows:
        reservation.consumed += quantity
        _close_if_done(reservation)
        balance = reservation.balance
        staged.append(Reservation(
            balance=balances[(balance.item_id, balance.lot_id, staging.pk)], quantity=quantity,
            document_type=reservation.document_type, document_ref=reservation.document_ref, source=reservation,
            created_by=actor,
        ))
    update_rows(Reservation, [r for r, _q, _s in rows], ["consumed", "state", "closed_at"])
    return Reservation.objects.bulk_create(staged)


@transaction.atomic
def lot_reserve(*, actor, lot, quantity: int, document_type: str, document_ref: str, warehouse=None,
                today: datetime.date | None = None) -> list[Reservation]:
    """Reserve `quantity` of one given lot for a document (CS chose it to replace stock found short
    or damaged), across the lot's reservable locations in location-code order. All-or-nothing:
    raises InsufficientStock naming the lot. Locks the lot's balances in pk order."""
    require_perm(actor, "inventory.reserve_stock")
    document_type, document_ref = _require_document(document_type, document_ref)
    quantity = positive_quantity(quantity)
    item = visible_item(actor, lot.item)
    locked = list(
        reservable_balances(items=[item], warehouse=warehouse, today=today).filter(lot=lot)
        .select_related("lot", "location").select_for_update(of=("self",)).order_by("pk")
    )
    available = sum(b.on_hand - b.reserved for b in locked)
    if available < quantity:
        raise InsufficientStock(item=item, requested=quantity, available=available,
                                where=_("批次%(lot)s") % {"lot": lot})
    reservations, left = [], quantity
    for balance in sorted(locked, key=lambda b: (b.location.code, b.pk)):
        take = min(balance.on_hand - balance.reserved, left)
        if take <= 0:
            continue
        balance.reserved += take
        balance.save(update_fields=["reserved", "updated_at"])
        reservations.append(Reservation(balance=balance, quantity=take, document_type=document_type,
                                        document_ref=document_ref, created_by=actor))
        left -= take
        if not left:
            break
    return Reservation.objects.bulk_create(reservations)
