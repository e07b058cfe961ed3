"""Every change to orders: one function per use case, each in one transaction, checking the actor's
permission and raising a `DomainError` subclass that leaves nothing changed. State changes go
through `_transitions.transition` (transition table, step time, timeline event, hooks)."""

from depot.orders.services._transitions import on_transition, register_transition_hook
from depot.orders.services.audit import (
    credit_review_decide,
    outbound_allocate,
    outbound_audit,
    outbound_retry_held,
)
from depot.orders.services.exceptions import exception_resolve
from depot.orders.services.execution import (
    outbound_confirm_receipt,
    outbound_deliver,
    outbound_pack,
    outbound_ship,
    pick_confirm,
    picklist_confirm_all,
    picklist_create,
)
from depot.orders.services.inbound import inbound_cancel, inbound_create, inbound_putaway, inbound_receive
from depot.orders.services.outbound import (
    outbound_cancel,
    outbound_check_completeness,
    outbound_create,
    outbound_submit,
    outbound_supplement,
)

__all__ = [
    "credit_review_decide", "exception_resolve", "inbound_cancel", "inbound_create", "inbound_putaway",
    "inbound_receive", "on_transition", "outbound_allocate", "outbound_audit", "outbound_cancel",
    "outbound_check_completeness", "outbound_confirm_receipt", "outbound_create", "outbound_deliver",
    "outbound_pack", "outbound_retry_held", "outbound_ship", "outbound_submit", "outbound_supplement",
    "pick_confirm", "picklist_confirm_all", "picklist_create", "register_transition_hook",
]
