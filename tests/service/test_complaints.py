"""Complaints through the services: deadlines from the SLA policy, answering, the customer's
verdict with the reject → reopen → escalate loop, acceptance with its follow-up visit, bad input."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.notifications.models import Notification
from depot.service import selectors, services
from depot.service.choices import ComplaintState, EscalationLevel, EventKind
from depot.service.models import Complaint, ComplaintEvent, SlaPolicy
from tests.service.conftest import at


def test_deadlines_follow_the_sla_policy_of_grade_and_severity_in_business_hours(customer, make_complaint):
    SlaPolicy.objects.filter(grade="B", severity="high").update(first_response_hours=4, resolution_hours=16)
    complaint = make_complaint(customer, received_at=at(2026, 2, 13, 15))  # Friday before the Spring Festival

    # 3 hours on Friday, then Saturday Feb 14 is a 调休 workday.
    assert complaint.first_response_due == at(2026, 2, 14, 10)
    # 3 h Friday + 9 h Saturday, then the holiday Feb 15–23: 4 more hours on Tuesday Feb 24.
    assert complaint.resolution_due == at(2026, 2, 24, 13)
    assert complaint.state == ComplaintState.OPEN
    assert complaint.escalation_level == EscalationLevel.SPECIALIST
    assert complaint.code.startswith("TS2")


def test_a_vip_critical_complaint_gets_the_tightest_deadlines(customer, make_complaint):
    customer.grade = "VIP"
    customer.save(update_fields=["grade"])
    vip = make_complaint(customer, severity="critical", received_at=at(2026, 3, 3, 10))
    customer.grade = "C"
    customer.save(update_fields=["grade"])
    c = make_complaint(customer, severity="low", received_at=at(2026, 3, 3, 10))
    assert vip.first_response_due == at(2026, 3, 3, 11)
    assert vip.resolution_due < c.resolution_due


def test_creating_a_complaint_records_a_customer_visible_step_and_the_assignee(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    assert complaint.assignee == specialist
    event = complaint.events.get()
    assert event.kind == EventKind.CREATED and event.visible_to_customer and complaint.code in event.note


@pytest.mark.parametrize(("customer_given", "data", "field"), [
    (False, {"description": "外箱破损"}, "customer"),
    (True, {"description": "   "}, "description"),
    (True, {"description": "外箱破损", "severity": "apocalyptic"}, "severity"),
])
def test_a_complaint_without_customer_or_description_is_refused_and_nothing_is_written(
        customer, specialist, customer_given, data, field):
    with pytest.raises(ValidationFailed) as err:
        services.complaint_create(actor=specialist, customer=customer if customer_given else None, data=data)
    assert field in err.value.details
    assert all("\u4e00" <= ch <= "\u9fff" or not ch.isalpha() for m in err.value.details[field] for ch in m)
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_orders_of_another_customer_cannot_be_linked(customer, other_customer, specialist, make_complaint):
    from depot.orders.models import OutboundOrder

    order = OutboundOrder.objects.create(number="CK0001", customer=other_customer, channel="phone", state="incomplete",
                                         request_hash="x")
    with pytest.raises(ValidationFailed) as err:
        make_complaint(customer, orders=[order])
    assert err.value.details["orders"] == ["所选出库单不属于该客户"]
    assert not Complaint.objects.exists()


def test_another_specialist_cannot_see_or_act_on_the_complaint(customer, make_complaint, other_specialist):
    complaint = make_complaint(customer)
    with pytest.raises(NotFound):
        selectors.complaint_get(user=other_specialist, pk=complaint.pk)
    with pytest.raises(NotFound):
        services.complaint_answer(actor=other_specialist, complaint=complaint, answer="已处理")
    with pytest.raises(NotFound):
        services.complaint_create(actor=other_specialist, customer=customer, data={"description": "x"})


def test_a_keeper_sees_complaints_about_goods_but_not_about_billing(customer, make_complaint, keeper):
    goods = make_complaint(customer, category="damage")
    billing = make_complaint(customer, category="billing")
    visible = set(selectors.complaint_list(user=keeper))
    assert goods in visible and billing not in visible
    with pytest.raises(PermissionDenied):
        services.complaint_answer(actor=keeper, complaint=goods, answer="已处理")


def test_the_first_note_shown_to_the_customer_is_the_first_response(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    complaint = services.complaint_note_add(actor=specialist, complaint=complaint, note="已联系仓库调取监控")
    assert complaint.state == ComplaintState.INVESTIGATING and complaint.first_responded_at is None
    complaint = services.complaint_note_add(actor=specialist, complaint=complaint, note="已安排复核，明天答复",
                                            visible_to_customer=True)
    assert complaint.first_responded_at is not None
    for_customer = selectors.complaint_timeline(user=specialist, complaint=complaint, for_customer=True)
    assert [e.note for e in for_customer][-1] == "已安排复核，明天答复"
    assert "已联系仓库调取监控" not in [e.note for e in for_customer]
    assert "已联系仓库调取监控" in complaint.investigation


def test_answering_emails_the_contact_and_waits_for_the_customer(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    complaint = services.complaint_answer(actor=specialist, complaint=complaint, answer="已按货值赔偿，并更换包装",
                                          root_cause="搬运时叉车碰撞", corrective_action="叉车作业培训")
    assert complaint.state == ComplaintState.ANSWERED
    assert complaint.first_responded_at == complaint.answered_at
    assert complaint.root_cause == "搬运时叉车碰撞"
    email = Notification.objects.get(event="complaint.answered")
    assert email.recipient == customer.contacts.get().email
    assert email.context["answer"] == "已按货值赔偿，并更换包装"


def test_every_step_publishes_complaint_updated_for_subscribed_webhooks(customer, make_complaint, specialist,
                                                                       admin_user):
    from depot.notifications.services import webhook_endpoint_create

    webhook_endpoint_create(actor=admin_user, data={"name": "CRM", "url": "https://crm.example.cn/hook",
                                                     "events": ["complaint.updated"], "customer": customer})
    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    steps = [n.payload["step"] for n in Notification.objects.filter(event="complaint.updated").order_by("pk")]
    assert steps == ["created", "answered"]


def test_reject_reopen_escalate_loop_until_the_customer_accepts(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    levels, dues = [], []
    for round_no in range(1, 4):
        complaint = services.complaint_answer(actor=specialist, complaint=complaint, answer=f"第{round_no}次答复")
        before = timezone.now()
        complaint = services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=False,
                                                        reason=f"赔偿金额不认可（第{round_no}次）")
        assert complaint.state == ComplaintState.REOPENED
        assert complaint.rejection_count == round_no
        assert complaint.resolution_due > before  # the resolution clock restarts from the rejection
        levels.append(complaint.escalation_level)
        dues.append(complaint.resolution_due)
    assert levels == [EscalationLevel.SUPERVISOR, EscalationLevel.MANAGER, EscalationLevel.MANAGER]

    complaint = services.complaint_answer(actor=specialist, complaint=complaint, answer="全额赔偿并致歉")
    complaint = services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=True)
    assert complaint.state == ComplaintState.CLOSED and complaint.closed_at is not None
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.REJECTED) == 3 and kinds.count(EventKind.ESCALATED) == 3
    assert kinds[-1] == EventKind.ACCEPTED


def test_escalation_emails_go_to_supervisors_then_administrators(customer, make_complaint, specialist, supervisor,
                                                                 admin_user):
    supervisor.email, admin_user.email = "wang@depot.example.cn", "admin@depot.example.cn"
    supervisor.save()
    admin_user.save()
    complaint = make_complaint(customer)
    for _round in range(2):
        complaint = services.complaint_answer(actor=specialist, complaint=complaint, answer="答复")
        complaint = services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=False,
                                                        reason="不满意")
    recipients = list(Notification.objects.filter(event="complaint.escalated").order_by("pk")
                      .values_list("recipient", flat=True))
    assert recipients == ["wang@depot.example.cn", "admin@depot.example.cn"]


def test_acceptance_schedules_a_confirming_follow_up_a_week_later(customer, make_complaint, specialist):
    from depot.followups.models import FollowUp

    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    complaint = services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=True)
    visit = FollowUp.objects.get(source_ref=complaint.code)
    assert visit.reason == "complaint"
    assert visit.planned_on == timezone.localtime(complaint.closed_at).date() + datetime.timedelta(days=7)


def test_an_answer_on_a_closed_complaint_is_refused_and_changes_nothing(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    complaint = services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=True)
    events = complaint.events.count()
    with pytest.raises(IllegalTransition) as err:
        services.complaint_answer(actor=specialist, complaint=complaint, answer="再次答复")
    assert "已关闭" in str(err.value.message) and complaint.code in str(err.value.message)
    complaint.refresh_from_db()
    assert complaint.answer == "已处理" and complaint.events.count() == events


def test_a_rejection_needs_a_reason(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    with pytest.raises(ValidationFailed) as err:
        services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=False, reason=" ")
    assert err.value.details["reason"] == ["请填写客户不接受答复的原因"]
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.ANSWERED and complaint.rejection_count == 0


def test_a_verdict_before_any_answer_is_refused(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    with pytest.raises(IllegalTransition):
        services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=True)
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.OPEN


def test_grading_inputs_count_complaints_of_the_last_12_months_and_mean_resolution_hours(
        customer, make_complaint, specialist):
    from depot.customers.grading import grading_inputs

    old = make_complaint(customer)
    Complaint.objects.filter(pk=old.pk).update(received_at=timezone.now() - datetime.timedelta(days=400))
    for hours in (10, 20):
        c = make_complaint(customer)
        services.complaint_answer(actor=specialist, complaint=c, answer="已处理")
        services.complaint_customer_verdict(actor=specialist, complaint=c, accepted=True)
        Complaint.objects.filter(pk=c.pk).update(closed_at=c.received_at + datetime.timedelta(hours=hours))
    make_complaint(customer)  # still open

    inputs = grading_inputs(customer)
    assert inputs["complaints_12m"] == 3
    assert inputs["complaint_resolution_hours_avg"] == Decimal("15.0")


def test_the_grading_rule_on_complaints_uses_the_count(customer, make_complaint, supervisor):
    from depot.customers.grading import grade_suggest
    from depot.customers.models import GradingRule

    GradingRule.objects.all().delete()
    GradingRule.objects.create(grade="A", max_complaints_12m=1)
    make_complaint(customer)
    make_complaint(customer)
    suggestion = grade_suggest(customer)
    assert suggestion.grade == "C"
    assert "近12个月投诉数 2 未达到 ≤1" in suggestion.text
