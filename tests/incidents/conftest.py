"""Incidents on top of the orders tests' small warehouse: `customer` (looked after by `specialist`)
with `biscuits` (10 元) and `milk` (5 元); `stock(item, qty, location, lot)` receives stock."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from depot.incidents import services
from depot.incidents.models import DelayNotice, DelayUpdate, Incident, IncidentLine, IncidentPhoto, Recovery
from depot.notifications.models import Notification
from depot.orders.models import OrderEvent
from tests.inventory.helpers import snapshot_state
from tests.orders.conftest import biscuits, customer, make_item, milk, stock, submit, wh  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name="scene.png", size=None) -> SimpleUploadedFile:
    content = PNG if size is None else PNG + b"\x00" * (size - len(PNG))
    return SimpleUploadedFile(name, content, content_type="image/png")


def hours_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=n)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def register(specialist, customer):  # noqa: F811
    def go(lines, *, kind="damage", actor=None, order=None, **data):
        return services.incident_register(
            actor=actor or specialist, customer=customer, lines=lines,
            data={"kind": kind, "occurred_at": hours_ago(2), "description": "叉车作业时撞倒货架，纸箱压损",
                  "place": "常温区AMB-01", "order": order, **data})

    return go


@pytest.fixture
def damaged(wh, biscuits, stock, register):  # noqa: F811
    """An incident: 4 of the 10 biscuits of lot L1 at AMB-01 crushed."""
    lot = stock(biscuits, 10, wh.loc["AMB-01"], "L1")
    return register([{"item": biscuits, "lot": lot, "location": wh.loc["AMB-01"], "quantity": 4}])


@pytest.fixture
def assessed(damaged, specialist):
    return services.incident_assess(actor=specialist, incident=damaged, method="lines")


def incidents_state() -> dict:
    """Everything an incidents service could write, to assert that a refused call changed nothing."""
    return {
        "incidents": sorted(Incident.objects.values_list(
            "pk", "state", "assessed_amount", "compensation_amount", "over_assessment_reason", "proposed_by",
            "decided_by", "paid_amount", "stock_posted_at")),
        "lines": sorted(IncidentLine.objects.values_list("pk", "quantity", "stock_move")),
        "photos": IncidentPhoto.objects.count(),
        "recoveries": sorted(Recovery.objects.values_list("pk", "amount_recovered", "state")),
        "delays": (DelayNotice.objects.count(), DelayUpdate.objects.count()),
        "events": OrderEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "stock": snapshot_state(),
    }


