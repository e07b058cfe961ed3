"""What waits for whom, and the figures on the landing page."""

from decimal import Decimal

from depot.core import worklist
from depot.incidents import selectors, services


def test_a_proposal_waits_for_other_supervisors_not_for_its_proposer(assessed, specialist, supervisor, make_user):
    services.incident_propose_compensation(actor=supervisor, incident=assessed, amount="40")
    second = make_user("cs_supervisor")

    assert [t.kind for t in worklist.collect(user=second) if assessed.code in t.title] == ["赔偿审批"]
    assert not [t for t in worklist.collect(user=supervisor) if t.kind == "赔偿审批"]
    assert list(selectors.approval_queue(user=supervisor)) == []


def test_the_specialist_sees_the_next_step_of_their_customers_incidents(damaged, specialist, other_specialist):
    tasks = [t for t in worklist.collect(user=specialist) if t.kind == "货损货丢"]
    assert [t.title for t in tasks] == [f"{damaged.code} 待定损"]
    assert not [t for t in worklist.collect(user=other_specialist) if t.kind == "货损货丢"]


def test_the_dashboard_counts_open_incidents_pending_compensation_and_this_months_payments(
        assessed, specialist, supervisor, make_user):
    services.incident_propose_compensation(actor=specialist, incident=assessed, amount="35.5")
    figures = selectors.incident_figures(user=supervisor)
    assert (figures["open"], figures["pending"], figures["pending_amount"]) == (1, 1, Decimal("35.50"))

    services.incident_decide_compensation(actor=supervisor, incident=assessed, approve=True)
    services.incident_pay(actor=specialist, incident=assessed, payment_ref="FK-9")

    figures = selectors.incident_figures(user=supervisor)
    assert (figures["pending"], figures["paid_month"]) == (0, Decimal("35.50"))


def test_cs_can_tell_the_customer_how_things_stand(damaged, specialist):
    from depot.notifications.models import Notification

    services.incident_notify_customer(actor=specialist, incident=damaged, message="已联系保险公司现场查勘")

    message = Notification.objects.filter(event="incident.updated").order_by("pk").last()
    assert message.context["detail"] == "已联系保险公司现场查勘"
