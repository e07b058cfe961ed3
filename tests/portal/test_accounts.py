"""Portal logins: CS creates them for their own customers, deactivates them and resets passwords;
the portal's login lets in only enabled portal accounts."""

import pytest
from django.contrib.auth import get_user_model

from depot.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.core.models import AuditEntry
from depot.customers.selectors import customer_list
from depot.portal.models import PortalAccount
from depot.portal.services import (
    PORTAL_GROUP,
    portal_account_create,
    portal_account_set_active,
    portal_password_reset,
)
from tests.portal.conftest import PASSWORD

User = get_user_model()


def login(client, username, password=PASSWORD):
    return client.post("/portal/login/", {"username": username, "password": password})


def test_a_specialist_creates_a_portal_login_for_a_customer_of_theirs(specialist, customer):
    account = portal_account_create(actor=specialist, customer=customer, username="chen.hd", name="陈经理",
                                    title="采购主管", password=PASSWORD)

    user = account.user
    assert account.customer == customer and account.created_by == specialist
    assert not user.is_staff and not user.is_superuser and user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [PORTAL_GROUP]
    assert user.has_perm("orders.add_outboundorder") and not user.has_perm("customers.view_all_customers")
    assert AuditEntry.objects.filter(object_id=str(account.pk), action="create").exists()


def test_a_specialist_cannot_create_a_login_for_another_specialists_customer(specialist, rival):
    with pytest.raises(NotFound):
        portal_account_create(actor=specialist, customer=rival, username="x.user", name="某人", password=PASSWORD)
    assert not User.objects.filter(username="x.user").exists()


def test_a_supervisor_creates_logins_for_any_customer(supervisor, rival):
    account = portal_account_create(actor=supervisor, customer=rival, username="wu.xn", name="吴主管",
                                    password=PASSWORD)
    assert account.customer == rival


def test_a_keeper_may_not_create_portal_logins(keeper, customer):
    with pytest.raises(PermissionDenied):
        portal_account_create(actor=keeper, customer=customer, username="k.user", name="某人", password=PASSWORD)


def test_bad_input_is_refused_in_chinese_and_nothing_is_created(specialist, customer, portal_user):
    users = User.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        portal_account_create(actor=specialist, customer=customer, username="chen.hd", name="", password="123")
    details = exc.value.details
    assert "已被使用" in details["username"][0]
    assert details["name"] == ["请填写姓名"]
    assert details["password"]
    assert User.objects.count() == users and PortalAccount.objects.count() == 1


def test_a_portal_user_sees_only_its_own_customer(portal_user, customer, rival):
    assert list(customer_list(user=portal_user)) == [customer]


def test_a_deactivated_account_sees_no_customer_and_cannot_log_in(client, specialist, portal_user):
    account = portal_user.portal_account
    portal_account_set_active(actor=specialist, account=account, active=False)

    portal_user.refresh_from_db()
    assert not portal_user.is_active
    assert list(customer_list(user=portal_user)) == []
    response = login(client, "chen.hd")
    assert "该门户账号已停用，请联系您的客服专员" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivating_twice_is_refused(specialist, portal_user):
    account = portal_user.portal_account
    portal_account_set_active(actor=specialist, account=account, active=False)
    with pytest.raises(IllegalTransition):
        portal_account_set_active(actor=specialist, account=account, active=False)


def test_a_reactivated_account_logs_in_again(client, specialist, portal_user):
    account = portal_user.portal_account
    portal_account_set_active(actor=specialist, account=account, active=False)
    portal_account_set_active(actor=specialist, account=account, active=True)
    assert login(client, "chen.hd").status_code == 302


def test_a_specialist_resets_the_password_of_their_customers_login(client, specialist, portal_user):
    portal_password_reset(actor=specialist, account=portal_user.portal_account, password="Neues-Passwort-88")
    assert login(client, "chen.hd", "Neues-Passwort-88").status_code == 302


