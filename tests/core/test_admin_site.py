"""The back office as a whole: the landing page per role, users and roles, the audit log."""

import pytest
from django.urls import reverse

from depot.core import roles
from depot.core.models import AuditEntry

INDEX = reverse("admin:index")
AUDIT_LIST = reverse("admin:core_auditentry_changelist")


def section(response, title):
    return next(s for s in response.context["depot_sections"] if s["title"] == title)


def card(response, label):
    return next(c["value"] for c in section(response, "客户档案")["cards"] if c["label"] == label)


ALL_ROLES = [roles.CS_SPECIALIST, roles.WAREHOUSE_KEEPER, roles.CS_SUPERVISOR, roles.ADMIN]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_landing_page_renders_in_chinese_for_every_role(client, make_user, role):
    client.force_login(make_user(role))

    response = client.get(INDEX)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans"' in page
    assert "客户档案" in page
    assert "最近更新的客户" in page


def test_a_specialist_sees_the_numbers_of_their_own_customers(client, specialist, other_specialist,
                                                              make_customer):
    mine = make_customer(specialist, name="华盛达物流有限公司")
    make_customer(other_specialist, name="上海明珠食品有限公司")
    client.force_login(specialist)

    response = client.get(INDEX)

    assert card(response, "我的客户") == 1
    assert card(response, "潜在客户") == 1
    assert card(response, "本月新增") == 1
    grades = {i["label"]: i["value"] for i in section(response, "客户档案")["breakdowns"][0]["items"]}
    assert grades == {"VIP": 0, "A级": 0, "B级": 0, "C级": 1}
    page = response.content.decode()
    assert reverse("admin:customers_customer_change", args=[mine.pk]) in page
    assert "上海明珠食品有限公司" not in page


def test_a_supervisor_sees_every_customer_on_the_landing_page(client, supervisor, specialist,
                                                              other_specialist, make_customer):
    make_customer(specialist)
    make_customer(other_specialist)
    client.force_login(supervisor)

    assert card(client.get(INDEX), "客户总数") == 2


def test_the_user_list_shows_each_users_role_in_chinese(client, admin_user, specialist, keeper):
    client.force_login(admin_user)

    page = client.get(reverse("admin:auth_user_changelist")).content.decode()

    assert "客户服务专员" in page
    assert "仓库管理员" in page


def test_the_role_list_shows_the_chinese_role_names(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("admin:auth_group_changelist")).content.decode()

    assert "客户服务主管" in page


def test_the_audit_log_lists_filters_and_searches_entries(client, supervisor, make_customer):
    customer = make_customer(supervisor, name="华盛达物流有限公司", short_name="华盛达")
    make_customer(supervisor, name="上海明珠食品有限公司", short_name="明珠")
    client.force_login(supervisor)

    created = client.get(AUDIT_LIST, {"action": "create"})
    searched = client.get(AUDIT_LIST, {"q": "华盛达"})

    assert created.context["cl"].result_count == 2
    assert [e.object_id for e in searched.context["cl"].result_list] == [str(customer.pk)]
    assert "创建" in searched.content.decode()


def test_the_audit_log_cannot_be_added_to_changed_or_deleted(client, supervisor, make_customer):
    make_customer(supervisor)
    entry = AuditEntry.objects.get()
    change = reverse("admin:core_auditentry_change", args=[entry.pk])
    delete = reverse("admin:core_auditentry_delete", args=[entry.pk])
    client.force_login(supervisor)

    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert client.post(change, {"note": "x"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get().note == ""


def test_a_specialist_cannot_open_the_audit_log(client, specialist):
    client.force_login(specialist)

    assert client.get(AUDIT_LIST).status_code == 403
