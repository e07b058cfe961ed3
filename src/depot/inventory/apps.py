import re

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = [
    "inventory.view_item", "inventory.view_lot", "inventory.view_balance", "inventory.view_stockmove",
    "inventory.view_reservation", "inventory.view_warehouse", "inventory.view_zone", "inventory.view_location",
    "inventory.view_inspectionplan", "inventory.view_inspection", "inventory.view_environmentreading",
    "inventory.view_environmentalert", "inventory.view_replenishmentsettings",
]
CS_SPECIALIST_PERMS = _VIEW + ["inventory.add_item", "inventory.change_item", "inventory.reserve_stock"]
WAREHOUSE_KEEPER_PERMS = _VIEW + [
    "inventory.add_item", "inventory.change_item", "inventory.change_location",
    "inventory.receive_stock", "inventory.putaway_stock", "inventory.move_stock", "inventory.pick_stock",
    "inventory.report_damage",
    "inventory.view_count", "inventory.add_count", "inventory.record_count",
    "inventory.add_inspection", "inventory.add_environmentreading", "inventory.handle_environmentalert",
]
CS_SUPERVISOR_PERMS = CS_SPECIALIST_PERMS + [
    "inventory.view_count", "inventory.add_count", "inventory.approve_count",
    "inventory.adjust_stock", "inventory.reverse_stockmove",
    "inventory.add_inspectionplan", "inventory.change_inspectionplan", "inventory.handle_environmentalert",
    "inventory.classify_abc", "inventory.add_replenishmentsettings", "inventory.change_replenishmentsettings",
]


def _item_pages_active(request) -> bool:
    """The item admin's own pages, not the stock and analysis pages mounted under its URL."""
    from django.urls import reverse

    base = reverse("admin:inventory_item_changelist")
    rest = request.path.removeprefix(base) if request.path.startswith(base) else None
    return rest is not None and re.fullmatch(r"(add/|\d+/(change|history|delete)/)?", rest) is not None


class InventoryConfig(AppConfig):
    name = "depot.inventory"
    label = "inventory"
    verbose_name = _("库存")

    def ready(self):
        from django.urls import reverse_lazy

        from depot.core import dashboard_sections, navigation, roles
        from depot.inventory.dashboard import inventory_section

        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.WAREHOUSE_KEEPER, WAREHOUSE_KEEPER_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS + WAREHOUSE_KEEPER_PERMS)

        def perm(p):
            return lambda request: request.user.has_perm(p)

        navigation.add_items("inventory", [
            {"title": _("库存查询"), "icon": "manage_search", "link": reverse_lazy("admin:inventory_stock"),
             "permission": perm("inventory.view_balance")},
            {"title": _("ABC分析"), "icon": "bar_chart", "link": reverse_lazy("admin:inventory_abc"),
             "permission": perm("inventory.view_stockmove")},
            {"title": _("近效期"), "icon": "hourglass_bottom", "link": reverse_lazy("admin:inventory_near_expiry"),
             "permission": perm("inventory.view_balance")},
            {"title": _("呆滞库存"), "icon": "inventory", "link": reverse_lazy("admin:inventory_slow_moving"),
             "permission": perm("inventory.view_balance")},
            {"title": _("货品"), "icon": "inventory_2", "active": _item_pages_active,
             "link": reverse_lazy("admin:inventory_item_changelist"), "permission": perm("inventory.view_item")},
            {"title": _("库存余额"), "icon": "stacks",
             "link": reverse_lazy("admin:inventory_balance_changelist"),
             "permission": perm("inventory.view_balance")},
            {"title": _("库存流水"), "icon": "receipt_long",
             "link": reverse_lazy("admin:inventory_stockmove_changelist"),
             "permission": perm("inventory.view_stockmove")},
            {"title": _("批次"), "icon": "event", "link": reverse_lazy("admin:inventory_lot_changelist"),
             "permission": perm("inventory.view_lot")},
            {"title": _("库存预留"), "icon": "bookmark",
             "link": reverse_lazy("admin:inventory_reservation_changelist"),
             "permission": perm("inventory.view_reservation")},
            {"title": _("盘点单"), "icon": "fact_check", "link": reverse_lazy("admin:inventory_count_changelist"),
             "permission": perm("inventory.view_count")},
            {"title": _("保管养护"), "icon": "health_and_safety",
             "link": reverse_lazy("admin:inventory_inspectionplan_changelist"),
             "permission": perm("inventory.view_inspectionplan")},
            {"title": _("养护检查记录"), "icon": "checklist",
             "link": reverse_lazy("admin:inventory_inspection_changelist"),
             "permission": perm("inventory.view_inspection")},
            {"title": _("温湿度记录"), "icon": "device_thermostat",
             "link": reverse_lazy("admin:inventory_environmentreading_changelist"),
             "permission": perm("inventory.view_environmentreading")},
            {"title": _("温湿度告警"), "icon": "notification_important",
             "link": reverse_lazy("admin:inventory_environmentalert_changelist"),
             "permission": perm("inventory.view_environmentalert")},
            {"title": _("补货参数"), "icon": "tune",
             "link": reverse_lazy("admin:inventory_replenishmentsettings_changelist"),
             "permission": perm("inventory.view_replenishmentsettings")},
            {"title": _("仓库"), "icon": "warehouse", "link": reverse_lazy("admin:inventory_warehouse_changelist"),
             "permission": perm("inventory.view_warehouse")},
            {"title": _("库区"), "icon": "grid_view", "link": reverse_lazy("admin:inventory_zone_changelist"),
             "permission": perm("inventory.view_zone")},
            {"title": _("库位"), "icon": "shelves", "link": reverse_lazy("admin:inventory_location_changelist"),
             "permission": perm("inventory.view_location")},
        ])
        dashboard_sections.register(inventory_section)
