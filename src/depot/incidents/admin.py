"""Back office of incidents and delay notices. The lists are Unfold changelists scoped by the
selectors; an incident's page, its step forms, 登记货损货丢, the approval queue, the photo download
and the delay notice pages are the views of `admin_views`."""

from django.contrib import admin
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from depot.incidents import admin_views, selectors
from depot.incidents.choices import IncidentState
from depot.incidents.models import DelayNotice, Incident
from depot.orders.admin_views import money, when

STATE_COLOURS = {s: admin_views.STATE_VARIANTS.get(s) or "default" for s in IncidentState.values}


class ServiceOnlyAdmin(ModelAdmin):
    """Nothing is edited or deleted through the generic admin forms."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ServiceOnlyAdmin):
    list_display = ("code", "customer", "kind", "state_label", "occurred", "assessed", "compensation", "paid",
                    "liability")
    list_filter = ("state", "kind", "liability", "insurance_state")
    search_fields = ("code", "customer__name", "customer__short_name", "customer__code", "order__number",
                     "liable_party", "insurance_claim_no")
    list_per_page = 50
    actions_list = ["new_incident", "approvals"]
    list_before_template = "orders/admin/outbound_tabs.html"

    def get_queryset(self, request):
        return selectors.incident_list(user=request.user)

    @display(description=_("状态"), ordering="state", label=STATE_COLOURS)
    def state_label(self, incident):
        return incident.state, incident.get_state_display()

    @display(description=_("发生时间"), ordering="occurred_at")
    def occurred(self, incident):
        return when(incident.occurred_at)

    @display(description=_("定损金额"), ordering="assessed_amount")
    def assessed(self, incident):
        return money(incident.assessed_amount)

    @display(description=_("赔偿金额"), ordering="compensation_amount")
    def compensation(self, incident):
        return money(incident.compensation_amount)

    @display(description=_("已赔付"), ordering="paid_amount")
    def paid(self, incident):
        return money(incident.paid_amount)

    def changelist_view(self, request, extra_context=None):
        counts = dict(self.get_queryset(request).order_by().values_list("state").annotate(n=Count("id")))
        base = reverse("admin:incidents_incident_changelist")
        current = request.GET.get("state__exact")
        tabs = [{"title": _("全部（%(n)d）") % {"n": sum(counts.values())}, "link": base, "active": not current}]
        tabs += [{"title": f"{label}（{counts.get(value, 0)}）", "link": f"{base}?{urlencode({'state__exact': value})}",
                  "active": current == value} for value, label in IncidentState.choices]
        return super().changelist_view(request, {**(extra_context or {}), "depot_tabs": tabs})

    def has_add_permission(self, request):
        return request.user.has_perm("incidents.add_incident")

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.incident_new(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.incident_page(request, object_id)

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<int:pk>/do/<str:action>/", view(admin_views.incident_action), name="incidents_incident_action"),
            path("<int:pk>/photos/<int:photo_pk>/", view(admin_views.photo_view), name="incidents_incident_photo"),
            path("approvals/", view(admin_views.approval_queue), name="incidents_approval_queue"),
            *super().get_urls(),
        ]

    @action(description=_("登记货损货丢"), url_path="new", icon="add", permissions=["incidents.add_incident"])
    def new_incident(self, request):
        return redirect("admin:incidents_incident_add")

    @action(description=_("赔偿审批"), url_path="approvals-link", icon="gavel",
            permissions=["incidents.approve_compensation"])
    def approvals(self, request):
        return redirect("admin:incidents_approval_queue")


@admin.register(DelayNotice)
class DelayNoticeAdmin(ServiceOnlyAdmin):
    list_display = ("order", "customer", "reason_category", "reason", "expected", "created_by", "created")
    list_filter = ("reason_category",)
    search_fields = ("order__number", "order__customer__name", "order__customer__short_name", "reason")
    list_per_page = 50
    actions_list = ["new_notice"]

    def get_queryset(self, request):
        return selectors.delay_notice_list(user=request.user).prefetch_related("updates")

    @display(description=_("客户"))
    def customer(self, notice):
        return str(notice.order.customer)

    @display(description=_("预计送达时间"))
    def expected(self, notice):
        return when(notice.current_expected_at)

    @display(description=_("通知时间"), ordering="created_at")
    def created(self, notice):
        return when(notice.created_at)

    def has_add_permission(self, request):
        return request.user.has_perm("incidents.add_delaynotice")

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.delay_notice_new(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.delay_notice_page(request, object_id)

    @action(description=_("新建延误通知"), url_path="new", icon="add", permissions=["incidents.add_delaynotice"])
    def new_notice(self, request):
        return redirect("admin:incidents_delaynotice_add")
