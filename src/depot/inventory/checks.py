"""`depot check --stock`: recompute every stored stock counter from its source rows.

Works on any database, whatever wrote it: each balance's `on_hand` must equal the sum of the
moves into its (item, lot, location) minus the moves out, its `reserved` the open quantity of its
open reservations; nothing negative, nothing reserved beyond what is on hand.
"""

from django.db import connection
from django.utils.translation import gettext as _

from depot.inventory.choices import PHYSICAL_KINDS

PHYSICAL = sorted(PHYSICAL_KINDS)

_ON_HAND_VS_MOVES = """
WITH flows AS (
    SELECT item_id, lot_id, to_location_id AS location_id, quantity AS qty FROM inventory_stockmove
    UNION ALL
    SELECT item_id, lot_id, from_location_id, -quantity FROM inventory_stockmove
), sums AS (
    SELECT f.item_id, f.lot_id, f.location_id, SUM(f.qty) AS qty
    FROM flows f JOIN inventory_location l ON l.id = f.location_id
    WHERE l.kind = ANY(%s)
    GROUP BY f.item_id, f.lot_id, f.location_id
)
SELECT i.code, lt.lot_number, l.code, b.on_hand, COALESCE(s.qty, 0)
FROM inventory_balance b
FULL OUTER JOIN sums s ON s.item_id = b.item_id AND s.lot_id = b.lot_id AND s.location_id = b.location_id
JOIN inventory_item i ON i.id = COALESCE(b.item_id, s.item_id)
JOIN inventory_lot lt ON lt.id = COALESCE(b.lot_id, s.lot_id)
JOIN inventory_location l ON l.id = COALESCE(b.location_id, s.location_id)
WHERE b.id IS NULL AND s.qty <> 0 OR b.id IS NOT NULL AND b.on_hand <> COALESCE(s.qty, 0)
ORDER BY 1, 2, 3
"""

_RESERVED_VS_RESERVATIONS = """
SELECT i.code, lt.lot_number, l.code, b.reserved, COALESCE(r.open_qty, 0)
FROM inventory_balance b
LEFT JOIN (
    SELECT balance_id, SUM(quantity - consumed - released) AS open_qty
    FROM inventory_reservation WHERE state = 'open' GROUP BY balance_id
) r ON r.balance_id = b.id
JOIN inventory_item i ON i.id = b.item_id
JOIN inventory_lot lt ON lt.id = b.lot_id
JOIN inventory_location l ON l.id = b.location_id
WHERE b.reserved <> COALESCE(r.open_qty, 0)
ORDER BY 1, 2, 3
"""

_BAD_BALANCES = """
SELECT i.code, lt.lot_number, l.code, b.on_hand, b.reserved, l.kind
FROM inventory_balance b
JOIN inventory_item i ON i.id = b.item_id
JOIN inventory_lot lt ON lt.id = b.lot_id
JOIN inventory_location l ON l.id = b.location_id
WHERE b.on_hand < 0 OR b.reserved < 0 OR b.reserved > b.on_hand OR NOT (l.kind = ANY(%s)) OR lt.item_id <> b.item_id
ORDER BY 1, 2, 3
"""

_BAD_RESERVATIONS = """
SELECT id, document_type, document_ref, state, quantity, consumed, released
FROM inventory_reservation
WHERE quantity <= 0 OR consumed < 0 OR released < 0 OR consumed + released > quantity
   OR (state = 'open') <> (consumed + released < quantity)
ORDER BY id
"""

_BAD_MOVES = """
SELECT m.id, i.code, lt.lot_number
FROM inventory_stockmove m
JOIN inventory_item i ON i.id = m.item_id
JOIN inventory_lot lt ON lt.id = m.lot_id
WHERE m.quantity <= 0 OR lt.item_id <> m.item_id OR m.owner_id <> i.owner_id
   OR m.from_location_id = m.to_location_id
ORDER BY m.id
"""


def stock_problems() -> list[str]:
    """A description of each broken stock invariant; empty when the stock is consistent."""
    problems: list[str] = []
    with connection.cursor() as cur:
        cur.execute(_ON_HAND_VS_MOVES, [PHYSICAL])
        for item, lot, loc, on_hand, moves in cur.fetchall():
            problems.append(_("库存余额 %(item)s/%(lot)s/%(loc)s：现存%(on_hand)s，流水合计%(moves)s") % {
                "item": item, "lot": lot, "loc": loc,
                "on_hand": on_hand if on_hand is not None else _("（无余额记录）"), "moves": moves})
        cur.execute(_RESERVED_VS_RESERVATIONS)
        for item, lot, loc, reserved, open_qty in cur.fetchall():
            problems.append(_("库存余额 %(item)s/%(lot)s/%(loc)s：预留%(reserved)s，有效预留合计%(open)s") % {
                "item": item, "lot": lot, "loc": loc, "reserved": reserved, "open": open_qty})
        cur.execute(_BAD_BALANCES, [PHYSICAL])
        for item, lot, loc, on_hand, reserved, kind in cur.fetchall():
            problems.append(
                _("库存余额 %(item)s/%(lot)s/%(loc)s 不合法：现存%(on_hand)s，预留%(reserved)s，库位类型%(kind)s")
                % {"item": item, "lot": lot, "loc": loc, "on_hand": on_hand, "reserved": reserved, "kind": kind})
        cur.execute(_BAD_RESERVATIONS)
        for pk, doc_type, doc_ref, state, qty, consumed, released in cur.fetchall():
            problems.append(
                _("预留#%(pk)s（%(doc)s）数量不一致：状态%(state)s，预留%(qty)s，已拣%(c)s，已释放%(r)s")
                % {"pk": pk, "doc": f"{doc_type}:{doc_ref}", "state": state, "qty": qty, "c": consumed,
                   "r": released})
        cur.execute(_BAD_MOVES)
        for pk, item, lot in cur.fetchall():
            problems.append(_("库存流水#%(pk)s（%(item)s/%(lot)s）不合法：数量、批次、货主或库位有误") % {
                "pk": pk, "item": item, "lot": lot})
    return problems
