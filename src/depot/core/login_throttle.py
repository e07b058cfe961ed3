"""Login throttling (django-axes): who is counted, what a locked-out person sees, and how a
supervisor lets them back in. See docs/decisions/login-throttling.md.

Failures are counted per username *and* address: five wrong passwords for one account from one
address lock that account on that address for the cool-off; colleagues behind the same office NAT
and the account's owner elsewhere are not affected.
"""

import ipaddress
import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from depot.core.audit import audit_record, snapshot
from depot.core.errors import NotFound
from depot.core.permissions import require_perm

ACTION_UNLOCK = "login_unlock"
UNLOCK_PERM = "axes.delete_accessattempt"
# See the failures, lockouts and logins, and unlock: CS supervisors and system administrators.
SUPERVISOR_PERMS = ["axes.view_accessattempt", UNLOCK_PERM, "axes.view_accessfailurelog", "axes.view_accesslog"]
AUDITED_FIELDS = ("username", "ip_address", "failures_since_start", "attempt_time", "path_info")


# ---------------------------------------------------------------------------------------------
# The client's address.


def _address(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address failures are counted against (AXES_CLIENT_IP_CALLABLE).

    The connection's own address, unless `DEPOT_TRUSTED_PROXY_COUNT` proxies of ours stand in
    front: then the address the outermost of them saw, i.e. the n-th entry of X-Forwarded-For
    counted from the right (each proxy appends the address it was called from). Entries further
    left were written by the client and are never believed.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "DEPOT_TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= count:
            found = _address(forwarded[-count])
            if found:
                return found
    return _address(remote) if remote else None


# ---------------------------------------------------------------------------------------------
# The lockout page.


def lockout_until(request, credentials: dict | None = None):
    """When the lock on this request's username and address ends (None: not known)."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    latest = [qs.aggregate(at=Max("attempt_time"))["at"] for qs in handler.filter_user_attempts(request, credentials)]
    latest = [at for at in latest if at is not None]
    return max(latest) + cool_off if latest else None


def _is_portal(request) -> bool:
    return request.path.startswith("/portal/")


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE), status 429, in the look of the
    login it came from: the portal's for /portal/, the back office's otherwise."""
    until = lockout_until(request, credentials)
    cool_off = get_cool_off(request)
    if until is not None:
        minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    else:
        minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    context = {
        "title": gettext_lazy("登录已暂时锁定"),
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "minutes": minutes,
        "until": timezone.localtime(until) if until else None,
    }
    status = settings.AXES_HTTP_RESPONSE_CODE
    if _is_portal(request):
        return render(request, "portal/locked_out.html", {**context, "login_url": "/portal/login/"}, status=status)
    from django.contrib import admin

    return render(request, "core/admin/locked_out.html",
                  {**admin.site.each_context(request), **context, "login_url": "/admin/login/"}, status=status)


# ---------------------------------------------------------------------------------------------
# Reads and writes for the back office.


def attempt_is_locked(attempt: AccessAttempt, *, now=None) -> bool:
    cool_off = get_cool_off()
    now = now or timezone.now()
    limit = settings.AXES_FAILURE_LIMIT
    return attempt.failures_since_start >= limit and (cool_off is None or attempt.attempt_time + cool_off > now)


def attempt_locked_until(attempt: AccessAttempt):
    cool_off = get_cool_off()
    return attempt.attempt_time + cool_off if cool_off is not None else None


@transaction.atomic
def login_unlock(*, actor, attempt_ids) -> int:
    """Let people back in before their cool-off ends: delete the failure records `attempt_ids`
    (each one username on one address), so the count starts again from zero.

    Locks the records. Raises PermissionDenied (actor may not unlock), NotFound (none of the records
    exists any more: already unlocked, expired or logged in). Records one audit entry per record.
    Returns the number of records removed.
    """
    require_perm(actor, UNLOCK_PERM, _("只有客服主管或系统管理员可以解除登录锁定"))
    attempts = list(AccessAttempt.objects.select_for_update().filter(pk__in=list(attempt_ids)).order_by("pk"))
    if not attempts:
        raise NotFound(_("该登录失败记录已不存在：可能已被解除、已过期，或该用户已成功登录"))
    for attempt in attempts:
        audit_record(actor=actor, obj=attempt, action=ACTION_UNLOCK, before=snapshot(attempt, AUDITED_FIELDS),
                     after=None, note=_("解除登录锁定"), force=True)
        attempt.delete()
    return len(attempts)


def present_axes_models() -> None:
    """Chinese names for django-axes' models in the back office and the audit trail. Only what is
    shown changes (`_meta` names, `__str__`); the migration state reads `original_attrs` and
    fields, which stay as axes ships them."""
    from axes.models import AccessFailureLog, AccessLog
    from django.apps import apps

    apps.get_app_config("axes").verbose_name = gettext_lazy("登录保护")
    for model, name in (
        (AccessAttempt, gettext_lazy("登录失败计数")),
        (AccessFailureLog, gettext_lazy("登录失败记录")),
        (AccessLog, gettext_lazy("登录记录")),
    ):
        model._meta.verbose_name = model._meta.verbose_name_plural = name
        model.__str__ = _who_where


def _who_where(record) -> str:
    return f"{record.username or '—'} @ {record.ip_address or '—'}"
