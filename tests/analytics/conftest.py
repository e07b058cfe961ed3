"""A fixed data set of outbound orders, arranged directly so that every figure can be computed by
hand (docs/analytics.md has the formulas). `TODAY` is 2026-11-15.

- 甲 (the specialist's): Oct 2025 one order of 500 元; Sep 10 2026 1 500 元; Oct 3, 13 and 23 2026
  orders of 1 000 (lines 10 + 5 units), 3 000 (20 units) and 2 000 元 (7 units); one cancelled order
  on Oct 5 2026 that never counts. Of the October orders the first shipped on time, the second late,
  the third is overdue and not shipped. Cooperating since 2024-01-15.
- 乙 (the other specialist's): six orders of 20 000 元 from June to October 2026.
- 丙 (the specialist's): an order every 10 days from 2026-06-01 to 2026-08-30, then none.
- 丁 (the specialist's): a weekly order from 2026-01-05 to 2026-07-27, then none.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.customers.choices import Status
from depot.customers.models import Customer
from depot.orders.choices import Channel, OutboundState
from depot.orders.models import OutboundLine, OutboundOrder

TODAY = datetime.date(2026, 11, 15)
NOW = timezone.make_aware(datetime.datetime(2026, 11, 15, 12, 0))
_seq = itertools.count(1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def order(customer, day, value, units=(1,), *, state=OutboundState.CONFIRMED, due=None, shipped=None):
    o = OutboundOrder.objects.create(
        number=f"CKAN{next(_seq):06d}", customer=customer, channel=Channel.PHONE, state=state,
        request_hash="analytics-test", created_at=at(day), total_value=Decimal(value),
        due_at=at(due, 18) if due else None, shipped_at=at(shipped, 12) if shipped else None)
    for n, q in enumerate(units, start=1):
        OutboundLine.objects.create(order=o, line_no=n, quantity=q, unit_value=Decimal(1))
    return o


@pytest.fixture
def dataset(make_customer, specialist, other_specialist, supervisor):
    d = datetime.date
    jia = make_customer(specialist, name="甲食品贸易有限公司", short_name="甲", status=Status.ACTIVE)
    Customer.objects.filter(pk=jia.pk).update(cooperation_since=d(2024, 1, 15))
    yi = make_customer(other_specialist, name="乙电子商务有限公司", short_name="乙", status=Status.ACTIVE)
    bing = make_customer(specialist, name="丙日化用品有限公司", short_name="丙", status=Status.ACTIVE)
    ding = make_customer(specialist, name="丁母婴用品有限公司", short_name="丁", status=Status.ACTIVE)

    order(jia, d(2025, 10, 20), 500)
    order(jia, d(2026, 9, 10), 1500, (3,))
    order(jia, d(2026, 10, 3), 1000, (10, 5), due=d(2026, 10, 4), shipped=d(2026, 10, 4))
    order(jia, d(2026, 10, 5), 9999, (99,), state=OutboundState.CANCELLED)
    order(jia, d(2026, 10, 13), 3000, (20,), due=d(2026, 10, 14), shipped=d(2026, 10, 15))
    order(jia, d(2026, 10, 23), 2000, (7,), state=OutboundState.ALLOCATED, due=d(2026, 10, 24))
    for day in (d(2026, 6, 1), d(2026, 7, 1), d(2026, 8, 1), d(2026, 9, 1), d(2026, 9, 15), d(2026, 10, 1)):
        order(yi, day, 20000)
    for n in range(10):
        order(bing, d(2026, 6, 1) + datetime.timedelta(days=10 * n), 800)
    for n in range(30):
        order(ding, d(2026, 1, 5) + datetime.timedelta(days=7 * n), 300)
    return {"甲": jia, "乙": yi, "丙": bing, "丁": ding}
