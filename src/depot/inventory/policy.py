"""Pure inventory rules, in the warehouse's own words: which lot goes out first, which zone may hold
an item, how much room a location has left. No ORM here: the services feed these functions plain
values (or model instances, read by attribute) and act on the answer."""

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from depot.inventory.choices import (
    INGESTIBLE_CATEGORIES,
    AlertKind,
    AlertState,
    CapacityUnit,
    CountState,
    HazardClass,
    Rotation,
    TemperatureClass,
)

# Zone temperature classes that may hold an item of each storage class. Ambient goods may be kept
# cooler than they need; nothing else leaves its own temperature class.
ACCEPTED_TEMPERATURES: dict[str, frozenset[str]] = {
    TemperatureClass.AMBIENT: frozenset({TemperatureClass.AMBIENT, TemperatureClass.COOL}),
    TemperatureClass.COOL: frozenset({TemperatureClass.COOL}),
    TemperatureClass.COLD: frozenset({TemperatureClass.COLD}),
    TemperatureClass.FROZEN: frozenset({TemperatureClass.FROZEN}),
}


class Verdict(NamedTuple):
    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


ACCEPTED = Verdict(True)


def _label(choices_cls, value) -> str:
    try:
        return str(choices_cls(value).label)
    except ValueError:
        return str(value)


def location_accepts(item, zone) -> Verdict:
    """May `item` be stored in `zone`? `item` needs storage_class, hazard_class, category;
    `zone` needs temperature_class, hazard_class. The verdict carries the reason when not."""
    if zone.temperature_class not in ACCEPTED_TEMPERATURES.get(item.storage_class, ()):
        return Verdict(False, _("%(item)s货品不能存放在%(zone)s库区") % {
            "item": _label(TemperatureClass, item.storage_class).split("（")[0],
            "zone": _label(TemperatureClass, zone.temperature_class).split("（")[0],
        })
    if item.hazard_class and item.hazard_class != zone.hazard_class:
        return Verdict(False, _("危险品（%(cls)s）只能存放在同类危险品库区") % {
            "cls": _label(HazardClass, item.hazard_class)})
    if zone.hazard_class and item.category in INGESTIBLE_CATEGORIES:
        return Verdict(False, _("食品、药品不能存放在危险品库区"))
    return ACCEPTED


def pallets_for(quantity: int, pallet_quantity: int | None) -> int:
    """Pallets taken by `quantity` of one lot; a lot without a pallet size takes one pallet."""
    if quantity <= 0:
        return 0
    return math.ceil(quantity / pallet_quantity) if pallet_quantity else 1


@dataclass(frozen=True)
class Line:
    """What sits at a location: quantity of one (item, lot) and the item's pallet size."""

    quantity: int
    pallet_quantity: int | None = None


def occupied(unit: str, lines: Iterable[Line]) -> int:
    if unit == CapacityUnit.PALLETS:
        return sum(pallets_for(line.quantity, line.pallet_quantity) for line in lines)
    return sum(line.quantity for line in lines)


def capacity_check(*, capacity: int | None, unit: str, lines: Mapping, key, quantity: int,
                   pallet_quantity: int | None) -> Verdict:
    """Does a location holding `lines` ({key: Line}) have room for `quantity` more of `key`?"""
    if capacity is None:
        return ACCEPTED
    before = occupied(unit, lines.values())
    after_lines = dict(lines)
    current = after_lines.get(key, Line(0, pallet_quantity)).quantity
    after_lines[key] = Line(current + quantity, pallet_quantity)
    after = occupied(unit, after_lines.values())
    if after <= capacity:
        return ACCEPTED
    return Verdict(False, _("容量不足：容量%(cap)d%(unit)s，已占用%(used)d，本次需要%(need)d") % {
        "cap": capacity, "unit": _label(CapacityUnit, unit).split("（")[0], "used": before, "need": after - before,
    })


def free_capacity(*, capacity: int | None, unit: str, lines: Iterable[Line]) -> int | None:
    """Room left in the location's own unit (None when unlimited)."""
    if capacity is None:
        return None
    return max(capacity - occupied(unit, lines), 0)


@dataclass(frozen=True)
class Candidate:
    """Available stock of one lot at one location, as the allocation policy sees it."""

    key: int
    available: int
    received_on: datetime.date
    expiry_date: datetime.date | None = None
    location_code: str = ""


_FAR_FUTURE = datetime.date.max


