import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.audit import audit_history
from depot.core.errors import DomainError, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.core.models import AuditEntry
from depot.customers import services
from depot.customers.choices import ConsentPurpose, Grade, GradeSource, Status
from depot.customers.models import Consent, Contact, CreditChange, Customer, GradingRule
from depot.customers.services import SimilarNameWarning
from tests.conftest import VALID_CREDIT_CODES, uscc_with_check_digit

VALID_ID_NUMBER = "11010519491231002X"


def _bad_check_digit(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def _create(actor, **overrides):
    data = {"name": "华盛达物流有限公司", "short_name": "华盛达物流", "credit_code": VALID_CREDIT_CODES[0]}
    contacts = overrides.pop("contacts", [{"name": "陈经理", "phone": "13900000001", "is_primary": True}])
    confirm_similar = overrides.pop("confirm_similar", False)
    data.update(overrides)
    return services.customer_create(actor=actor, data=data, contacts=contacts,
                                    confirm_similar=confirm_similar)


def _months_ago(months: int) -> datetime.date:
    today = timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return datetime.date(year, month + 1, 1)


def _audit_count() -> int:
    return AuditEntry.objects.count()


# --- creating a customer file -------------------------------------------------------------------

def test_specialist_creates_a_customer_with_contacts_and_becomes_its_owner(specialist):
    customer = _create(specialist, contacts=[
        {"name": "陈经理", "title": "物流经理", "phone": "13900000001", "email": "chen@hsd.cn",
         "is_primary": True},
        {"name": "刘会计", "phone": "021-58881234"},
    ])

    customer.refresh_from_db()
    assert customer.owner == specialist
    assert customer.code == "C00001"
    assert "hsdwl" in customer.pinyin.split()
    assert [c.name for c in customer.contacts.all()] == ["陈经理", "刘会计"]
    entries = list(audit_history(customer))
    assert [e.action for e in entries] == ["create"]
    assert entries[0].actor == specialist
    assert entries[0].changes["name"] == [None, "华盛达物流有限公司"]


def test_customer_codes_are_numbered_one_after_the_other(specialist, make_customer):
    first = make_customer(specialist)
    second = make_customer(specialist)

    assert (first.code, second.code) == ("C00001", "C00002")


def test_a_credit_code_with_a_wrong_check_digit_is_refused_in_chinese(specialist):
    with pytest.raises(ValidationFailed) as exc:
        _create(specialist, credit_code=_bad_check_digit(VALID_CREDIT_CODES[0]))

    assert "校验位不正确" in exc.value.details["credit_code"][0]
    assert Customer.objects.count() == 0
    assert _audit_count() == 0


def test_a_malformed_credit_code_is_refused(specialist):
    with pytest.raises(ValidationFailed) as exc:
        _create(specialist, credit_code="12345")

    assert "格式不正确" in exc.value.details["credit_code"][0]
    assert Customer.objects.count() == 0


def test_supervisor_may_accept_an_invalid_credit_code_with_a_reason(supervisor):
    bad = _bad_check_digit(VALID_CREDIT_CODES[1])

    customer = _create(supervisor, credit_code=bad,
                       credit_code_exception="已核对营业执照原件，代码以执照为准")

    customer.refresh_from_db()
    assert customer.credit_code == bad
    assert customer.credit_code_exception == "已核对营业执照原件，代码以执照为准"


def test_specialist_may_not_accept_an_invalid_credit_code(specialist):
    with pytest.raises(ValidationFailed) as exc:
        _create(specialist, credit_code=_bad_check_digit(VALID_CREDIT_CODES[1]),
                credit_code_exception="客户说代码没错")

    assert "主管" in exc.value.details["credit_code_exception"][0]
    assert Customer.objects.count() == 0


def test_a_credit_code_already_on_file_is_refused_naming_the_existing_customer(specialist, other_specialist):
    existing = _create(specialist)

    with pytest.raises(ValidationFailed) as exc:
        _create(other_specialist, name="华东冷链食品有限公司", short_name="华东冷链",
                credit_code=VALID_CREDIT_CODES[0].lower(), contacts=[])

    message = str(exc.value.details["credit_code"][0])
    assert existing.code in message
    assert Customer.objects.count() == 1
    assert _audit_count() == 1


def test_a_very_similar_name_warns_and_saves_nothing(specialist):
    _create(specialist)

    with pytest.raises(SimilarNameWarning) as exc:
        _create(specialist, name="华盛达物流股份有限公司", credit_code=VALID_CREDIT_CODES[1])

    assert "名称相近" in str(exc.value.details["name"][0])
    assert Customer.objects.count() == 1
    assert Contact.objects.count() == 1


def test_a_similar_name_is_saved_once_the_user_confirms_it_is_another_company(specialist):
    _create(specialist)

    second = _create(specialist, name="华盛达物流股份有限公司", credit_code=VALID_CREDIT_CODES[1],
                     confirm_similar=True)

    assert second.pk and Customer.objects.count() == 2


def test_an_over_long_name_is_refused(specialist):
    with pytest.raises(ValidationFailed) as exc:
        _create(specialist, name="很长" * 101)

    assert "name" in exc.value.details
    assert Customer.objects.count() == 0


def test_fields_that_cannot_be_set_on_creation_are_refused(specialist):
    with pytest.raises(ValidationFailed) as exc:
        _create(specialist, grade_reason="随便写的")

    assert "grade_reason" in exc.value.details
    assert Customer.objects.count() == 0


def test_a_keeper_cannot_create_a_customer(keeper):
    with pytest.raises(PermissionDenied):
        _create(keeper, credit_limit=Decimal("500000"))

    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("contacts", "field"),
    [
        ([{"name": "陈经理", "phone": "12345"}], "contacts[0].phone"),
        ([{"name": "陈经理", "phone": "13900000001"}, {"name": "刘会计", "email": "liu@@example"}],
         "contacts[1].email"),
        ([{"name": "陈经理", "phone": "13900000001", "id_number": "110105194912310021"}],
         "contacts[0].id_number"),
        ([{"name": "陈经理"}], "contacts[0].phone"),
    ],
    ids=["bad-phone", "bad-email", "bad-resident-id", "no-way-to-reach"],
)
def test_a_bad_contact_refuses_the_whole_customer_with_a_field_prefixed_error(specialist, contacts, field):
    with pytest.raises(ValidationFailed) as exc:
        _create(specialist, contacts=contacts)

    assert field in exc.value.details
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0
    assert _audit_count() == 0


