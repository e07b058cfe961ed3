"""Staff accounts with a role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from depot.core.errors import ValidationFailed
from depot.core.roles import ADMIN, ROLE_PERMISSIONS


@transaction.atomic
def user_create(*, username: str, password: str, role: str, email: str = "", first_name: str = "",
                check_password: bool = True):
    """Create an active staff user in the group of `role`. Admins are also superusers."""
    User = get_user_model()
    errors = {}
    if role not in ROLE_PERMISSIONS:
        errors["role"] = [_("未知角色：%(r)s") % {"r": role}]
    if not username or User.objects.filter(username=username).exists():
        errors["username"] = [_("用户名为空或已存在")]
    if check_password:
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(details=errors)
    user = User.objects.create_user(
        username=username, password=password, email=email, first_name=first_name, is_staff=True,
        is_superuser=(role == ADMIN),
    )
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


@transaction.atomic
def technical_user(*, username: str, name: str, permissions):
    """A user that background jobs act as: created on first use, cannot sign in, holds exactly
    `permissions` ("app.codename"), set again on every call so that a changed list takes effect
    without a migration. Returned fresh, without a stale permission cache."""
    from django.contrib.auth.models import Permission

    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": name, "is_staff": False, "is_active": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    wanted = []
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    if set(user.user_permissions.all()) != set(wanted):
        user.user_permissions.set(wanted)
    return User.objects.get(pk=user.pk)


def group_sync(*, name: str, permissions, using: str = "default") -> Group:
    """The group `name` holding exactly `permissions` ("app.codename"; unknown ones are skipped,
    e.g. before their app's first migrate), created when missing."""
    from django.contrib.auth.models import Permission

    group, _created = Group.objects.using(using).get_or_create(name=name)
    wanted = []
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        perm = Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
        if perm is not None:
            wanted.append(perm)
    group.permissions.set(wanted)
    return group
