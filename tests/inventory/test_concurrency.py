"""Many workers at once on real PostgreSQL, each thread with its own connection: nothing is
reserved twice, no stock appears or disappears, no deadlock, and the invariants hold after."""

import contextlib
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Sum

from depot.inventory import services
from depot.inventory.checks import stock_problems
from depot.inventory.choices import CapacityUnit, LocationKind, MoveKind, ReservationState
from depot.inventory.errors import InsufficientStock, LocationRejected
from depot.inventory.models import Balance, Location, Reservation, StockMove
from tests.inventory.helpers import build_warehouse

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def run_concurrently(worker, n=THREADS) -> list[BaseException]:
    """Start `n` threads that call worker(i) together; return the unexpected exceptions."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            worker(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def scarce(admin_user, keeper, make_customer, specialist):
    """36 units of one item, in 4 lots spread over 3 locations (3 units per lot and location)."""
    wh = build_warehouse(admin_user)
    owner = make_customer(specialist)
    item = services.item_create(actor=admin_user, owner=owner, data={"code": "HOT-1", "name": "热销品"})
    for lot_number in ("L1", "L2", "L3", "L4"):
        for code in ("AMB-01", "AMB-02", "AMB-03"):
            services.stock_receive(actor=keeper, item=item, quantity=3, location=wh.loc[code], lot_number=lot_number)
    return wh, item


def total(field, **filters):
    return Balance.objects.filter(**filters).aggregate(n=Sum(field))["n"] or 0


def test_concurrent_reservations_never_over_reserve_scarce_stock(scarce, specialist):
    wh, item = scarce
    granted: list[tuple[str, int, int]] = []

    def worker(i):
        user = fresh(specialist)
        for attempt in range(4):
            quantity = 2 + (i + attempt) % 3
            ref = f"T{i}-{attempt}"
            try:
                reservations = services.reservation_create(actor=user, item=item, quantity=quantity,
                                                           document_type="outbound", document_ref=ref)
            except InsufficientStock:
                continue
            granted.append((ref, quantity, sum(r.quantity for r in reservations)))

    errors = run_concurrently(worker)

    assert errors == []
    assert all(asked == got for _ref, asked, got in granted), "a reservation was not all-or-nothing"
    reserved_total = total("reserved")
    assert reserved_total == sum(got for _ref, _asked, got in granted)
    assert reserved_total <= total("on_hand") == 36
    assert 36 - reserved_total < 4, "a request was refused although enough stock was left"
    assert not Balance.objects.filter(reserved__gt=F("on_hand")).exists()
    assert Reservation.objects.filter(state=ReservationState.OPEN).aggregate(n=Sum("quantity"))["n"] == reserved_total
    assert stock_problems() == []


def test_concurrent_reserving_picking_shipping_releasing_and_moving_keep_the_books_straight(scarce, specialist,
                                                                                            keeper):
    wh, item = scarce
    shipped: list[int] = []

    def order_desk(i):
        cs, picker = fresh(specialist), fresh(keeper)
        for attempt in range(5):
            ref = f"O{i}-{attempt}"
            try:
                reservations = services.reservation_create(actor=cs, item=item, quantity=1 + (i + attempt) % 3,
                                                           document_type="outbound", document_ref=ref)
            except InsufficientStock:
                continue
            if (i + attempt) % 3 == 0:
                services.document_release(actor=cs, document_type="outbound", document_ref=ref)
                continue
            for reservation in reservations:
                services.reservation_consume(actor=picker, reservation=reservation)
            if attempt % 2:
                shipped.extend(m.quantity for m in services.document_ship(actor=picker, document_type="outbound",
                                                                           document_ref=ref))

    def mover(i):
        user = fresh(keeper)
        codes = ["AMB-01", "AMB-02", "AMB-03"]
        for attempt in range(6):
            source, dest = wh.loc[codes[(i + attempt) % 3]], wh.loc[codes[(i + attempt + 1) % 3]]
            balance = Balance.objects.filter(item=item, location=source, on_hand__gt=F("reserved")).first()
            if balance is None:
                continue
            with contextlib.suppress(InsufficientStock, LocationRejected):
                services.stock_transfer(actor=user, item=item, lot=balance.lot, from_location=source,
                                        to_location=dest, quantity=1)

    errors = run_concurrently(lambda i: order_desk(i) if i < 6 else mover(i))

    assert errors == []
    assert stock_problems() == []
    assert total("on_hand") + sum(shipped) == 36, "stock appeared or disappeared"
    shipped_in_ledger = StockMove.objects.filter(kind=MoveKind.SHIPMENT).aggregate(n=Sum("quantity"))["n"] or 0
    assert shipped_in_ledger == sum(shipped)
    staging_on_hand = total("on_hand", location=wh.loc["AMB-STG"])
    assert staging_on_hand == total("reserved", location=wh.loc["AMB-STG"]), "picked goods lost their order"
    assert not Balance.objects.filter(reserved__gt=F("on_hand")).exists()


def test_concurrent_putaways_never_overfill_a_location(admin_user, keeper, make_customer, specialist):
    wh = build_warehouse(admin_user)
    owner = make_customer(specialist)
    item = services.item_create(actor=admin_user, owner=owner, data={"code": "BOX-1", "name": "整箱货"})
    target = services.location_create(actor=admin_user, zone=wh.zones["AMB"], data={
        "code": "AMB-SMALL", "kind": LocationKind.STORAGE, "capacity": 25, "capacity_unit": CapacityUnit.UNITS})
    lots = [services.stock_receive(actor=keeper, item=item, quantity=10, location=wh.loc["AMB-RCV"],
                                   lot_number=f"P{i}").lot for i in range(THREADS)]
    placed = []

    def worker(i):
        try:
            services.stock_putaway(actor=fresh(keeper), item=item, lot=lots[i], from_location=wh.loc["AMB-RCV"],
                                   quantity=10, to_location=target)
            placed.append(i)
        except LocationRejected:
            pass

    assert run_concurrently(worker) == []
    assert len(placed) == 2
    assert total("on_hand", location=target) == 20 <= Location.objects.get(pk=target.pk).capacity
    assert stock_problems() == []
