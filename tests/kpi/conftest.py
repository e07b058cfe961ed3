"""A small fixed month (October 2026) of everything the KPIs read, arranged directly with known
timestamps, so that every formula can be checked against figures worked out by hand
(docs/kpi.md shows the same example)."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from depot.customers.choices import Grade, Status
from depot.orders.choices import Channel, OutboundState
from depot.orders.models import InboundOrder, OrderEvent, OutboundLine, OutboundOrder

OCTOBER = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))


def at(month, day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute))


_n = iter(range(1, 10_000))


def order(customer, *, due, shipped=None, lines=(), state=OutboundState.SHIPPED, handled_by=None):
    o = OutboundOrder.objects.create(
        number=f"CKT{next(_n):05d}", customer=customer, channel=Channel.PHONE, state=state, request_hash="t",
        created_at=due - datetime.timedelta(days=1), due_at=due, shipped_at=shipped)
    for no, (quantity, shipped_qty) in enumerate(lines, start=1):
        OutboundLine.objects.create(order=o, line_no=no, item_code=f"SKU{no}", quantity=quantity, shipped=shipped_qty,
                                    allocated=shipped_qty)
    if handled_by is not None:
        OrderEvent.objects.create(outbound=o, from_state="pending_audit", to_state="allocated", actor=handled_by,
                                  at=due - datetime.timedelta(hours=20))
    return o


@pytest.fixture
def october(make_customer, specialist, supervisor, admin_user):
    """Customers A (VIP) and B of `specialist`; October 2026:

    outbound (due → shipped; lines ordered/shipped):
      O1 A  10-05 18:00 → 10-05 10:00  (10/10, 5/5)   handled by the specialist      perfect
      O2 A  10-10 18:00 → 10-11 09:00  (10/10)        handled by the specialist      late
      O3 B  10-15 18:00 → 10-15 12:00  (10/8, 4/4)                                   incomplete
      O4 B  10-20 18:00 → 10-20 12:00  (3/3)          damage incident                damaged
      O5 B  10-25 18:00 → 10-25 12:00  (2/2)          complaint 错发货                 inaccurate
      O6 A  10-28 18:00 → not shipped, overdue (counts as late for the on-time rate)
      O7 A  cancelled (ignored)
    """
    from tests.inventory.helpers import build_warehouse

    a = make_customer(specialist, name="华东食品贸易有限公司", status=Status.ACTIVE, grade=Grade.VIP)
    b = make_customer(specialist, name="南方电子科技有限公司", status=Status.ACTIVE, grade=Grade.B)
    o1 = order(a, due=at(10, 5, 18), shipped=at(10, 5, 10), lines=[(10, 10), (5, 5)], handled_by=specialist)
    o2 = order(a, due=at(10, 10, 18), shipped=at(10, 11, 9), lines=[(10, 10)], handled_by=specialist)
    o3 = order(b, due=at(10, 15, 18), shipped=at(10, 15, 12), lines=[(10, 8), (4, 4)])
    o4 = order(b, due=at(10, 20, 18), shipped=at(10, 20, 12), lines=[(3, 3)])
    o5 = order(b, due=at(10, 25, 18), shipped=at(10, 25, 12), lines=[(2, 2)])
    order(a, due=at(10, 28, 18), lines=[(1, 0)], state=OutboundState.PACKED)
    order(a, due=at(10, 29, 18), lines=[(1, 0)], state=OutboundState.CANCELLED)
    wh = build_warehouse(admin_user)
    return SimpleNamespace(a=a, b=b, orders=[o1, o2, o3, o4, o5], wh=wh, specialist=specialist,
                           supervisor=supervisor, admin=admin_user)


@pytest.fixture
def incidents_and_complaints(october):
    from depot.incidents.choices import IncidentKind
    from depot.incidents.models import Incident
    from depot.service.choices import Channel as ServiceChannel
    from depot.service.choices import ComplaintCategory, ComplaintState, Severity
    from depot.service.models import Complaint, Inquiry

    o4, o5 = october.orders[3], october.orders[4]
    Incident.objects.create(code="HS-T1", customer=october.b, order=o4, kind=IncidentKind.DAMAGE,
                            occurred_at=at(10, 20, 13), description="外箱压损", created_by=october.admin)
    c1 = Complaint.objects.create(
        code="TS-T1", customer=october.b, channel=ServiceChannel.HOTLINE, category=ComplaintCategory.WRONG_GOODS,
        severity=Severity.MEDIUM, description="发错货", assignee=october.specialist, received_at=at(10, 25, 10),
        first_response_due=at(10, 25, 14), first_responded_at=at(10, 25, 12), resolution_due=at(10, 27, 10),
        answered_at=at(10, 26, 9), closed_at=at(10, 26, 10), state=ComplaintState.CLOSED)
    c1.orders.add(o5)
    Complaint.objects.create(
        code="TS-T2", customer=october.a, channel=ServiceChannel.HOTLINE, category=ComplaintCategory.DELAY,
        severity=Severity.MEDIUM, description="发货延误", assignee=october.specialist, received_at=at(10, 11, 10),
        first_response_due=at(10, 11, 14), first_responded_at=at(10, 11, 16), resolution_due=at(10, 12, 10),
        answered_at=at(10, 13, 9), closed_at=at(10, 13, 10), state=ComplaintState.CLOSED)
    Inquiry.objects.create(customer=october.a, channel=ServiceChannel.HOTLINE, question="库存查询",
                           owner=october.specialist, received_at=at(10, 8, 9), response_due=at(10, 8, 17),
                           answered_at=at(10, 8, 10), state="answered")
    return october


@pytest.fixture
def followups(october):
    from depot.followups.choices import FollowUpReason, FollowUpState
    from depot.followups.models import FollowUp

    s = october.specialist
    for planned, state, done in ((datetime.date(2026, 10, 10), FollowUpState.DONE, at(10, 9, 15)),
                                 (datetime.date(2026, 10, 20), FollowUpState.DONE, at(10, 22, 15)),
                                 (datetime.date(2026, 10, 25), FollowUpState.PLANNED, None),
                                 (datetime.date(2026, 10, 26), FollowUpState.CANCELLED, None)):
        FollowUp.objects.create(customer=october.a, reason=FollowUpReason.MANUAL, planned_on=planned, assignee=s,
                                state=state, done_at=done)
    return october


@pytest.fixture
def counts_and_inbound(october):
    from depot.inventory import services as inventory
    from depot.inventory.choices import CountScope, CountState
    from depot.inventory.models import Count, CountLine, Lot

    wh = october.wh
    item = inventory.item_create(actor=october.admin, owner=october.a, data={"code": "BIS-1", "name": "苏打饼干"})
    lot = Lot.objects.create(item=item, lot_number="L1", received_on=datetime.date(2026, 9, 1))
    count = Count.objects.create(number="PD-T1", warehouse=wh.warehouse, scope=CountScope.ZONE, zone=wh.zones["AMB"],
                                 state=CountState.APPROVED, decided_at=at(10, 12, 16))
    for code, expected, counted in (("AMB-01", 10, 10), ("AMB-02", 20, 20), ("AMB-03", 30, 28), ("AMB-STG", 5, 5)):
        CountLine.objects.create(count=count, location=wh.loc[code], item=item, lot=lot, expected=expected,
                                 counted=counted)
    for receiving, put_away in ((at(10, 3, 8), at(10, 3, 12)), (at(10, 4, 8), at(10, 4, 14))):
        InboundOrder.objects.create(number=f"RKT{next(_n):05d}", customer=october.a, channel=Channel.PHONE,
                                    request_hash="t", state="put_away", warehouse=wh.warehouse,
                                    receiving_at=receiving, received_at=receiving, put_away_at=put_away)
    return october


@pytest.fixture
def survey_answers(october):
    """Two October answers: A all 5 and NPS 10; B all 3 and NPS 6 → CSAT 50 %, NPS 0."""
    from depot.surveys import services
    from depot.surveys.choices import Dimension
    from depot.surveys.models import Invitation
    from tests.surveys.helpers import answers_for, make_campaign, make_template

    template = make_template(october.supervisor)
    campaign = make_campaign(october.supervisor, template, name="十月调查")
    services.campaign_send(actor=october.supervisor, campaign=campaign)
    for customer, score, nps in ((october.a, 5, 10), (october.b, 3, 6)):
        token = Invitation.objects.get(campaign=campaign, customer=customer).token
        services.response_submit(token=token, now=at(10, 30, 10), answers=answers_for(
            template, {d: score for d in Dimension.values if d != Dimension.NPS}, nps=nps))
    return october