def test_a_valid_resident_id_is_kept(specialist):
    customer = _create(specialist,
                       contacts=[{"name": "陈经理", "phone": "13900000001", "id_number": VALID_ID_NUMBER}])

    assert customer.contacts.get().id_number == VALID_ID_NUMBER


def test_phone_numbers_are_stored_in_one_form(specialist):
    customer = _create(specialist, contacts=[
        {"name": "陈经理", "phone": "+86 139-0000-0001", "is_primary": True},
        {"name": "刘会计", "phone": "(021) 5888 1234"},
        {"name": "周主管", "phone": "0755 2688 1234"},
    ])

    assert [c.phone for c in customer.contacts.all()] == ["13900000001", "021-58881234", "0755-26881234"]


def test_a_customer_has_at_most_one_primary_contact(specialist):
    customer = _create(specialist, contacts=[
        {"name": "陈经理", "phone": "13900000001", "is_primary": True},
        {"name": "刘会计", "phone": "13900000002", "is_primary": True},
    ])
    services.contact_save(actor=specialist, customer=customer,
                          data={"name": "周主管", "phone": "13900000003", "is_primary": True})

    primaries = list(customer.contacts.filter(is_primary=True).values_list("name", flat=True))
    assert primaries == ["周主管"]


# --- updating -----------------------------------------------------------------------------------

def test_an_update_records_each_changed_field_with_old_and_new_value(specialist):
    customer = _create(specialist, industry="物流", city="上海市")

    services.customer_update(actor=specialist, customer=customer,
                             data={"industry": "供应链服务", "city": "苏州市", "notes": ""})

    entry = audit_history(customer).filter(action="update").get()
    assert entry.changes == {"industry": ["物流", "供应链服务"], "city": ["上海市", "苏州市"]}
    assert entry.actor == specialist


def test_an_update_that_changes_nothing_writes_no_history(specialist):
    customer = _create(specialist, industry="物流")

    services.customer_update(actor=specialist, customer=customer, data={"industry": "物流"})

    assert [e.action for e in audit_history(customer)] == ["create"]


