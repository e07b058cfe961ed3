"""Stock counts (盘点): plan → start → record each location blind → submit → supervisor approves
(posting the variance as adjustment moves) or rejects.

Only the count's own locations are frozen, each from the start of the count until its result is
recorded: moves into or out of it are refused meanwhile, everything else in the warehouse goes on.
The system quantity (`expected`) is read when the result is recorded, under the location's row
lock, so it is exactly what the location held while it was being counted.
"""

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, audit_record
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.inventory import policy
from depot.inventory.choices import CountScope, CountState, LocationKind, MoveKind
from depot.inventory.models import (
    Balance,
    Count,
    CountLine,
    CountLocation,
    Item,
    Location,
    Lot,
    Warehouse,
    Zone,
)
from depot.inventory.services._ledger import (
    lock_balances,
    lock_locations,
    post_move,
    virtual_location,
)

COUNT_DOCUMENT = "stock_count"


def _next_number() -> str:
    prefix = f"PD{timezone.localdate():%Y%m%d}-"
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('depot.count_number'))")
    n = Count.objects.filter(number__startswith=prefix).count() + 1
    return f"{prefix}{n:03d}"


def _transition(count: Count, to: str) -> None:
    if not policy.count_transition_allowed(count.state, to):
        if count.state == CountState.APPROVED:
            raise IllegalTransition(_("盘点单%(n)s已审批过账，不能重复操作") % {"n": count.number})
        raise IllegalTransition(_("盘点单%(n)s当前为“%(state)s”，不能%(to)s") % {
            "n": count.number, "state": count.get_state_display(), "to": policy.COUNT_ACTION_LABELS[to]})
    count.state = to


def _lock(count: Count) -> Count:
    return Count.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=count.pk)


@transaction.atomic
def count_plan_create(*, actor, warehouse: Warehouse, scope: str, zone: Zone | None = None, items=(),
                      abc_class: str = "", planned_for=None, note: str = "") -> Count:
    """Plan a count of a zone's storage locations, of the locations holding some items, or (cycle
    count) of the locations holding the items of one ABC class. Nothing is frozen until it starts.
    Raises ValidationFailed when the scope is incomplete or covers no location. Audited."""
    require_perm(actor, "inventory.add_count")
    items = list(items)
    errors = {}
    if scope not in CountScope.values:
        errors["scope"] = [_("请选择盘点范围")]
    if scope == CountScope.ZONE and (zone is None or zone.warehouse_id != warehouse.pk):
        errors["zone"] = [_("请选择本仓库的库区")]
    if scope == CountScope.ITEMS and not items:
        errors["items"] = [_("请选择要盘点的货品")]
    if scope == CountScope.ABC and not abc_class:
        errors["abc_class"] = [_("请选择ABC分类")]
    if errors:
        raise ValidationFailed(details=errors)
    storage = Location.objects.filter(zone__warehouse=warehouse, kind=LocationKind.STORAGE)
    if scope == CountScope.ZONE:
        items, abc_class = [], ""
        locations = storage.filter(zone=zone)
    else:
        zone = None
        if scope == CountScope.ABC:
            items = list(Item.objects.filter(abc_class=abc_class, balances__location__in=storage,
                                             balances__on_hand__gt=0).distinct())
        locations = storage.filter(balances__item__in=items, balances__on_hand__gt=0).distinct()
    locations = list(locations.order_by("code"))
    if not locations:
        raise ValidationFailed(details={"scope": [_("盘点范围内没有需要盘点的库位")]})
    count = Count.objects.create(
        number=_next_number(), warehouse=warehouse, scope=scope, zone=zone, abc_class=abc_class,
        planned_for=planned_for, note=(note or "").strip(), created_by=actor,
    )
    count.items.set(items)
    CountLocation.objects.bulk_create([CountLocation(count=count, location=loc) for loc in locations])
    audit_record(actor=actor, obj=count, action=ACTION_CREATE,
                 after={"scope": scope, "locations": len(locations), "items": [str(i) for i in items]})
    return count


@transaction.atomic
def count_start(*, actor, count: Count) -> Count:
    """Start counting: from now until each location's result is recorded, nothing moves in or out
    of it. Locks the count and its locations (pk order). Refused when another running count still
    has one of the locations to count."""
    require_perm(actor, "inventory.record_count")
    count = _lock(count)
    _transition(count, CountState.COUNTING)
    locations = lock_locations(Location.objects.filter(count_entries__count=count))
    busy = (CountLocation.objects.filter(location__in=locations.values(), count__state=CountState.COUNTING,
                                         recorded_at__isnull=True).exclude(count=count)
            .select_related("location", "count").first())
    if busy:
        raise IllegalTransition(_("库位%(loc)s正在盘点单%(other)s中盘点") % {"loc": busy.location, "other": busy.count})
    count.started_at = timezone.now()
    count.save(update_fields=["state", "started_at"])
    return count


def _scope_item_ids(count: Count) -> set[int] | None:
    ids = set(count.items.values_list("pk", flat=True))
    return ids or None


