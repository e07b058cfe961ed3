from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = ["incidents.view_incident", "incidents.view_incidentline", "incidents.view_incidentphoto",
         "incidents.view_recovery", "incidents.view_delaynotice", "incidents.view_delayupdate"]
CS_SPECIALIST_PERMS = _VIEW + [
    "incidents.add_incident", "incidents.change_incident", "incidents.add_incidentphoto",
    "incidents.pay_compensation", "incidents.add_delaynotice",
]
CS_SUPERVISOR_PERMS = CS_SPECIALIST_PERMS + ["incidents.approve_compensation"]
WAREHOUSE_KEEPER_PERMS = _VIEW + [
    "incidents.record_scene", "incidents.add_incidentphoto", "incidents.post_incident_stock",
]


class IncidentsConfig(AppConfig):
    name = "depot.incidents"
    label = "incidents"
    verbose_name = _("货损与延误")

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_migrate
        from django.urls import reverse_lazy

        from depot.core import dashboard_sections, navigation, roles, worklist
        from depot.core.admin import register_audit_actions
        from depot.incidents.dashboard import incidents_section
        from depot.incidents.worklist import incident_tasks

        post_migrate.connect(_ensure_templates, sender=self, dispatch_uid="depot-incidents-templates")
        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.WAREHOUSE_KEEPER, WAREHOUSE_KEEPER_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS + WAREHOUSE_KEEPER_PERMS)
        dashboard_sections.register(incidents_section)
        worklist.register(incident_tasks)
        if apps.is_installed("depot.orders"):
            from depot.orders.admin_views import register_outbound_links

            register_outbound_links(_order_links)
        register_audit_actions({"photo": _("上传照片"), "notify": _("通知客户"), "recovery": _("追偿"),
                                "delay_update": _("延误进展")})

        def perm(p):
            return lambda request: request.user.has_perm(p)

        navigation.add_items("service", [
            {"title": _("货损货丢"), "icon": "broken_image",
             "link": reverse_lazy("admin:incidents_incident_changelist"),
             "permission": perm("incidents.view_incident")},
            {"title": _("赔偿审批"), "icon": "approval", "link": reverse_lazy("admin:incidents_approval_queue"),
             "permission": perm("incidents.approve_compensation")},
            {"title": _("延误通知"), "icon": "schedule", "link": reverse_lazy("admin:incidents_delaynotice_changelist"),
             "permission": perm("incidents.view_delaynotice")},
        ])


def _order_links(user, order) -> list[dict]:
    """Buttons on the outbound order page: announce a delay, register damage or loss."""
    from django.urls import reverse

    from depot.incidents.services.delays import NOT_DELAYABLE

    links = []
    if user.has_perm("incidents.add_delaynotice") and order.state not in NOT_DELAYABLE:
        links.append({"label": _("发送延误通知"), "icon": "schedule", "variant": "default",
                      "href": reverse("admin:incidents_delaynotice_add") + f"?order={order.pk}"})
    if user.has_perm("incidents.add_incident"):
        links.append({"label": _("登记货损货丢"), "icon": "broken_image", "variant": "default",
                      "href": reverse("admin:incidents_incident_add") + f"?order={order.pk}"})
    return links


def _ensure_templates(sender, using="default", **kwargs):
    """Recreate missing default message templates after `migrate` or a `flush`; edited ones stay."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("depot.incidents.migrations.0002_sequence_and_templates")
    migration.create_templates(apps, None)
