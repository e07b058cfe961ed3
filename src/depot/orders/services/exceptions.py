"""CS resolves an exception found while executing an order: substitute another lot, ship what was
picked (partial), cancel the order, or wait for stock. The order resumes or ends accordingly."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.inventory.services.reservations import lot_reserve
from depot.orders import policy
from depot.orders.choices import ExceptionState, OutboundState, PickListState, Resolution
from depot.orders.models import OUTBOUND_DOCUMENT, OrderException, OutboundLine, OutboundOrder, PickList
from depot.orders.services._transitions import PICKLIST_SEQUENCE, lock_outbound, lock_pick_lists, next_number
from depot.orders.services.execution import add_pick_lines, after_picking
from depot.orders.services.outbound import outbound_cancel, parse_choice


def _substitute(*, actor, order: OutboundOrder, exception: OrderException, lot) -> str:
    line = exception.line
    if lot is None:
        raise ValidationFailed(details={"substitute_lot": [_("请选择替换批次")]})
    if lot.item_id != line.item_id:
        raise ValidationFailed(details={"substitute_lot": [_("批次%(lot)s不属于货品%(item)s") % {
            "lot": lot, "item": line.item_code}]})
    reservations = lot_reserve(actor=actor, lot=lot, quantity=exception.quantity, document_type=OUTBOUND_DOCUMENT,
                               document_ref=order.number, warehouse=order.warehouse)
    OutboundLine.objects.filter(pk=line.pk).update(allocated=F("allocated") + exception.quantity)
    pick_list = exception.pick_line.pick_list if exception.pick_line_id else None
    if pick_list is None:
        pick_list = PickList.objects.create(number=next_number("JH", PICKLIST_SEQUENCE), created_by=actor)
    else:
        lock_pick_lists([pick_list.pk])
        PickList.objects.filter(pk=pick_list.pk).update(state=PickListState.OPEN, completed_at=None)
    add_pick_lines(pick_list, {order.number: order}, reservations)
    return _("改拣批次%(lot)s，已加入拣货单%(list)s") % {"lot": lot, "list": pick_list.number}


@transaction.atomic
def exception_resolve(*, actor, exception: OrderException, resolution: str, note: str = "",
                      substitute_lot=None) -> OrderException:
    """Resolve an open exception of a suspended (挂起) order:

    - 换批次 `substitute`: reserve the quantity from `substitute_lot` and add a pick line for it;
    - 部分发货 `partial`: the quantity is not shipped, the order ships what is picked;
    - 取消 `cancel`: the order is cancelled and every reservation released (a note is required);
    - 等待到货 `wait`: the order goes to 已暂挂 and is allocated again when stock arrives.

    Once no exception of the order is open, it continues (拣货中 / 已拣货 / 已暂挂). Locks the
    order, then the exception. Raises IllegalTransition (exception already resolved, order not
    suspended), ValidationFailed, InsufficientStock (substitute lot too small); nothing changes.
    """
    require_perm(actor, "orders.resolve_orderexception")
    try:
        order_id = OrderException.objects.values_list("order_id", flat=True).get(pk=exception.pk)
    except OrderException.DoesNotExist:
        raise NotFound() from None
    order = lock_outbound(actor, OutboundOrder(pk=order_id))
    exception = (OrderException.objects.select_for_update(of=("self",))
                 .select_related("line", "pick_line__pick_list").get(pk=exception.pk))
    if exception.state != ExceptionState.OPEN:
        raise IllegalTransition(_("该异常已处理（%(how)s）") % {"how": exception.get_resolution_display()})
    policy.require_state(order.state, (OutboundState.SUSPENDED,), action=_("处理异常"), number=order.number)
    resolution = parse_choice(resolution, Resolution, "resolution", "")
    note = (note or "").strip()
    if resolution == Resolution.CANCEL:
        if not note:
            raise ValidationFailed(details={"note": [_("取消订单时请填写原因")]})
        outbound_cancel(actor=actor, order=order, reason=note[:200])
        exception.refresh_from_db()
        return exception

    summary = str(Resolution(resolution).label)
    if resolution == Resolution.SUBSTITUTE:
        summary = _substitute(actor=actor, order=order, exception=exception, lot=substitute_lot)
        exception.substitute_lot = substitute_lot
    elif resolution == Resolution.PARTIAL:
        OutboundLine.objects.filter(pk=exception.line_id).update(short=F("short") + exception.quantity)
        summary = _("%(item)s少发%(n)d件") % {"item": exception.line.item_code, "n": exception.quantity}
    elif resolution == Resolution.WAIT:
        summary = _("%(item)s等待到货%(n)d件") % {"item": exception.line.item_code, "n": exception.quantity}
    exception.state, exception.resolution = ExceptionState.RESOLVED, resolution
    exception.resolution_note, exception.resolved_by, exception.resolved_at = note, actor, timezone.now()
    exception.save(update_fields=["state", "resolution", "resolution_note", "resolved_by", "resolved_at",
                                  "substitute_lot"])
    after_picking(actor=actor, order=order, note=_("异常已处理：%(s)s") % {"s": summary})
    return exception
