"""Every change to portal accounts: CS creates a customer's portal logins, deactivates and
reactivates them and resets their passwords. A portal login is a non-staff user in the group
`portal_customer`, tied to one customer by its `PortalAccount`."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.accounts import group_sync
from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.models import Customer
from depot.customers.selectors import customer_list
from depot.portal.models import PortalAccount

PORTAL_GROUP = "portal_customer"
# What the services need when a customer's employee acts in the portal. Unlike the API's technical
# user there is no `view_all_customers`: `customer_list` pins a portal user to its own customer.
# Complaints need no permission: the service app lets a portal user act for its own company.
PORTAL_PERMISSIONS = [
    "portal.use_portal",
    "customers.view_customer",
    "inventory.view_item", "inventory.view_lot", "inventory.view_balance", "inventory.view_warehouse",
    "inventory.reserve_stock",
    "orders.view_outboundorder", "orders.view_outboundline", "orders.view_inboundorder", "orders.view_inboundline",
    "orders.view_orderevent",
    "orders.add_outboundorder", "orders.audit_outbound", "orders.cancel_outbound", "orders.add_inboundorder",
    "orders.confirm_receipt",
]
AUDITED_FIELDS = ("user", "customer", "name", "title", "is_active")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")


def portal_group_sync(*, using: str = "default") -> Group:
    return group_sync(name=PORTAL_GROUP, permissions=PORTAL_PERMISSIONS, using=using)


def portal_customers(*, user):
    """The customers `user` may manage portal accounts for: holders of
    `portal.manage_all_portalaccounts` (supervisors, admins) every customer they see; other CS the
    customers they are responsible for."""
    qs = customer_list(user=user)
    if user.has_perm("portal.manage_all_portalaccounts"):
        return qs
    return qs.filter(owner=user)


def _managed(actor, account: PortalAccount, *, lock: bool = False) -> PortalAccount:
    qs = PortalAccount.objects.select_related("user", "customer").filter(
        customer__in=portal_customers(user=actor))
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=account.pk)
    except PortalAccount.DoesNotExist:
        raise NotFound() from None


def _password_errors(password: str, user) -> list[str]:
    if not password:
        return [_("请填写密码")]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@transaction.atomic
def portal_account_create(*, actor, customer: Customer, username: str, name: str, password: str, title: str = "",
                          email: str = "", check_password: bool = True) -> PortalAccount:
    """Create a portal login for `customer` (CS for a customer of theirs, supervisors for any).
    Raises PermissionDenied, NotFound (customer not visible), ValidationFailed (username empty,
    malformed or taken; no name; weak password unless `check_password` is off; nothing is
    created). Audited."""
    require_perm(actor, "portal.add_portalaccount")
    User = get_user_model()
    username, name = (username or "").strip(), (name or "").strip()
    title, email = (title or "").strip(), (email or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("请填写登录名")]
    elif not USERNAME_RE.match(username):
        errors["username"] = [_("登录名须为3–150位字母、数字或 _ . @ + -")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("登录名“%(u)s”已被使用") % {"u": username}]
    if not name:
        errors["name"] = [_("请填写姓名")]
    elif len(name) > 50:
        errors["name"] = [_("不能超过%(n)d个字符") % {"n": 50}]
    if len(title) > 50:
        errors["title"] = [_("不能超过%(n)d个字符") % {"n": 50}]
    if email and ("@" not in email or len(email) > 254):
        errors["email"] = [_("邮箱格式不正确")]
    password_errors = (_password_errors(password, User(username=username, first_name=name, email=email))
                       if check_password else ([] if password else [_("请填写密码")]))
    if password_errors:
        errors["password"] = password_errors
    if errors:
        raise ValidationFailed(details=errors)
    try:
        customer = portal_customers(user=actor).get(pk=customer.pk)
    except (Customer.DoesNotExist, AttributeError):
        raise NotFound() from None
    user = User(username=username, first_name=name[:150], email=email, is_staff=False, is_superuser=False,
                is_active=True)
    user.set_password(password)
    user.save()
    user.groups.add(portal_group_sync())
    account = PortalAccount.objects.create(user=user, customer=customer, name=name, title=title, created_by=actor)
    audit_record(actor=actor, obj=account, action=ACTION_CREATE, after=snapshot(account, AUDITED_FIELDS))
    return account


@transaction.atomic
def portal_account_set_active(*, actor, account: PortalAccount, active: bool, note: str = "") -> PortalAccount:
    """Deactivate a portal login (it can no longer log in, its open sessions end) or enable it
    again. Locks the account. Raises PermissionDenied, NotFound, IllegalTransition (already in
    that state). Audited."""
    require_perm(actor, "portal.change_portalaccount")
    account = _managed(actor, account, lock=True)
    if account.is_active == bool(active):
        raise IllegalTransition(_("该门户账号已启用") if active else _("该门户账号已停用"))
    before = snapshot(account, AUDITED_FIELDS)
    account.is_active = bool(active)
    account.deactivated_at = None if active else timezone.now()
    account.save(update_fields=["is_active", "deactivated_at"])
    account.user.is_active = bool(active)
    account.user.save(update_fields=["is_active"])
    audit_record(actor=actor, obj=account, action=ACTION_UPDATE, before=before,
                 after=snapshot(account, AUDITED_FIELDS), note=(note or "").strip())
    return account


@transaction.atomic
def portal_password_reset(*, actor, account: PortalAccount, password: str) -> PortalAccount:
    """Set a new password for a portal login (CS gives it to the customer, who should change it).
    Raises PermissionDenied, NotFound, ValidationFailed (weak password; nothing changes). Audited
    without the password."""
    require_perm(actor, "portal.change_portalaccount")
    account = _managed(actor, account, lock=True)
    errors = _password_errors(password, account.user)
    if errors:
        raise ValidationFailed(details={"password": errors})
    account.user.set_password(password)
    account.user.save(update_fields=["password"])
    audit_record(actor=actor, obj=account, action=ACTION_UPDATE, note=_("重置门户登录密码"), force=True)
    return account


def portal_login_record(*, account: PortalAccount) -> None:
    PortalAccount.objects.filter(pk=account.pk).update(last_login_at=timezone.now())