@pytest.mark.parametrize("field", ["grade", "credit_limit", "credit_rating", "status", "owner"])
def test_an_update_refuses_fields_that_have_their_own_operation(supervisor, field):
    customer = _create(supervisor)
    value = {"grade": Grade.VIP, "credit_limit": Decimal("1"), "credit_rating": "AAA",
             "status": Status.ACTIVE, "owner": supervisor}[field]

    with pytest.raises(ValidationFailed) as exc:
        services.customer_update(actor=supervisor, customer=customer, data={field: value, "industry": "食品"})

    assert field in exc.value.details
    customer.refresh_from_db()
    assert (customer.grade, customer.status, customer.credit_limit, customer.industry) == (
        Grade.C, Status.PROSPECT, Decimal("0"), ""
    )
    assert audit_history(customer).count() == 1


def test_specialist_cannot_update_another_specialists_customer(specialist, other_specialist):
    customer = _create(specialist)

    with pytest.raises(NotFound):
        services.customer_update(actor=other_specialist, customer=customer, data={"industry": "食品"})

    customer.refresh_from_db()
    assert customer.industry == ""


def test_renaming_to_a_similar_name_of_another_customer_warns(specialist, make_customer):
    make_customer(specialist, name="宁波甬兴电子科技有限公司")
    customer = _create(specialist)

    with pytest.raises(SimilarNameWarning):
        services.customer_update(actor=specialist, customer=customer,
                                 data={"name": "宁波甬兴电子科技股份有限公司"})

    customer.refresh_from_db()
    assert customer.name == "华盛达物流有限公司"


def test_a_specialist_cannot_write_a_credit_code_exception_on_update(specialist):
    customer = _create(specialist)

    with pytest.raises(PermissionDenied):
        services.customer_update(actor=specialist, customer=customer,
                                 data={"credit_code_exception": "没问题"})

    customer.refresh_from_db()
    assert customer.credit_code_exception == ""


# --- status lifecycle ---------------------------------------------------------------------------

def test_a_prospect_becomes_active_and_gets_a_cooperation_date(specialist):
    customer = _create(specialist)

    customer = services.customer_change_status(actor=specialist, customer=customer, status=Status.ACTIVE)

    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE
    assert customer.cooperation_since is not None
    entry = audit_history(customer).filter(action="status_change").get()
    assert entry.changes["status"] == ["prospect", "active"]


def test_an_active_customer_is_suspended_with_a_reason_and_reactivated(specialist):
    customer = _create(specialist, status=Status.ACTIVE)

    services.customer_change_status(actor=specialist, customer=customer, status=Status.SUSPENDED,
                                    reason="货款逾期60天")
    customer.refresh_from_db()
    assert (customer.status, customer.status_reason) == (Status.SUSPENDED, "货款逾期60天")

    services.customer_change_status(actor=specialist, customer=customer, status=Status.ACTIVE)
    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE


@pytest.mark.parametrize(("start", "target"), [
    (Status.PROSPECT, Status.SUSPENDED),
    (Status.ACTIVE, Status.PROSPECT),
    (Status.ACTIVE, Status.ACTIVE),
    (Status.CLOSED, Status.SUSPENDED),
])
def test_an_illegal_status_change_is_refused_and_changes_nothing(supervisor, start, target):
    customer = _create(supervisor, status=start)
    entries_before = _audit_count()

    with pytest.raises(IllegalTransition):
        services.customer_change_status(actor=supervisor, customer=customer, status=target, reason="原因")

    customer.refresh_from_db()
    assert customer.status == start
    assert _audit_count() == entries_before


@pytest.mark.parametrize("target", [Status.SUSPENDED, Status.CLOSED])
def test_suspending_or_closing_needs_a_reason(specialist, target):
    customer = _create(specialist, status=Status.ACTIVE)

    with pytest.raises(IllegalTransition) as exc:
        services.customer_change_status(actor=specialist, customer=customer, status=target, reason="  ")

    assert "reason" in exc.value.details
    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE


# --- credit, grade, owner -----------------------------------------------------------------------

def test_a_credit_change_keeps_the_old_and_new_values_with_the_reason(supervisor):
    customer = _create(supervisor, credit_limit=Decimal("100000"), credit_rating="A")

    services.customer_change_credit(actor=supervisor, customer=customer, credit_limit="300,000.00",
                                    credit_rating="AA", reason="年度信用评审，回款及时")

    change = CreditChange.objects.get(customer=customer)
    assert (change.old_limit, change.new_limit, change.old_rating, change.new_rating) == (
        Decimal("100000"), Decimal("300000"), "A", "AA"
    )
    assert change.reason == "年度信用评审，回款及时"
    assert change.changed_by == supervisor
    customer.refresh_from_db()
    assert (customer.credit_limit, customer.credit_rating) == (Decimal("300000"), "AA")
    entry = audit_history(customer).filter(action="credit_change").get()
    assert entry.changes["credit_limit"] == ["100000.00", "300000.00"]


