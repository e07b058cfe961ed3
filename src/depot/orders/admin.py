"""Back-office lists of orders (read-only): orders change only through the services, so every
state change is checked against its transition table and lands in the timeline."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from depot.customers.selectors import customer_list
from depot.orders import selectors
from depot.orders.models import (
    CreditReview,
    InboundLine,
    InboundOrder,
    OrderEvent,
    OrderException,
    OutboundLine,
    OutboundOrder,
    Package,
    PickLine,
    PickList,
    ReceiptLine,
)


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class OutboundLineInline(ReadOnlyInline):
    model = OutboundLine
    fields = ("line_no", "item_code", "item", "quantity", "allocated", "short", "picked", "shipped", "damaged",
              "not_found")


class PackageInline(ReadOnlyInline):
    model = Package
    fields = ("seq", "weight_kg", "length_cm", "width_cm", "height_cm", "created_at")


class OutboundEventInline(ReadOnlyInline):
    model = OrderEvent
    fk_name = "outbound"
    fields = ("at", "from_state", "to_state", "actor", "note", "internal_note", "visible_to_customer")
    verbose_name_plural = _("订单轨迹")


@admin.register(OutboundOrder)
class OutboundOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "state", "channel", "service_level", "priority", "due_at", "total_value",
                    "created_at")
    list_filter = ("state", "channel", "service_level", "hold_kind")
    search_fields = ("number", "external_ref", "customer__name", "customer__short_name", "customer__code",
                     "consignee_name", "tracking_number")
    date_hierarchy = "created_at"
    exclude = ("consignee_phone",)
    inlines = [OutboundLineInline, PackageInline, OutboundEventInline]

    def get_queryset(self, request):
        return selectors.outbound_list(user=request.user)


class InboundLineInline(ReadOnlyInline):
    model = InboundLine
    fields = ("line_no", "item", "expected_quantity", "lot_number", "received_good", "received_damaged", "put_away")


class ReceiptLineInline(ReadOnlyInline):
    model = ReceiptLine
    fields = ("line", "lot", "location", "quantity_good", "quantity_damaged", "put_away", "received_by",
              "received_at", "note")


class InboundEventInline(ReadOnlyInline):
    model = OrderEvent
    fk_name = "inbound"
    fields = ("at", "from_state", "to_state", "actor", "note", "internal_note", "visible_to_customer")
    verbose_name_plural = _("订单轨迹")


@admin.register(InboundOrder)
class InboundOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "warehouse", "state", "expected_date", "channel", "created_at")
    list_filter = ("state", "channel", "warehouse")
    search_fields = ("number", "external_ref", "customer__name", "customer__short_name", "customer__code")
    date_hierarchy = "created_at"
    inlines = [InboundLineInline, ReceiptLineInline, InboundEventInline]

    def get_queryset(self, request):
        return selectors.inbound_list(user=request.user)


@admin.register(CreditReview)
class CreditReviewAdmin(ReadOnlyAdmin):
    list_display = ("order", "state", "exposure", "credit_limit", "overdue_amount", "requested_at", "decided_by",
                    "decided_at")
    list_filter = ("state",)
    search_fields = ("order__number", "order__customer__name")

    def get_queryset(self, request):
        return (CreditReview.objects.filter(order__customer__in=customer_list(user=request.user))
                .select_related("order", "decided_by"))


class PickLineInline(ReadOnlyInline):
    model = PickLine
    fields = ("location_code", "order", "item", "lot", "quantity", "picked", "damaged", "confirmed_by",
              "confirmed_at", "cancelled")


@admin.register(PickList)
class PickListAdmin(ReadOnlyAdmin):
    list_display = ("number", "state", "created_by", "created_at", "completed_at")
    list_filter = ("state",)
    search_fields = ("number",)
    inlines = [PickLineInline]

    def get_queryset(self, request):
        return selectors.picklist_list(user=request.user)


@admin.register(OrderException)
class OrderExceptionAdmin(ReadOnlyAdmin):
    list_display = ("order", "kind", "state", "quantity", "opened_by", "opened_at", "resolution", "resolved_by")
    list_filter = ("state", "kind", "resolution")
    search_fields = ("order__number", "details")

    def get_queryset(self, request):
        return selectors.exception_list(user=request.user, state=None)
