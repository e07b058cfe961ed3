"""Two verdicts on the same answered complaint at once, each thread with its own connection on
real PostgreSQL: exactly one is recorded, the other is refused."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from depot.core.errors import IllegalTransition
from depot.service import services
from depot.service.choices import ComplaintState, EventKind
from depot.service.models import Complaint

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(worker, n) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            worker(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors


def test_an_acceptance_and_a_rejection_at_once_record_only_one(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")

    def worker(i):
        user = get_user_model().objects.get(pk=specialist.pk)
        services.complaint_customer_verdict(actor=user, complaint=complaint, accepted=(i == 0),
                                            reason="" if i == 0 else "不认可")

    errors = run_concurrently(worker, 2)

    assert len(errors) == 1 and isinstance(errors[0], IllegalTransition)
    complaint = Complaint.objects.get(pk=complaint.pk)
    verdicts = complaint.events.filter(kind__in=[EventKind.ACCEPTED, EventKind.REJECTED])
    assert verdicts.count() == 1
    if verdicts.get().kind == EventKind.ACCEPTED:
        assert complaint.state == ComplaintState.CLOSED and complaint.rejection_count == 0
    else:
        assert complaint.state == ComplaintState.REOPENED and complaint.rejection_count == 1


def test_two_rejections_at_once_escalate_only_once(customer, make_complaint, specialist):
    complaint = make_complaint(customer)
    services.complaint_answer(actor=specialist, complaint=complaint, answer="已处理")

    def worker(i):
        user = get_user_model().objects.get(pk=specialist.pk)
        services.complaint_customer_verdict(actor=user, complaint=complaint, accepted=False, reason=f"不认可{i}")

    errors = run_concurrently(worker, 2)

    assert len(errors) == 1 and isinstance(errors[0], IllegalTransition)
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.rejection_count == 1 and complaint.escalation_level == 1
