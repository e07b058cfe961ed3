"""Back office of follow-ups and care. The lists are Unfold changelists scoped by the selectors,
with the filters customer service works by (overdue, this week, mine); a follow-up's and a care
task's page are the views of `views`. The cadence, the festivals and the settings are edited by
supervisors through the services."""

from django.contrib import admin, messages
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from depot.core.admin import ReadOnlyAdminMixin, Rejected, ServiceAdminMixin, domain_errors
from depot.core.errors import DomainError
from depot.followups import selectors, services, views
from depot.followups.choices import CareState, FollowUpState
from depot.followups.models import CadenceRule, CareSettings, CareTask, Festival, FollowUp

FOLLOWUP_COLOURS = {FollowUpState.PLANNED: "info", FollowUpState.DONE: "success", FollowUpState.CANCELLED: "default",
                    "overdue": "danger"}
CARE_COLOURS = {CareState.PENDING: "warning", CareState.SENT: "success", CareState.SKIPPED: "default"}


class MineFilter(admin.SimpleListFilter):
    title = _("负责人")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("我的"))]

    def queryset(self, request, queryset):
        return queryset.filter(assignee=request.user) if self.value() == "1" else queryset


class FollowUpDueFilter(admin.SimpleListFilter):
    title = _("到期")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("已逾期")), ("week", _("本周")), ("today", _("今天"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset & selectors.followup_list(user=request.user, overdue=True, today=today)
        if self.value() == "week":
            return queryset & selectors.followup_list(user=request.user, week=True, today=today)
        if self.value() == "today":
            return queryset.filter(state=FollowUpState.PLANNED, planned_on=today)
        return queryset


class CareDueFilter(admin.SimpleListFilter):
    title = _("到期")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("today", _("今日待发送")), ("upcoming", _("即将到来"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "today":
            return queryset & selectors.care_tasks_due(user=request.user, today=today)
        if self.value() == "upcoming":
            return queryset.filter(state=CareState.PENDING, due_on__gt=today)
        return queryset


@admin.register(FollowUp)
class FollowUpAdmin(ModelAdmin):
    list_display = ("customer", "reason", "source_ref", "planned_on", "state_label", "assignee", "satisfaction",
                    "done_at")
    list_filter = (FollowUpDueFilter, MineFilter, "state", "reason")
    search_fields = ("customer__name", "customer__short_name", "customer__code", "source_ref")
    list_per_page = 50
    ordering = ["planned_on", "id"]

    def get_queryset(self, request):
        return selectors.followup_list(user=request.user)

    @display(description=_("状态"), ordering="state", label=FOLLOWUP_COLOURS)
    def state_label(self, followup):
        if followup.state == FollowUpState.PLANNED and followup.planned_on < timezone.localdate():
            return "overdue", _("已逾期")
        return followup.state, followup.get_state_display()

    def has_add_permission(self, request):
        return request.user.has_perm("followups.add_followup")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return views.followup_new(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return views.followup_page(request, object_id)

    def get_urls(self):
        return [path("<int:pk>/do/<str:action>/", self.admin_site.admin_view(views.followup_action),
                     name="followups_followup_action"), *super().get_urls()]


@admin.register(CareTask)
class CareTaskAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("contact", "customer", "occasion_label", "occasion_date", "due_on", "state_label", "assignee",
                    "channel", "sent_at")
    list_filter = (CareDueFilter, MineFilter, "state", "occasion", "festival")
    search_fields = ("contact__name", "customer__name", "customer__short_name", "customer__code")
    list_per_page = 50
    ordering = ["occasion_date", "id"]
    actions = ["mark_sent_selected"]

    def get_queryset(self, request):
        return selectors.care_task_list(user=request.user)

    @display(description=_("关怀类型"))
    def occasion_label(self, task):
        return task.festival.name if task.festival_id else task.get_occasion_display()

    @display(description=_("状态"), ordering="state", label=CARE_COLOURS)
    def state_label(self, task):
        return task.state, task.get_state_display()

    def has_send_permission(self, request):
        return request.user.has_perm("followups.change_caretask")

    @admin.action(description=_("标记为已发送（按联系人首选方式）"), permissions=["send"])
    def mark_sent_selected(self, request, queryset):
        sent, refused = 0, []
        for task in queryset.filter(state=CareState.PENDING).select_related("contact"):
            try:
                services.care_mark_sent(actor=request.user, task=task, channel=task.contact.preferred_channel)
                sent += 1
            except DomainError as exc:
                refused.append(f"{task.contact.name}：{exc.message}")
        if sent:
            messages.success(request, _("%(n)d 条关怀任务已标记为已发送") % {"n": sent})
        for line in refused:
            messages.error(request, line)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return views.caretask_page(request, object_id)

    def get_urls(self):
        return [path("<int:pk>/do/<str:action>/", self.admin_site.admin_view(views.caretask_action),
                     name="followups_caretask_action"), *super().get_urls()]


@admin.register(CadenceRule)
class CadenceRuleAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ("grade", "interval_months", "updated_at")
    fields = ("grade", "interval_months")
    readonly_fields = ("grade",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            rule = services.cadence_save(actor=request.user, grade=obj.grade,
                                         interval_months=form.cleaned_data["interval_months"])
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, rule)


@admin.register(Festival)
class FestivalAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ("name", "calendar", "month", "day", "lead_days", "active")
    list_filter = ("calendar", "active")
    fields = ("name", "calendar", "month", "day", "lead_days", "message", "active")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in self.fields if f in form.cleaned_data}
        try:
            festival = services.festival_save(actor=request.user, data=data, festival=obj if change else None)
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, festival)


@admin.register(CareSettings)
class CareSettingsAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ("__str__", "large_order_value", "large_order_units", "birthday_lead_days", "updated_at")
    fields = ("large_order_value", "large_order_units", "large_order_delay_days", "complaint_delay_days",
              "birthday_lead_days", "birthday_message")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in self.fields if f in form.cleaned_data}
        try:
            row = services.care_settings_save(actor=request.user, data=data)
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, row)
