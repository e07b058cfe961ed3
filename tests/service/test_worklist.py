"""Work lists: a specialist sees their own inquiries and complaints; a supervisor also what was
escalated to them, and the whole team's in the team view."""


from depot.core import worklist
from depot.service import services
from tests.service.conftest import at


def _titles(tasks, kind):
    return [t.title for t in tasks if t.kind == kind]


def test_my_tasks_of_a_specialist_vs_a_supervisor(customer, other_customer, specialist, other_specialist,
                                                   supervisor, make_complaint):
    mine = make_complaint(customer, received_at=at(2026, 3, 3, 9))
    theirs = make_complaint(other_customer, actor=other_specialist)
    services.inquiry_create(actor=specialist, customer=customer, data={
        "question": "下周能否加急出库？", "received_at": at(2026, 3, 3, 9)})
    services.inquiry_create(actor=other_specialist, customer=other_customer, data={"question": "仓储费账单有误？"})

    tasks = worklist.collect(user=specialist)
    complaints = _titles(tasks, "投诉")
    assert any(mine.code in t for t in complaints) and not any(theirs.code in t for t in complaints)
    assert _titles(tasks, "咨询") == ["下周能否加急出库？"]
    assert all(t.overdue for t in tasks if t.kind in ("投诉", "咨询"))  # deadlines of March 2026 have passed

    assert not any(t.kind in ("投诉", "咨询") for t in worklist.collect(user=supervisor, team=False))
    team = worklist.collect(user=supervisor, team=True)
    assert {mine.code, theirs.code} <= {t.title.split()[0] for t in team if t.kind == "投诉"}
    assert set(_titles(team, "咨询")) == {"下周能否加急出库？", "仓储费账单有误？"}


def test_an_escalated_complaint_lands_on_the_supervisors_own_list(customer, specialist, supervisor, make_complaint):
    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    services.complaint_customer_verdict(actor=specialist, complaint=complaint, accepted=False, reason="不认可")
    tasks = [t for t in worklist.collect(user=supervisor) if t.kind == "投诉"]
    assert [t.title.split()[0] for t in tasks] == [complaint.code]
    assert "主管" in tasks[0].detail


def test_closed_complaints_and_answered_inquiries_are_not_tasks(customer, specialist, make_complaint):
    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")
    services.inquiry_create(actor=specialist, customer=customer, data={"question": "q", "answer": "a"})
    assert [t for t in worklist.collect(user=specialist) if t.kind in ("投诉", "咨询")] == []
