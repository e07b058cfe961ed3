"""The periodic job, called directly with a `now`: near deadlines are flagged 即将超时 once, missed
deadlines escalate one level once each, overdue inquiries go to the supervisors."""

import datetime

from depot.notifications.models import Notification
from depot.service import services, tasks
from depot.service.choices import EscalationLevel, EventKind, InquiryState
from depot.service.models import Complaint, Inquiry, SlaPolicy
from tests.service.conftest import at


def _complaint(customer, make_complaint):
    SlaPolicy.objects.filter(grade="B", severity="high").update(first_response_hours=2, resolution_hours=8,
                                                                warning_hours=1)
    return make_complaint(customer, received_at=at(2026, 3, 3, 9))  # due: response 11:00, resolution 18:00


def test_a_complaint_near_its_deadline_is_flagged_once(customer, make_complaint):
    complaint = _complaint(customer, make_complaint)
    assert tasks.escalate_due(now=at(2026, 3, 3, 9, 30))["warned"] == []
    assert tasks.escalate_due(now=at(2026, 3, 3, 10, 15))["warned"] == [complaint.code]
    assert tasks.escalate_due(now=at(2026, 3, 3, 10, 30))["warned"] == []
    assert complaint.events.filter(kind=EventKind.AT_RISK).count() == 1
    complaint.refresh_from_db()
    assert complaint.escalation_level == EscalationLevel.SPECIALIST


def test_a_missed_first_response_escalates_once_to_the_supervisor(customer, make_complaint, supervisor):
    supervisor.email = "wang@depot.example.cn"
    supervisor.save()
    complaint = _complaint(customer, make_complaint)
    assert tasks.escalate_due(now=at(2026, 3, 3, 11, 5))["escalated"] == [complaint.code]
    assert tasks.escalate_due(now=at(2026, 3, 3, 11, 10))["escalated"] == []
    complaint.refresh_from_db()
    assert complaint.escalation_level == EscalationLevel.SUPERVISOR
    event = complaint.events.get(kind=EventKind.ESCALATED)
    assert event.actor is None and not event.visible_to_customer and "首次响应" in event.note
    assert Notification.objects.get(event="complaint.escalated").recipient == "wang@depot.example.cn"


def test_then_a_missed_resolution_escalates_to_the_manager(customer, make_complaint, specialist):
    complaint = _complaint(customer, make_complaint)
    tasks.escalate_due(now=at(2026, 3, 3, 11, 5))
    Complaint.objects.filter(pk=complaint.pk).update(first_responded_at=at(2026, 3, 3, 11, 30))
    assert tasks.escalate_due(now=at(2026, 3, 3, 17, 0))["escalated"] == []
    assert tasks.escalate_due(now=at(2026, 3, 3, 18, 1))["escalated"] == [complaint.code]
    assert tasks.escalate_due(now=at(2026, 3, 4, 9, 0))["escalated"] == []
    complaint.refresh_from_db()
    assert complaint.escalation_level == EscalationLevel.MANAGER


def test_an_answered_complaint_waiting_for_the_customer_does_not_escalate(customer, make_complaint, specialist):
    complaint = _complaint(customer, make_complaint)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    assert tasks.escalate_due(now=at(2026, 3, 10, 9)) == {"warned": [], "escalated": [], "inquiries": []}


def test_a_restarted_clock_can_escalate_again(customer, make_complaint, specialist):
    complaint = _complaint(customer, make_complaint)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    complaint = services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=False,
                                                    reason="不认可")
    assert complaint.escalation_level == EscalationLevel.SUPERVISOR
    later = complaint.resolution_due + datetime.timedelta(minutes=1)
    assert tasks.escalate_due(now=later)["escalated"] == [complaint.code]
    complaint.refresh_from_db()
    assert complaint.escalation_level == EscalationLevel.MANAGER


def test_an_overdue_inquiry_goes_to_the_supervisors_once(customer, specialist, supervisor):
    supervisor.email = "wang@depot.example.cn"
    supervisor.save()
    inquiry = services.inquiry_create(actor=specialist, customer=customer, data={
        "question": "上周入库的批次何时可以出库？", "channel": "wechat", "received_at": at(2026, 3, 3, 9)})
    assert inquiry.response_due == at(2026, 3, 3, 17)
    assert tasks.escalate_due(now=at(2026, 3, 3, 16))["inquiries"] == []
    assert tasks.escalate_due(now=at(2026, 3, 3, 17, 5))["inquiries"] == [inquiry.pk]
    assert tasks.escalate_due(now=at(2026, 3, 3, 17, 10))["inquiries"] == []
    inquiry.refresh_from_db()
    assert inquiry.state == InquiryState.ESCALATED
    assert Notification.objects.filter(event="inquiry.escalated").count() == 1
    inquiry = services.inquiry_answer(actor=specialist, inquiry=inquiry, answer="明天上午可出库")
    assert inquiry.state == InquiryState.ANSWERED
    assert not Inquiry.objects.filter(state=InquiryState.ESCALATED).exists()