def test_a_weak_password_reset_is_refused_and_the_old_one_still_works(client, specialist, portal_user):
    with pytest.raises(ValidationFailed):
        portal_password_reset(actor=specialist, account=portal_user.portal_account, password="123")
    assert login(client, "chen.hd").status_code == 302


def test_another_specialist_cannot_reset_the_password(other_specialist, portal_user):
    with pytest.raises(NotFound):
        portal_password_reset(actor=other_specialist, account=portal_user.portal_account, password="Neues-Pw-2026x")


def test_a_portal_user_logs_in_and_lands_on_the_overview(client, portal_user, stocked):
    response = login(client, "chen.hd")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    portal_user.portal_account.refresh_from_db()
    assert portal_user.portal_account.last_login_at is not None


def test_the_portal_login_refuses_staff_with_a_clear_message(client, specialist):
    response = client.post("/portal/login/", {"username": specialist.username, "password": "Depot-test-2026"})
    assert "员工账号请从管理后台登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_nothing_about_the_account(client, specialist, portal_user):
    for username in ("chen.hd", specialist.username, "nobody"):
        response = client.post("/portal/login/", {"username": username, "password": "wrong-password"})
        assert "登录名或密码不正确" in response.content.decode()


def test_a_logged_in_staff_user_is_refused_by_the_portal_pages(client, supervisor, customer):
    client.force_login(supervisor)
    response = client.get("/portal/stock/")
    assert response.status_code == 403
    assert "客户门户仅供已开通门户账号的客户使用" in response.content.decode()


def test_a_portal_user_cannot_enter_the_back_office(portal, customer):
    response = portal.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_anonymous_visitor_is_sent_to_the_portal_login(client):
    response = client.get("/portal/orders/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/?next=")


def test_a_portal_user_changes_the_password(portal, portal_user):
    response = portal.post("/portal/password/", {"old_password": PASSWORD, "new_password1": "Mein-Neues-Pw-77",
                                                 "new_password2": "Mein-Neues-Pw-77"})
    assert response.status_code == 302
    portal_user.refresh_from_db()
    assert portal_user.check_password("Mein-Neues-Pw-77")


def test_a_portal_user_logs_out(portal):
    assert portal.post("/portal/logout/").status_code == 302
    assert portal.get("/portal/").status_code == 302


# ---- back office ----------------------------------------------------------------------------

def test_cs_creates_a_portal_login_in_the_back_office(client, specialist, customer):
    client.force_login(specialist)
    response = client.post("/admin/portal/portalaccount/add/", {
        "customer": customer.pk, "name": "陈经理", "title": "", "username": "chen.hd", "email": "",
        "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PortalAccount.objects.get().user.username == "chen.hd"


def test_a_weak_password_in_the_back_office_shows_the_reason_and_saves_nothing(client, specialist, customer):
    client.force_login(specialist)
    response = client.post("/admin/portal/portalaccount/add/", {
        "customer": customer.pk, "name": "陈经理", "username": "chen.hd", "password": "123"})
    assert response.status_code == 200
    assert not PortalAccount.objects.exists() and not User.objects.filter(username="chen.hd").exists()


def test_the_back_office_list_shows_only_the_specialists_customers(client, specialist, portal_user, rival_user):
    client.force_login(specialist)
    page = client.get("/admin/portal/portalaccount/").content.decode()
    assert "chen.hd" in page and "wu.xn" not in page


def test_cs_deactivates_and_resets_a_password_from_the_account_page(client, specialist, portal_user):
    account = portal_user.portal_account
    client.force_login(specialist)
    assert client.get(f"/admin/portal/portalaccount/{account.pk}/change/").status_code == 200
    response = client.post(f"/admin/portal/portalaccount/{account.pk}/reset-password/",
                           {"password": "Neues-Passwort-88", "confirm": "Neues-Passwort-88"})
    assert response.status_code == 302
    client.get(f"/admin/portal/portalaccount/{account.pk}/deactivate/")
    account.refresh_from_db()
    assert not account.is_active
    portal_user.refresh_from_db()
    assert portal_user.check_password("Neues-Passwort-88")
