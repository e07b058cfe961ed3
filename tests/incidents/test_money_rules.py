"""The money rules of a claim: refused with a clear message, and nothing changed."""

from decimal import Decimal

import pytest

from depot.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from depot.incidents import services
from depot.incidents.choices import IncidentState
from depot.incidents.models import Incident
from tests.incidents.conftest import incidents_state


def test_a_specialist_cannot_propose_more_than_the_assessed_loss(assessed, specialist):
    before = incidents_state()
    with pytest.raises(PermissionDenied) as err:
        services.incident_propose_compensation(actor=specialist, incident=assessed, amount="40.01",
                                               override_reason="客户是VIP")
    assert str(err.value.message) == "赔偿金额 ¥40.01 超过定损金额 ¥40.00，须由主管确认超额原因"
    assert incidents_state() == before


def test_a_supervisor_must_give_the_reason_to_propose_more_than_the_assessed_loss(assessed, supervisor):
    before = incidents_state()
    with pytest.raises(ValidationFailed) as err:
        services.incident_propose_compensation(actor=supervisor, incident=assessed, amount="60")
    assert err.value.details == {"override_reason": ["赔偿金额超过定损金额 ¥40.00，请填写超额原因"]}
    assert incidents_state() == before


def test_a_supervisors_override_with_a_reason_is_approved_by_another_supervisor(assessed, supervisor, make_user):
    services.incident_propose_compensation(actor=supervisor, incident=assessed, amount="60",
                                           override_reason="含客户加急补发运费20元")
    second = make_user("cs_supervisor")

    incident = services.incident_decide_compensation(actor=second, incident=assessed, approve=True)

    assert incident.state == IncidentState.APPROVED
    assert incident.compensation_amount == Decimal("60.00")
    assert incident.over_assessment_reason == "含客户加急补发运费20元"


def test_nobody_approves_their_own_proposal_not_even_a_supervisor(assessed, supervisor):
    services.incident_propose_compensation(actor=supervisor, incident=assessed, amount="40")
    before = incidents_state()

    with pytest.raises(PermissionDenied) as err:
        services.incident_decide_compensation(actor=supervisor, incident=assessed, approve=True)

    assert str(err.value.message) == "不能审批自己提出的赔偿，请由其他主管审批"
    assert incidents_state() == before


def test_a_specialist_cannot_approve_compensation(assessed, specialist, other_specialist):
    services.incident_propose_compensation(actor=specialist, incident=assessed, amount="40")
    before = incidents_state()
    with pytest.raises(PermissionDenied):
        services.incident_decide_compensation(actor=specialist, incident=assessed, approve=True)
    assert incidents_state() == before


def test_paying_before_approval_is_refused(assessed, specialist):
    services.incident_propose_compensation(actor=specialist, incident=assessed, amount="40")
    before = incidents_state()

    with pytest.raises(IllegalTransition) as err:
        services.incident_pay(actor=specialist, incident=assessed, payment_ref="FK-1")

    assert str(err.value.message) == "赔偿尚未批准，不能登记赔付（当前状态：待审批）"
    assert incidents_state() == before


def test_paying_more_than_approved_is_refused(assessed, specialist, supervisor):
    services.incident_propose_compensation(actor=specialist, incident=assessed, amount="40")
    services.incident_decide_compensation(actor=supervisor, incident=assessed, approve=True)
    before = incidents_state()
    with pytest.raises(ValidationFailed) as err:
        services.incident_pay(actor=specialist, incident=assessed, payment_ref="FK-1", amount="40.5")
    assert err.value.details == {"amount": ["实付金额不能超过批准的赔偿金额 ¥40.00"]}
    assert incidents_state() == before


def test_compensation_needs_an_assessment_and_a_positive_amount(damaged, assessed, specialist):
    fresh = Incident.objects.get(pk=damaged.pk)
    assert fresh.state == IncidentState.ASSESSED
    before = incidents_state()
    for bad in ("0", "-5", "abc", None):
        with pytest.raises(ValidationFailed) as err:
            services.incident_propose_compensation(actor=specialist, incident=assessed, amount=bad)
        assert err.value.details["amount"][0] in ("金额必须大于零", "请填写有效的金额（元，最多两位小数）")
    assert incidents_state() == before


def test_compensation_cannot_be_proposed_before_the_loss_is_assessed(damaged, specialist):
    before = incidents_state()
    with pytest.raises(IllegalTransition) as err:
        services.incident_propose_compensation(actor=specialist, incident=damaged, amount="10")
    assert "尚未定损" in str(err.value.message)
    assert incidents_state() == before


def test_posting_the_loss_twice_is_refused(damaged, keeper):
    services.incident_post_stock(actor=keeper, incident=damaged)
    before = incidents_state()

    with pytest.raises(IllegalTransition) as err:
        services.incident_post_stock(actor=keeper, incident=damaged)

    assert str(err.value.message) == f"事件{damaged.code}的库存损失已过账，不能重复过账"
    assert incidents_state() == before


def test_posting_more_than_is_available_writes_no_move_at_all(wh, biscuits, stock, register, keeper):
    lot = stock(biscuits, 10, wh.loc["AMB-01"], "L1")
    lot2 = stock(biscuits, 2, wh.loc["AMB-02"], "L2")
    incident = register([{"item": biscuits, "lot": lot, "location": wh.loc["AMB-01"], "quantity": 4},
                         {"item": biscuits, "lot": lot2, "location": wh.loc["AMB-02"], "quantity": 3}])
    before = incidents_state()
    with pytest.raises(Exception) as err:
        services.incident_post_stock(actor=keeper, incident=incident)
    assert "库存不足" in str(err.value.message) or err.value.details
    assert incidents_state() == before


def test_a_database_constraint_keeps_compensation_within_the_assessment_without_a_reason(assessed):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=assessed.pk).update(compensation_amount=Decimal("41"))
