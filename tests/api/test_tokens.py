"""Tokens: created by CS for a customer of theirs or by staff for themselves, stored hashed,
refused when unknown, expired or revoked, limited to their scopes."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from depot.api import services
from depot.api.auth import PRINCIPAL_TTL, principals
from depot.api.models import ApiToken, ServiceAccount
from depot.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.core.models import AuditEntry
from tests.api.conftest import problem


def test_a_customer_token_is_stored_only_as_its_hash_with_a_visible_prefix(specialist, customer):
    token, raw = services.token_create(actor=specialist, name="WMS对接", scopes=["stock:read"], customer=customer)

    assert raw.startswith("dpt_") and len(raw) > 40
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and len(token.prefix) == 12
    assert not ApiToken.objects.filter(name__contains=raw[4:]).exists()
    assert raw not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_a_customer_token_acts_as_a_technical_user_that_cannot_log_in(specialist, customer):
    services.token_create(actor=specialist, name="A", scopes=["stock:read"], customer=customer)
    services.token_create(actor=specialist, name="B", scopes=["stock:read"], customer=customer)

    account = ServiceAccount.objects.get(customer=customer)
    assert account.user.username == f"api-{customer.code}"
    assert not account.user.has_usable_password() and not account.user.is_staff
    assert ServiceAccount.objects.count() == 1


def test_a_specialist_cannot_create_a_token_for_another_specialists_customer(specialist, rival):
    with pytest.raises(NotFound):
        services.token_create(actor=specialist, name="x", scopes=["stock:read"], customer=rival)
    assert not ApiToken.objects.exists()
    assert not ServiceAccount.objects.exists()


def test_staff_create_personal_tokens_only_for_themselves(specialist, other_specialist):
    token, _raw = services.token_create(actor=specialist, name="脚本", scopes=["orders:read"], user=specialist)
    assert token.user == specialist

    with pytest.raises(PermissionDenied):
        services.token_create(actor=specialist, name="脚本", scopes=["orders:read"], user=other_specialist)
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("kwargs, field", [
    ({"name": " "}, "name"),
    ({"scopes": []}, "scopes"),
    ({"scopes": ["stock:write"]}, "scopes"),
    ({"expires_at": timezone.now() - datetime.timedelta(minutes=1)}, "expires_at"),
    ({"rate_limit": 0}, "rate_limit"),
])
def test_a_token_with_bad_settings_is_refused(specialist, customer, kwargs, field):
    args = {"name": "WMS", "scopes": ["stock:read"], "customer": customer, **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        services.token_create(actor=specialist, **args)
    assert field in exc.value.details
    assert not ApiToken.objects.exists()


def test_revoking_is_audited_and_cannot_be_done_twice(specialist, customer):
    token, _raw = services.token_create(actor=specialist, name="WMS", scopes=["stock:read"], customer=customer)
    services.token_revoke(actor=specialist, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == specialist
    assert AuditEntry.objects.filter(object_id=str(token.pk), action="update").exists()

    with pytest.raises(IllegalTransition):
        services.token_revoke(actor=specialist, token=token)


def test_a_specialist_cannot_revoke_the_token_of_another_specialists_customer(
        specialist, other_specialist, rival, supervisor):
    token, _raw = services.token_create(actor=other_specialist, name="WMS", scopes=["stock:read"], customer=rival)
    with pytest.raises(NotFound):
        services.token_revoke(actor=specialist, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None

    services.token_revoke(actor=supervisor, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None


# ---- through the API ----------------------------------------------------------------------

def test_a_request_without_a_token_gets_401_with_a_bearer_challenge(as_token, customer):
    response = as_token(None).get("/stock")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="depot"'
    assert problem(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer dpt_nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "dpt_x"])
def test_an_unknown_or_malformed_token_gets_401(client, customer, header):
    response = client.get("/api/v1/stock", headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_gets_401(as_token, make_token, customer):
    raw = make_token(customer=customer, expires_at=timezone.now() + datetime.timedelta(seconds=30))
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = as_token(raw).get("/stock")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert "过期" in problem(response)["detail"]


def test_a_revoked_token_gets_401_at_once(as_token, make_token, customer, specialist):
    raw = make_token(customer=customer)
    assert as_token(raw).get("/stock").status_code == 200

    services.token_revoke(actor=specialist, token=ApiToken.objects.get())
    response = as_token(raw).get("/stock")
    assert response.status_code == 401
    assert "吊销" in problem(response)["detail"]


def test_a_reading_request_may_use_the_principal_looked_up_a_few_seconds_ago(as_token, make_token, customer,
                                                                             monkeypatch):
    """Revoked in another process (here: without the model's save): reads go on for at most
    PRINCIPAL_TTL, writes are refused at once."""
    raw = make_token(customer=customer)
    assert as_token(raw).get("/stock").status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())

    assert as_token(raw).get("/stock").status_code == 200
    assert as_token(raw).post("/outbound-orders", {}).status_code == 401
    later = principals.clock() + PRINCIPAL_TTL + 1
    monkeypatch.setattr(principals, "clock", lambda: later)
    response = as_token(raw).get("/stock")
    assert response.status_code == 401 and "吊销" in problem(response)["detail"]


def test_a_cached_principal_still_expires_on_time(as_token, make_token, customer, monkeypatch):
    expires = timezone.now() + datetime.timedelta(seconds=30)
    raw = make_token(customer=customer, expires_at=expires)
    assert as_token(raw).get("/stock").status_code == 200

    monkeypatch.setattr(timezone, "now", lambda: expires + datetime.timedelta(seconds=1))
    response = as_token(raw).get("/stock")
    assert response.status_code == 401 and "过期" in problem(response)["detail"]


def test_the_token_of_a_deactivated_staff_member_gets_401(as_token, make_token, specialist):
    raw = make_token(user=specialist)
    specialist.is_active = False
    specialist.save()
    assert as_token(raw).get("/outbound-orders").status_code == 401


def test_a_token_without_the_scope_gets_403_naming_the_scope(as_token, make_token, customer):
    raw = make_token(customer=customer, scopes=["orders:read"])
    response = as_token(raw).get("/stock")
    assert response.status_code == 403
    body = problem(response)
    assert body["code"] == "insufficient_scope" and "stock:read" in body["detail"]
    assert 'scope="stock:read"' in response["WWW-Authenticate"]


def test_a_write_without_the_write_scope_is_refused_before_the_body_is_read(as_token, make_token, customer):
    raw = make_token(customer=customer, scopes=["orders:read"])
    response = as_token(raw).post("/outbound-orders", raw_body="{not json")
    assert response.status_code == 403


def test_last_used_is_recorded_at_most_once_a_minute(as_token, customer_token, monkeypatch):
    api = as_token(customer_token)
    api.get("/items")
    first = ApiToken.objects.get().last_used_at
    assert first is not None

    api.get("/items")
    assert ApiToken.objects.get().last_used_at == first

    monkeypatch.setattr(timezone, "now", lambda: first + datetime.timedelta(minutes=2))
    api.get("/items")
    assert ApiToken.objects.get().last_used_at > first


ENDPOINTS = [
    ("get", "/items", "items:read"), ("get", "/stock", "stock:read"),
    ("get", "/outbound-orders", "orders:read"), ("get", "/outbound-orders/CK1", "orders:read"),
    ("get", "/outbound-orders/CK1/events", "orders:read"), ("post", "/outbound-orders", "orders:write"),
    ("post", "/outbound-orders/CK1/cancel", "orders:write"),
    ("get", "/inbound-orders", "orders:read"), ("get", "/inbound-orders/RK1", "orders:read"),
    ("get", "/inbound-orders/RK1/events", "orders:read"), ("post", "/inbound-orders", "orders:write"),
]


@pytest.mark.parametrize("method, path, scope", ENDPOINTS)
def test_every_endpoint_needs_a_token(as_token, customer, method, path, scope):
    response = getattr(as_token(None), method)(path)
    assert response.status_code == 401
    problem(response)


@pytest.mark.parametrize("method, path, scope", ENDPOINTS)
def test_every_endpoint_needs_its_scope(as_token, make_token, customer, method, path, scope):
    others = [s for s in ("items:read", "stock:read", "orders:read", "orders:write") if s != scope]
    response = getattr(as_token(make_token(customer=customer, scopes=others)), method)(path)
    assert response.status_code == 403
    assert scope in problem(response)["detail"]


def test_a_keeper_makes_personal_tokens_but_none_for_customers(keeper, customer, specialist, make_token):
    token, _raw = services.token_create(actor=keeper, name="盘点脚本", scopes=["stock:read"], user=keeper)
    assert token.user == keeper
    with pytest.raises(NotFound):
        services.token_create(actor=keeper, name="x", scopes=["stock:read"], customer=customer)
    make_token(customer=customer, actor=specialist)
    customer_token = ApiToken.objects.get(customer=customer)
    with pytest.raises(NotFound):
        services.token_revoke(actor=keeper, token=customer_token)