def rotation_order(candidates: Iterable[Candidate], rotation: str) -> list[Candidate]:
    """FIFO: earliest receipt first. FEFO: earliest expiry first (lots without expiry last), then
    earliest receipt. Ties go by location code, so a picker walks the aisle in order."""
    if rotation == Rotation.FEFO:
        def key(c):
            return (c.expiry_date or _FAR_FUTURE, c.received_on, c.location_code, c.key)
    else:
        def key(c):
            return (c.received_on, c.location_code, c.key)
    return sorted(candidates, key=key)


def allocate(candidates: Iterable[Candidate], quantity: int, rotation: str) -> list[tuple[Candidate, int]]:
    """Take up to `quantity` from the candidates in rotation order; the caller decides what a
    shortfall means (the sum of the returned quantities may be less than asked)."""
    out = []
    left = quantity
    for candidate in rotation_order(candidates, rotation):
        if left <= 0:
            break
        take = min(candidate.available, left)
        if take > 0:
            out.append((candidate, take))
            left -= take
    return out


@dataclass(frozen=True)
class PutawayOption:
    key: int
    code: str
    zone_temperature: str
    zone_hazard: str
    free: int | None
    holds_same_lot: bool = False
    holds_same_item: bool = False


def rank_putaway(item, options: Iterable[PutawayOption]) -> list[PutawayOption]:
    """Order compatible locations with room: one already holding this lot, then this item, then
    zones of the item's own temperature class, then general rather than dangerous-goods zones
    for general goods, then the fullest location that still fits (keeps empty ones for big lots),
    then by code."""
    def key(o):
        return (
            not o.holds_same_lot,
            not o.holds_same_item,
            o.zone_temperature != item.storage_class,
            bool(o.zone_hazard) and not item.hazard_class,
            o.free if o.free is not None else math.inf,
            o.code,
        )
    return sorted(options, key=key)


# The stock count's state machine: the only allowed transitions.
COUNT_TRANSITIONS: dict[str, frozenset[str]] = {
    CountState.PLANNED: frozenset({CountState.COUNTING, CountState.CANCELLED}),
    CountState.COUNTING: frozenset({CountState.SUBMITTED, CountState.CANCELLED}),
    CountState.SUBMITTED: frozenset({CountState.APPROVED, CountState.REJECTED}),
    CountState.APPROVED: frozenset(),
    CountState.REJECTED: frozenset(),
    CountState.CANCELLED: frozenset(),
}

COUNT_ACTION_LABELS = {
    CountState.COUNTING: _lazy("开始盘点"),
    CountState.SUBMITTED: _lazy("提交审批"),
    CountState.APPROVED: _lazy("审批过账"),
    CountState.REJECTED: _lazy("驳回"),
    CountState.CANCELLED: _lazy("取消"),
}


def count_transition_allowed(current: str, to: str) -> bool:
    return to in COUNT_TRANSITIONS.get(current, frozenset())


# --- custody --------------------------------------------------------------------------------------


class Excursion(NamedTuple):
    kind: str
    value: object
    limit: object


def reading_excursions(*, temperature, humidity, zone) -> list[Excursion]:
    """Which of the zone's limits (temperature_min/max, humidity_min/max; None = no limit) a
    reading is outside of. A value on the limit is inside."""
    out = []
    checks = (
        (temperature, zone.temperature_max, AlertKind.TOO_HOT, lambda v, lim: v > lim),
        (temperature, zone.temperature_min, AlertKind.TOO_COLD, lambda v, lim: v < lim),
        (humidity, zone.humidity_max, AlertKind.TOO_HUMID, lambda v, lim: v > lim),
        (humidity, zone.humidity_min, AlertKind.TOO_DRY, lambda v, lim: v < lim),
    )
    for value, limit, kind, outside in checks:
        if value is not None and limit is not None and outside(value, limit):
            out.append(Excursion(kind, value, limit))
    return out


# The environment alert's state machine: the only allowed transitions.
ALERT_TRANSITIONS: dict[str, frozenset[str]] = {
    AlertState.OPEN: frozenset({AlertState.ACKNOWLEDGED, AlertState.CLOSED}),
    AlertState.ACKNOWLEDGED: frozenset({AlertState.CLOSED}),
    AlertState.CLOSED: frozenset(),
}


def alert_transition_allowed(current: str, to: str) -> bool:
    return to in ALERT_TRANSITIONS.get(current, frozenset())


def inspection_is_due(next_due: datetime.date, on: datetime.date) -> bool:
    return next_due <= on


def next_inspection_due(done_on: datetime.date, frequency_days: int) -> datetime.date:
    """The next inspection falls one period after the day this one was done."""
    return done_on + datetime.timedelta(days=frequency_days)
