"""The one way stock changes: lock, check, write the move and the balances together.

Lock order, everywhere in this app (deadlock-free as long as every writer follows it):
count row → reservation rows (by pk) → location rows (by pk) → balance rows (by pk).
Every change of a balance's `on_hand` holds the row lock of its location, so a location's
content (capacity, count snapshot) is stable while its row is locked; every change of `reserved`
holds the balance row lock.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.db import update_rows
from depot.core.errors import NotFound, ValidationFailed
from depot.customers.selectors import customer_list, sees_all_customers
from depot.inventory import policy
from depot.inventory.choices import CountState, LocationKind, LocationStatus
from depot.inventory.errors import InsufficientStock, LocationRejected
from depot.inventory.models import Balance, CountLocation, Item, Location, Lot, StockMove

VIRTUAL_CODES = {
    LocationKind.SUPPLIER: "VIRTUAL/SUPPLIER",
    LocationKind.CUSTOMER: "VIRTUAL/CUSTOMER",
    LocationKind.ADJUSTMENT: "VIRTUAL/ADJUSTMENT",
    LocationKind.DAMAGE: "VIRTUAL/DAMAGE",
    LocationKind.LOSS: "VIRTUAL/LOSS",
}


def virtual_location(kind: str) -> Location:
    location, _created = Location.objects.get_or_create(
        code=VIRTUAL_CODES[kind], defaults={"kind": kind, "zone": None, "capacity": None}
    )
    return location


def virtual_location_id(kind: str) -> Subquery:
    """The pk of the virtual location of `kind` (NULL until it exists), to read along with another
    query instead of a statement of its own; `virtual_location_from` turns it into the location."""
    return Subquery(Location.objects.filter(code=VIRTUAL_CODES[kind]).values("pk")[:1])


def virtual_location_from(kind: str, pk: int | None) -> Location:
    """The virtual location of `kind` whose pk was read with `virtual_location_id` (created when it
    did not exist yet). Virtual locations are kept by the system and never changed (`location_update`
    refuses them), so the row is what its code and kind say: it need not be read."""
    if pk is None:
        return virtual_location(kind)
    return Location(pk=pk, zone=None, code=VIRTUAL_CODES[kind], kind=kind, capacity=None)


def positive_quantity(value, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationFailed(details={field: [_("数量必须是大于零的整数")]})
    return value


def occurred_at(value: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + datetime.timedelta(minutes=5):
        raise ValidationFailed(details={"at": [_("发生时间不能晚于当前时间")]})
    return value


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(details={"reason": [_("请填写原因")]})
    return reason[:200]


def visible_item(actor, item: Item) -> Item:
    """The item as stored now. Stock of a customer the actor may not see is treated as if it did
    not exist."""
    try:
        return Item.objects.get(pk=item.pk, owner__in=customer_list(user=actor))
    except Item.DoesNotExist:
        raise NotFound() from None


def visible_items(actor, items) -> dict[int, Item]:
    """{pk: item as stored now} for `items`, in one query; NotFound when one is not visible."""
    pks = {item.pk for item in items}
    found = {item.pk: item for item in Item.objects.filter(pk__in=pks, owner__in=customer_list(user=actor))}
    if len(found) != len(pks):
        raise NotFound()
    return found


def require_visible_item(actor, item: Item) -> None:
    if not sees_all_customers(actor):
        visible_item(actor, item)


def require_lot_of_item(item: Item, lot: Lot) -> None:
    if lot.item_id != item.pk:
        raise ValidationFailed(details={"lot": [_("批次%(lot)s不属于货品%(item)s") % {"lot": lot, "item": item}]})


def frozen_by(locations) -> dict[int, str]:
    """{location id: number of the running count still waiting to count it} for `locations`.

    Call it after locking the locations: it is a statement of its own, so it sees a count that
    started while this transaction waited for the lock."""
    ids = [loc.pk for loc in locations]
    return dict(CountLocation.objects.filter(location_id__in=ids, count__state=CountState.COUNTING,
                                             recorded_at__isnull=True)
                .order_by().values_list("location_id", "count__number"))


def lock_locations(locations, *, with_zone: bool = True) -> dict[int, Location]:
    """Lock the physical ones of `locations` in pk order; `with_zone`: read their zone and warehouse
    too (what `ensure_can_take` checks)."""
    ids = sorted({loc.pk for loc in locations if loc.is_physical})
    rows = Location.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=ids).order_by("pk")
    if with_zone:
        rows = rows.select_related("zone__warehouse")
    return {loc.pk: loc for loc in rows}


_BALANCE_TABLE = Balance._meta.db_table
_BALANCE_COLUMNS = ", ".join(f.column for f in Balance._meta.concrete_fields)


def lock_balances(keys, *, create=()) -> dict[tuple[int, int, int], Balance]:
    """Lock the balances of (item_id, lot_id, location_id) `keys` in primary-key order, creating
    those of `create` that do not exist yet. The caller holds the row lock of the locations of
    `create` (balances are created only here, always so): nobody else can create a balance there
    meanwhile, so the insert of the missing ones cannot conflict and the new rows are held by this
    transaction. The existing balances are locked in one statement."""
    keys = set(keys) | set(create)
    if not keys:
        return {}
    found = _select_balances_for_update(keys)
    missing = [key for key in dict.fromkeys(create) if key not in found]
    if missing:
        for balance in Balance.objects.bulk_create([Balance(item_id=i, lot_id=lt, location_id=loc)
                                                    for i, lt, loc in missing]):
            found[(balance.item_id, balance.lot_id, balance.location_id)] = balance
    return found


def _select_balances_for_update(keys) -> dict[tuple[int, int, int], Balance]:
    keys = set(keys)
    params = [value for key in keys for value in key]
    # ORDER BY puts PostgreSQL's row locking after the sort: rows are locked in pk order. Written
    # out rather than as an OR of Q objects per key, whose building cost more than the statement.
    rows = Balance.objects.raw(
        f"SELECT {_BALANCE_COLUMNS} FROM {_BALANCE_TABLE} WHERE (item_id, lot_id, location_id) IN "
        f"({', '.join(['(%s, %s, %s)'] * len(keys))}) ORDER BY id FOR UPDATE", params)
    return {(b.item_id, b.lot_id, b.location_id): b for b in rows}


def location_lines(location: Location) -> dict[tuple[int, int], policy.Line]:
    rows = (Balance.objects.filter(location=location, on_hand__gt=0)
            .values_list("item_id", "lot_id", "on_hand", "item__pallet_quantity"))
    return {(item_id, lot_id): policy.Line(qty, pq) for item_id, lot_id, qty, pq in rows}


def ensure_can_give(location: Location, *, frozen: dict[int, str]) -> None:
    count = frozen.get(location.pk)
    if count is not None:
        raise LocationRejected(location=location, field="from_location",
                               reason=_("正在盘点（盘点单%(n)s），录入结果前不能移出") % {"n": count})


def ensure_can_take(location: Location, *, item: Item, lot: Lot, quantity: int, frozen: dict[int, str],
                    record_only: bool = False, lines: dict | None = None) -> None:
    """A physical location may take this stock. `record_only` moves record what is already there
    (adjustments, reversals of a wrong record): only a running count of the location stops them.
    `lines`: what the location holds, when the caller already has it (`location_lines`)."""
    count = frozen.get(location.pk)
    if count is not None:
        raise LocationRejected(location=location,
                               reason=_("正在盘点（盘点单%(n)s），录入结果前不能移入") % {"n": count})
    if record_only:
        return
    zone = location.zone
    if location.status != LocationStatus.ACTIVE:
        raise LocationRejected(location=location, reason=_("库位已锁定%(why)s") % {
            "why": f"（{location.status_reason}）" if location.status_reason else ""})
    if not zone.is_active or not zone.warehouse.is_active:
        raise LocationRejected(location=location, reason=_("所在库区或仓库已停用"))
    verdict = policy.location_accepts(item, zone)
    if not verdict:
        raise LocationRejected(location=location, reason=verdict.reason)
    if location.capacity is None:  # unlimited (e.g. staging): no need to read what it holds
        return
    verdict = policy.capacity_check(
        capacity=location.capacity, unit=location.capacity_unit,
        lines=location_lines(location) if lines is None else lines,
        key=(item.pk, lot.pk), quantity=quantity, pallet_quantity=item.pallet_quantity,
    )
    if not verdict:
        raise LocationRejected(location=location, reason=verdict.reason)


def post_move(*, kind: str, item: Item, lot: Lot, source: Location, dest: Location, quantity: int, actor,
              reason: str = "", document_type: str = "", document_ref: str = "", at=None, reservation=None,
              reversal_of=None, consume_reserved: int = 0, record_only: bool = False) -> StockMove:
    """Lock the locations and balances, check them, write one ledger move and its balance changes.

    Taking stock out needs `quantity` available (on hand − reserved), plus `consume_reserved`
    when the move fulfils that much of a reservation. Raises InsufficientStock or
    LocationRejected; the caller's transaction then rolls back whatever it wrote before.
    """
    locations = lock_locations([source, dest])
    frozen = frozen_by(locations.values())
    if source.is_physical:
        ensure_can_give(locations[source.pk], frozen=frozen)
    if dest.is_physical:
        ensure_can_take(locations[dest.pk], item=item, lot=lot, quantity=quantity, frozen=frozen,
                        record_only=record_only)
    src_key = (item.pk, lot.pk, source.pk)
    dst_key = (item.pk, lot.pk, dest.pk)
    balances = lock_balances([src_key] if source.is_physical else [],
                             create=[dst_key] if dest.is_physical else [])
    if source.is_physical:
        balance = balances.get(src_key)
        available = (balance.on_hand - balance.reserved) if balance else 0
        if balance is None or available + consume_reserved < quantity:
            raise InsufficientStock(item=item, requested=quantity, available=max(available, 0),
                                    where=_("库位%(loc)s 批次%(lot)s") % {"loc": source, "lot": lot})
        balance.on_hand -= quantity
        balance.reserved -= consume_reserved
        balance.save(update_fields=["on_hand", "reserved", "updated_at"])
    if dest.is_physical:
        balance = balances[dst_key]
        balance.on_hand += quantity
        balance.save(update_fields=["on_hand", "updated_at"])
    move = StockMove.objects.create(
        kind=kind, owner_id=item.owner_id, item=item, lot=lot, from_location=source, to_location=dest,
        quantity=quantity, reason=(reason or "")[:200], document_type=document_type or "",
        document_ref=document_ref or "", reservation=reservation, reversal_of=reversal_of,
        actor=actor if getattr(actor, "pk", None) else None, at=occurred_at(at),
    )
    move.locked_balances = balances  # still locked by this transaction, for the caller's follow-up
    return move


@dataclass
class MoveSpec:
    """One move of `post_moves`: as the arguments of `post_move`, plus `reserve_at_dest` — the
    quantity the destination balance holds reserved afterwards (a reservation carried over)."""

    kind: str
    item: Item
    lot: Lot
    source: Location
    dest: Location
    quantity: int
    document_type: str = ""
    document_ref: str = ""
    reservation: object = None
    consume_reserved: int = 0
    reserve_at_dest: int = 0


def post_moves(specs: list[MoveSpec], *, actor, at=None) -> tuple[list[StockMove], dict]:
    """`post_move` for several moves at once (a pick list, a shipment): the locations and the
    balances are locked once each, in pk order, every move is checked as if posted one after the
    other (availability and capacity include the moves before it), the balances are written in one
    UPDATE and the moves in one INSERT. Returns the moves and the locked balances by (item_id,
    lot_id, location_id). Raises InsufficientStock or LocationRejected before writing anything."""
    if not specs:
        return [], {}
    locations = lock_locations([s.source for s in specs] + [s.dest for s in specs],
                               with_zone=any(s.dest.is_physical for s in specs))
    frozen = frozen_by(locations.values())
    held: dict[int, dict] = {}  # capacity-limited destinations: what they hold, as the moves add to it
    for spec in specs:
        if spec.source.is_physical:
            ensure_can_give(locations[spec.source.pk], frozen=frozen)
        if spec.dest.is_physical:
            dest = locations[spec.dest.pk]
            lines = None
            if dest.capacity is not None:
                lines = held.setdefault(dest.pk, location_lines(dest))
            ensure_can_take(dest, item=spec.item, lot=spec.lot, quantity=spec.quantity, frozen=frozen, lines=lines)
            if lines is not None:
                key = (spec.item.pk, spec.lot.pk)
                lines[key] = policy.Line(lines.get(key, policy.Line(0)).quantity + spec.quantity,
                                         spec.item.pallet_quantity)
    balances = lock_balances([(s.item.pk, s.lot.pk, s.source.pk) for s in specs if s.source.is_physical],
                             create=[(s.item.pk, s.lot.pk, s.dest.pk) for s in specs if s.dest.is_physical])
    now, when = timezone.now(), occurred_at(at)
    changed: dict[int, Balance] = {}
    moves = []
    for spec in specs:
        item, lot = spec.item, spec.lot
        if spec.source.is_physical:
            balance = balances.get((item.pk, lot.pk, spec.source.pk))
            available = (balance.on_hand - balance.reserved) if balance else 0
            if balance is None or available + spec.consume_reserved < spec.quantity:
                raise InsufficientStock(item=item, requested=spec.quantity, available=max(available, 0),
                                        where=_("库位%(loc)s 批次%(lot)s") % {"loc": spec.source, "lot": lot})
            balance.on_hand -= spec.quantity
            balance.reserved -= spec.consume_reserved
            changed[balance.pk] = balance
        if spec.dest.is_physical:
            balance = balances[(item.pk, lot.pk, spec.dest.pk)]
            balance.on_hand += spec.quantity
            balance.reserved += spec.reserve_at_dest
            changed[balance.pk] = balance
        moves.append(StockMove(
            kind=spec.kind, owner_id=item.owner_id, item=item, lot=lot, from_location=spec.source,
            to_location=spec.dest, quantity=spec.quantity, document_type=spec.document_type or "",
            document_ref=spec.document_ref or "", reservation=spec.reservation,
            actor=actor if getattr(actor, "pk", None) else None, at=when,
        ))
    for balance in changed.values():
        balance.updated_at = now
    update_rows(Balance, sorted(changed.values(), key=lambda b: b.pk), ["on_hand", "reserved", "updated_at"])
    return StockMove.objects.bulk_create(moves), balances
