"""A small warehouse for inventory tests, built through the services.

Zones: AMB ambient, COOL, COLD, FRZ frozen, HAZ3 (ambient, dangerous goods class 3). Each zone
has a receiving dock `<zone>-RCV`, a staging location `<zone>-STG` and storage locations
`<zone>-01..03` of 100 units; AMB also has `AMB-P1`, a location of 2 pallets.
"""

import itertools

import pytest

from depot.inventory import services
from depot.inventory.choices import (
    HazardClass,
    ItemCategory,
    Rotation,
    TemperatureClass,
)
from tests.inventory.helpers import build_warehouse

_codes = itertools.count(1)

@pytest.fixture
def owner(make_customer, specialist):
    """A cargo owner looked after by `specialist`."""
    return make_customer(specialist, name="华东食品贸易有限公司")


@pytest.fixture
def other_owner(make_customer, other_specialist):
    return make_customer(other_specialist, name="西南化工材料有限公司")


@pytest.fixture
def wh(admin_user):
    return build_warehouse(admin_user)


@pytest.fixture
def make_item(admin_user, owner):
    def make(code=None, *, owner=owner, **fields):
        fields.setdefault("name", "测试货品")
        return services.item_create(actor=admin_user, owner=owner, data={
            "code": code or f"SKU{next(_codes):04d}", **fields})

    return make


@pytest.fixture
def item(make_item):
    """General ambient goods, FIFO."""
    return make_item("GEN-1", name="办公用品", category=ItemCategory.GENERAL)


@pytest.fixture
def food(make_item):
    return make_item("FOOD-1", name="饼干", category=ItemCategory.FOOD, shelf_life_days=180,
                     rotation=Rotation.FEFO)


@pytest.fixture
def frozen(make_item):
    return make_item("FRZ-1", name="速冻水饺", category=ItemCategory.FOOD, storage_class=TemperatureClass.FROZEN,
                     shelf_life_days=365, rotation=Rotation.FEFO)


@pytest.fixture
def solvent(make_item):
    return make_item("CHEM-3", name="工业酒精", category=ItemCategory.CHEMICAL,
                     hazard_class=HazardClass.FLAMMABLE_LIQUID)


@pytest.fixture
def stock(keeper):
    """Receive `quantity` of a lot straight into a location; returns the lot."""

    def put(item, quantity, location, lot_number="L1", *, expiry_date=None, production_date=None, at=None):
        move = services.stock_receive(actor=keeper, item=item, quantity=quantity, location=location,
                                      lot_number=lot_number, expiry_date=expiry_date,
                                      production_date=production_date, at=at)
        return move.lot

    return put
