"""Two keepers posting the same incident at once, each with its own connection: posted once."""

import pytest

from depot.core.errors import IllegalTransition
from depot.incidents.models import Incident
from depot.inventory.checks import stock_problems
from depot.inventory.models import StockMove
from tests.inventory.helpers import on_hand
from tests.orders.test_concurrency import fresh, run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_keepers_posting_the_same_loss_at_once_write_it_off_once(wh, biscuits, stock, register, keeper,
                                                                      make_user):
    from depot.incidents import services

    lot = stock(biscuits, 10, wh.loc["AMB-01"], "L1")
    incident = register([{"item": biscuits, "lot": lot, "location": wh.loc["AMB-01"], "quantity": 4}])
    keepers = [keeper, make_user("warehouse_keeper")]

    errors = run_concurrently(lambda i: services.incident_post_stock(actor=fresh(keepers[i]), incident=incident), 2)

    assert len(errors) == 1 and isinstance(errors[0], IllegalTransition), errors
    assert "不能重复过账" in str(errors[0].message)
    assert StockMove.objects.filter(document_type="incident", document_ref=incident.code).count() == 1
    assert on_hand(biscuits, wh.loc["AMB-01"], lot) == 6
    assert Incident.objects.get(pk=incident.pk).stock_posted_at is not None
    assert stock_problems() == []
