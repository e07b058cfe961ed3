"""A mistyped password five times over, in a real browser: the back office and the portal each
answer with their own Chinese lockout page."""

import pytest

from depot.core import roles
from depot.core.accounts import user_create
from depot.customers.services import customer_create
from depot.portal.services import portal_account_create

pytestmark = pytest.mark.django_db(transaction=True)


def _mistype(page, path, username, submit, times=5):
    for _ in range(times):
        page.goto(page.base_url + path)
        page.fill("#id_username", username)
        page.fill("#id_password", "wrong-password")
        page.click(submit)


def test_a_staff_member_who_mistypes_five_times_sees_the_back_office_lockout_page(page):
    user_create(username="kefu", password="depot2026", role=roles.CS_SPECIALIST, check_password=False)

    _mistype(page, "/admin/login/", "kefu", "#login-form button[type=submit]")

    text = page.inner_text("#lockout")
    assert "连续 5 次密码错误" in text and "客服主管或系统管理员" in text
    page.click("text=返回登录页")
    page.fill("#id_username", "kefu")
    page.fill("#id_password", "depot2026")
    page.click("#login-form button[type=submit]")
    assert "请在 15 分钟后" in page.inner_text("#lockout")


def test_a_customer_who_mistypes_five_times_sees_the_portal_lockout_page(page):
    cs = user_create(username="kefu", password="depot2026", role=roles.CS_SPECIALIST, check_password=False)
    customer = customer_create(actor=cs, data={"name": "华东食品贸易有限公司", "short_name": "华东食品",
                                                "credit_code": "91310000MA1FL4TT4E"},
                               contacts=[{"name": "陈经理", "phone": "13900001234", "is_primary": True}])
    portal_account_create(actor=cs, customer=customer, username="chen.hd", name="陈经理", password="Kehu-2026-x")

    _mistype(page, "/portal/login/", "chen.hd", "#login-submit")

    assert "已暂时锁定" in page.inner_text("#lockout")
    assert page.locator("link[href*='portal.css']").count() == 1
