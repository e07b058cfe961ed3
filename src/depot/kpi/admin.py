"""Back office of KPIs, appraisals and training. Targets, weights, appraisals and training records
are saved through the services; the KPI pages are the views of `admin_views`."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from depot.core.admin import ReadOnlyAdminMixin, Rejected, ServiceAdminMixin, domain_errors
from depot.core.errors import DomainError
from depot.kpi import admin_views, services
from depot.kpi.models import Appraisal, AppraisalWeight, Course, KpiTarget, TrainingRecord, TrainingSession


@admin.register(KpiTarget)
class KpiTargetAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ("code", "target", "updated_by", "updated_at")
    list_select_related = ("updated_by",)
    fields = ("code", "target")

    def get_urls(self):
        return admin_views.urls(self.admin_site) + super().get_urls()

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = services.kpi_target_set(actor=request.user, code=obj.code, target=form.cleaned_data["target"])
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, saved)


@admin.register(AppraisalWeight)
class AppraisalWeightAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("component", "weight", "updated_by", "updated_at")

    def changelist_view(self, request, extra_context=None):
        return redirect("admin:kpi_weights")


class AppraisalForm(forms.ModelForm):
    class Meta:
        model = Appraisal
        fields = ("staff", "period_kind", "period_start", "attitude", "ability", "comment")
        help_texts = {"period_start": _("该月（或该年）中的任一日期")}


@admin.register(Appraisal)
class AppraisalAdmin(ServiceAdminMixin, ModelAdmin):
    form = AppraisalForm
    list_display = ("staff", "period_kind", "period_start", "total", "rating", "attitude", "ability", "assessed_by",
                    "person")
    list_select_related = ("staff", "assessed_by")
    list_filter = ("period_kind", "rating", "staff")
    readonly_fields = ("period_end", "total", "rating", "figure_table", "assessed_by", "assessed_at")

    def get_fields(self, request, obj=None):
        base = list(AppraisalForm.Meta.fields)
        return base + list(self.readonly_fields) if obj else base

    def get_readonly_fields(self, request, obj=None):
        return (("staff", "period_kind", "period_start") + self.readonly_fields) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("员工档案"))
    def person(self, obj):
        return format_html('<a class="text-primary-600" href="{}">{}</a>',
                           reverse("admin:kpi_person", args=[obj.staff_id]), _("打开"))

    @display(description=_("各项数据与得分"))
    def figure_table(self, obj):
        from depot.kpi.choices import Component

        rows = format_html_join(
            "", "<tr><td class='pr-4'>{}</td><td class='pr-4'>{}</td><td class='pr-4'>{}</td><td>{}%</td></tr>",
            ((Component(c).label, v.get("value") or _("暂无数据"), v.get("score") or "—", obj.weights.get(c, 0))
             for c, v in obj.figures.items()))
        return format_html("<table><tr><th class='pr-4'>{}</th><th class='pr-4'>{}</th><th class='pr-4'>{}</th>"
                           "<th>{}</th></tr>{}</table>", _("考核项"), _("实际"), _("得分"), _("权重"), rows)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = services.appraisal_save(
                actor=request.user, staff=data.get("staff", obj.staff), period_kind=data.get("period_kind",
                                                                                          obj.period_kind),
                period_start=data.get("period_start", obj.period_start), attitude=data["attitude"],
                ability=data["ability"], comment=data.get("comment", ""))
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, saved)


@admin.register(Course)
class CourseAdmin(ModelAdmin):
    list_display = ("name", "category", "hours", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        return False


class TrainingRecordInline(TabularInline):
    model = TrainingRecord
    fields = ("staff", "result", "score", "note", "hours")
    readonly_fields = ("hours",)
    extra = 1


@admin.register(TrainingSession)
class TrainingSessionAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ("course", "held_on", "hours", "trainer", "attendees")
    list_filter = ("course",)
    fields = ("course", "held_on", "hours", "trainer", "place")
    inlines = [TrainingRecordInline]

    def get_readonly_fields(self, request, obj=None):
        return ("course", "held_on", "hours") if obj else ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course").annotate(attendee_count=Count("records"))

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("学员数"), ordering="attendee_count")
    def attendees(self, obj):
        return obj.attendee_count

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["trainer", "place"])
            return
        data = form.cleaned_data
        try:
            saved = services.training_session_create(actor=request.user, course=data["course"],
                                                     held_on=data["held_on"], hours=data.get("hours"),
                                                     trainer=data.get("trainer", ""), place=data.get("place", ""))
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        session = form.instance
        for f in formset.forms:
            data = getattr(f, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("staff"):
                continue
            try:
                services.training_record_set(actor=request.user, session=session, staff=data["staff"],
                                             result=data.get("result"), score=data.get("score"),
                                             note=data.get("note", ""))
            except DomainError as exc:
                raise Rejected({None: [exc.message]}, {f.prefix: dict(exc.details)}) from exc
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("staff", "session", "hours", "score", "result")
    list_filter = ("result", "staff", "session__course__category")
