"""The customer's side: a portal user complains for their own company, sees only the steps meant
for them, and accepts or rejects the answer; another company's user gets nothing."""

import pytest

from depot.core.errors import NotFound
from depot.portal.services import portal_account_create
from depot.service import selectors, services
from depot.service.choices import Channel, ComplaintState, EscalationLevel

PASSWORD = "Depot-portal-2026"


@pytest.fixture
def portal_user(customer, specialist):
    return portal_account_create(actor=specialist, customer=customer, username="chen.portal", name="陈经理",
                                 password=PASSWORD, check_password=False).user


@pytest.fixture
def rival_user(other_customer, other_specialist):
    return portal_account_create(actor=other_specialist, customer=other_customer, username="rival.portal",
                                 name="某人", password=PASSWORD, check_password=False).user


def test_a_portal_user_complains_and_rejects_then_accepts_the_answer(customer, portal_user, specialist):
    complaint = services.complaint_create(actor=portal_user, customer=customer, data={
        "description": "包装破损", "category": "damage"})
    assert complaint.channel == Channel.PORTAL and complaint.assignee == specialist
    services.complaint_note_add(actor=specialist, complaint=complaint, note="内部：司机未按规范装车")
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已补发")

    complaint = services.complaint_customer_verdict(actor=portal_user, complaint=complaint, accepted=False,
                                                    reason="补发的货也有破损")
    assert complaint.state == ComplaintState.REOPENED
    assert complaint.escalation_level == EscalationLevel.SUPERVISOR
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已全额退款")
    complaint = services.complaint_customer_verdict(actor=portal_user, complaint=complaint, accepted=True)
    assert complaint.state == ComplaintState.CLOSED

    notes = [e.note for e in selectors.complaint_timeline(user=portal_user, complaint=complaint)]
    assert "已补发" in notes and "补发的货也有破损" in notes
    assert "内部：司机未按规范装车" not in notes
    assert not any("升级" in n for n in notes)


def test_another_companys_user_can_neither_see_nor_decide(customer, make_complaint, specialist, rival_user):
    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    assert not selectors.complaint_list(user=rival_user).exists()
    with pytest.raises(NotFound):
        services.complaint_customer_verdict(actor=rival_user, complaint=complaint, accepted=True)
    with pytest.raises(NotFound):
        services.complaint_create(actor=rival_user, customer=customer, data={"description": "冒名投诉"})
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.ANSWERED
