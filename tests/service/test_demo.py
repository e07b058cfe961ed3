"""The demo: complaints in every state, escalated ones, inquiries answered and overdue."""

from depot.customers.choices import Status
from depot.followups.models import FollowUp
from depot.service.choices import ComplaintState, EscalationLevel, InquiryState
from depot.service.demo import service_demo_load
from depot.service.models import Complaint, Inquiry


def test_the_demo_has_complaints_in_every_state_and_inquiries_answered_and_overdue(make_customer, admin_user,
                                                                                  supervisor, specialist):
    customers = [make_customer(admin_user, status=Status.ACTIVE, owner=specialist) for _ in range(5)]

    text = service_demo_load(actor=supervisor, customers=customers)

    assert "投诉" in text
    assert set(Complaint.objects.values_list("state", flat=True)) == set(ComplaintState.values)
    assert set(Complaint.objects.values_list("escalation_level", flat=True)) == set(EscalationLevel.values)
    assert set(Inquiry.objects.values_list("state", flat=True)) == set(InquiryState.values)
    closed = Complaint.objects.filter(state=ComplaintState.CLOSED)
    assert FollowUp.objects.filter(source_ref__in=closed.values("code")).count() == closed.count()
