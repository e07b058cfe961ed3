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

        from depot.core import navigation, roles
        from depot.customers import grading

        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.WAREHOUSE_KEEPER, WAREHOUSE_KEEPER_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS + WAREHOUSE_KEEPER_PERMS)
        grading.register_input_provider(_grading_inputs)

        def perm(p):
            return lambda request: request.user.has_perm(p)

        navigation.add_items("orders", [
            {"title": _("出库单"), "icon": "local_shipping",
             "link": reverse_lazy("admin:orders_outboundorder_changelist"),
             "permission": perm("orders.view_outboundorder")},
            {"title": _("入库单"), "icon": "move_to_inbox",
             "link": reverse_lazy("admin:orders_inboundorder_changelist"),
             "permission": perm("orders.view_inboundorder")},
            {"title": _("信用审核"), "icon": "gavel",
             "link": reverse_lazy("admin:orders_creditreview_changelist"),
             "permission": perm("orders.view_creditreview")},
            {"title": _("拣货单"), "icon": "checklist", "link": reverse_lazy("admin:orders_picklist_changelist"),
             "permission": perm("orders.view_picklist")},
            {"title": _("订单异常"), "icon": "report", "link": reverse_lazy("admin:orders_orderexception_changelist"),
             "permission": perm("orders.view_orderexception")},
        ])
