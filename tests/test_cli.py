import sys
import types

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from depot.cli import main
from depot.core import roles
from depot.core.audit import audit_verify
from depot.customers import selectors
from depot.customers.choices import ConsentPurpose, Grade, GradeSource, Status
from depot.customers.models import Consent, Contact, CreditChange, Customer, GradingRule
from depot.customers.validators import credit_code_problem

User = get_user_model()


def _run(capsys, *argv) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.django_db
def test_check_passes_on_a_migrated_database(capsys):
    code, out, _err = _run(capsys, "check")

    assert code == 0
    assert out.startswith("✓")


@pytest.mark.django_db
def test_check_with_audit_verifies_the_history(capsys, specialist, make_customer):
    make_customer(specialist)

    code, out, _err = _run(capsys, "check", "--audit")

    assert code == 0
    assert "变更历史完整" in out


@pytest.mark.django_db
def test_check_with_stock_reports_a_balance_that_disagrees_with_the_ledger(capsys, admin_user, specialist,
                                                                           make_customer):
    from depot.inventory import services as stock
    from depot.inventory.models import Balance
    from tests.inventory.helpers import build_warehouse

    wh = build_warehouse(admin_user)
    item = stock.item_create(actor=admin_user, owner=make_customer(specialist), data={"code": "SKU1", "name": "纸箱"})
    stock.stock_receive(actor=admin_user, item=item, quantity=10, location=wh.loc["AMB-01"])

    code, out, _err = _run(capsys, "check", "--stock")
    assert code == 0
    assert "库存余额与台账一致" in out

    Balance.objects.filter(item=item).update(on_hand=11)

    code, out, _err = _run(capsys, "check", "--stock")
    assert code == 1
    assert "✗" in out


@pytest.mark.django_db
def test_createuser_makes_a_staff_user_in_the_group_of_the_role(capsys):
    code, out, _err = _run(capsys, "createuser", "--role", "cs_specialist", "xiaoli",
                           "--password", "Cangku-2026!")

    assert code == 0
    assert "xiaoli" in out
    user = User.objects.get(username="xiaoli")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [roles.CS_SPECIALIST]
    assert user.check_password("Cangku-2026!")


@pytest.mark.django_db
def test_createuser_refuses_an_unknown_role(capsys):
    code, _out, err = _run(capsys, "createuser", "--role", "janitor", "xiaoli", "--password", "Cangku-2026!")

    assert code == 2
    assert "janitor" in err
    assert not User.objects.filter(username="xiaoli").exists()


@pytest.mark.django_db
def test_createuser_refuses_a_weak_password(capsys):
    code, _out, err = _run(capsys, "createuser", "--role", "cs_specialist", "xiaoli", "--password", "123")

    assert code == 2
    assert err.startswith("password: ")
    assert not User.objects.filter(username="xiaoli").exists()


@pytest.mark.django_db
def test_createuser_refuses_a_username_that_is_taken(capsys, specialist):
    code, _out, err = _run(capsys, "createuser", "--role", "admin", specialist.username,
                           "--password", "Cangku-2026!")

    assert code == 2
    assert err.startswith("username: ")
    assert not User.objects.get(username=specialist.username).is_superuser


def _demo_rows() -> list[tuple]:
    return list(Customer.objects.order_by("code", "contacts__id").values_list(
        "code", "name", "credit_code", "grade", "status", "owner__username", "credit_limit",
        "cooperation_since", "contacts__phone"))


class _Undo(Exception):
    pass


@pytest.mark.django_db
def test_demo_loads_the_same_data_every_time_prints_the_logins_and_loads_only_once(capsys):
    from depot.demo import demo_load

    with pytest.raises(_Undo), transaction.atomic():
        demo_load()
        first = _demo_rows()
        raise _Undo

    code, out, _err = _run(capsys, "demo")

    assert code == 0
    assert _demo_rows() == first
    assert first[0][:2] == ("C00001", "上海华盛达物流有限公司")
    assert "http://127.0.0.1:8000/admin/" in out
    staff = ("admin", "zhuguan", "kefu", "kefu2", "cangguan")
    login_rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert [(row[0], row[1]) for row in login_rows if row[0] in staff] == [(name, "depot2026") for name in staff]
    assert "kehu1" in out  # the customer portal's demo logins
    users = User.objects.count()

    code, again, _err = _run(capsys, "demo")

    assert code == 0
    assert "已存在" in again and "depot2026" in again
    assert _demo_rows() == first
    assert User.objects.count() == users and User.objects.filter(is_staff=True).count() == 5


