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
