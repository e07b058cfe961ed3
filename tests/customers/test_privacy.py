"""Personal-information requests (PIPL art. 44–47): the copy of a person's data, their
anonymisation, deadlines, and who may do either."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from depot.core.audit import audit_verify
from depot.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from depot.core.models import AuditEntry
from depot.customers import privacy, privacy_selectors, selectors
from depot.customers.choices import PrivacyRequestState
from depot.customers.models import Consent, Contact, PrivacyRequest
from depot.followups.models import CareTask, FollowUp
from depot.notifications.models import Notification
from depot.orders.models import OutboundOrder
from depot.portal.models import PortalAccount
from depot.service.models import Complaint, Inquiry
from depot.surveys.models import Invitation, Response
from tests.surveys.helpers import make_campaign, make_template

PHONE, EMAIL, NAME, ID_NUMBER = "13912345678", "chen.jl@example.cn", "陈建良", "11010519491231002X"
OTHER_PHONE, OTHER_EMAIL, OTHER_NAME = "13787654321", "liu.fang@example.cn", "刘芳华"

_numbers = iter(range(1, 10**6))


def _order(customer, *, name, phone, state="confirmed", address="张江路100号"):
    n = next(_numbers)
    return OutboundOrder.objects.create(
        number=f"TO{n:08d}", customer=customer, channel="phone", state=state, request_hash=f"h{n}",
        consignee_name=name, consignee_phone=phone, province="上海市", city="上海市", district="浦东新区",
        address=address,
    )


def _linked_records(customer, contact, *, name, phone, email, supervisor, campaign, username):
    """A communication, complaint, visit, greeting, survey answer, notification and portal login of
    one person."""
    now = timezone.now()
    Inquiry.objects.create(customer=customer, contact=contact, channel="phone", question=f"{name}询问库存，回电{phone}",
                           state="answered", answered_at=now)
    Complaint.objects.create(code=f"TS{next(_numbers):06d}", customer=customer, contact=contact, channel="phone",
                             category="damage", severity="high", description=f"{name}反映外箱破损",
                             received_at=now, first_response_due=now + datetime.timedelta(hours=4),
                             resolution_due=now + datetime.timedelta(days=2))
    FollowUp.objects.create(customer=customer, contact=contact, reason="manual", planned_on=now.date(),
                            source_ref=username, notes=f"与{name}通话，邮箱{email}")
    CareTask.objects.create(customer=customer, contact=contact, occasion="birthday", occasion_key="birthday",
                            year=now.year, occasion_date=now.date(), due_on=now.date(),
                            message=f"{name}您好，祝您生日快乐")
    invitation = Invitation.objects.create(campaign=campaign, customer=customer, contact=contact,
                                           token=f"tok{next(_numbers)}")
    Response.objects.create(invitation=invitation, campaign=campaign, customer=customer, channel="link",
                            respondent=name)
    Notification.objects.create(event="order.shipped", channel="email", recipient=email, customer=customer,
                                subject="发货通知", body=f"{name}您好，您的货物已发出", status="pending",
                                context={"contact_name": name})
    user = get_user_model().objects.create_user(username=username, email=email, password="x")
    PortalAccount.objects.create(user=user, customer=customer, name=name, created_by=supervisor)


@pytest.fixture
def world(supervisor, specialist, make_customer):
    """Person A is a contact of two customers and the consignee of two orders; person B is another
    contact of the first customer with records of the same kinds."""
    first = make_customer(supervisor, owner=specialist, status="active", contacts=[
        {"name": NAME, "phone": PHONE, "email": EMAIL, "id_number": ID_NUMBER, "wechat": "chenjl88",
         "is_primary": True},
        {"name": OTHER_NAME, "phone": OTHER_PHONE, "email": OTHER_EMAIL},
    ])
    second = make_customer(supervisor, owner=specialist, contacts=[
        {"name": NAME, "phone": "+86 139 1234 5678", "is_primary": True},
    ])
    a = first.contacts.get(name=NAME)
    a2 = second.contacts.get()
    b = first.contacts.get(name=OTHER_NAME)
    for contact in (a, b):
        Consent.objects.create(customer=first, contact=contact, purpose="marketing", version="2.1",
                               evidence="签字版告知书")
    campaign = make_campaign(supervisor, make_template(supervisor))
    _linked_records(first, a, name=NAME, phone=PHONE, email=EMAIL, supervisor=supervisor, campaign=campaign,
                    username="portal.a")
    _linked_records(first, b, name=OTHER_NAME, phone=OTHER_PHONE, email=OTHER_EMAIL, supervisor=supervisor,
                    campaign=campaign, username="portal.b")
    orders = [_order(first, name=NAME, phone="139-1234-5678"), _order(second, name="陈先生", phone=PHONE),
              _order(first, name=OTHER_NAME, phone=OTHER_PHONE, address="世纪大道1号")]
    return {"first": first, "second": second, "a": a, "a2": a2, "b": b, "orders": orders}


def _request(actor, kind, **subject):
    return privacy.privacy_request_create(actor=actor, kind=kind, requested_via="phone", **subject)


def _workbook_text(content: bytes) -> dict[str, str]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: "\n".join(" ".join(str(v) for v in row if v is not None)
                                 for row in ws.iter_rows(values_only=True))
            for ws in wb.worksheets}


def _entries_since(first_id: int):
    return list(AuditEntry.objects.filter(id__gt=first_id))


def _plaintext_in(entries, *values) -> list[str]:
    found = []
    for entry in entries:
        text = f"{entry.object_repr} {entry.note} {entry.changes}"
        found += [v for v in values if v in text]
    return found


def _last_audit_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- registering and deadlines ----------------------------------------------------------------------

def test_a_request_is_due_thirty_days_after_it_was_received(supervisor, world):
    received = timezone.now() - datetime.timedelta(days=3)
    request = _request(supervisor, "access", contact=world["a"], received_at=received)

    assert request.due_at == received + datetime.timedelta(days=privacy.PRIVACY_RESPONSE_DAYS)
    assert privacy.PRIVACY_RESPONSE_DAYS == 30
    assert request.state == PrivacyRequestState.RECEIVED


def test_only_unanswered_requests_past_their_deadline_are_overdue(supervisor, world):
    old = timezone.now() - datetime.timedelta(days=31)
    late = _request(supervisor, "access", contact=world["a"], received_at=old)
    answered = _request(supervisor, "access", contact=world["b"], received_at=old)
    privacy.privacy_request_refuse(actor=supervisor, request=answered, reason="无法核实身份")
    _request(supervisor, "erasure", subject_phone=OTHER_PHONE)

    overdue = privacy_selectors.privacy_requests_overdue(privacy_selectors.privacy_request_list(user=supervisor))

    assert list(overdue) == [late]


def test_a_request_without_a_person_is_refused_with_a_message_and_nothing_is_written(supervisor):
    with pytest.raises(ValidationFailed) as exc:
        _request(supervisor, "access", subject_phone="", subject_email="")

    assert "请选择联系人，或填写请求人的电话或邮箱" in exc.value.messages()[0]
    assert not PrivacyRequest.objects.exists()


def test_a_malformed_phone_on_a_request_is_refused(supervisor):
    with pytest.raises(ValidationFailed) as exc:
        _request(supervisor, "erasure", subject_phone="12")

    assert "subject_phone" in exc.value.details
    assert not PrivacyRequest.objects.exists()


def test_refusing_needs_a_reason_and_closes_the_request(supervisor, world):
    request = _request(supervisor, "erasure", contact=world["a"])
    with pytest.raises(ValidationFailed):
        privacy.privacy_request_refuse(actor=supervisor, request=request, reason=" ")
    request.refresh_from_db()
    assert request.state == PrivacyRequestState.RECEIVED

    privacy.privacy_request_refuse(actor=supervisor, request=request, reason="无法核实身份")

    request.refresh_from_db()
    assert (request.state, request.outcome, request.handled_by) == ("refused", "无法核实身份", supervisor)
    assert request.completed_at is not None


# --- 查阅复制 ----------------------------------------------------------------------------------------

def test_the_copy_holds_the_persons_data_from_every_source_and_nothing_of_anyone_else(supervisor, world):
    request = _request(supervisor, "access", contact=world["a"])

    export = privacy.privacy_request_export(actor=supervisor, request=request)

    sheets = _workbook_text(export.content)
    assert PHONE in sheets["联系人"] and EMAIL in sheets["联系人"] and ID_NUMBER in sheets["联系人"]
    assert sheets["联系人"].count(NAME) == 2  # a contact of both customers
    assert "2.1" in sheets["授权同意"]
    assert world["orders"][0].number in sheets["收货记录"] and world["orders"][1].number in sheets["收货记录"]
    assert "张江路100号" in sheets["收货记录"]
    assert f"{NAME}询问库存" in sheets["沟通记录"]
    assert f"{NAME}反映外箱破损" in sheets["投诉"]
    assert f"与{NAME}通话" in sheets["回访"]
    assert "祝您生日快乐" in sheets["关怀"]
    assert NAME in sheets["满意度答卷"]
    assert EMAIL in sheets["通知"]
    assert "portal.a" in sheets["门户账号"]
    everything = "\n".join(sheets.values())
    for other in (OTHER_NAME, OTHER_PHONE, OTHER_EMAIL, world["orders"][2].number, "世纪大道1号", "portal.b"):
        assert other not in everything


def test_a_consignee_known_only_by_phone_gets_their_deliveries(supervisor, world):
    request = _request(supervisor, "access", subject_phone=OTHER_PHONE)

    sheets = _workbook_text(privacy.privacy_request_export(actor=supervisor, request=request).content)

    assert world["orders"][2].number in sheets["收货记录"]
    assert world["orders"][0].number not in sheets["收货记录"]


def test_downloading_the_copy_completes_the_request_and_is_audited_without_the_data(supervisor, world):
    request = _request(supervisor, "access", contact=world["a"])
    since = _last_audit_id()

    privacy.privacy_request_export(actor=supervisor, request=request)
    privacy.privacy_request_export(actor=supervisor, request=request)

    request.refresh_from_db()
    assert request.state == PrivacyRequestState.COMPLETED
    assert request.handled_by == supervisor
    entries = _entries_since(since)
    assert [e.action for e in entries] == ["privacy_export", "privacy_export"]
    assert _plaintext_in(entries, NAME, PHONE, EMAIL, ID_NUMBER) == []


def test_a_deletion_request_cannot_be_exported(supervisor, world):
    request = _request(supervisor, "erasure", contact=world["a"])

    with pytest.raises(ValidationFailed):
        privacy.privacy_request_export(actor=supervisor, request=request)


# --- 删除 ----------------------------------------------------------------------------------------

def test_anonymisation_removes_the_person_everywhere_and_keeps_the_business_records(supervisor, world):
    counts = (OutboundOrder.objects.count(), Complaint.objects.count(), Inquiry.objects.count(),
              FollowUp.objects.count(), Contact.objects.count())
    request = _request(supervisor, "erasure", contact=world["a"], subject_name=NAME)

    privacy.privacy_request_anonymise(actor=supervisor, request=request)

    # the pages' own searches no longer find the person
    assert not selectors.customer_search(user=supervisor, query=PHONE).exists()
    assert not selectors.customer_search(user=supervisor, query=EMAIL).exists()
    contacts, _keys = privacy_selectors.subject_contacts(phone=PHONE, email=EMAIL)
    assert contacts == []
    assert privacy_selectors.orders_for_phones({"+8613912345678"}) == []
    for contact in (world["a"], world["a2"]):
        contact.refresh_from_db()
        assert (contact.name, contact.phone, contact.email, contact.id_number, contact.wechat) == (
            privacy.ANONYMISED, "", "", "", "")
    for order in world["orders"][:2]:
        order.refresh_from_db()
        assert (order.consignee_name, order.consignee_phone, order.consignee_phone_index, order.address) == (
            privacy.ANONYMISED, "", "", "")
        assert order.state == "confirmed"
    assert NAME not in Inquiry.objects.get(contact=world["a"]).question
    assert PHONE not in Inquiry.objects.get(contact=world["a"]).question
    assert NAME not in Complaint.objects.get(contact=world["a"]).description
    assert EMAIL not in FollowUp.objects.get(contact=world["a"]).notes
    care = CareTask.objects.get(contact=world["a"])
    assert (care.state, care.message) == ("skipped", privacy.ANONYMISED)
    assert Response.objects.get(invitation__contact=world["a"]).respondent == privacy.ANONYMISED
    notification = Notification.objects.get(context__contact_name=privacy.ANONYMISED)
    assert (notification.recipient, notification.status) == ("", "withheld")
    assert NAME not in notification.body
    account = PortalAccount.objects.select_related("user").get(customer=world["first"], user__email="")
    assert (account.name, account.is_active, account.user.is_active) == (privacy.ANONYMISED, False, False)
    assert not Consent.objects.filter(contact=world["a"], withdrawn_at__isnull=True).exists()
    assert Consent.objects.filter(contact=world["a"]).count() == 2  # withdrawn, plus the recorded objection
    # the business records stay
    assert (OutboundOrder.objects.count(), Complaint.objects.count(), Inquiry.objects.count(),
            FollowUp.objects.count(), Contact.objects.count()) == counts
    request.refresh_from_db()
    assert request.state == PrivacyRequestState.COMPLETED
    assert (request.subject_name, request.subject_phone, request.subject_email) == ("", "", "")


def test_anonymisation_leaves_the_other_person_untouched(supervisor, world):
    request = _request(supervisor, "erasure", contact=world["a"])

    privacy.privacy_request_anonymise(actor=supervisor, request=request)

    b = Contact.objects.get(pk=world["b"].pk)
    assert (b.name, b.phone, b.email) == (OTHER_NAME, OTHER_PHONE, OTHER_EMAIL)
    assert selectors.customer_search(user=supervisor, query=OTHER_PHONE).get() == world["first"]
    order = OutboundOrder.objects.get(pk=world["orders"][2].pk)
    assert (order.consignee_name, order.consignee_phone) == (OTHER_NAME, OTHER_PHONE)
    assert Consent.objects.get(contact=b).in_force
    assert PortalAccount.objects.get(user__username="portal.b").is_active
    notification = Notification.objects.get(context__contact_name=OTHER_NAME)
    assert (notification.recipient, notification.status) == (OTHER_EMAIL, "pending")
    assert OTHER_NAME in Complaint.objects.get(contact=b).description


def test_anonymisation_is_audited_without_personal_data_and_the_chain_stays_verifiable(supervisor, world):
    request = _request(supervisor, "erasure", contact=world["a"])
    since = _last_audit_id()

    privacy.privacy_request_anonymise(actor=supervisor, request=request)

    entries = _entries_since(since)
    actions = {e.action for e in entries}
    assert {"privacy_anonymise", "contact_anonymise", "consignee_anonymise", "portal_anonymise"} <= actions
    assert _plaintext_in(entries, NAME, PHONE, EMAIL, ID_NUMBER, "chenjl88", "portal.a") == []
    assert audit_verify() == []


def test_a_second_anonymisation_of_the_same_request_is_refused(supervisor, world):
    request = _request(supervisor, "erasure", contact=world["a"])
    privacy.privacy_request_anonymise(actor=supervisor, request=request)
    since = _last_audit_id()

    with pytest.raises(IllegalTransition):
        privacy.privacy_request_anonymise(actor=supervisor, request=request)

    assert _entries_since(since) == []


def test_a_new_request_for_an_anonymised_contact_is_refused(supervisor, world):
    privacy.privacy_request_anonymise(actor=supervisor, request=_request(supervisor, "erasure", contact=world["a"]))

    with pytest.raises(ValidationFailed) as exc:
        _request(supervisor, "erasure", contact=Contact.objects.get(pk=world["a"].pk))

    assert "已匿名化" in exc.value.messages()[0]


def test_a_later_request_by_phone_finds_nothing_left_and_completes(supervisor, world):
    privacy.privacy_request_anonymise(actor=supervisor, request=_request(supervisor, "erasure", contact=world["a"]))
    again = _request(supervisor, "erasure", subject_phone=PHONE)

    result = privacy.privacy_request_anonymise(actor=supervisor, request=again)

    assert result.summary == "未找到该人员的个人信息"
    assert PrivacyRequest.objects.get(pk=again.pk).state == PrivacyRequestState.COMPLETED


def test_anonymisation_waits_while_the_person_is_to_receive_an_order(supervisor, world):
    pending = _order(world["first"], name=NAME, phone=PHONE, state="shipped")
    request = _request(supervisor, "erasure", contact=world["a"])
    since = _last_audit_id()

    with pytest.raises(ValidationFailed) as exc:
        privacy.privacy_request_anonymise(actor=supervisor, request=request)

    assert pending.number in exc.value.messages()[0]
    assert Contact.objects.get(pk=world["a"].pk).phone == PHONE
    assert OutboundOrder.objects.get(pk=world["orders"][0].pk).consignee_name == NAME
    assert PrivacyRequest.objects.get(pk=request.pk).state == PrivacyRequestState.RECEIVED
    assert _entries_since(since) == []


def test_the_last_contact_of_an_active_customer_may_be_anonymised_and_is_reported(supervisor, make_customer,
                                                                                  specialist):
    customer = make_customer(supervisor, owner=specialist, status="active",
                             contacts=[{"name": "孙小梅", "phone": "13600001111", "is_primary": True}])
    request = _request(supervisor, "erasure", contact=customer.contacts.get())

    result = privacy.privacy_request_anonymise(actor=supervisor, request=request)

    assert result.customers_left_without_contact == [customer]
    assert customer.code in PrivacyRequest.objects.get(pk=request.pk).outcome


# --- who may ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["specialist", "keeper"])
def test_staff_without_the_role_can_neither_export_nor_anonymise(role, request, supervisor, world):
    user = request.getfixturevalue(role)
    access = _request(supervisor, "access", contact=world["a"])
    erasure = _request(supervisor, "erasure", contact=world["a"])

    with pytest.raises(PermissionDenied):
        privacy.privacy_request_export(actor=user, request=access)
    with pytest.raises(PermissionDenied):
        privacy.privacy_request_anonymise(actor=user, request=erasure)
    with pytest.raises(PermissionDenied):
        _request(user, "access", contact=world["a"])
    assert Contact.objects.get(pk=world["a"].pk).phone == PHONE
    assert not privacy_selectors.privacy_request_list(user=user).exists()


# --- the back office -------------------------------------------------------------------------------

CHANGELIST = reverse("admin:customers_privacyrequest_changelist")


def test_a_supervisor_registers_a_request_in_the_back_office(client, supervisor, world):
    client.force_login(supervisor)

    response = client.post(reverse("admin:customers_privacyrequest_add"), {
        "kind": "access", "contact": world["a"].pk, "subject_name": "", "subject_phone": "",
        "subject_email": "", "requested_via": "phone", "received_at_0": "2026-11-20", "received_at_1": "10:00:00",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.contact, request.created_by) == ("access", world["a"], supervisor)


def test_a_request_is_opened_from_the_contact_on_the_customer_page(client, supervisor, specialist, world):
    client.force_login(supervisor)
    page = client.get(reverse("admin:customers_customer_change", args=[world["first"].pk])).content.decode()
    add = reverse("admin:customers_privacyrequest_add") + f"?contact={world['a'].pk}"
    assert f'href="{add}"' in page and "登记请求" in page

    form = client.get(add).context["adminform"].form
    assert form.initial["contact"] == str(world["a"].pk)

    client.force_login(specialist)
    page = client.get(reverse("admin:customers_customer_change", args=[world["first"].pk])).content.decode()
    assert "privacyrequest/add" not in page


def test_the_back_office_shows_a_clear_message_for_a_request_without_a_person(client, supervisor):
    client.force_login(supervisor)

    response = client.post(reverse("admin:customers_privacyrequest_add"), {
        "kind": "access", "requested_via": "phone", "received_at_0": "2026-11-20", "received_at_1": "10:00:00",
    })

    assert response.status_code == 200
    assert "请选择联系人，或填写请求人的电话或邮箱" in response.content.decode()
    assert not PrivacyRequest.objects.exists()


def test_the_list_filters_overdue_requests(client, supervisor, world):
    late = _request(supervisor, "access", contact=world["a"], received_at=timezone.now() - datetime.timedelta(days=40))
    fresh = _request(supervisor, "access", contact=world["b"])
    client.force_login(supervisor)

    response = client.get(CHANGELIST, {"overdue": "1"})

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [late] and fresh not in shown
    assert "已超期" in response.content.decode()


def test_the_list_finds_a_request_by_the_persons_phone(client, supervisor, world):
    request = _request(supervisor, "erasure", subject_phone="139 1234 5678")
    client.force_login(supervisor)

    response = client.get(CHANGELIST, {"q": PHONE})

    assert list(response.context["cl"].result_list) == [request]


def test_the_copy_downloads_from_the_request_page(client, supervisor, world):
    request = _request(supervisor, "access", contact=world["a"])
    client.force_login(supervisor)

    page = client.get(reverse("admin:customers_privacyrequest_change", args=[request.pk]))
    response = client.get(reverse("admin:customers_privacyrequest_export_copy", args=[request.pk]))

    assert page.status_code == 200 and "导出个人信息副本" in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert PHONE in _workbook_text(response.content)["联系人"]


def test_anonymisation_from_the_back_office_needs_a_confirmation(client, supervisor, world):
    request = _request(supervisor, "erasure", contact=world["a"])
    client.force_login(supervisor)
    url = reverse("admin:customers_privacyrequest_anonymise", args=[request.pk])

    page = client.get(url)
    unconfirmed = client.post(url, {})
    confirmed = client.post(url, {"confirm": "on"})

    assert page.status_code == 200 and "将被匿名化的记录" in page.content.decode()
    assert unconfirmed.status_code == 200 and "请勾选确认" in unconfirmed.content.decode()
    assert confirmed.status_code == 302
    assert Contact.objects.get(pk=world["a"].pk).name == privacy.ANONYMISED


def test_a_refused_anonymisation_shows_its_reason_on_the_page(client, supervisor, world):
    _order(world["first"], name=NAME, phone=PHONE, state="packed")
    request = _request(supervisor, "erasure", contact=world["a"])
    client.force_login(supervisor)

    response = client.post(reverse("admin:customers_privacyrequest_anonymise", args=[request.pk]), {"confirm": "on"})

    assert response.status_code == 200
    assert "尚未送达的出库单" in response.content.decode()
    assert Contact.objects.get(pk=world["a"].pk).name == NAME


def test_specialists_and_keepers_do_not_see_the_requests(client, specialist, keeper, supervisor, world):
    request = _request(supervisor, "erasure", contact=world["a"])
    for user in (specialist, keeper):
        client.force_login(user)
        assert client.get(CHANGELIST).status_code == 403
        response = client.post(reverse("admin:customers_privacyrequest_anonymise", args=[request.pk]),
                               {"confirm": "on"})
        assert response.status_code in (302, 403, 404)
    assert Contact.objects.get(pk=world["a"].pk).name == NAME


def test_open_requests_are_on_the_supervisors_work_list_overdue_first(supervisor, specialist, world):
    from depot.core import worklist

    late = _request(supervisor, "erasure", contact=world["a"], received_at=timezone.now() - datetime.timedelta(days=31))
    fresh = _request(supervisor, "access", contact=world["b"])
    done = _request(supervisor, "access", subject_phone=OTHER_PHONE)
    privacy.privacy_request_refuse(actor=supervisor, request=done, reason="无法核实身份")

    tasks = [t for t in worklist.collect(user=supervisor) if t.kind == "个人信息请求"]

    assert [t.title for t in tasks] == [f"{late} 删除", f"{fresh} 查阅复制"]
    assert tasks[0].overdue and not tasks[1].overdue
    assert NAME not in tasks[0].title
    assert not [t for t in worklist.collect(user=specialist) if t.kind == "个人信息请求"]


def test_the_request_page_offers_only_the_steps_that_still_apply(client, supervisor, world):
    request = _request(supervisor, "erasure", contact=world["a"])
    client.force_login(supervisor)
    page = reverse("admin:customers_privacyrequest_change", args=[request.pk])

    before = client.get(page).content.decode()
    privacy.privacy_request_anonymise(actor=supervisor, request=request)
    after = client.get(page).content.decode()

    assert "执行匿名化" in before and "拒绝请求" in before and "导出个人信息副本" not in before
    assert "执行匿名化" not in after and "拒绝请求" not in after
    assert "已完成" in after


def test_after_anonymisation_the_back_office_searches_find_nothing_of_the_person(client, supervisor, world):
    privacy.privacy_request_anonymise(actor=supervisor, request=_request(supervisor, "erasure", contact=world["a"]))
    client.force_login(supervisor)

    customers = client.get(reverse("admin:customers_customer_changelist"), {"q": PHONE})
    orders = client.get(reverse("admin:orders_outboundorder_changelist"), {"q": NAME})
    other = client.get(reverse("admin:orders_outboundorder_changelist"), {"q": OTHER_NAME})

    assert list(customers.context["cl"].result_list) == []
    assert list(orders.context["cl"].result_list) == []
    assert list(other.context["cl"].result_list) == [world["orders"][2]]
