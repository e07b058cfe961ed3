"""The roles of DESIGN.md §1 as Django groups, and what each may do.

Groups are created by migration `core.0002_roles`; their permissions are (re)granted from
`ROLE_PERMISSIONS` after every `migrate`, so an app added later only has to list its
permissions here. Object-level scoping (a specialist sees the customers assigned to them) lives
in each app's selectors, on top of these permissions.
"""

from django.utils.translation import gettext_lazy as _

CS_SPECIALIST = "cs_specialist"
WAREHOUSE_KEEPER = "warehouse_keeper"
CS_SUPERVISOR = "cs_supervisor"
ADMIN = "admin"

ROLE_LABELS = {
    CS_SPECIALIST: _("客户服务专员"),
    WAREHOUSE_KEEPER: _("仓库管理员"),
    CS_SUPERVISOR: _("客户服务主管"),
    ADMIN: _("系统管理员"),
}

_CS = [
    "customers.view_customer", "customers.add_customer", "customers.change_customer",
    "customers.view_contact", "customers.add_contact", "customers.change_contact",
    "customers.delete_contact",
    "customers.view_consent", "customers.add_consent", "customers.change_consent",
    "customers.view_creditchange", "customers.change_credit", "customers.view_tag", "customers.add_tag",
    "customers.view_gradingrule",
    "customers.view_contact_pii", "customers.import_customers", "customers.export_customers",
]
_SUPERVISOR = _CS + [
    "customers.view_all_customers", "customers.accept_invalid_credit_code",
    "customers.change_gradingrule", "customers.add_gradingrule",
    "customers.assign_customer", "customers.change_tag", "customers.delete_tag",
    "core.view_auditentry",
]
_KEEPER = ["customers.view_customer", "customers.view_contact", "customers.view_all_customers"]
_ADMIN = _SUPERVISOR + [
    "auth.view_user", "auth.add_user", "auth.change_user",
    "auth.view_group", "auth.change_group",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    CS_SPECIALIST: _CS,
    WAREHOUSE_KEEPER: _KEEPER,
    CS_SUPERVISOR: _SUPERVISOR,
    ADMIN: _ADMIN,
}


def extend_role(role: str, perms: list[str]) -> None:
    """Let a later app add its permissions to a role without editing the lists above."""
    ROLE_PERMISSIONS[role] = ROLE_PERMISSIONS[role] + [p for p in perms if p not in ROLE_PERMISSIONS[role]]


def sync_role_permissions(*, using: str = "default") -> None:
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.using(using).filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


def sync_role_permissions_after_migrate(sender, using="default", **kwargs):
    # post_migrate fires once per app that has models; permissions of every app exist only after
    # the last of them.
    from django.apps import apps

    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if sender.label == with_models[-1].label:
        sync_role_permissions(using=using)


def user_roles(user) -> set[str]:
    if not user or not user.is_authenticated:
        return set()
    if not hasattr(user, "_depot_roles"):
        user._depot_roles = set(user.groups.values_list("name", flat=True))
    return user._depot_roles


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_supervisor(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, CS_SUPERVISOR, ADMIN)))