def test_a_keeper_cannot_change_credit(specialist, keeper):
    customer = _create(specialist)

    with pytest.raises(PermissionDenied):
        services.customer_change_credit(actor=keeper, customer=customer, credit_limit="500000",
                                        credit_rating="AAA", reason="客户要求")

    assert CreditChange.objects.count() == 0
    customer.refresh_from_db()
    assert customer.credit_limit == 0


@pytest.mark.parametrize(("limit", "rating", "reason", "field"), [
    ("100000", "AA", " ", "reason"),
    ("-1", "AA", "调整", "credit_limit"),
    ("十万", "AA", "调整", "credit_limit"),
    ("100000", "ZZ", "调整", "credit_rating"),
])
def test_a_bad_credit_change_is_refused_and_changes_nothing(supervisor, limit, rating, reason, field):
    customer = _create(supervisor)

    with pytest.raises(ValidationFailed) as exc:
        services.customer_change_credit(actor=supervisor, customer=customer, credit_limit=limit,
                                        credit_rating=rating, reason=reason)

    assert field in exc.value.details
    assert CreditChange.objects.count() == 0


def test_a_grade_set_by_hand_keeps_its_reason(specialist):
    customer = _create(specialist)

    services.customer_set_grade(actor=specialist, customer=customer, grade=Grade.A, reason="年度战略合作客户")

    customer.refresh_from_db()
    assert (customer.grade, customer.grade_source, customer.grade_reason) == (
        Grade.A, GradeSource.MANUAL, "年度战略合作客户"
    )
    assert audit_history(customer).filter(action="grade_change").get().note == "年度战略合作客户"


def test_a_grade_set_by_hand_needs_a_reason(specialist):
    customer = _create(specialist)

    with pytest.raises(ValidationFailed) as exc:
        services.customer_set_grade(actor=specialist, customer=customer, grade=Grade.A, reason="")

    assert "reason" in exc.value.details
    customer.refresh_from_db()
    assert customer.grade == Grade.C


def test_applying_the_grade_suggestion_uses_the_rules_and_keeps_the_reasons(supervisor):
    services.grading_rule_save(actor=supervisor, grade=Grade.VIP, data={"min_tenure_months": 24,
                                                                        "min_credit_rating": "AA"})
    services.grading_rule_save(actor=supervisor, grade=Grade.A, data={"min_tenure_months": 12,
                                                                      "min_credit_rating": "A"})
    services.grading_rule_save(actor=supervisor, grade=Grade.C, data={})
    customer = _create(supervisor, status=Status.ACTIVE, credit_rating="A",
                       cooperation_since=_months_ago(16))

    services.customer_apply_grade_suggestion(actor=supervisor, customer=customer)

    customer.refresh_from_db()
    assert (customer.grade, customer.grade_source) == (Grade.A, GradeSource.RULES)
    assert customer.grade_reason.startswith("满足A级规则")
    assert "信用等级 A 达到 A 或更好" in customer.grade_reason
    assert "未满足VIP级规则：合作月数 16 未达到 ≥24；信用等级 A 未达到 AA 或更好" in customer.grade_reason
    assert audit_history(customer).filter(action="grade_change").get().note == customer.grade_reason
    assert GradingRule.objects.count() == 3


def test_only_a_supervisor_edits_grading_rules(specialist):
    with pytest.raises(PermissionDenied):
        services.grading_rule_save(actor=specialist, grade=Grade.VIP, data={"min_tenure_months": 1})

    assert GradingRule.objects.count() == 0


def test_supervisor_assigns_a_customer_to_another_specialist(supervisor, specialist, other_specialist):
    customer = _create(supervisor, owner=specialist)

    services.customer_assign(actor=supervisor, customer=customer, owner=other_specialist)

    customer.refresh_from_db()
    assert customer.owner == other_specialist
    assert audit_history(customer).filter(action="assign").get().changes["owner"] == ["zhang.cs", "li.cs"]


