"""Every change to inventory: one function per use case, each in one transaction, checking the
actor's permission and raising a `DomainError` subclass that leaves nothing changed.

See `_ledger` for the lock order every writer follows.
"""

from depot.inventory.services._ledger import virtual_location
from depot.inventory.services.analysis import (
    abc_classification_apply,
    reorder_alerts_scan,
    replenishment_settings_save,
)
from depot.inventory.services.counts import (
    COUNT_DOCUMENT,
    count_approve,
    count_cancel,
    count_plan_create,
    count_record,
    count_reject,
    count_start,
    count_submit,
)
from depot.inventory.services.custody import (
    alert_acknowledge,
    alert_close,
    inspection_plan_create,
    inspection_plan_update,
    inspection_record,
    reading_record,
)
from depot.inventory.services.master import (
    item_create,
    item_update,
    location_bulk_create,
    location_create,
    location_set_status,
    location_update,
    warehouse_create,
    warehouse_update,
    zone_create,
    zone_update,
)
from depot.inventory.services.reservations import (
    document_release,
    document_ship,
    reservation_consume,
    reservation_create,
    reservation_release,
    reservation_ship,
    reservations_create,
    reservations_pick,
    reservations_pick_in_transaction,
    reserve_for_document,
)
from depot.inventory.services.stock import (
    move_reverse,
    stock_adjust,
    stock_post_damage,
    stock_post_loss,
    stock_putaway,
    stock_receive,
    stock_return,
    stock_transfer,
)

__all__ = [
    "COUNT_DOCUMENT", "abc_classification_apply", "alert_acknowledge", "alert_close", "count_approve",
    "count_cancel", "count_plan_create", "count_record", "count_reject", "count_start", "count_submit",
    "reorder_alerts_scan",
    "document_release", "document_ship", "inspection_plan_create", "inspection_plan_update",
    "inspection_record", "item_create", "item_update", "location_bulk_create", "location_create",
    "location_set_status", "location_update", "move_reverse", "reading_record", "replenishment_settings_save",
    "reservation_consume", "reservation_create", "reservation_release", "reservation_ship",
    "reservations_create", "reservations_pick", "reservations_pick_in_transaction",
    "reserve_for_document", "stock_adjust", "stock_post_damage",
    "stock_post_loss", "stock_putaway",
    "stock_receive", "stock_return", "stock_transfer", "virtual_location", "warehouse_create",
    "warehouse_update", "zone_create", "zone_update",
]
