"""Login throttling: five wrong passwords for one username from one address lock that login for
15 minutes, in the back office and in the portal; supervisors see and lift lockouts."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from depot.core import login_throttle, roles
from depot.core.errors import NotFound, PermissionDenied
from depot.core.models import AuditEntry
from depot.portal.services import portal_account_create

PASSWORD = "Depot-test-2026"
ADMIN_LOGIN = "/admin/login/"
PORTAL_LOGIN = "/portal/login/"
ATTEMPTS = reverse("admin:axes_accessattempt_changelist")
ENGLISH = ("Account locked", "too many login attempts", "Traceback", "Forbidden")


def admin_login(client, username, password, ip="10.0.0.8"):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=ip)


def portal_login(client, username, password, ip="10.0.0.8"):
    return client.post(PORTAL_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def lock_out(client, username, login=admin_login, ip="10.0.0.8"):
    responses = [login(client, username, "wrong-password", ip=ip) for _ in range(5)]
    return responses[-1]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def portal_user(make_customer, specialist):
    customer = make_customer(specialist, name="华东食品贸易有限公司", short_name="华东食品")
    return portal_account_create(actor=specialist, customer=customer, username="chen.hd", name="陈经理",
                                 password=PASSWORD).user


# ---- the back office ---------------------------------------------------------------------------

def test_four_wrong_passwords_only_show_the_login_form_again(client, specialist):
    for _ in range(4):
        response = admin_login(client, specialist.username, "wrong-password")
        assert response.status_code == 200
        assert "login-form" in response.content.decode()


def test_the_fifth_wrong_password_locks_the_user_out_of_the_back_office_with_a_chinese_page(client, specialist):
    response = lock_out(client, specialist.username)

    assert response.status_code == 429
    page = response.content.decode()
    assert "已暂时锁定" in page and "连续 5 次密码错误" in page
    assert "请在 15 分钟后" in page
    assert "客服主管或系统管理员" in page
    assert "Depot 仓储客户服务" in page and "unfold" in page  # the back office's look
    assert "portal.css" not in page
    assert not any(word in page for word in ENGLISH)


def test_the_right_password_during_the_lockout_is_refused_and_logs_nobody_in(client, specialist):
    lock_out(client, specialist.username)

    response = admin_login(client, specialist.username, PASSWORD)

    assert response.status_code == 429
    assert "已暂时锁定" in response.content.decode()
    assert not logged_in(client)
    assert not AccessLog.objects.filter(username=specialist.username).exists()


def test_retrying_during_the_lockout_does_not_extend_it(client, specialist):
    lock_out(client, specialist.username)
    locked_at = AccessAttempt.objects.get(username=specialist.username).attempt_time

    admin_login(client, specialist.username, "wrong-again")

    attempt = AccessAttempt.objects.get(username=specialist.username)
    assert attempt.attempt_time == locked_at and attempt.failures_since_start == 5


def test_a_colleague_behind_the_same_address_can_still_log_in(client, specialist, other_specialist):
    lock_out(client, specialist.username)

    response = admin_login(client, other_specialist.username, PASSWORD)

    assert response.status_code == 302 and logged_in(client)


def test_the_locked_user_can_still_log_in_from_another_address(client, specialist):
    lock_out(client, specialist.username, ip="203.0.113.9")

    response = admin_login(client, specialist.username, PASSWORD, ip="10.0.0.8")

    assert response.status_code == 302 and logged_in(client)


def test_after_the_cool_off_the_user_logs_in_again(client, specialist):
    lock_out(client, specialist.username)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=16))

    response = admin_login(client, specialist.username, PASSWORD)

    assert response.status_code == 302 and logged_in(client)


def test_the_lockout_page_counts_down_the_minutes_left(client, specialist):
    lock_out(client, specialist.username)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=10))

    page = admin_login(client, specialist.username, PASSWORD).content.decode()

    assert "请在 5 分钟后" in page


def test_a_successful_login_resets_the_count(client, specialist):
    for _ in range(4):
        admin_login(client, specialist.username, "wrong-password")
    assert admin_login(client, specialist.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=specialist.username).exists()
    client.logout()

    for _ in range(4):
        response = admin_login(client, specialist.username, "wrong-password")

    assert response.status_code == 200


def test_every_failure_is_kept_in_the_failure_log(client, specialist):
    lock_out(client, specialist.username)

    failures = AccessFailureLog.objects.filter(username=specialist.username)
    assert failures.count() == 5 and failures.filter(locked_out=True).count() == 1


# ---- the portal --------------------------------------------------------------------------------

def test_five_wrong_passwords_lock_a_portal_user_out_with_the_portal_look(client, portal_user):
    response = lock_out(client, portal_user.username, login=portal_login)

    assert response.status_code == 429
    page = response.content.decode()
    assert "已暂时锁定" in page and "请在 15 分钟后" in page
    assert "客服专员" in page
    assert "portal/portal.css" in page and "unfold" not in page
    assert not any(word in page for word in ENGLISH)


def test_the_right_portal_password_during_the_lockout_is_refused(client, portal_user):
    lock_out(client, portal_user.username, login=portal_login)

    response = portal_login(client, portal_user.username, PASSWORD)

    assert response.status_code == 429 and not logged_in(client)


def test_the_portal_does_not_reveal_a_locked_staff_password(client, specialist):
    # Unlocked, the portal tells staff with the right password to use the back office; locked, it
    # must not say anything that tells a right password from a wrong one.
    lock_out(client, specialist.username, login=portal_login)

    response = portal_login(client, specialist.username, PASSWORD)

    assert response.status_code == 429
    assert "员工账号请从管理后台登录" not in response.content.decode()


def test_spaces_around_the_username_do_not_get_round_the_portal_lockout(client, specialist):
    lock_out(client, specialist.username, login=portal_login)

    response = portal_login(client, f" {specialist.username} ", PASSWORD)

    assert response.status_code == 429
    assert "员工账号请从管理后台登录" not in response.content.decode()


def test_a_portal_login_resets_the_count(client, portal_user):
    for _ in range(4):
        portal_login(client, portal_user.username, "wrong-password")

    assert portal_login(client, portal_user.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


# ---- supervisors see and lift lockouts ---------------------------------------------------------

def test_a_supervisor_sees_the_lockout_in_chinese(client, specialist, supervisor):
    lock_out(client, specialist.username)
    client.force_login(supervisor)

    response = client.get(ATTEMPTS)

    page = response.content.decode()
    assert response.status_code == 200
    assert specialist.username in page and "10.0.0.8" in page
    assert "已锁定" in page and "管理后台" in page and "连续失败次数" in page
    assert "登录锁定" in page  # the sidebar entry
    assert specialist.username in client.get(ATTEMPTS, {"locked": "yes"}).content.decode()
    assert specialist.username not in client.get(ATTEMPTS, {"locked": "no"}).content.decode()
    detail = client.get(reverse("admin:axes_accessattempt_change", args=[AccessAttempt.objects.get().pk]))
    assert detail.status_code == 200 and "解除锁定" in detail.content.decode()


def test_a_supervisor_unlocks_a_user_from_the_list_and_it_is_audited(client, specialist, supervisor):
    lock_out(client, specialist.username)
    attempt = AccessAttempt.objects.get()
    client.force_login(supervisor)

    response = client.post(ATTEMPTS, {"action": "unlock_selected", "_selected_action": [attempt.pk]}, follow=True)

    assert "已解除 1 条登录锁定" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action=login_throttle.ACTION_UNLOCK)
    assert entry.actor == supervisor and entry.object_id == str(attempt.pk)
    assert entry.object_repr == f"{specialist.username} @ 10.0.0.8"
    assert entry.changes["failures_since_start"] == [5, None]
    client.logout()
    assert admin_login(client, specialist.username, PASSWORD).status_code == 302


def test_a_supervisor_unlocks_a_user_from_the_detail_page_after_confirming(client, specialist, supervisor):
    lock_out(client, specialist.username)
    attempt = AccessAttempt.objects.get()
    client.force_login(supervisor)
    url = reverse("admin:axes_accessattempt_unlock_detail", args=[attempt.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200 and "失败次数将清零" in confirm.content.decode()
    assert AccessAttempt.objects.exists()

    client.post(url)

    assert not AccessAttempt.objects.exists()
    assert AuditEntry.objects.filter(action=login_throttle.ACTION_UNLOCK, actor=supervisor).count() == 1


def test_the_audit_trail_names_the_unlock_in_chinese(client, specialist, supervisor):
    lock_out(client, specialist.username)
    login_throttle.login_unlock(actor=supervisor, attempt_ids=[AccessAttempt.objects.get().pk])
    client.force_login(supervisor)

    page = client.get(reverse("admin:core_auditentry_changelist")).content.decode()

    assert "解除登录锁定" in page


@pytest.mark.parametrize("role", [roles.CS_SPECIALIST, roles.WAREHOUSE_KEEPER])
def test_other_staff_cannot_see_the_login_records(client, make_user, role):
    client.force_login(make_user(role))

    for name in ("axes_accessattempt", "axes_accessfailurelog", "axes_accesslog"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403
    assert "登录锁定" not in client.get(reverse("admin:index")).content.decode()


def test_a_specialist_cannot_unlock_and_nothing_changes(client, specialist, other_specialist):
    lock_out(client, other_specialist.username)
    attempt = AccessAttempt.objects.get()

    with pytest.raises(PermissionDenied):
        login_throttle.login_unlock(actor=specialist, attempt_ids=[attempt.pk])

    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert not AuditEntry.objects.filter(action=login_throttle.ACTION_UNLOCK).exists()


def test_unlocking_a_record_that_is_gone_says_so(supervisor):
    with pytest.raises(NotFound, match="已不存在"):
        login_throttle.login_unlock(actor=supervisor, attempt_ids=[987654])


def test_the_failure_log_and_the_login_log_open_for_an_administrator(client, specialist, admin_user):
    lock_out(client, specialist.username)
    client.force_login(admin_user)

    today = timezone.localdate().isoformat()
    failures = client.get(reverse("admin:axes_accessfailurelog_changelist"),
                          {"attempt_time_from": today, "attempt_time_to": today, "locked": "yes"})
    logins = client.get(reverse("admin:axes_accesslog_changelist"))

    assert failures.status_code == 200 and specialist.username in failures.content.decode()
    assert failures.context["cl"].result_count == 1
    assert "登录失败记录" in failures.content.decode()
    assert logins.status_code == 200 and "登录时间" in logins.content.decode()


# ---- the client's address ----------------------------------------------------------------------

def _request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/admin/login/", **extra)


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(settings):
    settings.DEPOT_TRUSTED_PROXY_COUNT = 0

    assert login_throttle.client_ip(_request(forwarded="198.51.100.7")) == "10.0.0.1"


def test_behind_one_trusted_proxy_the_address_it_saw_counts(settings):
    settings.DEPOT_TRUSTED_PROXY_COUNT = 1

    # The client wrote the left entry itself; only the one our proxy appended is believed.
    assert login_throttle.client_ip(_request(forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_behind_two_trusted_proxies_the_outer_ones_entry_counts(settings):
    settings.DEPOT_TRUSTED_PROXY_COUNT = 2

    assert login_throttle.client_ip(_request(forwarded="1.2.3.4, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"


def test_a_missing_or_malformed_forwarded_address_falls_back_to_the_connection(settings):
    settings.DEPOT_TRUSTED_PROXY_COUNT = 1

    assert login_throttle.client_ip(_request()) == "10.0.0.1"
    assert login_throttle.client_ip(_request(forwarded="not-an-address")) == "10.0.0.1"


def test_a_trusted_proxy_lets_users_behind_it_be_told_apart(client, settings, specialist):
    settings.DEPOT_TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(ADMIN_LOGIN, {"username": specialist.username, "password": "wrong"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.50")

    response = client.post(ADMIN_LOGIN, {"username": specialist.username, "password": PASSWORD, "next": "/admin/"},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1")

    assert response.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.50"