def test_a_specialist_cannot_reassign_a_customer(specialist, other_specialist):
    customer = _create(specialist)

    with pytest.raises(PermissionDenied):
        services.customer_assign(actor=specialist, customer=customer, owner=other_specialist)

    customer.refresh_from_db()
    assert customer.owner == specialist


def test_a_specialist_cannot_create_a_customer_for_someone_else(specialist, other_specialist):
    with pytest.raises(PermissionDenied):
        _create(specialist, owner=other_specialist)

    assert Customer.objects.count() == 0


# --- consent ------------------------------------------------------------------------------------

def test_a_consent_is_recorded_with_its_evidence(specialist):
    customer = _create(specialist)

    consent = services.consent_record(actor=specialist, customer=customer, purpose=ConsentPurpose.THIRD_PARTY,
                                      recipient=" Zoho CRM ", evidence="客户邮件确认（2026-01-05）")

    consent.refresh_from_db()
    assert (consent.recipient, consent.in_force, consent.recorded_by) == ("Zoho CRM", True, specialist)
    assert audit_history(customer).filter(action="consent_grant").exists()


def test_a_consent_without_evidence_is_refused(specialist):
    customer = _create(specialist)

    with pytest.raises(ValidationFailed) as exc:
        services.consent_record(actor=specialist, customer=customer, purpose=ConsentPurpose.SERVICE)

    assert "evidence" in exc.value.details
    assert Consent.objects.count() == 0


def test_a_consent_is_withdrawn_once(specialist):
    customer = _create(specialist)
    consent = services.consent_record(actor=specialist, customer=customer, purpose=ConsentPurpose.SERVICE,
                                      evidence="合同 HT-2026-001 第12条")
    services.consent_withdraw(actor=specialist, consent=consent, note="客户书面撤回")
    withdrawn_at = Consent.objects.get().withdrawn_at

    with pytest.raises(ValidationFailed):
        services.consent_withdraw(actor=specialist, consent=consent)

    consent.refresh_from_db()
    assert consent.withdrawn_at == withdrawn_at is not None
    assert not consent.in_force
    assert audit_history(customer).filter(action="consent_withdraw").count() == 1


# --- personal data never enters the audit trail -------------------------------------------------

def test_contact_personal_data_never_appears_in_the_audit_trail(specialist):
    customer = _create(specialist, contacts=[
        {"name": "陈经理", "phone": "13912345678", "email": "chen.secret@hsd.cn", "wechat": "chen_wx_778",
         "id_number": VALID_ID_NUMBER, "is_primary": True},
    ])
    contact = customer.contacts.get()
    services.contact_save(actor=specialist, customer=customer, contact=contact,
                          data={"name": "陈建国", "phone": "18687654321", "email": "jianguo.private@hsd.cn"})
    services.contact_save(actor=specialist, customer=customer,
                          data={"name": "刘会计", "phone": "13755554444", "email": "liu.private@hsd.cn"})
    services.contact_delete(actor=specialist, contact=customer.contacts.get(name="刘会计"))

    text = json.dumps([e.changes for e in AuditEntry.objects.all()], ensure_ascii=False)
    for secret in ("13912345678", "chen.secret", "chen_wx_778", VALID_ID_NUMBER, "18687654321",
                   "jianguo.private", "13755554444", "liu.private"):
        assert secret not in text
    assert "（已加密，不显示）" in text


def test_a_contact_update_is_recorded_by_field_name(specialist):
    customer = _create(specialist)
    contact = customer.contacts.get()

    services.contact_save(actor=specialist, customer=customer, contact=contact, data={"title": "仓储总监"})

    entry = audit_history(customer).filter(action="contact_update").get()
    assert entry.changes == {"陈经理.title": ["", "仓储总监"]}


def test_a_contact_of_another_customer_cannot_be_changed_through_this_one(specialist):
    first = _create(specialist)
    second = _create(specialist, name="甬兴电子科技有限公司", short_name="甬兴电子",
                     credit_code=VALID_CREDIT_CODES[1])

    with pytest.raises(DomainError):
        services.contact_save(actor=specialist, customer=second, contact=first.contacts.get(),
                              data={"title": "x"})

    assert first.contacts.get().title == ""


def test_credit_codes_are_normalised_before_they_are_checked(specialist):
    code = uscc_with_check_digit("91320594MA1MXY5K9")

    customer = _create(specialist, credit_code=" " + code.lower() + " ")

    assert Customer.objects.get(pk=customer.pk).credit_code == code
