"""Delay notices on outbound orders: the reason and the new expected time, then progress updates.

Each notice or update is also an event of the order's timeline (from_state = to_state = the
order's state, a note for the customer), so it shows wherever the timeline is shown, and is
published as `order.delayed` — all in one transaction with the order row locked. The order's state
and its other fields are not changed.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.selectors import customer_list
from depot.incidents import notify
from depot.incidents.choices import DelayReason
from depot.incidents.models import DelayNotice, DelayUpdate
from depot.orders.choices import OutboundState
from depot.orders.models import OrderEvent, OutboundOrder

# A delay is told while the goods are still on their way: not once delivered or signed for, nor
# for an order that will not ship.
NOT_DELAYABLE = frozenset({OutboundState.DELIVERED, OutboundState.CONFIRMED, OutboundState.CANCELLED,
                           OutboundState.REJECTED})


def _lock_order(actor, order) -> OutboundOrder:
    try:
        return (OutboundOrder.objects.select_for_update(of=("self",)).select_related("customer")
                .filter(customer__in=customer_list(user=actor)).get(pk=order.pk))
    except (OutboundOrder.DoesNotExist, AttributeError):
        raise NotFound() from None


def _require_delayable(order: OutboundOrder) -> None:
    if order.state in NOT_DELAYABLE:
        raise IllegalTransition(_("出库单%(n)s当前状态为“%(s)s”，不能发送延误通知") % {
            "n": order.number, "s": order.get_state_display()})


def _expected(value, field: str, *, required: bool = True) -> datetime.datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, datetime.datetime):
        raise ValidationFailed(details={field: [_("请填写新的预计送达时间")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= timezone.now():
        raise ValidationFailed(details={field: [_("预计送达时间必须晚于当前时间")]})
    return value


def _local(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _event(order: OutboundOrder, *, actor, note: str, internal_note: str = "") -> OrderEvent:
    return OrderEvent.objects.create(outbound=order, from_state=order.state, to_state=order.state, actor=actor,
                                     at=timezone.now(), note=note, internal_note=internal_note,
                                     visible_to_customer=True)


def _publish(order: OutboundOrder, *, kind: str, reason: str, note: str, expected_at, related) -> list:
    return notify.publish(event=notify.EVENT_DELAY, customer=order.customer, related=related, context={
        "order_no": order.number, "external_ref": order.external_ref, "kind": kind, "reason": reason,
        "note": note, "new_expected_at": expected_at, "carrier": order.carrier,
        "tracking_no": order.tracking_number})


@transaction.atomic
def delay_notice_create(*, actor, order, reason_category: str, reason: str, new_expected_at) -> DelayNotice:
    """Tell the customer that `order` will arrive late: why, and when it is now expected. Refused
    (IllegalTransition) for an order delivered, signed for, cancelled or rejected; ValidationFailed
    for a missing reason or an expected time not in the future."""
    require_perm(actor, "incidents.add_delaynotice")
    order = _lock_order(actor, order)
    _require_delayable(order)
    errors = {}
    if reason_category not in DelayReason.values:
        errors["reason_category"] = [_("请选择延误原因类别")]
    reason = str(reason or "").strip()
    if not reason:
        errors["reason"] = [_("请填写延误原因")]
    elif len(reason) > 200:
        errors["reason"] = [_("不能超过%(n)d个字符") % {"n": 200}]
    if errors:
        raise ValidationFailed(details=errors)
    expected = _expected(new_expected_at, "new_expected_at")
    note = _("延误通知：%(reason)s，预计 %(at)s 送达") % {"reason": reason, "at": _local(expected)}
    label = DelayReason(reason_category).label
    event = _event(order, actor=actor, note=note, internal_note=str(label))
    notice = DelayNotice.objects.create(order=order, reason_category=reason_category, reason=reason,
                                        new_expected_at=expected, created_by=actor, order_event=event)
    audit_record(actor=actor, obj=notice, action=ACTION_CREATE,
                 after=snapshot(notice, ("order", "reason_category", "reason", "new_expected_at")))
    _publish(order, kind="notice", reason=reason, note=note, expected_at=expected, related=notice)
    return notice


@transaction.atomic
def delay_update_add(*, actor, notice, note: str, new_expected_at=None) -> DelayUpdate:
    """A progress update of a delay (optionally a new expected time), told to the customer and
    written to the order's timeline. Same refusals as `delay_notice_create`."""
    require_perm(actor, "incidents.add_delaynotice")
    try:
        notice = DelayNotice.objects.get(pk=notice.pk, order__customer__in=customer_list(user=actor))
    except (DelayNotice.DoesNotExist, AttributeError):
        raise NotFound() from None
    order = _lock_order(actor, notice.order)
    _require_delayable(order)
    text = str(note or "").strip()
    if not text:
        raise ValidationFailed(details={"note": [_("请填写进展说明")]})
    if len(text) > 200:
        raise ValidationFailed(details={"note": [_("不能超过%(n)d个字符") % {"n": 200}]})
    expected = _expected(new_expected_at, "new_expected_at", required=False)
    timeline_note = _("延误进展：%(note)s") % {"note": text}
    if expected is not None:
        timeline_note += _("，预计 %(at)s 送达") % {"at": _local(expected)}
    event = _event(order, actor=actor, note=timeline_note)
    update = DelayUpdate.objects.create(notice=notice, note=text, new_expected_at=expected, created_by=actor,
                                        order_event=event)
    audit_record(actor=actor, obj=notice, action="delay_update", note=timeline_note, force=True)
    _publish(order, kind="update", reason=notice.reason, note=timeline_note,
             expected_at=expected or notice.current_expected_at, related=notice)
    return update
