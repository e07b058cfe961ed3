"""Back office of analytics: the reports (request, state, download), the report schedules (saved
through the service) and the segment snapshots (read-only); the analysis pages of `admin_views`
are mounted under the report admin."""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from depot.analytics import admin_views, selectors, services
from depot.analytics.choices import ReportState
from depot.analytics.models import ReportRun, ReportSchedule, SegmentSnapshot
from depot.core.admin import ReadOnlyAdminMixin
from depot.core.errors import DomainError


@admin.register(ReportRun)
class ReportRunAdmin(ModelAdmin):
    list_display = ("__str__", "scope", "state", "requested_by", "requested_at", "finished_at", "files")
    list_filter = ("scope", "state")
    readonly_fields = ("scope", "warehouse", "customer", "start", "end", "state", "error", "schedule",
                       "requested_by", "requested_at", "finished_at", "files")

    def get_queryset(self, request):
        return selectors.report_list(user=request.user)

    def get_urls(self):
        return admin_views.urls(self.admin_site) + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.report_new(request)

    def has_add_permission(self, request):
        return request.user.has_perm("analytics.view_analytics")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("analytics.view_analytics")

    def has_module_permission(self, request):
        return request.user.has_perm("analytics.view_analytics")

    @display(description=_("下载"))
    def files(self, run):
        if run.state != ReportState.DONE:
            return run.get_state_display()
        from django.utils.html import format_html

        return format_html('<a href="{}">PDF</a> · <a href="{}">Excel</a>',
                           reverse("admin:analytics_report_download", args=[run.pk, "pdf"]),
                           reverse("admin:analytics_report_download", args=[run.pk, "xlsx"]))


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ModelAdmin):
    list_display = ("name", "scope", "warehouse", "customer", "active", "last_sent_for")
    fields = ("name", "scope", "warehouse", "customer", "recipients", "active")

    def get_queryset(self, request):
        return selectors.schedule_list(user=request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class ServiceForm(form_class):
            def _post_clean(self):
                if self._errors:
                    return
                try:
                    self.instance = services.report_schedule_save(actor=request.user, data=dict(self.cleaned_data),
                                                                  schedule=obj)
                except DomainError as exc:
                    for field, msgs in (exc.details or {"__all__": [str(exc.message)]}).items():
                        for msg in msgs:
                            self.add_error(field if field in self.fields else None, str(msg))

        return ServiceForm

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in the form's validation

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(SegmentSnapshot)
class SegmentSnapshotAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("customer", "as_of", "segment", "r_score", "f_score", "m_score", "frequency", "monetary")
    list_filter = ("segment", "as_of")
    search_fields = ("customer__name", "customer__short_name", "customer__code")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(customer__in=selectors.visible_customers(user=request.user))
