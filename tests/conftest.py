"""Shared fixtures: users with roles and small factories that go through the services."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from depot.core import roles
from depot.core.accounts import user_create

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher costs ~0.3 s per user on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _local_webhook_receivers(settings):
    # The tests' webhook receivers listen on 127.0.0.1; tests of the refusal switch this off.
    settings.DEPOT_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def make_user(db):
    def make(role: str, username: str | None = None, password: str = "Depot-test-2026"):
        return user_create(username=username or f"{role}{next(_seq)}", password=password, role=role,
                           check_password=False)

    return make


@pytest.fixture
def specialist(make_user):
    return make_user(roles.CS_SPECIALIST, "zhang.cs")


@pytest.fixture
def other_specialist(make_user):
    return make_user(roles.CS_SPECIALIST, "li.cs")


@pytest.fixture
def supervisor(make_user):
    return make_user(roles.CS_SUPERVISOR, "wang.sup")


@pytest.fixture
def keeper(make_user):
    return make_user(roles.WAREHOUSE_KEEPER, "zhao.wh")


@pytest.fixture
def admin_user(make_user):
    return make_user(roles.ADMIN, "sys.admin")


VALID_CREDIT_CODES = [
    "91110000600037341L", "91310000MA1FL4TT4E", "91440300MA5EWBPQ6T", "91330100MA2GKHXU2N",
]


def uscc_with_check_digit(body17: str) -> str:
    from stdnum.cn import uscc

    return body17 + uscc.calc_check_digit(body17)


@pytest.fixture
def make_customer(db):
    from depot.customers.services import customer_create

    def make(actor, *, name=None, contacts=None, confirm_similar=True, **data):
        n = next(_seq)
        data.setdefault("credit_code", uscc_with_check_digit(f"9131000{n:010d}"))
        return customer_create(
            actor=actor,
            data={"name": name or f"测试客户{n}号商贸有限公司", "short_name": data.pop("short_name", f"测试{n}"),
                  **data},
            contacts=contacts if contacts is not None else [
                {"name": "陈经理", "phone": f"1390000{n:04d}", "email": f"chen{n}@example.cn", "is_primary": True}
            ],
            confirm_similar=confirm_similar,
        )

    return make


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data set, loaded once per test module and rolled back after it: {username: user}."""
    from depot.demo import demo_load

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        demo_load()
        yield {u.username: u for u in get_user_model().objects.all()}
        transaction.set_rollback(True)
