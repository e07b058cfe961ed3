"""The customer archive's back office, driven through the admin pages as a user would."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from depot.core.models import AuditEntry
from depot.customers import services
from depot.customers.models import Consent, Contact, Customer, GradingRule

CHANGELIST = reverse("admin:customers_customer_changelist")
ADD = reverse("admin:customers_customer_add")


def change_url(customer):
    return reverse("admin:customers_customer_change", args=[customer.pk])


def action_url(customer, name):
    return reverse(f"admin:customers_customer_{name}", args=[customer.pk])


def add_form(name, *, contacts=(), **fields):
    """What the add page posts: the customer's fields and the contacts inline."""
    data = {"name": name, "payment_terms": "monthly", "payment_days": "30", **fields,
            "contacts-TOTAL_FORMS": str(len(contacts)), "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0", "contacts-MAX_NUM_FORMS": "1000"}
    for i, contact in enumerate(contacts):
        data.update({f"contacts-{i}-{k}": v for k, v in {"preferred_channel": "phone", **contact}.items()})
    return data


def change_form(response, **changes):
    """What the change page in `response` posts back, with `changes` applied."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if value is True:
                data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = str(value)
    data.update(changes)
    return data


@pytest.fixture
def hsd(make_customer, specialist):
    contact = {"name": "陈经理", "phone": "13912345678", "email": "chen@hsd.cn", "is_primary": True}
    return make_customer(specialist, name="华盛达物流有限公司", short_name="华盛达", contacts=[contact])


# -- creating ------------------------------------------------------------------------------------


def test_specialist_creates_a_customer_with_a_contact_through_the_add_form(client, specialist):
    client.force_login(specialist)

    response = client.post(ADD, add_form("江苏远航冷链有限公司", short_name="远航冷链", contacts=[
        {"name": "王芳", "title": "物流经理", "phone": "13812345678", "is_primary": "on"},
    ]))

    assert response.status_code == 302
    customer = Customer.objects.get(name="江苏远航冷链有限公司")
    assert customer.owner == specialist
    contacts = [(c.name, c.phone, c.is_primary) for c in customer.contacts.all()]
    assert contacts == [("王芳", "13812345678", True)]
    assert AuditEntry.objects.filter(object_id=str(customer.pk), action="create", actor=specialist).exists()


def test_supervisor_picks_the_responsible_specialist_when_creating(client, supervisor, other_specialist):
    client.force_login(supervisor)

    response = client.post(ADD, add_form("江苏远航冷链有限公司", owner=str(other_specialist.pk)))

    assert response.status_code == 302
    assert Customer.objects.get(name="江苏远航冷链有限公司").owner == other_specialist


def test_a_contact_with_a_bad_phone_is_shown_on_its_row_and_no_customer_is_created(client, specialist):
    client.force_login(specialist)

    data = add_form("江苏远航冷链有限公司", contacts=[{"name": "王芳", "phone": "12345"}])
    response = client.post(ADD, data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "phone" in formset.forms[0].errors
    assert not Customer.objects.filter(name="江苏远航冷链有限公司").exists()
    assert not Contact.objects.filter(name="王芳").exists()


def test_a_similar_name_warns_with_links_and_saves_once_confirmed(client, specialist, hsd):
    client.force_login(specialist)
    data = add_form("华盛达物流股份有限公司", contacts=[{"name": "李强", "phone": "13700001111"}])

    warned = client.post(ADD, data)

    assert warned.status_code == 200
    assert "已有名称相近的客户" in warned.content.decode()
    assert f'href="{change_url(hsd)}"' in warned.content.decode()
    assert not Customer.objects.filter(name="华盛达物流股份有限公司").exists()
    assert not Contact.objects.filter(name="李强").exists()

    confirmed = client.post(ADD, {**data, "confirm_similar": "on"})

    assert confirmed.status_code == 302
    assert Customer.objects.get(name="华盛达物流股份有限公司").contacts.get().name == "李强"


def test_a_duplicate_credit_code_shows_the_error_with_a_link_to_the_existing_one(client, specialist, hsd):
    client.force_login(specialist)

    response = client.post(ADD, add_form("完全不同的贸易公司", credit_code=hsd.credit_code))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "该统一社会信用代码已属于客户" in str(form.errors["credit_code"])
    assert f'href="{change_url(hsd)}"' in response.content.decode()
    assert Customer.objects.count() == 1


# -- finding and scoping -------------------------------------------------------------------------


def test_search_by_pinyin_initials_finds_the_customer(client, specialist, make_customer, hsd):
    make_customer(specialist, name="上海明珠食品有限公司", short_name="明珠食品")
    client.force_login(specialist)

    page = client.get(CHANGELIST, {"q": "hsd"}).content.decode()

    assert "华盛达物流有限公司" in page
    assert "上海明珠食品有限公司" not in page


def test_search_by_a_contacts_exact_phone_finds_the_customer(client, specialist, make_customer, hsd):
    make_customer(specialist, name="上海明珠食品有限公司")
    client.force_login(specialist)

    found = client.get(CHANGELIST, {"q": "139 1234 5678"}).context["cl"].result_list

    assert list(found) == [hsd]


def test_specialist_only_lists_their_own_customers(client, specialist, other_specialist, make_customer, hsd):
    make_customer(other_specialist, name="上海明珠食品有限公司")
    client.force_login(specialist)

    page = client.get(CHANGELIST).content.decode()

    assert "华盛达物流有限公司" in page
    assert "上海明珠食品有限公司" not in page


def test_specialist_cannot_open_another_specialists_customer(client, other_specialist, hsd):
    client.force_login(other_specialist)

    opened = client.get(change_url(hsd))
    posted = client.post(change_url(hsd), {"name": "改名", "payment_terms": "monthly", "payment_days": "30"})
    grade_page = client.get(action_url(hsd, "change_grade"))

    assert opened.status_code == 302 and opened.url == reverse("admin:index")
    assert posted.status_code == 302
    assert grade_page.status_code == 404
    hsd.refresh_from_db()
    assert hsd.name == "华盛达物流有限公司"


# -- personal data -------------------------------------------------------------------------------


def test_keeper_sees_masked_phone_and_never_the_digits(client, keeper, hsd):
    client.force_login(keeper)

    listed = client.get(CHANGELIST).content.decode()
    opened = client.get(change_url(hsd)).content.decode()

    for page in (listed, opened):
        assert "139****5678" in page
        assert "13912345678" not in page
        assert "chen@hsd.cn" not in page


def test_specialist_sees_the_contacts_in_full(client, specialist, hsd):
    client.force_login(specialist)

    assert "13912345678" in client.get(change_url(hsd)).content.decode()


# -- changing ------------------------------------------------------------------------------------


def test_changing_the_profile_and_a_contact_goes_through_the_services(client, specialist, hsd):
    client.force_login(specialist)
    page = client.get(change_url(hsd))
    data = change_form(page, industry="冷链物流", **{"contacts-0-title": "总经理"})

    response = client.post(change_url(hsd), data)

    assert response.status_code == 302
    hsd.refresh_from_db()
    assert hsd.industry == "冷链物流"
    assert hsd.contacts.get().title == "总经理"
    actions = set(AuditEntry.objects.filter(object_id=str(hsd.pk)).values_list("action", flat=True))
    assert {"update", "contact_update"} <= actions


def test_a_bad_contact_change_saves_nothing_at_all(client, specialist, hsd):
    client.force_login(specialist)
    page = client.get(change_url(hsd))
    data = change_form(page, industry="冷链物流", **{"contacts-0-phone": "12"})

    response = client.post(change_url(hsd), data)

    assert response.status_code == 200
    assert "phone" in response.context["inline_admin_formsets"][0].formset.forms[0].errors
    hsd.refresh_from_db()
    assert hsd.industry == ""
    assert hsd.contacts.get().phone == "13912345678"


def test_grade_credit_status_and_owner_are_read_only_on_the_change_form(client, supervisor, hsd):
    client.force_login(supervisor)
    data = change_form(client.get(change_url(hsd)), grade="VIP", credit_limit="99999", status="closed")

    response = client.post(change_url(hsd), data)

    assert response.status_code == 302
    hsd.refresh_from_db()
    assert (hsd.grade, hsd.credit_limit, hsd.status) == ("C", 0, "prospect")


# -- detail actions ------------------------------------------------------------------------------


def test_grade_form_sets_the_grade_with_a_reason(client, specialist, hsd):
    client.force_login(specialist)

    response = client.post(action_url(hsd, "change_grade"), {"grade": "A", "reason": "年度合同续签"})

    assert response.status_code == 302 and response.url == change_url(hsd)
    hsd.refresh_from_db()
    assert (hsd.grade, hsd.grade_reason) == ("A", "年度合同续签")


def test_grade_form_refuses_a_missing_reason_and_changes_nothing(client, specialist, hsd):
    client.force_login(specialist)

    response = client.post(action_url(hsd, "change_grade"), {"grade": "VIP", "reason": "  "})

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    hsd.refresh_from_db()
    assert hsd.grade == "C"
    assert not AuditEntry.objects.filter(object_id=str(hsd.pk), action="grade_change").exists()


def test_grade_page_shows_the_rule_suggestion_and_applies_it(client, specialist, hsd):
    client.force_login(specialist)
    hsd.grade = "A"
    hsd.save()

    page = client.get(action_url(hsd, "change_grade")).content.decode()
    applied = client.post(action_url(hsd, "change_grade"), {"apply_suggestion": "1"})

    assert "按规则评级" in page
    assert "客户当前不是合作中状态，建议保持C级" in page
    assert applied.status_code == 302
    hsd.refresh_from_db()
    assert (hsd.grade, hsd.grade_source) == ("C", "rules")


def test_supervisor_changes_credit_and_the_history_shows_it(client, supervisor, hsd):
    client.force_login(supervisor)

    response = client.post(action_url(hsd, "change_credit"),
                           {"credit_limit": "50000", "credit_rating": "AA", "reason": "年度授信审批"})

    assert response.status_code == 302
    hsd.refresh_from_db()
    assert (hsd.credit_limit, hsd.credit_rating) == (50000, "AA")
    page = client.get(change_url(hsd)).content.decode()
    assert "变更历史" in page
    assert "调整信用" in page
    assert "信用额度（元）：0.00 → 50000.00" in page
    assert "年度授信审批" in page
    assert "年度授信审批" in client.get(action_url(hsd, "change_credit")).content.decode()


def test_credit_form_refuses_a_missing_reason_and_changes_nothing(client, supervisor, hsd):
    client.force_login(supervisor)

    response = client.post(action_url(hsd, "change_credit"), {"credit_limit": "50000", "credit_rating": "AA"})

    assert response.status_code == 200
    hsd.refresh_from_db()
    assert hsd.credit_limit == 0
    assert not hsd.credit_changes.exists()


def test_specialist_has_no_assign_button_and_cannot_open_that_page(client, specialist, hsd):
    client.force_login(specialist)

    page = client.get(change_url(hsd)).content.decode()

    assert "调整等级" in page
    assert action_url(hsd, "change_credit") in page
    assert action_url(hsd, "assign_owner") not in page
    assert client.post(action_url(hsd, "assign_owner"), {"owner": specialist.pk}).status_code == 403


def test_status_form_offers_only_allowed_transitions_and_refuses_others(client, specialist, hsd):
    client.force_login(specialist)

    choices = dict(client.get(action_url(hsd, "change_status")).context["form"].fields["status"].choices)
    refused = client.post(action_url(hsd, "change_status"), {"status": "suspended", "reason": "欠款"})

    assert set(choices) == {"active", "closed"}
    assert refused.status_code == 200
    assert "status" in refused.context["form"].errors
    hsd.refresh_from_db()
    assert hsd.status == "prospect"


def test_status_form_requires_a_reason_and_then_changes_the_status(client, specialist, hsd):
    client.force_login(specialist)

    missing = client.post(action_url(hsd, "change_status"), {"status": "active", "reason": ""})
    hsd.refresh_from_db()
    assert missing.status_code == 200 and hsd.status == "prospect"

    done = client.post(action_url(hsd, "change_status"), {"status": "active", "reason": "签订仓储合同"})

    assert done.status_code == 302
    hsd.refresh_from_db()
    assert (hsd.status, hsd.status_reason) == ("active", "签订仓储合同")


def test_supervisor_assigns_the_customer_to_another_specialist(client, supervisor, other_specialist, hsd):
    client.force_login(supervisor)

    response = client.post(action_url(hsd, "assign_owner"), {"owner": other_specialist.pk})

    assert response.status_code == 302
    hsd.refresh_from_db()
    assert hsd.owner == other_specialist


def test_consent_is_recorded_shown_and_withdrawn(client, specialist, hsd):
    client.force_login(specialist)

    consent = {"purpose": "third_party", "recipient": "Zoho CRM", "version": "2.0", "evidence": "合同附件3"}
    recorded = client.post(action_url(hsd, "record_consent"), consent)

    assert recorded.status_code == 302
    consent = Consent.objects.get(customer=hsd)
    withdraw = reverse("admin:customers_customer_consent_withdraw", args=[hsd.pk, consent.pk])
    assert withdraw in client.get(change_url(hsd)).content.decode()

    assert client.post(withdraw, {"note": "客户来函撤回"}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_consent_without_evidence_is_refused(client, specialist, hsd):
    client.force_login(specialist)

    response = client.post(action_url(hsd, "record_consent"), {"purpose": "marketing", "version": "1.0"})

    assert response.status_code == 200
    assert "evidence" in response.context["form"].errors
    assert not Consent.objects.exists()


# -- the list stays fast -------------------------------------------------------------------------


def test_changelist_runs_the_same_number_of_queries_for_5_or_30_customers(
        client, supervisor, make_customer, django_assert_max_num_queries):
    for _ in range(5):
        make_customer(supervisor)
    client.force_login(supervisor)
    client.get(CHANGELIST)  # warm the session and permission caches alike for both runs
    with CaptureQueriesContext(connection) as five:
        assert client.get(CHANGELIST).status_code == 200
    for _ in range(25):
        make_customer(supervisor)

    with django_assert_max_num_queries(len(five.captured_queries)):
        page = client.get(CHANGELIST)

    assert page.context["cl"].result_count == 30


# -- grading rules -------------------------------------------------------------------------------


def test_supervisor_creates_a_rule_for_each_of_the_four_grades(client, supervisor):
    client.force_login(supervisor)
    add = reverse("admin:customers_gradingrule_add")

    for grade, months in [("VIP", "36"), ("A", "24"), ("B", "12"), ("C", "")]:
        assert client.post(add, {"grade": grade, "min_tenure_months": months}).status_code == 302

    assert sorted(GradingRule.objects.values_list("grade", flat=True)) == ["A", "B", "C", "VIP"]
    assert GradingRule.objects.get(grade="VIP").min_tenure_months == 36


def test_supervisor_changes_a_rule_through_the_service(client, supervisor):
    rule = services.grading_rule_save(actor=supervisor, grade="A", data={"min_tenure_months": 12})
    client.force_login(supervisor)

    response = client.post(reverse("admin:customers_gradingrule_change", args=[rule.pk]),
                           {"min_tenure_months": "18", "min_credit_rating": "AA"})

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.min_tenure_months, rule.min_credit_rating) == (18, "AA")
    assert AuditEntry.objects.filter(object_id=str(rule.pk), action="update").exists()


def test_specialist_views_rules_but_cannot_add_them(client, specialist, supervisor):
    services.grading_rule_save(actor=supervisor, grade="A", data={"min_tenure_months": 12})
    client.force_login(specialist)

    page = client.get(reverse("admin:customers_gradingrule_changelist"))

    assert page.status_code == 200
    assert "留空的门槛不参与评定" in page.content.decode()
    assert client.post(reverse("admin:customers_gradingrule_add"), {"grade": "B"}).status_code == 403
