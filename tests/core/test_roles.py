import pytest
from django.contrib.auth.models import Group

from depot.core import roles
from depot.core.accounts import user_create
from depot.core.errors import ValidationFailed


def _granted(group: Group) -> set[str]:
    perms = group.permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


@pytest.mark.django_db
def test_after_migrate_the_four_role_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.CS_SPECIALIST, roles.WAREHOUSE_KEEPER, roles.CS_SUPERVISOR, roles.ADMIN,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(roles.ROLE_PERMISSIONS))
def test_each_role_holds_exactly_the_permissions_it_lists(role):
    # Every listed permission must exist: a misspelt one would otherwise be skipped silently.
    assert _granted(Group.objects.get(name=role)) == set(roles.ROLE_PERMISSIONS[role])


def test_a_keeper_may_not_see_contact_personal_data(keeper):
    assert not keeper.has_perm("customers.view_contact_pii")
    assert keeper.has_perm("customers.view_all_customers")
    assert not keeper.has_perm("customers.change_customer")


def test_a_specialist_sees_personal_data_but_not_every_customer(specialist):
    assert specialist.has_perm("customers.view_contact_pii")
    assert not specialist.has_perm("customers.view_all_customers")
    assert specialist.has_perm("customers.change_credit")


def test_a_supervisor_can_do_everything_a_specialist_can(supervisor):
    assert all(supervisor.has_perm(p) for p in roles.ROLE_PERMISSIONS[roles.CS_SPECIALIST])
    assert roles.is_supervisor(supervisor)


def test_an_admin_is_a_superuser_and_counts_as_a_supervisor(admin_user, specialist):
    assert admin_user.is_superuser and admin_user.is_staff
    assert roles.is_supervisor(admin_user)
    assert not roles.is_supervisor(specialist)


def test_a_users_roles_are_read_from_their_groups(keeper):
    assert roles.user_roles(keeper) == {roles.WAREHOUSE_KEEPER}
    assert roles.has_role(keeper, roles.WAREHOUSE_KEEPER, roles.ADMIN)
    assert not roles.has_role(keeper, roles.CS_SPECIALIST)


def test_extending_a_role_adds_permissions_once(monkeypatch):
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, roles.WAREHOUSE_KEEPER,
                        list(roles.ROLE_PERMISSIONS[roles.WAREHOUSE_KEEPER]))

    roles.extend_role(roles.WAREHOUSE_KEEPER, ["customers.view_tag", "customers.view_contact"])

    perms = roles.ROLE_PERMISSIONS[roles.WAREHOUSE_KEEPER]
    assert perms.count("customers.view_tag") == 1 and perms.count("customers.view_contact") == 1


@pytest.mark.django_db
def test_syncing_grants_a_permission_added_to_a_role(monkeypatch):
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, roles.WAREHOUSE_KEEPER,
                        [*roles.ROLE_PERMISSIONS[roles.WAREHOUSE_KEEPER], "customers.view_tag"])

    roles.sync_role_permissions()

    assert "customers.view_tag" in _granted(Group.objects.get(name=roles.WAREHOUSE_KEEPER))


@pytest.mark.django_db
def test_a_user_with_an_unknown_role_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="nobody", password="Depot-test-2026", role="janitor", check_password=False)

    assert "role" in exc.value.details
