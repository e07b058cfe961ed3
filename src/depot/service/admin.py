"""Back office of the service app. Complaints and inquiries change only through the services
(their pages live in `admin_views`); the SLA policy, working hours and holidays are plain tables a
supervisor edits, every change recorded in the audit trail."""

from django.contrib import admin
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.views import ChangeList

from depot.core.audit import ACTION_CREATE, ACTION_DELETE, ACTION_UPDATE, audit_record, snapshot
from depot.service import admin_views, selectors
from depot.service.choices import SlaStatus, Weekday
from depot.service.models import CalendarDay, Complaint, Inquiry, SlaPolicy, WorkingHours


class ServiceOnlyAdmin(ModelAdmin):
    """Lists through the selectors; changes only on the custom pages (through services)."""

    def has_delete_permission(self, request, obj=None):
        return False


class SlaFilter(admin.SimpleListFilter):
    title = _("SLA状态")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return SlaStatus.choices

    def queryset(self, request, queryset):
        if self.value() not in SlaStatus.values:
            return queryset
        groups = selectors.complaints_by_sla(user=request.user)
        return queryset.filter(pk__in=[c.pk for c in groups[self.value()]])


class ComplaintChangeList(ChangeList):
    """Reads the business calendar and the SLA table once for the page, not once per complaint."""

    def get_results(self, request):
        super().get_results(request)
        now, calendar, policies = timezone.now(), selectors.calendar_load(), selectors.sla_policies()
        for complaint in self.result_list:
            complaint.sla_status = selectors.complaint_sla(complaint, now=now, calendar=calendar, policies=policies)


@admin.register(Complaint)
class ComplaintAdmin(ServiceOnlyAdmin):
    list_display = ["code", "customer", "category", "severity", "state_label", "assignee", "escalation_level",
                    "resolution_due", "sla"]
    list_filter = ["state", SlaFilter, "category", "severity", "escalation_level"]
    search_fields = ["code", "customer__name", "customer__short_name", "description"]
    list_select_related = ["customer", "assignee"]

    def get_queryset(self, request):
        return selectors.complaint_list(user=request.user)

    def get_changelist(self, request, **kwargs):
        return ComplaintChangeList

    @display(description=_("状态"), label=True)
    def state_label(self, complaint):
        return complaint.get_state_display()

    @display(description=_("SLA"))
    def sla(self, complaint):
        status = complaint.sla_status if hasattr(complaint, "sla_status") else selectors.complaint_sla(complaint)
        return SlaStatus(status).label if status else "—"

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("service.view_complaint")

    def has_add_permission(self, request):
        return request.user.has_perm("service.add_complaint")

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.complaint_new(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.complaint_page(request, object_id)

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("worklist/", view(admin_views.worklist_mine), name="service_worklist"),
            path("worklist/team/", view(admin_views.worklist_team), name="service_worklist_team"),
            *super().get_urls(),
        ]


class OverdueFilter(admin.SimpleListFilter):
    title = _("是否超时")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("超时未答复"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(pk__in=selectors.overdue_inquiries(user=request.user).values("pk"))
        return queryset


@admin.register(Inquiry)
class InquiryAdmin(ServiceOnlyAdmin):
    list_display = ["received_at", "customer", "channel", "question_short", "owner", "response_due", "state"]
    list_filter = ["state", OverdueFilter, "channel"]
    search_fields = ["question", "answer", "customer__name", "customer__short_name"]
    list_select_related = ["customer", "owner"]

    def get_queryset(self, request):
        return selectors.inquiry_list(user=request.user)

    @display(description=_("咨询内容"))
    def question_short(self, inquiry):
        return inquiry.question[:40]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("service.view_inquiry")

    def has_add_permission(self, request):
        return request.user.has_perm("service.add_inquiry")

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.inquiry_new(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.inquiry_page(request, object_id)


class AuditedAdmin(ModelAdmin):
    """A small settings table: every save and delete goes into the audit trail."""

    audited: tuple = ()

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk), self.audited) if change else None
        super().save_model(request, obj, form, change)
        stored = type(obj).objects.get(pk=obj.pk)  # the values as the database keeps them (12 → 12.00)
        audit_record(actor=request.user, obj=obj, action=ACTION_UPDATE if change else ACTION_CREATE, before=before,
                     after=snapshot(stored, self.audited), new_object=not change)

    def delete_model(self, request, obj):
        audit_record(actor=request.user, obj=obj, action=ACTION_DELETE, before=snapshot(obj, self.audited),
                     force=True)
        super().delete_model(request, obj)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedAdmin):
    list_display = ["grade", "severity", "first_response_hours", "resolution_hours", "warning_hours", "updated_at"]
    list_editable = ["first_response_hours", "resolution_hours", "warning_hours"]
    list_filter = ["grade", "severity"]
    fields = ["grade", "severity", "first_response_hours", "resolution_hours", "warning_hours"]
    readonly_fields = ["grade", "severity"]
    audited = ("grade", "severity", "first_response_hours", "resolution_hours", "warning_hours")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkingHours)
class WorkingHoursAdmin(AuditedAdmin):
    list_display = ["weekday", "start", "end"]
    audited = ("weekday", "start", "end")


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"
    audited = ("date", "kind", "name")

    @display(description=_("星期"))
    def weekday(self, day):
        return Weekday(day.date.weekday()).label

    def get_queryset(self, request):
        return super().get_queryset(request).filter(date__year__gte=timezone.localdate().year - 1)
