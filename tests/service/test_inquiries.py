"""Inquiries: answered on the spot or with a deadline; bad input changes nothing; scoping."""

import pytest

from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.service import selectors, services
from depot.service.choices import InquiryState
from depot.service.models import Inquiry
from tests.service.conftest import at


def test_an_inquiry_answered_on_the_spot_has_no_deadline(customer, specialist):
    inquiry = services.inquiry_create(actor=specialist, customer=customer, data={
        "question": "库存还有多少？", "answer": "A批次120箱", "channel": "hotline", "contact": customer.contacts.get()})
    assert inquiry.state == InquiryState.ANSWERED and inquiry.response_due is None
    assert inquiry.answered_at == inquiry.received_at and inquiry.owner == specialist


def test_an_inquiry_with_a_deadline_waits_for_the_answer(customer, specialist):
    inquiry = services.inquiry_create(actor=specialist, customer=customer, data={
        "question": "能否提供上月出库明细？", "response_due": at(2026, 3, 4, 12), "received_at": at(2026, 3, 3, 10)})
    assert inquiry.state == InquiryState.OPEN and inquiry.response_due == at(2026, 3, 4, 12)


def test_an_inquiry_without_a_question_is_refused(customer, specialist):
    with pytest.raises(ValidationFailed) as err:
        services.inquiry_create(actor=specialist, customer=customer, data={"question": "  "})
    assert err.value.details["question"] == ["请填写咨询内容"]
    assert not Inquiry.objects.exists()


def test_answering_twice_is_refused(customer, specialist):
    inquiry = services.inquiry_create(actor=specialist, customer=customer, data={"question": "运费怎么算？"})
    services.inquiry_answer(actor=specialist, inquiry=inquiry, answer="按件计费")
    with pytest.raises(IllegalTransition) as err:
        services.inquiry_answer(actor=specialist, inquiry=inquiry, answer="按重量计费")
    assert str(err.value.message) == "该沟通记录已答复，不能重复答复"
    inquiry.refresh_from_db()
    assert inquiry.answer == "按件计费"


def test_another_specialist_cannot_see_the_inquiry(customer, specialist, other_specialist):
    inquiry = services.inquiry_create(actor=specialist, customer=customer, data={"question": "运费怎么算？"})
    with pytest.raises(NotFound):
        selectors.inquiry_get(user=other_specialist, pk=inquiry.pk)
    with pytest.raises(NotFound):
        services.inquiry_answer(actor=other_specialist, inquiry=inquiry, answer="x")
