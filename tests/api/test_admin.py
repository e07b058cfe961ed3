"""The back office of API tokens: CS creates a token for a customer of theirs, the raw token is
shown once; tokens are revoked, never edited."""

import hashlib
import re

from django.urls import reverse

from depot.api.models import ApiToken
from depot.core.navigation import sidebar


def add_url():
    return reverse("admin:api_apitoken_add")


def test_a_specialist_creates_a_customer_token_and_sees_it_once(client, specialist, customer):
    client.force_login(specialist)
    response = client.post(add_url(), {
        "name": "WMS对接", "kind": "customer", "customer": customer.pk, "scopes": ["stock:read", "orders:read"],
        "expires_at_0": "2099-01-01", "expires_at_1": "00:00:00", "rate_limit": "",
    })
    assert response.status_code == 200
    html = response.content.decode()
    [raw] = re.findall(r"dpt_[A-Za-z0-9_\-]{40,}", html)
    token = ApiToken.objects.get()
    assert token.customer == customer and token.scopes == ["orders:read", "stock:read"]
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert raw not in client.get(reverse("admin:api_apitoken_changelist")).content.decode()


def test_a_specialist_can_choose_only_their_own_customers(client, specialist, customer, rival):
    client.force_login(specialist)
    html = client.get(add_url()).content.decode()
    assert customer.code in html and rival.code not in html
    response = client.post(add_url(), {"name": "x", "kind": "customer", "customer": rival.pk,
                                       "scopes": ["stock:read"]})
    assert response.status_code == 200 and not ApiToken.objects.exists()


def test_a_staff_token_is_for_the_user_creating_it(client, keeper):
    client.force_login(keeper)
    response = client.post(add_url(), {"name": "盘点脚本", "kind": "staff", "scopes": ["stock:read"]})
    assert response.status_code == 200
    assert ApiToken.objects.get().user == keeper


def test_a_token_without_scopes_is_not_created(client, specialist, customer):
    client.force_login(specialist)
    response = client.post(add_url(), {"name": "x", "kind": "customer", "customer": customer.pk})
    assert response.status_code == 200 and not ApiToken.objects.exists()


def test_revoking_from_the_list(client, specialist, make_token, customer):
    make_token(customer=customer)
    client.force_login(specialist)
    token = ApiToken.objects.get()
    response = client.post(reverse("admin:api_apitoken_changelist"),
                           {"action": "revoke_selected", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == specialist


def test_revoking_from_the_token_page(client, specialist, make_token, customer):
    make_token(customer=customer)
    client.force_login(specialist)
    token = ApiToken.objects.get()
    url = reverse("admin:api_apitoken_revoke_detail", args=[token.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_specialist_does_not_see_the_tokens_of_another_specialists_customers(
        client, specialist, other_specialist, make_token, rival, supervisor):
    make_token(customer=rival, actor=other_specialist)
    token = ApiToken.objects.get()
    client.force_login(specialist)
    assert "WMS对接" not in client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    assert client.get(reverse("admin:api_apitoken_change", args=[token.pk])).status_code in (302, 404)
    client.force_login(supervisor)
    assert "WMS对接" in client.get(reverse("admin:api_apitoken_changelist")).content.decode()


def test_the_sidebar_lists_api_tokens_under_system(rf, specialist):
    request = rf.get("/admin/")
    request.user = specialist
    system = [g for g in sidebar(request) if str(g["title"]) == "系统"]
    titles = [str(i["title"]) for g in system for i in g["items"]]
    assert "API令牌" in titles and "API文档" in titles
