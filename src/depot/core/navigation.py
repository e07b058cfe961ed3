"""The back-office sidebar, grouped by capability. Apps add their entries to `SECTIONS`."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _perm(perm):
    return lambda request: request.user.has_perm(perm)


# Ordered capability groups of the sidebar; each later app appends items to its group.
SECTIONS: list[dict] = [
    {"key": "customers", "title": _("客户"), "items": [
        {"title": _("客户档案"), "icon": "apartment", "link": reverse_lazy("admin:customers_customer_changelist"),
         "permission": _perm("customers.view_customer")},
        {"title": _("标签"), "icon": "sell", "link": reverse_lazy("admin:customers_tag_changelist"),
         "permission": _perm("customers.view_tag")},
        {"title": _("评级规则"), "icon": "military_tech",
         "link": reverse_lazy("admin:customers_gradingrule_changelist"),
         "permission": _perm("customers.view_gradingrule")},
    ]},
    {"key": "orders", "title": _("订单"), "items": []},
    {"key": "inventory", "title": _("库存"), "items": []},
    {"key": "service", "title": _("客户服务"), "items": []},
    {"key": "surveys", "title": _("满意度"), "items": []},
    {"key": "analytics", "title": _("数据分析"), "items": []},
    {"key": "system", "title": _("系统"), "items": [
        {"title": _("用户"), "icon": "person", "link": reverse_lazy("admin:auth_user_changelist"),
         "permission": _perm("auth.view_user")},
        {"title": _("角色"), "icon": "group", "link": reverse_lazy("admin:auth_group_changelist"),
         "permission": _perm("auth.view_group")},
        {"title": _("变更历史"), "icon": "history", "link": reverse_lazy("admin:core_auditentry_changelist"),
         "permission": _perm("core.view_auditentry")},
    ]},
]


def add_items(section: str, items: list[dict]) -> None:
    for group in SECTIONS:
        if group["key"] == section:
            group["items"].extend(items)
            return
    raise KeyError(section)


def sidebar(request) -> list[dict]:
    home = {"title": _("工作台"), "icon": "dashboard", "link": reverse_lazy("admin:index")}
    groups = [{"title": _("首页"), "items": [home]}]
    for group in SECTIONS:
        if group["items"]:
            groups.append({"title": group["title"], "collapsible": True, "items": group["items"]})
    return groups
