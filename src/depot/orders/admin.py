"""Back office of orders. The lists are Unfold changelists scoped by the selectors; an order's page,
its action forms, 新建出库单/入库单, the pick list and the Excel import are the views of
`admin_views` and `import_views`. Orders change only through the services, so every state change
is checked against its transition table and lands in the timeline."""

from django.contrib import admin, messages
from django.db.models import Count, F, Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from depot.core.errors import DomainError
from depot.customers.selectors import within_customers
from depot.orders import admin_views, selectors, services
from depot.orders.choices import ExceptionState, InboundState, OutboundState
from depot.orders.models import CreditReview, InboundOrder, OrderException, OutboundOrder, PickList

# Unfold shows the raw value of a state missing here: every state gets a colour ("default": grey).
STATE_COLOURS = {s: admin_views.STATE_VARIANTS.get(s) or "default" for s in OutboundState.values}
INBOUND_COLOURS = {s: admin_views.STATE_VARIANTS.get(s) or "default" for s in InboundState.values}
# Lists of these states are work queues: the most important customers' orders first, then the
# earliest due.
QUEUE_STATES = {OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT, OutboundState.CREDIT_REVIEW,
                OutboundState.HELD, OutboundState.ALLOCATED, OutboundState.PICKING, OutboundState.SUSPENDED,
                OutboundState.PICKED, OutboundState.PACKED}
QUEUE_ORDERING = ["priority", F("due_at").asc(nulls_last=True), "created_at", "pk"]


def _order_link(order) -> str:
    return format_html('<a class="text-primary-600 dark:text-primary-500" href="{}">{}</a>',
                       admin_views.order_url(order), order.number)


