"""The whole damage claim, step by step, with its stock moves and what the customer is told."""

from decimal import Decimal

import pytest

from depot.core.errors import NotFound, PermissionDenied, ValidationFailed
from depot.incidents import selectors, services
from depot.incidents.choices import IncidentState, RecoveryState
from depot.inventory.choices import MoveKind
from depot.inventory.models import StockMove
from depot.notifications.models import Notification
from tests.incidents.conftest import incidents_state, png
from tests.inventory.helpers import days, on_hand


def test_a_damage_claim_runs_from_registration_to_closing_with_its_stock_write_off(
        wh, biscuits, stock, register, specialist, keeper, supervisor, make_user, customer):
    lot = stock(biscuits, 10, wh.loc["AMB-01"], "L1")
    incident = register([{"item": biscuits, "lot": lot, "location": wh.loc["AMB-01"], "quantity": 4}])
    assert incident.state == IncidentState.REGISTERED and incident.code.startswith("HS")
    assert incident.customer_notified_at is not None

    services.incident_record_scene(actor=keeper, incident=incident, description="四箱外包装破损，内袋破裂")
    services.incident_photo_add(actor=keeper, incident=incident, file=png(), caption="货架前")
    moves = services.incident_post_stock(actor=keeper, incident=incident)
    incident = services.incident_assess(actor=specialist, incident=incident, method="lines")
    services.incident_set_liability(actor=specialist, incident=incident, liability="warehouse",
                                    note="叉车司机操作不当")
    services.incident_set_insurance(actor=specialist, incident=incident, insurer="中国平安财产保险",
                                    claim_no="PA2026-0001", amount_claimed="40")
    incident = services.incident_propose_compensation(actor=specialist, incident=incident, amount="40.00")
    incident = services.incident_decide_compensation(actor=supervisor, incident=incident, approve=True)
    incident = services.incident_pay(actor=specialist, incident=incident, payment_ref="FK-20261123-01")
    incident = services.incident_close(actor=specialist, incident=incident)

    assert incident.state == IncidentState.CLOSED
    assert incident.assessed_amount == Decimal("40.00")
    assert (incident.compensation_amount, incident.paid_amount) == (Decimal("40.00"), Decimal("40.00"))
    assert incident.decided_by == supervisor and incident.photos.count() == 1
    assert on_hand(biscuits, wh.loc["AMB-01"], lot) == 6
    line = incident.lines.get()
    assert line.stock_move_id == moves[0].pk
    assert (moves[0].kind, moves[0].quantity, moves[0].document_ref) == (MoveKind.DAMAGE, 4, incident.code)
    told = Notification.objects.filter(event="incident.updated", customer=customer)
    # registered, assessed, approved, paid, closed
    assert told.count() == 5
    assert told.order_by("pk").last().context["status_label"] == "已结案"


def test_a_loss_is_written_off_as_a_loss_move_and_the_balance_and_ledger_change_by_exactly_that(
        wh, biscuits, milk, stock, register, keeper):
    b_lot = stock(biscuits, 10, wh.loc["AMB-01"], "L1")
    m_lot = stock(milk, 8, wh.loc["AMB-02"], "M1", expiry_date=days(365))
    incident = register([{"item": biscuits, "lot": b_lot, "location": wh.loc["AMB-01"], "quantity": 3},
                         {"item": milk, "lot": m_lot, "location": wh.loc["AMB-02"], "quantity": 8}], kind="loss")
    before = set(StockMove.objects.values_list("pk", flat=True))

    services.incident_post_stock(actor=keeper, incident=incident)

    new = StockMove.objects.exclude(pk__in=before)
    assert sorted(new.values_list("kind", "item__code", "quantity", "from_location__code", "to_location__code")) == [
        (MoveKind.LOSS, "BIS-1", 3, "AMB-01", "VIRTUAL/LOSS"), (MoveKind.LOSS, "MILK-1", 8, "AMB-02", "VIRTUAL/LOSS")]
    assert on_hand(biscuits, wh.loc["AMB-01"], b_lot) == 7
    assert on_hand(milk, wh.loc["AMB-02"], m_lot) == 0
    assert sorted(incident.lines.values_list("stock_move", flat=True)) == sorted(new.values_list("pk", flat=True))


