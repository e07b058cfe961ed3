"""Random sequences of receipts, putaways, reservations, picks, shipments, releases, transfers,
adjustments and write-offs keep every stock invariant, and the books match a simple model of
where the goods are."""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from depot.core.errors import ValidationFailed
from depot.inventory import services
from depot.inventory.checks import stock_problems
from depot.inventory.choices import ItemCategory, LocationKind, ReservationState, Rotation
from depot.inventory.errors import InsufficientStock, LocationRejected
from depot.inventory.models import Balance, Reservation
from tests.inventory.helpers import days

LOTS = {"A": 30, "B": 90, "C": 400}  # lot number -> days to expiry


@pytest.mark.django_db
def test_random_operations_keep_the_stock_invariants(wh, admin_user, keeper, specialist, supervisor, make_item):
    food = make_item("PROP-F", category=ItemCategory.FOOD, rotation=Rotation.FEFO)
    general = make_item("PROP-G")
    items = [food, general]
    storage = [wh.loc["AMB-01"], wh.loc["AMB-02"], wh.loc["COOL-01"]]
    dock = wh.loc["AMB-RCV"]

    class Warehouse(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.inside = 0  # units in physical locations
            self.outside = 0  # units shipped, written off or adjusted away (net of gains)
            self.received = 0

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        @initialize(quantities=st.lists(st.integers(1, 30), min_size=2, max_size=4))
        def opening_stock(self, quantities):
            for n, quantity in enumerate(quantities):
                item, lot = items[n % 2], sorted(LOTS)[n % 3]
                services.stock_receive(actor=keeper, item=item, quantity=quantity, location=storage[n % 2],
                                       lot_number=lot, expiry_date=days(LOTS[lot]))
                self.inside += quantity
                self.received += quantity

        def _available(self, item):
            return sum(b.on_hand - b.reserved for b in services.reservations.reservable_balances(items=[item]))

        @rule(item=st.sampled_from(items), lot=st.sampled_from(sorted(LOTS)), quantity=st.integers(1, 40),
              into_dock=st.booleans(), where=st.sampled_from(storage))
        def receive(self, item, lot, quantity, into_dock, where):
            try:
                services.stock_receive(actor=keeper, item=item, quantity=quantity,
                                       location=dock if into_dock else where, lot_number=lot,
                                       expiry_date=days(LOTS[lot]))
            except LocationRejected:
                return  # the location is full
            self.inside += quantity
            self.received += quantity

        @rule(data=st.data())
        def putaway(self, data):
            waiting = list(Balance.objects.filter(location=dock, on_hand__gt=0).select_related("item", "lot"))
            if not waiting:
                return
            balance = data.draw(st.sampled_from(waiting))
            quantity = data.draw(st.integers(1, balance.on_hand))
            try:
                services.stock_putaway(actor=keeper, item=balance.item, lot=balance.lot, from_location=dock,
                                       quantity=quantity)
            except ValidationFailed as exc:
                assert "to_location" in exc.details  # no location with room for it

        @rule(item=st.sampled_from(items), quantity=st.integers(1, 30), partial=st.booleans())
        def reserve(self, item, quantity, partial):
            available = self._available(item)
            reserved_before = Balance.objects.aggregate(n=Sum("reserved"))["n"] or 0
            try:
                reservations = services.reservation_create(
                    actor=specialist, item=item, quantity=quantity, document_type="prop",
                    document_ref=f"R{Reservation.objects.count()}", allow_partial=partial)
            except InsufficientStock as exc:
                assert not partial and quantity > available == exc.available
                assert (Balance.objects.aggregate(n=Sum("reserved"))["n"] or 0) == reserved_before
                return
            assert sum(r.quantity for r in reservations) == min(quantity, available)

        def _open(self, kind):
            return list(Reservation.objects.filter(state=ReservationState.OPEN, balance__location__kind=kind)
                        .order_by("pk"))

        def _has_open(self, kind):
            return Reservation.objects.filter(state=ReservationState.OPEN, balance__location__kind=kind).exists()

        @precondition(lambda self: self._has_open(LocationKind.STORAGE))
        @rule(data=st.data())
        def pick(self, data):
            open_ = self._open(LocationKind.STORAGE)
            reservation = data.draw(st.sampled_from(open_))
            quantity = data.draw(st.integers(1, reservation.open_quantity))
            services.reservation_consume(actor=keeper, reservation=reservation, quantity=quantity)

        @precondition(lambda self: self._has_open(LocationKind.STAGING))
        @rule(data=st.data())
        def ship(self, data):
            staged = self._open(LocationKind.STAGING)
            reservation = data.draw(st.sampled_from(staged))
            move = services.reservation_ship(actor=keeper, reservation=reservation)
            self.inside -= move.quantity
            self.outside += move.quantity

        @rule(data=st.data())
        def release(self, data):
            open_ = self._open(LocationKind.STORAGE) + self._open(LocationKind.STAGING)
            if not open_:
                return
            reservation = data.draw(st.sampled_from(open_))
            services.reservation_release(actor=specialist, reservation=reservation)

        @rule(data=st.data(), delta=st.integers(-15, 15).filter(bool))
        def adjust(self, data, delta):
            balances = list(Balance.objects.filter(location__in=storage).select_related("item", "lot", "location"))
            if not balances:
                return
            balance = data.draw(st.sampled_from(balances))
            try:
                services.stock_adjust(actor=supervisor, item=balance.item, lot=balance.lot, location=balance.location,
                                      delta=delta, reason="抽查")
            except InsufficientStock:
                assert balance.on_hand - balance.reserved < -delta
                return
            self.inside += delta
            self.outside -= delta

        @rule(data=st.data(), damage=st.booleans())
        def write_off(self, data, damage):
            balances = list(Balance.objects.filter(on_hand__gt=0).select_related("item", "lot", "location"))
            if not balances:
                return
            balance = data.draw(st.sampled_from(balances))
            quantity = data.draw(st.integers(1, balance.on_hand + 2))
            post = services.stock_post_damage if damage else services.stock_post_loss
            try:
                post(actor=keeper, item=balance.item, lot=balance.lot, location=balance.location, quantity=quantity,
                     reason="破损")
            except InsufficientStock:
                assert quantity > balance.on_hand - balance.reserved
                return
            self.inside -= quantity
            self.outside += quantity

        @rule(data=st.data(), to=st.sampled_from(storage))
        def transfer(self, data, to):
            balances = list(Balance.objects.filter(location__in=storage, on_hand__gt=0)
                            .select_related("item", "lot", "location"))
            if not balances:
                return
            balance = data.draw(st.sampled_from(balances))
            if balance.location == to:
                return
            quantity = data.draw(st.integers(1, balance.on_hand))
            try:
                services.stock_transfer(actor=keeper, item=balance.item, lot=balance.lot,
                                        from_location=balance.location, to_location=to, quantity=quantity)
            except InsufficientStock:
                assert quantity > balance.on_hand - balance.reserved
            except LocationRejected as exc:
                assert "容量不足" in exc.reason

        @invariant()
        def books_balance(self):
            assert stock_problems() == []
            assert (Balance.objects.aggregate(n=Sum("on_hand"))["n"] or 0) == self.inside
            assert self.inside + self.outside == self.received
            open_total = sum(r.open_quantity for r in Reservation.objects.filter(state=ReservationState.OPEN))
            assert (Balance.objects.aggregate(n=Sum("reserved"))["n"] or 0) == open_total

    run_state_machine_as_test(Warehouse, settings=settings(
        max_examples=30, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    ))
