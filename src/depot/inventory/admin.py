"""Back-office lists of inventory. Master data is edited through the services (a `DomainError`
becomes form errors); the ledger, balances, lots, reservations and counts are read-only here."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from depot.core.admin import ReadOnlyAdminMixin
from depot.core.admin_filters import DayRangeFilter, IndexedValuesFilter
from depot.core.errors import DomainError
from depot.customers.selectors import customer_list, within_customers
from depot.inventory import selectors, services
from depot.inventory.choices import LocationStatus
from depot.inventory.models import (
    Balance,
    Item,
    Location,
    Lot,
    ReplenishmentSettings,
    Reservation,
    StockMove,
    Warehouse,
    Zone,
)


class ServiceSavedAdmin(ModelAdmin):
    """The change form hands its cleaned data to a service instead of saving the model itself."""

    service_fields: tuple[str, ...] = ()

    def service_save(self, request, obj, data: dict):
        raise NotImplementedError

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        model_admin = self

        class ServiceForm(form_class):
            def _post_clean(self):
                if self._errors:
                    return
                data = {f: self.cleaned_data[f] for f in model_admin.service_fields if f in self.cleaned_data}
                try:
                    self.instance = model_admin.service_save(request, obj, data)
                except DomainError as exc:
                    for field, msgs in (exc.details or {"__all__": [str(exc.message)]}).items():
                        for msg in msgs:
                            self.add_error(field if field in self.fields else None, str(msg))

        return ServiceForm

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in the form's validation

    def save_related(self, request, form, formsets, change):
        pass

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, ModelAdmin):
    pass


@admin.register(Item)
class ItemAdmin(ServiceSavedAdmin):
    list_display = ("code", "name", "owner", "category", "storage_class", "hazard_class", "rotation", "abc_class",
                    "is_active", "stock_link")
    list_filter = ("category", "storage_class", "hazard_class", "rotation", "abc_class", "is_active")
    search_fields = ("code", "name", "barcode", "owner__name", "owner__short_name", "owner__code")
    service_fields = services.master.ITEM_FIELDS + ("owner",)

    def get_queryset(self, request):
        return selectors.item_list(user=request.user)

    def get_urls(self):
        from depot.inventory import admin_views

        return admin_views.urls(self.admin_site) + super().get_urls()

    @display(description=_("库存与分析"))
    def stock_link(self, item):
        from depot.inventory.admin_views import link

        return link(reverse("admin:inventory_item_stock", args=[item.pk]), _("查看"))

    def get_readonly_fields(self, request, obj=None):
        return ("owner",) if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = customer_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, request, obj, data):
        if obj is None:
            owner = data.pop("owner")
            return services.item_create(actor=request.user, owner=owner, data=data)
        data.pop("owner", None)
        return services.item_update(actor=request.user, item=obj, data=data)


@admin.register(Warehouse)
class WarehouseAdmin(ServiceSavedAdmin):
    list_display = ("code", "name", "address", "is_active")
    search_fields = ("code", "name")
    service_fields = services.master.WAREHOUSE_FIELDS

    def service_save(self, request, obj, data):
        if obj is None:
            return services.warehouse_create(actor=request.user, data=data)
        return services.warehouse_update(actor=request.user, warehouse=obj, data=data)


@admin.register(Zone)
class ZoneAdmin(ServiceSavedAdmin):
    list_display = ("__str__", "temperature_class", "hazard_class", "humidity_min", "humidity_max", "is_active")
    list_select_related = ("warehouse",)
    list_filter = ("warehouse", "temperature_class", "hazard_class", "is_active")
    search_fields = ("code", "name")
    service_fields = services.master.ZONE_FIELDS + ("warehouse",)

    def get_readonly_fields(self, request, obj=None):
        return ("warehouse",) if obj else ()

    def service_save(self, request, obj, data):
        if obj is None:
            warehouse = data.pop("warehouse")
            return services.zone_create(actor=request.user, warehouse=warehouse, data=data)
        data.pop("warehouse", None)
        return services.zone_update(actor=request.user, zone=obj, data=data)


@admin.register(Location)
class LocationAdmin(ServiceSavedAdmin):
    list_display = ("code", "zone", "kind", "capacity", "capacity_unit", "status", "status_reason")
    list_select_related = ("zone__warehouse",)
    list_filter = ("kind", "status", "zone__warehouse", "zone")
    search_fields = ("code",)
    service_fields = services.master.LOCATION_FIELDS + ("zone",)
    actions = ("block_locations", "unblock_locations")

    def get_readonly_fields(self, request, obj=None):
        return ("zone", "status", "status_reason") if obj else ("status", "status_reason")

    def service_save(self, request, obj, data):
        if obj is None:
            zone = data.pop("zone")
            return services.location_create(actor=request.user, zone=zone, data=data)
        data.pop("zone", None)
        return services.location_update(actor=request.user, location=obj, data=data)

    def _set_status(self, request, queryset, status, reason):
        done = 0
        for location in queryset:
            try:
                services.location_set_status(actor=request.user, location=location, status=status, reason=reason)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{location}：{exc.message}", messages.ERROR)
        if done:
            self.message_user(request, _("已更新%(n)d个库位") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("锁定所选库位"), permissions=["change"])
    def block_locations(self, request, queryset):
        self._set_status(request, queryset, LocationStatus.BLOCKED, str(_("后台锁定")))

    @admin.action(description=_("解锁所选库位"), permissions=["change"])
    def unblock_locations(self, request, queryset):
        self._set_status(request, queryset, LocationStatus.ACTIVE, "")


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("lot_number", "item", "production_date", "expiry_date", "received_on", "history_link")
    list_filter = ("received_on", "expiry_date")
    search_fields = ("lot_number", "item__code", "item__name")
    date_hierarchy = "received_on"

    def get_queryset(self, request):
        return (within_customers(Lot.objects.all(), user=request.user, field="item__owner")
                .select_related("item"))

    @display(description=_("流水"))
    def history_link(self, lot):
        from depot.inventory.admin_views import link

        return link(reverse("admin:inventory_lot_moves", args=[lot.pk]), _("查看"))


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("item", "lot", "location", "on_hand", "reserved", "available_display", "updated_at")
    list_filter = ("location__zone__warehouse", "location__zone", "location__kind")
    search_fields = ("item__code", "item__name", "lot__lot_number", "location__code")

    def get_queryset(self, request):
        return selectors.stock_by_location(user=request.user)

    @admin.display(description=_("可用数量"))
    def available_display(self, obj):
        return obj.available


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    show_full_result_count = False  # a long table: no second COUNT over all of it
    list_display = ("at", "kind", "owner", "item", "lot", "from_location", "to_location", "quantity", "document_ref",
                    "reason", "actor")
    list_filter = ("kind", ("at", DayRangeFilter))
    list_filter_submit = True
    search_fields = ("item__code", "item__name", "lot__lot_number", "document_ref", "reason")

    def get_queryset(self, request):
        return selectors.item_moves(user=request.user)


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    show_full_result_count = False  # a long table: no second COUNT over all of it
    list_display = ("document_type", "document_ref", "balance", "quantity", "consumed", "released", "state",
                    "created_at")
    list_filter = ("state", ("document_type", IndexedValuesFilter))
    search_fields = ("document_ref", "balance__item__code")

    def get_queryset(self, request):
        return (within_customers(Reservation.objects.all(), user=request.user, field="balance__item__owner")
                .select_related("balance__item", "balance__lot", "balance__location"))


@admin.register(ReplenishmentSettings)
class ReplenishmentSettingsAdmin(ServiceSavedAdmin):
    list_display = ("__str__", "order_cost", "holding_cost_rate", "service_level", "default_lead_time_days",
                    "updated_by", "updated_at")
    fields = ("owner",) + services.analysis.SETTINGS_FIELDS
    service_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner", "updated_by")

    def get_readonly_fields(self, request, obj=None):
        return ("owner",) if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = customer_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, request, obj, data):
        owner = obj.owner if obj else data.pop("owner", None)
        data.pop("owner", None)
        return services.replenishment_settings_save(actor=request.user, owner=owner, data=data)


# Custody and count pages register their own admins.
from depot.inventory import admin_counts, admin_custody  # noqa: E402, F401
