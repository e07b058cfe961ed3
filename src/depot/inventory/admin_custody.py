"""保管养护 in the back office: inspection plans (due and overdue first) and recording an
inspection, temperature/humidity readings with a chart per zone, and alerts with the stock they
concern and their acknowledge/close buttons."""

import datetime

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import display

from depot.core.admin import add_domain_errors
from depot.core.errors import DomainError
from depot.inventory import forms, selectors_custody, services
from depot.inventory.admin import ReadOnlyAdmin, ServiceSavedAdmin
from depot.inventory.admin_views import (
    NO_DATA,
    chart,
    get_or_404,
    item_url,
    label,
    link,
    lot_url,
    owner_text,
    render,
    require,
    when,
)
from depot.inventory.choices import AlertState, ReadingSource
from depot.inventory.models import EnvironmentAlert, EnvironmentReading, Inspection, InspectionPlan, Zone
from depot.inventory.services.custody import PLAN_FIELDS

READING_DAYS = 7
STATE_VARIANTS = {AlertState.OPEN: "danger", AlertState.ACKNOWLEDGED: "warning", AlertState.CLOSED: "success"}


# --- inspection plans ---------------------------------------------------------------------------


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ServiceSavedAdmin):
    list_display = ("title", "scope_display", "frequency_days", "next_due", "due_display", "responsible",
                    "is_active", "record_link")
    list_filter = ("is_active", "warehouse")
    search_fields = ("title",)
    fields = ("title", "warehouse") + PLAN_FIELDS[1:]
    service_fields = PLAN_FIELDS + ("warehouse",)
    ordering = ("next_due", "title")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "responsible":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
        elif db_field.name == "zone":
            kwargs["queryset"] = Zone.objects.filter(is_active=True).select_related("warehouse")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return selectors_custody.inspection_plan_list(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        return ("warehouse",) if obj else ()

    def service_save(self, request, obj, data):
        if obj is None:
            warehouse = data.pop("warehouse")
            return services.inspection_plan_create(actor=request.user, warehouse=warehouse, data=data)
        data.pop("warehouse", None)
        return services.inspection_plan_update(actor=request.user, plan=obj, data=data)

    @display(description=gettext_lazy("检查范围"))
    def scope_display(self, plan):
        return plan.scope_label

    @display(description=gettext_lazy("到期状态"))
    def due_display(self, plan):
        today = timezone.localdate()
        if not plan.is_active:
            return label(_("已停用"))
        if plan.next_due < today:
            return label(_("逾期%(n)d天") % {"n": (today - plan.next_due).days}, "danger")
        if plan.next_due == today:
            return label(_("今日到期"), "warning")
        return label(_("%(n)d天后") % {"n": (plan.next_due - today).days})

    @display(description=gettext_lazy("操作"))
    def record_link(self, plan):
        if plan.is_active and plan.next_due <= timezone.localdate():
            return link(reverse("admin:inventory_inspection_record", args=[plan.pk]), _("录入检查"))
        return NO_DATA

    def get_urls(self):
        return [path("<int:pk>/record/", self.admin_site.admin_view(inspection_record_view),
                     name="inventory_inspection_record")] + super().get_urls()


def inspection_record_view(request, pk):
    require(request, "inventory.add_inspection")
    plan = get_or_404(selectors_custody.inspection_plan_get, user=request.user, pk=pk)
    form = forms.InspectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_record(actor=request.user, plan=plan, result=form.cleaned_data["result"],
                                       findings=form.cleaned_data["findings"], done_at=form.cleaned_data["done_at"],
                                       photo=form.cleaned_data["photo"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            plan.refresh_from_db()
            messages.success(request, _("检查已记录，下次检查日期：%(due)s") % {"due": plan.next_due})
            return redirect("admin:inventory_inspectionplan_changelist")
    history = selectors_custody.inspection_list(user=request.user, plan=plan)[:10]
    sections = [
        {"kind": "text", "title": _("检查项目"),
         "lines": [line for line in plan.checklist.splitlines() if line.strip()]},
        {"kind": "form", "title": _("录入检查结果"), "form": form, "submit_label": _("保存检查结果"),
         "name": "record", "multipart": True},
        {"kind": "table", "title": _("最近检查"), "headers": [_("检查时间"), _("应检日期"), _("结果"), _("检查记录"),
                                                          _("检查人")],
         "rows": [[when(i.done_at), when(i.due_date), i.get_result_display(), i.findings or NO_DATA,
                   i.done_by.get_username()] for i in history]},
    ]
    cards = [{"label": _("检查范围"), "value": plan.scope_label},
             {"label": _("应检日期"), "value": when(plan.next_due)},
             {"label": _("检查周期"), "value": _("每%(n)d天") % {"n": plan.frequency_days}},
             {"label": _("负责人"), "value": plan.responsible.get_full_name() or plan.responsible.get_username()}]
    return render(request, title=_("录入检查 · %(plan)s") % {"plan": plan}, cards=cards, sections=sections)


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("done_at", "plan", "due_date", "result", "findings", "done_by", "photo")
    list_filter = ("result", "plan__warehouse")
    search_fields = ("plan__title", "findings")

    def get_queryset(self, request):
        return selectors_custody.inspection_list(user=request.user)


# --- readings -------------------------------------------------------------------------------------


def zone_chart(zone, readings) -> dict:
    """A line chart of one zone's readings (temperature left, humidity right) with its limits."""
    readings = sorted(readings, key=lambda r: r.measured_at)
    labels = [timezone.localtime(r.measured_at).strftime("%m-%d %H:%M") for r in readings]
    datasets = [{"label": _("温度（℃）"), "data": [_float(r.temperature) for r in readings], "yAxisID": "y",
                 "borderColor": "#ef4444", "backgroundColor": "#ef4444", "spanGaps": True, "pointRadius": 1}]
    if any(r.humidity is not None for r in readings):
        datasets.append({"label": _("湿度（%RH）"), "data": [_float(r.humidity) for r in readings], "yAxisID": "y1",
                         "borderColor": "#3b82f6", "backgroundColor": "#3b82f6", "spanGaps": True,
                         "pointRadius": 1})
    for value, text in ((zone.temperature_max, _("温度上限")), (zone.temperature_min, _("温度下限"))):
        if value is not None:
            datasets.append({"label": text, "data": [float(value)] * len(readings), "yAxisID": "y",
                             "borderColor": "#f97316", "borderDash": [6, 4], "pointRadius": 0, "borderWidth": 1})
    data, options = chart({"labels": labels, "datasets": datasets}, {
        "maintainAspectRatio": False, "animation": False,
        "plugins": {"legend": {"display": True, "position": "top", "align": "end"}},
        "scales": {"x": {"ticks": {"maxTicksLimit": 8}}, "y": {"position": "left"},
                   "y1": {"position": "right", "min": 0, "max": 100, "grid": {"drawOnChartArea": False}}},
    })
    return {"kind": "chart", "type": "line", "title": str(zone), "data": data, "options": options, "height": 240,
            "note": _range_text(zone)}


def _float(value):
    return None if value is None else float(value)


def _range_text(zone) -> str:
    def part(lo, hi, unit):
        if lo is None and hi is None:
            return _("不限")
        return f"{lo if lo is not None else '…'} ~ {hi if hi is not None else '…'}{unit}"

    return _("温度%(t)s，湿度%(h)s") % {"t": part(zone.temperature_min, zone.temperature_max, "℃"),
                                     "h": part(zone.humidity_min, zone.humidity_max, "%RH")}


@admin.register(EnvironmentReading)
class EnvironmentReadingAdmin(ServiceSavedAdmin):
    list_display = ("measured_at", "zone", "temperature", "humidity", "source", "sensor_id", "recorded_by")
    list_filter = ("zone", "source")
    search_fields = ("sensor_id",)
    date_hierarchy = "measured_at"
    fields = ("zone", "measured_at", "temperature", "humidity")
    service_fields = fields
    list_before_template = "inventory/admin/reading_charts.html"

    def get_queryset(self, request):
        return selectors_custody.reading_list(user=request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        return {"measured_at": timezone.localtime().replace(second=0, microsecond=0)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "zone":
            kwargs["queryset"] = Zone.objects.filter(is_active=True).select_related("warehouse")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, request, obj, data):
        reading = services.reading_record(actor=request.user, zone=data["zone"], temperature=data.get("temperature"),
                                          humidity=data.get("humidity"), measured_at=data.get("measured_at"),
                                          source=ReadingSource.MANUAL)
        for alert in reading.opened_alerts:
            messages.warning(request, _("%(zone)s%(kind)s：读数%(value)s，限值%(limit)s，已生成告警") % {
                "zone": alert.zone, "kind": alert.get_kind_display(), "value": alert.value, "limit": alert.limit})
        return reading

    def changelist_view(self, request, extra_context=None):
        since = timezone.now() - datetime.timedelta(days=READING_DAYS)
        zone_id = request.GET.get("zone__id__exact")
        zones = list(selectors_custody.zones_with_readings(user=request.user, since=since))
        if zone_id:
            zones = [z for z in zones if str(z.pk) == zone_id]
        readings: dict[int, list] = {z.pk: [] for z in zones}
        for reading in (selectors_custody.reading_list(user=request.user, since=since)
                        .filter(zone_id__in=list(readings)).select_related(None)
                        .only("zone_id", "measured_at", "temperature", "humidity")):
            readings[reading.zone_id].append(reading)
        charts = [zone_chart(z, readings[z.pk]) for z in zones]
        context = {**(extra_context or {}), "reading_charts": charts,
                   "reading_days": READING_DAYS}
        return super().changelist_view(request, extra_context=context)


# --- alerts ---------------------------------------------------------------------------------------


@admin.register(EnvironmentAlert)
class EnvironmentAlertAdmin(ModelAdmin):
    list_display = ("opened_at", "zone", "kind", "value", "limit", "readings_count", "state_display",
                    "acknowledged_by", "closed_at")
    list_filter = ("state", "kind", "zone")
    list_display_links = ("opened_at", "zone")

    def get_queryset(self, request):
        return selectors_custody.alert_list(user=request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @display(description=gettext_lazy("状态"), ordering="state")
    def state_display(self, alert):
        return label(alert.get_state_display(), STATE_VARIANTS.get(alert.state, ""))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return alert_detail(request, object_id)


def alert_detail(request, pk):
    require(request, "inventory.view_environmentalert")
    alert = get_or_404(selectors_custody.alert_get, user=request.user, pk=pk)
    can_handle = request.user.has_perm("inventory.handle_environmentalert")
    ack_form = forms.NoteForm(request.POST if "acknowledge" in request.POST else None, prefix="ack")
    close_form = forms.NoteForm(request.POST if "close" in request.POST else None, prefix="close")
    close_form.fields["note"].required = True
    close_form.fields["note"].help_text = _("关闭须说明采取的措施和货物检查结果")
    if request.method == "POST":
        if not can_handle:
            raise PermissionDenied
        form, service = ((ack_form, services.alert_acknowledge) if "acknowledge" in request.POST
                         else (close_form, services.alert_close))
        if form.is_valid():
            try:
                service(actor=request.user, alert=alert, note=form.cleaned_data["note"])
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("告警已更新"))
                return redirect(request.path)

    affected = selectors_custody.alert_affected_stock(user=request.user, alert=alert)
    around = alert.reading.measured_at
    readings = selectors_custody.reading_list(user=request.user, zone=alert.zone,
                                              since=around - datetime.timedelta(hours=24),
                                              until=around + datetime.timedelta(hours=24))
    cards = [
        {"label": _("库区"), "value": alert.zone.name, "note": str(alert.zone)},
        {"label": alert.get_kind_display(), "value": f"{alert.value}", "note": _("限值%(limit)s") % {
            "limit": alert.limit}},
        {"label": _("超限次数"), "value": alert.readings_count,
         "note": _("最近一次：%(t)s") % {"t": when(alert.last_reading.measured_at)}},
        {"label": _("状态"), "value": alert.get_state_display(), "note": when(alert.opened_at)},
    ]
    lines = [_("告警时间：%(t)s") % {"t": when(alert.opened_at)}]
    if alert.acknowledged_at:
        lines.append(_("确认：%(who)s %(t)s") % {"who": alert.acknowledged_by, "t": when(alert.acknowledged_at)})
    if alert.closed_at:
        lines.append(_("关闭：%(who)s %(t)s") % {"who": alert.closed_by, "t": when(alert.closed_at)})
    if alert.note:
        lines.append(_("处理说明：%(note)s") % {"note": alert.note})
    sections = [{"kind": "text", "title": _("处理经过"), "lines": lines}]
    if can_handle and alert.state == AlertState.OPEN:
        sections.append({"kind": "form", "title": _("确认告警"), "form": ack_form, "submit_label": _("确认"),
                         "name": "acknowledge", "variant": "default"})
    if can_handle and alert.state != AlertState.CLOSED:
        sections.append({"kind": "form", "title": _("关闭告警"), "form": close_form, "submit_label": _("关闭告警"),
                         "name": "close"})
    total = sum(a.quantity for a in affected)
    sections.append({
        "kind": "table", "title": _("受影响的库存（告警时库区内的货物）"),
        "note": _("共%(n)d个批次、%(q)d件；按货主、货品、批次列出。") % {"n": len(affected), "q": total},
        "headers": [_("货主"), _("货品"), _("批号"), _("到期日期"), _("数量")],
        "rows": [[owner_text(a.owner), link(item_url(a.item), a.item), link(lot_url(a.lot), a.lot.lot_number),
                  when(a.lot.expiry_date), a.quantity] for a in affected]})
    sections.append({**zone_chart(alert.zone, list(readings)), "title": _("告警前后24小时读数")})
    return render(request, title=_("温湿度告警 · %(zone)s %(kind)s") % {
        "zone": alert.zone, "kind": alert.get_kind_display()}, cards=cards, sections=sections)
