"""The pure rules: no database."""

import datetime
from types import SimpleNamespace

from depot.inventory import policy
from depot.inventory.choices import (
    CapacityUnit,
    CountState,
    HazardClass,
    ItemCategory,
    Rotation,
    TemperatureClass,
)
from depot.inventory.policy import Candidate, Line, PutawayOption

D = datetime.date


def an_item(storage=TemperatureClass.AMBIENT, hazard="", category=ItemCategory.GENERAL, pallet_quantity=None):
    return SimpleNamespace(pk=1, storage_class=storage, hazard_class=hazard, category=category,
                           pallet_quantity=pallet_quantity)


def a_zone(temperature=TemperatureClass.AMBIENT, hazard=""):
    return SimpleNamespace(temperature_class=temperature, hazard_class=hazard)


# Putaway compatibility

def test_frozen_goods_are_never_put_into_an_ambient_zone():
    verdict = policy.location_accepts(an_item(TemperatureClass.FROZEN), a_zone(TemperatureClass.AMBIENT))
    assert not verdict
    assert "冷冻" in verdict.reason and "常温" in verdict.reason


def test_frozen_goods_go_into_a_frozen_zone():
    assert policy.location_accepts(an_item(TemperatureClass.FROZEN), a_zone(TemperatureClass.FROZEN))


def test_cold_goods_are_not_kept_in_a_frozen_zone():
    assert not policy.location_accepts(an_item(TemperatureClass.COLD), a_zone(TemperatureClass.FROZEN))


def test_ambient_goods_may_be_kept_in_a_cool_zone_but_cool_goods_not_in_an_ambient_one():
    assert policy.location_accepts(an_item(TemperatureClass.AMBIENT), a_zone(TemperatureClass.COOL))
    assert not policy.location_accepts(an_item(TemperatureClass.COOL), a_zone(TemperatureClass.AMBIENT))


def test_hazardous_goods_go_only_into_a_zone_of_their_own_class():
    flammable = an_item(hazard=HazardClass.FLAMMABLE_LIQUID, category=ItemCategory.CHEMICAL)
    assert policy.location_accepts(flammable, a_zone(hazard=HazardClass.FLAMMABLE_LIQUID))
    assert not policy.location_accepts(flammable, a_zone(hazard=HazardClass.CORROSIVE))
    verdict = policy.location_accepts(flammable, a_zone())
    assert not verdict
    assert "第3类" in verdict.reason


def test_food_is_never_put_into_a_hazardous_zone():
    verdict = policy.location_accepts(an_item(category=ItemCategory.FOOD), a_zone(hazard=HazardClass.CORROSIVE))
    assert not verdict
    assert "食品" in verdict.reason


def test_medicine_is_never_put_into_a_hazardous_zone():
    assert not policy.location_accepts(an_item(category=ItemCategory.PHARMA), a_zone(hazard=HazardClass.TOXIC))


def test_general_goods_are_not_refused_by_a_hazardous_zone():
    assert policy.location_accepts(an_item(category=ItemCategory.ELECTRONICS), a_zone(hazard=HazardClass.MISCELLANEOUS))


def test_temperature_is_checked_before_the_hazard_class():
    frozen_food = an_item(TemperatureClass.FROZEN, category=ItemCategory.FOOD)
    assert "冷冻" in policy.location_accepts(frozen_food, a_zone(hazard=HazardClass.TOXIC)).reason


# Capacity

def test_a_unit_location_takes_stock_up_to_its_capacity():
    lines = {"a": Line(60)}
    assert policy.capacity_check(capacity=100, unit=CapacityUnit.UNITS, lines=lines, key="b", quantity=40,
                                 pallet_quantity=None)
    verdict = policy.capacity_check(capacity=100, unit=CapacityUnit.UNITS, lines=lines, key="b", quantity=41,
                                    pallet_quantity=None)
    assert not verdict
    assert "容量不足" in verdict.reason and "已占用60" in verdict.reason


def test_pallet_capacity_counts_every_started_pallet():
    assert policy.pallets_for(100, 48) == 3
    assert policy.pallets_for(96, 48) == 2
    assert policy.pallets_for(0, 48) == 0


def test_a_lot_without_a_pallet_size_takes_one_pallet():
    assert policy.pallets_for(5000, None) == 1


def test_adding_to_a_lot_already_there_only_needs_the_extra_pallets():
    lines = {"lot1": Line(40, 48)}
    assert policy.capacity_check(capacity=1, unit=CapacityUnit.PALLETS, lines=lines, key="lot1", quantity=8,
                                 pallet_quantity=48)
    assert not policy.capacity_check(capacity=1, unit=CapacityUnit.PALLETS, lines=lines, key="lot1", quantity=9,
                                     pallet_quantity=48)
    assert not policy.capacity_check(capacity=1, unit=CapacityUnit.PALLETS, lines=lines, key="lot2", quantity=1,
                                     pallet_quantity=48)


