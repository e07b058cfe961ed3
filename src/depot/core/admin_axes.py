"""Back office of login throttling: failure counts and lockouts (unlock them), the log of failed
logins and the log of logins. Read only but for unlocking, which goes through
`login_throttle.login_unlock` and is audited. Visible to CS supervisors and system administrators
(permissions granted in `core.apps`)."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from depot.core import login_throttle
from depot.core.admin import ReadOnlyAdminMixin, register_audit_actions
from depot.core.admin_filters import DayRangeFilter
from depot.core.errors import DomainError

register_audit_actions({login_throttle.ACTION_UNLOCK: _("解除登录锁定")})

ENTRY_LABELS = {"/portal/": _("客户门户"), "/admin/": _("管理后台")}


def entry_label(path: str):
    for prefix, label in ENTRY_LABELS.items():
        if (path or "").startswith(prefix):
            return label
    return path or "—"


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


class TimeFilter(DayRangeFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("时间")


class _LoginRecordAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Columns shared by the three records; all of them read only."""

    show_full_result_count = False
    list_per_page = 50
    search_fields = ("username", "ip_address")
    search_help_text = _("按登录名或 IP 地址搜索")
    list_filter_submit = True

    @display(description=_("登录名"), ordering="username")
    def username_shown(self, record):
        return record.username or "—"

    @display(description=_("IP 地址"), ordering="ip_address")
    def ip_shown(self, record):
        return record.ip_address or "—"

    @display(description=_("登录入口"))
    def entry(self, record):
        return entry_label(record.path_info)

    @display(description=_("浏览器"))
    def user_agent_shown(self, record):
        return record.user_agent or "—"


class LockedFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("已锁定")), ("no", _("未锁定"))]

    def queryset(self, request, queryset):
        cool_off = get_cool_off()
        locked = {"failures_since_start__gte": settings.AXES_FAILURE_LIMIT}
        if cool_off is not None:
            locked["attempt_time__gt"] = timezone.now() - cool_off
        if self.value() == "yes":
            return queryset.filter(**locked)
        if self.value() == "no":
            return queryset.exclude(**locked)
        return queryset


@admin.register(AccessAttempt)
class AccessAttemptAdmin(_LoginRecordAdmin):
    list_display = ("username_shown", "ip_shown", "entry", "failures", "last_failure", "status_label")
    list_filter = (LockedFilter,)
    actions = ["unlock_selected"]
    actions_detail = ["unlock_detail"]
    fields = ("username_shown", "ip_shown", "entry", "failures", "last_failure", "status_label",
              "user_agent_shown")
    readonly_fields = fields

    def has_unlock_permission(self, request, obj=None):
        return request.user.has_perm(login_throttle.UNLOCK_PERM)

    @display(description=_("连续失败次数"), ordering="failures_since_start")
    def failures(self, attempt):
        return attempt.failures_since_start

    @display(description=_("最近一次失败"), ordering="attempt_time")
    def last_failure(self, attempt):
        return _local(attempt.attempt_time)

    @display(description=_("状态"), label={"locked": "danger", "open": "warning"})
    def status_label(self, attempt):
        if login_throttle.attempt_is_locked(attempt):
            until = timezone.localtime(login_throttle.attempt_locked_until(attempt)).strftime("%H:%M")
            return "locked", _("已锁定，%(until)s 自动解除") % {"until": until}
        left = max(0, settings.AXES_FAILURE_LIMIT - attempt.failures_since_start)
        return "open", _("还可尝试 %(n)d 次") % {"n": left}

    def _unlock(self, request, ids) -> int:
        try:
            return login_throttle.login_unlock(actor=request.user, attempt_ids=ids)
        except DomainError as exc:
            messages.warning(request, exc.message)
            return 0

    @action(description=_("解除所选锁定"), permissions=["unlock"])
    def unlock_selected(self, request, queryset):
        done = self._unlock(request, list(queryset.values_list("pk", flat=True)))
        if done:
            messages.success(request, _("已解除 %(n)d 条登录锁定，对应用户可以立即重新登录") % {"n": done})

    @action(description=_("解除锁定"), url_path="unlock", icon="lock_open", permissions=["unlock"])
    def unlock_detail(self, request, object_id):
        attempt = AccessAttempt.objects.filter(pk=object_id).first()
        if attempt is None:
            raise Http404
        back_url = reverse("admin:axes_accessattempt_changelist")
        if request.method == "POST":
            if self._unlock(request, [attempt.pk]):
                messages.success(request, _("已解除 %(user)s 的登录锁定") % {"user": attempt.username or "—"})
            return redirect(back_url)
        return TemplateResponse(request, "core/admin/confirm.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": attempt,
            "title": _("解除登录锁定"), "back_url": reverse("admin:axes_accessattempt_change", args=[attempt.pk]),
            "submit_label": _("解除锁定"),
            "message": _("登录名“%(user)s”在 %(ip)s 上的失败次数将清零，可以立即重新登录。请先确认是本人在尝试登录。")
            % {"user": attempt.username or "—", "ip": attempt.ip_address or "—"},
        })


class LockedOutFilter(admin.SimpleListFilter):
    title = _("导致锁定")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(locked_out=self.value() == "yes")
        return queryset


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(_LoginRecordAdmin):
    list_display = ("time", "username_shown", "ip_shown", "entry", "locked_shown")
    list_filter = (("attempt_time", TimeFilter), LockedOutFilter)
    fields = ("time", "username_shown", "ip_shown", "entry", "locked_shown", "user_agent_shown")
    readonly_fields = fields

    @display(description=_("时间"), ordering="attempt_time")
    def time(self, record):
        return _local(record.attempt_time)

    @display(description=_("导致锁定"), boolean=True)
    def locked_shown(self, record):
        return record.locked_out


@admin.register(AccessLog)
class AccessLogAdmin(_LoginRecordAdmin):
    list_display = ("time", "logout", "username_shown", "ip_shown", "entry")
    list_filter = (("attempt_time", TimeFilter),)
    fields = ("time", "logout", "username_shown", "ip_shown", "entry", "user_agent_shown")
    readonly_fields = fields

    @display(description=_("登录时间"), ordering="attempt_time")
    def time(self, record):
        return _local(record.attempt_time)

    @display(description=_("退出时间"), ordering="logout_time")
    def logout(self, record):
        return _local(record.logout_time)
