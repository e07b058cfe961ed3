"""A CS specialist's first steps in the Chinese back office, in a real browser."""

import re

import pytest
from stdnum.cn import uscc

from depot.core import roles
from depot.core.accounts import user_create
from depot.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)


def _login(page, username, password):
    page.goto(page.base_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def test_a_specialist_logs_in_and_creates_a_customer_with_a_contact_in_chinese(page):
    specialist = user_create(username="kefu", password="depot2026", role=roles.CS_SPECIALIST,
                             check_password=False)
    code = "91310115MA1K4" + "0001"
    code += uscc.calc_check_digit(code)

    _login(page, "kefu", "depot2026")
    assert "工作台" in page.content()

    page.goto(page.base_url + "/admin/customers/customer/add/")
    page.fill("#id_name", "上海华盛达物流有限公司")
    page.fill("#id_short_name", "华盛达物流")
    page.fill("#id_credit_code", code)
    page.fill("#id_contacts-0-name", "陈经理")
    page.fill("#id_contacts-0-phone", "139 0000 1234")
    page.fill("#id_contacts-0-email", "chen@huashengda.cn")
    page.click("button[name=_save]")

    page.wait_for_url(re.compile(r"/admin/customers/customer/$"))
    assert "成功" in page.content()
    customer = Customer.objects.get(credit_code=code)
    assert customer.owner == specialist
    assert customer.contacts.get().phone == "13900001234"

    page.fill("input[name=q]", "hsd")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_role("link", name=customer.code).first.click()
    page.wait_for_load_state()
    assert "变更历史" in page.content()
    assert "陈经理" in page.content()