def test_a_location_without_capacity_is_never_full():
    assert policy.capacity_check(capacity=None, unit=CapacityUnit.UNITS, lines={"a": Line(10**9)}, key="a",
                                 quantity=10**9, pallet_quantity=None)
    assert policy.free_capacity(capacity=None, unit=CapacityUnit.UNITS, lines=[]) is None


def test_free_capacity_is_in_the_locations_own_unit():
    assert policy.free_capacity(capacity=100, unit=CapacityUnit.UNITS, lines=[Line(30), Line(20)]) == 50
    assert policy.free_capacity(capacity=4, unit=CapacityUnit.PALLETS, lines=[Line(30, 10), Line(1)]) == 0


# Rotation

def lot(key, received, expiry=None, available=10, code="A"):
    return Candidate(key=key, available=available, received_on=received, expiry_date=expiry, location_code=code)


def test_fifo_prefers_the_earliest_receipt():
    old, new = lot(2, D(2025, 1, 1)), lot(1, D(2025, 3, 1))
    assert policy.rotation_order([new, old], Rotation.FIFO) == [old, new]


def test_fefo_prefers_the_earliest_expiry_even_when_received_later():
    early_receipt = lot(1, D(2025, 1, 1), expiry=D(2026, 1, 1))
    expires_first = lot(2, D(2025, 3, 1), expiry=D(2025, 9, 1))
    assert policy.rotation_order([early_receipt, expires_first], Rotation.FEFO) == [expires_first, early_receipt]


def test_fefo_takes_lots_without_expiry_last():
    undated = lot(1, D(2024, 1, 1))
    dated = lot(2, D(2025, 1, 1), expiry=D(2030, 1, 1))
    assert policy.rotation_order([undated, dated], Rotation.FEFO) == [dated, undated]


def test_equal_lots_are_taken_in_location_code_order():
    b, a = lot(1, D(2025, 1, 1), code="B-01"), lot(2, D(2025, 1, 1), code="A-01")
    assert policy.rotation_order([b, a], Rotation.FIFO) == [a, b]


def test_allocation_spreads_across_lots_until_the_quantity_is_met():
    first, second, third = lot(1, D(2025, 1, 1), available=5), lot(2, D(2025, 2, 1)), lot(3, D(2025, 3, 1))
    allocation = policy.allocate([third, second, first], 12, Rotation.FIFO)
    assert allocation == [(first, 5), (second, 7)]


def test_allocation_returns_what_there_is_when_stock_is_short():
    allocation = policy.allocate([lot(1, D(2025, 1, 1), available=3)], 10, Rotation.FIFO)
    assert sum(q for _c, q in allocation) == 3


# Putaway ranking

def option(key, code, temperature=TemperatureClass.AMBIENT, hazard="", free=50, same_lot=False, same_item=False):
    return PutawayOption(key=key, code=code, zone_temperature=temperature, zone_hazard=hazard, free=free,
                         holds_same_lot=same_lot, holds_same_item=same_item)


def test_putaway_prefers_a_location_already_holding_the_same_lot():
    ranked = policy.rank_putaway(an_item(), [option(1, "A-01"), option(2, "A-02", same_lot=True, same_item=True)])
    assert ranked[0].key == 2


def test_putaway_prefers_the_items_own_temperature_class():
    ranked = policy.rank_putaway(an_item(), [option(1, "C-01", TemperatureClass.COOL), option(2, "Z-01")])
    assert ranked[0].key == 2


def test_putaway_suggests_general_zones_to_general_goods_before_dangerous_goods_zones():
    ranked = policy.rank_putaway(an_item(), [option(1, "A-01", hazard=HazardClass.MISCELLANEOUS), option(2, "B-01")])
    assert ranked[0].key == 2


def test_putaway_fills_the_fullest_location_that_still_fits():
    ranked = policy.rank_putaway(an_item(), [option(1, "A-01", free=90), option(2, "A-02", free=10)])
    assert [o.key for o in ranked] == [2, 1]


# The count's state machine

def test_a_count_is_approved_only_after_it_is_submitted():
    assert not policy.count_transition_allowed(CountState.COUNTING, CountState.APPROVED)
    assert policy.count_transition_allowed(CountState.SUBMITTED, CountState.APPROVED)


def test_an_approved_count_never_changes_again():
    assert all(not policy.count_transition_allowed(CountState.APPROVED, to) for to in CountState.values)