def test_lines_without_a_location_are_valued_but_not_posted(wh, biscuits, stock, register, keeper, specialist):
    lot = stock(biscuits, 10, wh.loc["AMB-01"], "L1")
    incident = register([{"item": biscuits, "lot": lot, "location": wh.loc["AMB-01"], "quantity": 1},
                         {"item": biscuits, "quantity": 5, "unit_value": "12.50"}])

    moves = services.incident_post_stock(actor=keeper, incident=incident)
    incident = services.incident_assess(actor=specialist, incident=incident, method="lines")

    assert len(moves) == 1
    assert incident.assessed_amount == Decimal("72.50")  # 1 × 10 + 5 × 12.50


def test_an_appraised_amount_replaces_quantity_times_value(damaged, specialist):
    incident = services.incident_assess(actor=specialist, incident=damaged, method="appraisal",
                                        appraised_amount="1234.567", note="第三方公估报告")
    assert incident.assessed_amount == Decimal("1234.57")


def test_a_rejected_proposal_can_be_proposed_again_and_approved(assessed, specialist, supervisor):
    services.incident_propose_compensation(actor=specialist, incident=assessed, amount="40")
    rejected = services.incident_decide_compensation(actor=supervisor, incident=assessed, approve=False,
                                                     note="请先确认保险赔付")
    assert rejected.state == IncidentState.REJECTED and rejected.decision_note == "请先确认保险赔付"

    services.incident_propose_compensation(actor=specialist, incident=assessed, amount="30")
    approved = services.incident_decide_compensation(actor=supervisor, incident=assessed, approve=True)

    assert approved.state == IncidentState.APPROVED and approved.compensation_amount == Decimal("30.00")


def test_recovery_from_a_carrier_is_tracked_until_recovered(assessed, specialist):
    services.incident_set_liability(actor=specialist, incident=assessed, liability="carrier", liable_party="顺丰速运")
    recovery = services.recovery_open(actor=specialist, incident=assessed, party="顺丰速运", amount_claimed="40")
    recovery = services.recovery_record(actor=specialist, recovery=recovery, amount_recovered="15")
    assert recovery.state == RecoveryState.PARTIAL
    recovery = services.recovery_record(actor=specialist, recovery=recovery, amount_recovered="40")
    assert recovery.state == RecoveryState.RECOVERED

    before = incidents_state()
    with pytest.raises(ValidationFailed) as err:
        services.recovery_record(actor=specialist, recovery=recovery, amount_recovered="40.01")
    assert err.value.details["amount_recovered"] == ["已追回金额不能超过追偿金额 ¥40.00"]
    assert incidents_state() == before


def test_a_carrier_liability_needs_the_carriers_name(assessed, specialist):
    with pytest.raises(ValidationFailed) as err:
        services.incident_set_liability(actor=specialist, incident=assessed, liability="carrier")
    assert err.value.details == {"liable_party": ["请填写责任单位名称"]}


def test_a_specialist_cannot_register_an_incident_of_another_specialists_customer(
        wh, biscuits, stock, customer, other_specialist):
    lot = stock(biscuits, 10, wh.loc["AMB-01"], "L1")
    before = incidents_state()
    with pytest.raises(NotFound):
        services.incident_register(actor=other_specialist, customer=customer, data={
            "kind": "damage", "occurred_at": lot.item.owner.created_at, "description": "x"},
            lines=[{"item": biscuits, "quantity": 1}])
    assert incidents_state() == before
    assert not selectors.incident_list(user=other_specialist).exists()


def test_a_keeper_cannot_propose_compensation_and_a_specialist_cannot_post_stock(assessed, keeper, specialist):
    before = incidents_state()
    with pytest.raises(PermissionDenied):
        services.incident_propose_compensation(actor=keeper, incident=assessed, amount="10")
    with pytest.raises(PermissionDenied):
        services.incident_post_stock(actor=specialist, incident=assessed)
    assert incidents_state() == before


def test_registration_with_bad_input_says_what_is_wrong_and_writes_nothing(wh, biscuits, milk, make_item, register,
                                                                            make_customer, specialist):
    other = make_customer(specialist)
    foreign = make_item("FOREIGN-1", owner=other)
    before = incidents_state()
    with pytest.raises(ValidationFailed) as err:
        register([{"item": foreign, "quantity": 0}], description="")
    assert err.value.details["description"] == ["请描述发生了什么"]
    with pytest.raises(ValidationFailed) as err:
        register([{"item": foreign, "quantity": 0}])
    assert "不属于客户" in err.value.details["lines[1].item"][0]
    assert err.value.details["lines[1].quantity"] == ["数量必须是大于零的整数"]
    assert incidents_state() == before