@pytest.mark.django_db
def test_the_demo_hands_its_customers_to_the_inventory_and_orders_demos(monkeypatch):
    from depot.demo import _load_more

    calls = []

    def fake(name, text):
        def load(*, actor, customers):
            calls.append((name, actor, customers))
            return text

        module = types.ModuleType(f"depot.{name}.demo")
        setattr(module, f"{name}_demo_load", load)
        monkeypatch.setitem(sys.modules, f"depot.{name}.demo", module)

    from depot.demo import DEMO_LOADERS

    for module_name, _function in DEMO_LOADERS:
        name = module_name.split(".")[1]
        fake(name, f"{name} loaded" if name in ("inventory", "orders") else "")

    assert _load_more(actor="zhuguan", customers=["C00001"]) == "inventory loaded\norders loaded"
    assert calls[:2] == [("inventory", "zhuguan", ["C00001"]), ("orders", "zhuguan", ["C00001"])]
    assert [name for name, _a, _c in calls] == [m.split(".")[1] for m, _f in DEMO_LOADERS]


def test_the_demo_has_one_login_per_role_with_the_printed_password(db, demo):
    staff = {name: u for name, u in demo.items() if u.is_staff}
    assert {name: set(u.groups.values_list("name", flat=True)) for name, u in staff.items()} == {
        "admin": {roles.ADMIN}, "zhuguan": {roles.CS_SUPERVISOR}, "kefu": {roles.CS_SPECIALIST},
        "kefu2": {roles.CS_SPECIALIST}, "cangguan": {roles.WAREHOUSE_KEEPER},
    }
    assert all(u.check_password("depot2026") for u in staff.values())
    portal = {name for name, u in demo.items() if u.groups.filter(name="portal_customer").exists()}
    assert portal == {"kehu1", "kehu2", "kehu3"} and all(demo[n].check_password("depot2026") for n in portal)


def test_the_demo_archive_is_varied_and_valid(db, demo):
    customers = list(Customer.objects.prefetch_related("contacts", "tags"))

    assert len(customers) >= 60
    assert all(credit_code_problem(c.credit_code) is None for c in customers)
    assert {c.status for c in customers} == set(Status.values)
    assert sum(c.status == Status.ACTIVE for c in customers) > len(customers) / 2
    assert all(c.status_reason for c in customers if c.status in (Status.SUSPENDED, Status.CLOSED))
    assert {c.grade for c in customers} == set(Grade.values)
    assert {c.grade_source for c in customers} == set(GradeSource.values)
    assert all(c.grade_reason for c in customers if c.grade_source == GradeSource.RULES)
    assert len({c.province for c in customers}) >= 10
    assert len({c.industry for c in customers}) >= 10
    assert all(c.district and c.address for c in customers)
    years = {c.cooperation_since.year for c in customers if c.cooperation_since}
    assert max(years) - min(years) >= 4
    assert all(1 <= len(c.contacts.all()) <= 3 for c in customers)
    assert all(sum(k.is_primary for k in c.contacts.all()) == 1 for c in customers)
    assert {"冷链", "电商大促", "重点客户", "危险品"} <= {t.name for c in customers for t in c.tags.all()}
    assert GradingRule.objects.count() == 4
    assert CreditChange.objects.exclude(reason="").count() >= 3
    assert Consent.objects.filter(purpose=ConsentPurpose.THIRD_PARTY, recipient="Zoho CRM").count() >= 3
    assert Consent.objects.filter(purpose=ConsentPurpose.SERVICE).count() >= 20
    assert audit_verify() == []


def test_the_demo_contacts_can_be_reached(db, demo):
    contacts = list(Contact.objects.all())

    assert all(c.phone and c.email for c in contacts)
    assert sum(c.phone.startswith("1") and len(c.phone) == 11 for c in contacts) > len(contacts) * 0.8
    assert sum(bool(c.wechat) for c in contacts) > len(contacts) / 2
    assert sum(c.birthday is not None for c in contacts) > len(contacts) / 2


def test_the_demo_splits_customers_between_the_two_specialists(db, demo):
    kefu_customers = selectors.customer_list(user=demo["kefu"])

    assert kefu_customers.count() >= 10
    assert selectors.customer_list(user=demo["kefu2"]).count() >= 10
    found = selectors.customer_search(user=demo["kefu"], query="hsd")
    assert list(found.values_list("short_name", flat=True)) == ["华盛达物流"]
    assert selectors.customer_search(user=demo["zhuguan"], query="华盛达").get().owner == demo["kefu"]
