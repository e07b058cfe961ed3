"""Moves that are not tied to a reservation: receipt, putaway, transfer, adjustment, damage, loss,
customer return, and the reversal of a wrong move. Each writes the ledger and the balances in one
transaction; the ledger is the audit trail of stock (no audit entry per move)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.errors import IllegalTransition, ValidationFailed
from depot.core.permissions import require_perm
from depot.inventory.choices import LocationKind, MoveKind, Rotation
from depot.inventory.errors import LocationRejected
from depot.inventory.models import Item, Location, Lot, StockMove
from depot.inventory.services._ledger import (
    occurred_at,
    positive_quantity,
    post_move,
    require_lot_of_item,
    require_reason,
    require_visible_item,
    virtual_location,
    visible_item,
)

RECEIVING_KINDS = (LocationKind.RECEIVING, LocationKind.STORAGE)


def _require_physical(location: Location, field: str, kinds=None, reason=None) -> None:
    if not location.is_physical or (kinds and location.kind not in kinds):
        raise LocationRejected(location=location, field=field, reason=reason or _("不是实体库位"))


def _lot_for_receipt(*, item: Item, lot_number: str, production_date, expiry_date,
                     received_on: datetime.date) -> Lot:
    """The lot being received: validated, created on its first receipt, its dates checked against
    an existing lot of the same number."""
    errors: dict[str, list[str]] = {}
    if production_date and expiry_date and expiry_date < production_date:
        errors.setdefault("expiry_date", []).append(_("到期日期不能早于生产日期"))
    if production_date and production_date > received_on:
        errors.setdefault("production_date", []).append(_("生产日期不能晚于收货日期"))
    if production_date and not expiry_date and item.shelf_life_days:
        expiry_date = production_date + datetime.timedelta(days=item.shelf_life_days)
    if item.rotation == Rotation.FEFO and not expiry_date:
        errors.setdefault("expiry_date", []).append(
            _("该货品按近效期先出管理，收货时必须填写到期日期（或生产日期，由保质期推算）"))
    if errors:
        raise ValidationFailed(details=errors)
    lot_number = (lot_number or "").strip()
    if not lot_number:
        lot_number = f"R{received_on:%Y%m%d}" + (f"-E{expiry_date:%Y%m%d}" if expiry_date else "")
    lot, created = Lot.objects.get_or_create(
        item=item, lot_number=lot_number[:40],
        defaults={"production_date": production_date, "expiry_date": expiry_date, "received_on": received_on},
    )
    if created:
        return lot
    conflicts = {
        name: [_("批号%(lot)s已存在，%(what)s与原记录（%(old)s）不一致") % {
            "lot": lot, "what": label, "old": getattr(lot, name)}]
        for name, label, value in (("production_date", _("生产日期"), production_date),
                                   ("expiry_date", _("到期日期"), expiry_date))
        if value and getattr(lot, name) and getattr(lot, name) != value
    }
    if conflicts:
        raise ValidationFailed(details=conflicts)
    filled = {name: value for name, value in (("production_date", production_date), ("expiry_date", expiry_date))
              if value and not getattr(lot, name)}
    if filled:
        for name, value in filled.items():
            setattr(lot, name, value)
        if lot.production_date and lot.expiry_date and lot.expiry_date < lot.production_date:
            raise ValidationFailed(details={"expiry_date": [_("到期日期不能早于生产日期")]})
        lot.save(update_fields=list(filled))
    return lot


@transaction.atomic
def stock_receive(*, actor, item: Item, quantity: int, location: Location, lot_number: str = "",
                  production_date: datetime.date | None = None, expiry_date: datetime.date | None = None,
                  document_type: str = "", document_ref: str = "", reason: str = "",
                  at: datetime.datetime | None = None) -> StockMove:
    """Receive `quantity` of a lot of `item` from the supplier into a receiving (or storage) location.

    Creates the lot on its first receipt (number `R<date>` when none is given; FEFO items need an
    expiry date). Locks the location and the balance. Raises ValidationFailed (bad quantity or
    dates), LocationRejected (incompatible, full, blocked, being counted), PermissionDenied.
    Records a `receipt` move.
    """
    require_perm(actor, "inventory.receive_stock")
    item = visible_item(actor, item)
    quantity = positive_quantity(quantity)
    at = occurred_at(at)
    if not item.is_active:
        raise ValidationFailed(details={"item": [_("货品已停用，不能收货")]})
    _require_physical(location, "location", RECEIVING_KINDS, _("只能收货到收货暂存区或存储库位"))
    lot = _lot_for_receipt(item=item, lot_number=lot_number, production_date=production_date,
                           expiry_date=expiry_date, received_on=timezone.localdate(at))
    return post_move(kind=MoveKind.RECEIPT, item=item, lot=lot, source=virtual_location(LocationKind.SUPPLIER),
                     dest=location, quantity=quantity, actor=actor, reason=reason, document_type=document_type,
                     document_ref=document_ref, at=at)


@transaction.atomic
def stock_putaway(*, actor, item: Item, lot: Lot, from_location: Location, quantity: int,
                  to_location: Location | None = None, document_type: str = "", document_ref: str = "",
                  at: datetime.datetime | None = None) -> StockMove:
    """Put received stock away from a receiving location into a storage location: the one given,
    or the first suggestion (`selectors.putaway_suggestions`). Only a compatible location with
    free capacity is accepted. Raises LocationRejected, InsufficientStock, ValidationFailed.
    Records a `putaway` move."""
    from depot.inventory.selectors import putaway_suggestions

    require_perm(actor, "inventory.putaway_stock")
    item = visible_item(actor, item)
    require_lot_of_item(item, lot)
    quantity = positive_quantity(quantity)
    _require_physical(from_location, "from_location", (LocationKind.RECEIVING,),
                      _("上架只能从收货暂存区开始，库内移动请用移库"))
    if to_location is None:
        suggestions = putaway_suggestions(item=item, lot=lot, quantity=quantity,
                                          warehouse=from_location.zone.warehouse, limit=1)
        if not suggestions:
            raise ValidationFailed(details={"to_location": [_("仓库%(wh)s内没有相容且容量足够的存储库位") % {
                "wh": from_location.zone.warehouse}]})
        to_location = suggestions[0].location
    _require_physical(to_location, "location", (LocationKind.STORAGE,), _("只能上架到存储库位"))
    return post_move(kind=MoveKind.PUTAWAY, item=item, lot=lot, source=from_location, dest=to_location,
                     quantity=quantity, actor=actor, document_type=document_type, document_ref=document_ref, at=at)


@transaction.atomic
def stock_transfer(*, actor, item: Item, lot: Lot, from_location: Location, to_location: Location,
                   quantity: int, reason: str = "", document_type: str = "", document_ref: str = "",
                   at: datetime.datetime | None = None) -> StockMove:
    """Move available (unreserved) stock between two physical locations, under the same putaway
    rules for the destination. Records a `transfer` move."""
    require_perm(actor, "inventory.move_stock")
    item = visible_item(actor, item)
    require_lot_of_item(item, lot)
    quantity = positive_quantity(quantity)
    _require_physical(from_location, "from_location")
    _require_physical(to_location, "location")
    if from_location.pk == to_location.pk:
        raise ValidationFailed(details={"to_location": [_("来源库位与目标库位不能相同")]})
    return post_move(kind=MoveKind.TRANSFER, item=item, lot=lot, source=from_location, dest=to_location,
                     quantity=quantity, actor=actor, reason=reason, document_type=document_type,
                     document_ref=document_ref, at=at)


@transaction.atomic
def stock_adjust(*, actor, item: Item, lot: Lot, location: Location, delta: int, reason: str,
                 document_type: str = "", document_ref: str = "", at: datetime.datetime | None = None) -> StockMove:
    """Correct the recorded quantity at a location by `delta` (positive: found, negative: missing),
    against the virtual adjustment location. A negative delta needs that much available stock.
    Records an `adjustment` move."""
    require_perm(actor, "inventory.adjust_stock")
    item = visible_item(actor, item)
    require_lot_of_item(item, lot)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationFailed(details={"delta": [_("调整数量必须是非零整数")]})
    reason = require_reason(reason)
    _require_physical(location, "location")
    adjustment = virtual_location(LocationKind.ADJUSTMENT)
    source, dest = (adjustment, location) if delta > 0 else (location, adjustment)
    return post_move(kind=MoveKind.ADJUSTMENT, item=item, lot=lot, source=source, dest=dest, quantity=abs(delta),
                     actor=actor, reason=reason, document_type=document_type, document_ref=document_ref, at=at,
                     record_only=True)


def _write_off(*, kind, virtual_kind, actor, item, lot, location, quantity, reason, document_type,
               document_ref, at) -> StockMove:
    require_perm(actor, "inventory.report_damage")
    item = visible_item(actor, item)
    require_lot_of_item(item, lot)
    quantity = positive_quantity(quantity)
    reason = require_reason(reason)
    _require_physical(location, "location")
    return post_move(kind=kind, item=item, lot=lot, source=location, dest=virtual_location(virtual_kind),
                     quantity=quantity, actor=actor, reason=reason, document_type=document_type,
                     document_ref=document_ref, at=at)


@transaction.atomic
def stock_post_damage(*, actor, item: Item, lot: Lot, location: Location, quantity: int, reason: str,
                      document_type: str = "", document_ref: str = "", at=None) -> StockMove:
    """Write off damaged stock (available quantity only: release a reservation first).
    Records a `damage` move to the virtual damage location."""
    return _write_off(kind=MoveKind.DAMAGE, virtual_kind=LocationKind.DAMAGE, actor=actor, item=item, lot=lot,
                      location=location, quantity=quantity, reason=reason, document_type=document_type,
                      document_ref=document_ref, at=at)


@transaction.atomic
def stock_post_loss(*, actor, item: Item, lot: Lot, location: Location, quantity: int, reason: str,
                    document_type: str = "", document_ref: str = "", at=None) -> StockMove:
    """Write off lost stock. Records a `loss` move to the virtual loss location."""
    return _write_off(kind=MoveKind.LOSS, virtual_kind=LocationKind.LOSS, actor=actor, item=item, lot=lot,
                      location=location, quantity=quantity, reason=reason, document_type=document_type,
                      document_ref=document_ref, at=at)


@transaction.atomic
def stock_return(*, actor, item: Item, lot: Lot, quantity: int, location: Location, reason: str,
                 document_type: str = "", document_ref: str = "", at=None) -> StockMove:
    """Take back goods the customer returns (of a lot already known) into a receiving or storage
    location. Records a `return` move from the virtual customer location."""
    require_perm(actor, "inventory.receive_stock")
    item = visible_item(actor, item)
    require_lot_of_item(item, lot)
    quantity = positive_quantity(quantity)
    reason = require_reason(reason)
    _require_physical(location, "location", RECEIVING_KINDS, _("退货只能收到收货暂存区或存储库位"))
    return post_move(kind=MoveKind.RETURN, item=item, lot=lot, source=virtual_location(LocationKind.CUSTOMER),
                     dest=location, quantity=quantity, actor=actor, reason=reason, document_type=document_type,
                     document_ref=document_ref, at=at)


@transaction.atomic
def move_reverse(*, actor, move: StockMove, reason: str) -> StockMove:
    """Correct a wrong move by its mirror image (same kind, locations swapped, `reversal_of` set).

    A move is reversed at most once and a reversal is not reversed again; picks and shipments
    belong to a reservation and are undone through the order (a return), not here. The stock must
    still be available where the wrong move put it. Locks the original move's row.
    """
    require_perm(actor, "inventory.reverse_stockmove")
    reason = require_reason(reason)
    move = StockMove.objects.select_for_update().select_related("item", "lot", "from_location", "to_location").get(
        pk=move.pk)
    require_visible_item(actor, move.item)
    if move.reversal_of_id:
        raise IllegalTransition(_("冲正流水不能再次冲正"))
    if StockMove.objects.filter(reversal_of=move).exists():
        raise IllegalTransition(_("该流水已冲正，不能重复冲正"))
    if move.kind in (MoveKind.PICK, MoveKind.SHIPMENT):
        raise IllegalTransition(_("拣货和发货流水关联订单预留，请通过订单或退货处理"))
    try:
        with transaction.atomic():
            return post_move(kind=move.kind, item=move.item, lot=move.lot, source=move.to_location,
                             dest=move.from_location, quantity=move.quantity, actor=actor,
                             reason=_("冲正#%(id)d：%(reason)s") % {"id": move.pk, "reason": reason},
                             document_type=move.document_type, document_ref=move.document_ref,
                             reversal_of=move, record_only=True)
    except IntegrityError:
        raise IllegalTransition(_("该流水已冲正，不能重复冲正")) from None
