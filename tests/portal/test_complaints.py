"""Complaints in the portal: the customer files one, follows it, and accepts or rejects the
answer; another customer's complaint is not found."""

from depot.service.choices import ComplaintState
from depot.service.models import Complaint
from depot.service.services import complaint_answer, complaint_create


def _answered(actor, customer, specialist, **data):
    complaint = complaint_create(actor=actor, customer=customer, data={"description": "外箱破损", **data})
    return complaint_answer(actor=specialist, complaint=complaint, answer="已补发，并加强包装",
                            root_cause="装车挤压", corrective_action="加垫护角")


def test_a_customer_files_a_complaint_about_an_order(portal, stocked, phone_order, customer, portal_user):
    order = phone_order(customer, quantity=3)
    response = portal.post("/portal/complaints/new/", {
        "category": "damage", "severity": "high", "orders": [order.number], "description": "三箱饼干外箱破损"})

    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/complaints/{complaint.code}/"
    assert complaint.customer == customer and complaint.created_by == portal_user
    assert complaint.channel == "portal" and list(complaint.orders.all()) == [order]
    page = portal.get(response["Location"]).content.decode()
    assert complaint.code in page and "三箱饼干外箱破损" in page


def test_a_complaint_without_a_description_is_refused_and_nothing_is_saved(portal, stocked):
    response = portal.post("/portal/complaints/new/", {"category": "damage", "severity": "high",
                                                       "description": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == ["请填写投诉内容"]
    assert not Complaint.objects.exists()


def test_another_customers_order_cannot_be_named_in_a_complaint(portal, stocked, phone_order, rival):
    theirs = phone_order(rival, "RIV-1", quantity=1)
    response = portal.post("/portal/complaints/new/", {"category": "damage", "severity": "high",
                                                       "orders": [theirs.number], "description": "破损"})
    assert response.status_code == 400 and not Complaint.objects.exists()


def test_the_customer_rejects_the_answer_and_the_complaint_reopens(portal, stocked, customer, portal_user,
                                                                  specialist):
    complaint = _answered(portal_user, customer, specialist)
    page = portal.get(f"/portal/complaints/{complaint.code}/").content.decode()
    assert "已补发，并加强包装" in page and "您是否接受以上答复" in page

    response = portal.post(f"/portal/complaints/{complaint.code}/verdict/", {"accepted": "no",
                                                                            "reason": "补发的货还没到"})

    complaint.refresh_from_db()
    assert response.status_code == 302
    assert complaint.state == ComplaintState.REOPENED and complaint.rejection_count == 1
    assert complaint.escalation_level == 1


def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(portal, stocked, customer, portal_user,
                                                                    specialist):
    complaint = _answered(portal_user, customer, specialist)
    response = portal.post(f"/portal/complaints/{complaint.code}/verdict/", {"accepted": "no", "reason": ""})
    assert response.status_code == 400 and "请填写客户不接受答复的原因" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.ANSWERED and complaint.rejection_count == 0


def test_the_customer_accepts_the_answer_and_the_complaint_closes(portal, stocked, customer, portal_user,
                                                                 specialist):
    complaint = _answered(portal_user, customer, specialist)
    portal.post(f"/portal/complaints/{complaint.code}/verdict/", {"accepted": "yes"})
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.CLOSED


def test_another_customers_complaint_is_not_found(portal, stocked, rival, rival_user, other_specialist):
    theirs = _answered(rival_user, rival, other_specialist)
    assert portal.get(f"/portal/complaints/{theirs.code}/").status_code == 404
    response = portal.post(f"/portal/complaints/{theirs.code}/verdict/", {"accepted": "yes"})
    assert response.status_code == 404
    assert theirs.code not in portal.get("/portal/complaints/").content.decode()
    theirs.refresh_from_db()
    assert theirs.state == ComplaintState.ANSWERED


def test_the_overview_counts_open_complaints(portal, stocked, customer, portal_user, specialist):
    _answered(portal_user, customer, specialist)
    complaint_create(actor=portal_user, customer=customer, data={"description": "延误"})
    assert portal.get("/portal/").context["open_complaints"] == 2