@transaction.atomic
def count_record(*, actor, count: Count, location: Location, counted: list[tuple[Item, Lot, int]]) -> list[CountLine]:
    """Record what was found at one location of a running count: (item, lot, quantity) for every
    lot found; a lot the system expects there and not listed counts as zero. The system quantity is
    taken now and never shown to the counter before. Releases the location. Recording a location
    twice is refused (a recount is a new count)."""
    require_perm(actor, "inventory.record_count")
    count = _lock(count)
    if count.state != CountState.COUNTING:
        raise IllegalTransition(_("盘点单%(n)s当前为“%(state)s”，不能录入结果") % {
            "n": count.number, "state": count.get_state_display()})
    entry = CountLocation.objects.filter(count=count, location=location).first()
    if entry is None:
        raise NotFound(_("库位%(loc)s不在盘点单%(n)s中") % {"loc": location, "n": count.number})
    if entry.recorded_at:
        raise IllegalTransition(_("库位%(loc)s的盘点结果已录入") % {"loc": location})
    lock_locations([location])
    scope = _scope_item_ids(count)
    found: dict[tuple[int, int], int] = {}
    errors: list[str] = []
    for item, lot, quantity in counted:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            errors.append(_("%(item)s 批次%(lot)s：数量必须是不小于零的整数") % {"item": item, "lot": lot})
        elif lot.item_id != item.pk:
            errors.append(_("批次%(lot)s不属于货品%(item)s") % {"lot": lot, "item": item})
        elif scope is not None and item.pk not in scope:
            errors.append(_("%(item)s不在本次盘点范围内") % {"item": item})
        elif (item.pk, lot.pk) in found:
            errors.append(_("%(item)s 批次%(lot)s重复录入") % {"item": item, "lot": lot})
        else:
            found[(item.pk, lot.pk)] = quantity
    if errors:
        raise ValidationFailed(details={"counted": errors})
    expected_qs = Balance.objects.filter(location=location, on_hand__gt=0)
    if scope is not None:
        expected_qs = expected_qs.filter(item_id__in=scope)
    expected = {(b.item_id, b.lot_id): b.on_hand for b in expected_qs}
    lines = CountLine.objects.bulk_create([
        CountLine(count=count, location=location, item_id=item_id, lot_id=lot_id,
                  expected=expected.get((item_id, lot_id), 0), counted=found.get((item_id, lot_id), 0))
        for item_id, lot_id in sorted(set(expected) | set(found))
    ])
    entry.recorded_by = actor
    entry.recorded_at = timezone.now()
    entry.save(update_fields=["recorded_by", "recorded_at"])
    return lines


@transaction.atomic
def count_submit(*, actor, count: Count) -> Count:
    """Hand the count to a supervisor once every location is recorded."""
    require_perm(actor, "inventory.record_count")
    count = _lock(count)
    _transition(count, CountState.SUBMITTED)
    missing = list(count.locations.filter(recorded_at__isnull=True).values_list("location__code", flat=True)[:10])
    if missing:
        raise ValidationFailed(details={"__all__": [_("还有库位未录入盘点结果：%(codes)s") % {
            "codes": "、".join(missing)}]})
    count.submitted_by = actor
    count.submitted_at = timezone.now()
    count.save(update_fields=["state", "submitted_by", "submitted_at"])
    return count


@transaction.atomic
def count_approve(*, actor, count: Count, note: str = "") -> list:
    """Approve a submitted count and post each variance as an `adjustment` move (gain: from the
    virtual adjustment location; shortage: to it). Posting twice is refused (IllegalTransition).
    A shortage larger than the stock still available there (e.g. reserved meanwhile) raises
    InsufficientStock and posts nothing. Locks the count, its locations and balances (pk order).
    Audited. Returns the moves."""
    require_perm(actor, "inventory.approve_count")
    count = _lock(count)
    _transition(count, CountState.APPROVED)
    lines = [line for line in count.lines.select_related("item", "lot", "location") if line.variance]
    lock_locations([line.location for line in lines])
    lock_balances([(line.item_id, line.lot_id, line.location_id) for line in lines if line.variance < 0],
                  create=[(line.item_id, line.lot_id, line.location_id) for line in lines if line.variance > 0])
    adjustment = virtual_location(LocationKind.ADJUSTMENT)
    moves = []
    for line in lines:
        source, dest = (adjustment, line.location) if line.variance > 0 else (line.location, adjustment)
        moves.append(post_move(
            kind=MoveKind.ADJUSTMENT, item=line.item, lot=line.lot, source=source, dest=dest,
            quantity=abs(line.variance), actor=actor, reason=_("盘点差异"), document_type=COUNT_DOCUMENT,
            document_ref=count.number, record_only=True,
        ))
    count.decided_by = actor
    count.decided_at = timezone.now()
    count.decision_note = (note or "").strip()
    count.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=actor, obj=count, action="approve", force=True, note=count.decision_note, after={
        "state": count.state, "variance_lines": len(lines),
        "gain": sum(line.variance for line in lines if line.variance > 0),
        "shortage": -sum(line.variance for line in lines if line.variance < 0),
    })
    return moves


@transaction.atomic
def count_reject(*, actor, count: Count, note: str) -> Count:
    """Reject a submitted count: nothing is posted; a recount is a new count."""
    require_perm(actor, "inventory.approve_count")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(details={"note": [_("驳回请填写原因")]})
    count = _lock(count)
    _transition(count, CountState.REJECTED)
    count.decided_by = actor
    count.decided_at = timezone.now()
    count.decision_note = note
    count.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=actor, obj=count, action="reject", force=True, note=note, after={"state": count.state})
    return count


@transaction.atomic
def count_cancel(*, actor, count: Count, note: str = "") -> Count:
    """Cancel a planned or running count; its locations are released at once."""
    require_perm(actor, "inventory.add_count")
    count = _lock(count)
    _transition(count, CountState.CANCELLED)
    if count.locations.exists():
        lock_locations(Location.objects.filter(count_entries__count=count))
    count.decision_note = (note or "").strip()
    count.save(update_fields=["state", "decision_note"])
    audit_record(actor=actor, obj=count, action="cancel", force=True, note=count.decision_note,
                 after={"state": count.state})
    return count
