from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = [
    "orders.view_outboundorder", "orders.view_outboundline", "orders.view_inboundorder", "orders.view_inboundline",
    "orders.view_receiptline", "orders.view_orderevent", "orders.view_creditreview", "orders.view_picklist",
    "orders.view_pickline", "orders.view_package", "orders.view_orderexception",
]
CS_SPECIALIST_PERMS = _VIEW + [
    "orders.add_outboundorder", "orders.change_outboundorder", "orders.audit_outbound", "orders.cancel_outbound",
    "orders.resolve_orderexception", "orders.confirm_receipt",
    "orders.add_inboundorder", "orders.change_inboundorder", "orders.cancel_inbound",
]
CS_SUPERVISOR_PERMS = CS_SPECIALIST_PERMS + ["orders.decide_credit_review"]
WAREHOUSE_KEEPER_PERMS = _VIEW + [
    "orders.add_picklist", "orders.confirm_pick", "orders.execute_outbound",
    "orders.receive_inbound", "orders.putaway_inbound",
    # A pick found short or damaged gives the missing units' reservation back.
    "inventory.reserve_stock",
]


def _grading_inputs(customer) -> dict:
    from depot.orders.selectors import customer_order_figures

    return customer_order_figures(customer)


class OrdersConfig(AppConfig):
    name = "depot.orders"
    label = "orders"
    verbose_name = _("订单")

    def ready(self):
        from django.urls import reverse_lazy

        from depot.core import dashboard_sections, navigation, roles
        from depot.customers import grading
        from depot.orders.dashboard import orders_section
        from depot.orders.notify import notify_customer
        from depot.orders.services import register_transition_hook

        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.WAREHOUSE_KEEPER, WAREHOUSE_KEEPER_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS + WAREHOUSE_KEEPER_PERMS)
        grading.register_input_provider(_grading_inputs)
        register_transition_hook(notify_customer)
        dashboard_sections.register(orders_section)

        def perm(p):
            return lambda request: request.user.has_perm(p)

        def changelist(model, query=""):
            return reverse_lazy(f"admin:orders_{model}_changelist") if not query else _with_query(
                f"admin:orders_{model}_changelist", query)

        navigation.add_items("orders", [
            {"title": _("出库单"), "icon": "local_shipping", "link": changelist("outboundorder"),
             "permission": perm("orders.view_outboundorder")},
            {"title": _("新建出库单"), "icon": "add_box", "link": reverse_lazy("admin:orders_outboundorder_add"),
             "permission": perm("orders.add_outboundorder")},
            {"title": _("Excel导入出库单"), "icon": "upload_file", "link": reverse_lazy("admin:orders_outbound_import"),
             "permission": perm("orders.add_outboundorder")},
            {"title": _("信用审核"), "icon": "gavel", "link": changelist("creditreview", "state__exact=pending"),
             "permission": perm("orders.view_creditreview")},
            {"title": _("拣货单"), "icon": "checklist", "link": changelist("picklist"),
             "permission": perm("orders.view_picklist")},
            {"title": _("订单异常"), "icon": "report", "link": changelist("orderexception", "state__exact=open"),
             "permission": perm("orders.view_orderexception")},
            {"title": _("入库单"), "icon": "move_to_inbox", "link": changelist("inboundorder"),
             "permission": perm("orders.view_inboundorder")},
        ])


def _with_query(name: str, query: str):
    from django.urls import reverse
    from django.utils.functional import lazy

    return lazy(lambda: f"{reverse(name)}?{query}", str)()