class ServiceOnlyAdmin(ModelAdmin):
    """Nothing is edited or deleted through the generic admin forms."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundOrder)
class OutboundOrderAdmin(ServiceOnlyAdmin):
    show_full_result_count = False  # a long table: no second COUNT over all of it
    list_display = ("number", "customer", "state_label", "priority", "due", "consignee_name", "channel",
                    "total_value", "created_at")
    list_filter = ("state", "channel", "service_level", "hold_kind")
    search_fields = ("number", "external_ref", "customer__name", "customer__short_name", "customer__code",
                     "consignee_name", "tracking_number")
    list_before_template = "orders/admin/outbound_tabs.html"
    list_per_page = 50
    actions = ["audit_selected", "allocate_selected", "picklist_selected", "cancel_selected"]
    actions_list = ["new_order", "import_excel"]

    def get_queryset(self, request):
        return selectors.outbound_list(user=request.user)

    def get_search_results(self, request, queryset, search_term):
        """A whole order number, customer order number or tracking number pasted in finds its order
        through the indexes; anything else is searched for inside every search field, as usual."""
        term = search_term.strip()
        if term and not any(ch.isspace() for ch in term):
            exact = queryset.filter(Q(number=term) | Q(external_ref=term) | Q(tracking_number=term))
            if exact.exists():
                return exact, False
        return super().get_search_results(request, queryset, search_term)

    def get_ordering(self, request):
        if request.GET.get("state__exact") in QUEUE_STATES:
            return QUEUE_ORDERING
        return ["-created_at", "-id"]

    @display(description=_("状态"), ordering="state", label=STATE_COLOURS)
    def state_label(self, order):
        return order.state, order.get_state_display()

    @display(description=_("应发货时间"), ordering="due_at")
    def due(self, order):
        return admin_views.when(order.due_at)

    def changelist_view(self, request, extra_context=None):
        counts = dict(self.get_queryset(request).order_by().values_list("state").annotate(n=Count("id")))
        base = reverse("admin:orders_outboundorder_changelist")
        current = request.GET.get("state__exact")
        tabs = [{"title": _("全部（%(n)d）") % {"n": sum(counts.values())}, "link": base, "active": not current}]
        tabs += [{"title": f"{label}（{counts.get(value, 0)}）", "link": f"{base}?{urlencode({'state__exact': value})}",
                  "active": current == value} for value, label in OutboundState.choices]
        return super().changelist_view(request, {**(extra_context or {}), "depot_tabs": tabs})

    # -- pages -----------------------------------------------------------------------------

    def has_add_permission(self, request):
        return request.user.has_perm("orders.add_outboundorder")

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.outbound_new(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.outbound_page(request, object_id)

    def get_urls(self):
        from depot.orders import import_views

        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<int:pk>/do/<str:action>/", view(admin_views.outbound_action), name="orders_outbound_action"),
            path("import/", view(import_views.import_view), name="orders_outbound_import"),
            path("import/template/", view(import_views.template_view), name="orders_outbound_import_template"),
            path("import/<int:pk>/", view(import_views.status_view), name="orders_outbound_import_status"),
            *super().get_urls(),
        ]

    @action(description=_("新建出库单"), url_path="new", icon="add", permissions=["orders.add_outboundorder"])
    def new_order(self, request):
        return redirect("admin:orders_outboundorder_add")

    @action(description=_("从Excel导入"), url_path="import-excel", icon="upload",
            permissions=["orders.add_outboundorder"])
    def import_excel(self, request):
        return redirect("admin:orders_outbound_import")

    # -- bulk actions ----------------------------------------------------------------------

    def has_audit_permission(self, request):
        return request.user.has_perm("orders.audit_outbound")

    def has_picklist_permission(self, request):
        return request.user.has_perm("orders.add_picklist")

    def has_cancel_permission(self, request):
        return request.user.has_perm("orders.cancel_outbound")

    @admin.action(description=_("审核所选出库单"), permissions=["audit"])
    def audit_selected(self, request, queryset):
        admin_views.bulk_run(request, list(queryset.order_by(*QUEUE_ORDERING)), services.outbound_audit,
                             verb=_("审核"))

    @admin.action(description=_("重新分配库存（已暂挂的出库单）"), permissions=["audit"])
    def allocate_selected(self, request, queryset):
        admin_views.bulk_run(request, list(queryset.order_by(*QUEUE_ORDERING)), services.outbound_allocate,
                             verb=_("分配"))

    @admin.action(description=_("生成拣货单（波次）"), permissions=["picklist"])
    def picklist_selected(self, request, queryset):
        try:
            pick_list = services.picklist_create(actor=request.user, orders=list(queryset))
        except DomainError as exc:
            messages.error(request, admin_views.error_message(exc))
            return None
        messages.success(request, _("已生成拣货单%(p)s，共%(n)d张出库单") % {
            "p": pick_list.number, "n": queryset.count()})
        return redirect(admin_views.picklist_url(pick_list))

    @admin.action(description=_("取消所选出库单（需填写原因）"), permissions=["cancel"])
    def cancel_selected(self, request, queryset):
        return admin_views.bulk_cancel(request, self, queryset)


@admin.register(InboundOrder)
class InboundOrderAdmin(ServiceOnlyAdmin):
    list_display = ("number", "customer", "warehouse", "state_label", "expected_date", "channel", "created_at")
    list_filter = ("state", "channel", "warehouse")
    search_fields = ("number", "external_ref", "customer__name", "customer__short_name", "customer__code")
    list_per_page = 50
    actions_list = ["new_order"]

    def get_queryset(self, request):
        return selectors.inbound_list(user=request.user)

    @display(description=_("状态"), ordering="state", label=INBOUND_COLOURS)
    def state_label(self, order):
        return order.state, order.get_state_display()

    def has_add_permission(self, request):
        return request.user.has_perm("orders.add_inboundorder")

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.inbound_new(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.inbound_page(request, object_id)

    def get_urls(self):
        return [path("<int:pk>/do/<str:action>/", self.admin_site.admin_view(admin_views.inbound_action),
                     name="orders_inbound_action"), *super().get_urls()]

    @action(description=_("新建入库单"), url_path="new", icon="add", permissions=["orders.add_inboundorder"])
    def new_order(self, request):
        return redirect("admin:orders_inboundorder_add")


@admin.register(CreditReview)
class CreditReviewAdmin(ServiceOnlyAdmin):
    list_display = ("order_link", "customer", "state", "reasons_text", "exposure", "credit_limit", "overdue_amount",
                    "requested_at", "decided_by", "decision_reason")
    list_filter = ("state",)
    search_fields = ("order__number", "order__customer__name", "order__customer__code")
    list_per_page = 50

    def get_queryset(self, request):
        if not request.user.has_perm("orders.view_creditreview"):
            return CreditReview.objects.none()
        return (within_customers(CreditReview.objects.all(), user=request.user, field="order__customer")
                .select_related("order__customer", "decided_by"))

    def get_ordering(self, request):
        return ["order__priority", F("order__due_at").asc(nulls_last=True), "requested_at", "pk"]

    def has_add_permission(self, request):
        return False

    @display(description=_("出库单"), ordering="order__number")
    def order_link(self, review):
        return _order_link(review.order)

    @display(description=_("客户"))
    def customer(self, review):
        return review.order.customer

    @display(description=_("审核原因"))
    def reasons_text(self, review):
        return "；".join(review.reasons)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if review is None:
            return redirect("admin:orders_creditreview_changelist")
        return redirect(admin_views.order_url(review.order))


@admin.register(PickList)
class PickListAdmin(ServiceOnlyAdmin):
    show_full_result_count = False  # a long table: no second COUNT over all of it
    list_display = ("number", "state", "created_by", "created_at", "completed_at")
    list_filter = ("state",)
    search_fields = ("number",)
    list_per_page = 50

    def get_queryset(self, request):
        return selectors.picklist_list(user=request.user)

    def has_add_permission(self, request):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.picklist_page(request, object_id)


@admin.register(OrderException)
class OrderExceptionAdmin(ServiceOnlyAdmin):
    list_display = ("order_link", "customer", "kind", "quantity", "details", "state_label", "opened_by", "opened_at",
                    "resolution", "resolved_by")
    list_filter = ("state", "kind", "resolution")
    search_fields = ("order__number", "details")
    list_per_page = 50

    def get_queryset(self, request):
        return selectors.exception_list(user=request.user, state=None).select_related("opened_by", "resolved_by")

    def has_add_permission(self, request):
        return False

    @display(description=_("出库单"), ordering="order__number")
    def order_link(self, exception):
        return _order_link(exception.order)

    @display(description=_("客户"))
    def customer(self, exception):
        return exception.order.customer

    @display(description=_("状态"), ordering="state",
             label={ExceptionState.OPEN: "danger", ExceptionState.RESOLVED: "success"})
    def state_label(self, exception):
        return exception.state, exception.get_state_display()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        exception = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if exception is None:
            return redirect("admin:orders_orderexception_changelist")
        return redirect(admin_views.order_url(exception.order))
