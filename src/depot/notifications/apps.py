from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_READ = ["notifications.view_notification", "notifications.view_deliveryattempt",
         "notifications.retry_notification"]
CS_SPECIALIST_PERMS = _READ
CS_SUPERVISOR_PERMS = _READ + [
    "notifications.view_messagetemplate", "notifications.change_messagetemplate",
    "notifications.view_webhookendpoint",
]
ADMIN_PERMS = CS_SUPERVISOR_PERMS + [
    "notifications.add_messagetemplate",
    "notifications.add_webhookendpoint", "notifications.change_webhookendpoint",
]


class NotificationsConfig(AppConfig):
    name = "depot.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.urls import reverse_lazy

        post_migrate.connect(_ensure_default_templates, sender=self, dispatch_uid="depot-default-templates")

        from depot.core import dashboard_sections, navigation, roles
        from depot.notifications.dashboard import notifications_section

        dashboard_sections.register(notifications_section)
        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, ADMIN_PERMS)

        def perm(p):
            return lambda request: request.user.has_perm(p)

        navigation.add_items("system", [
            {"title": _("通知发送记录"), "icon": "outgoing_mail",
             "link": reverse_lazy("admin:notifications_notification_changelist"),
             "permission": perm("notifications.view_notification")},
            {"title": _("消息模板"), "icon": "description",
             "link": reverse_lazy("admin:notifications_messagetemplate_changelist"),
             "permission": perm("notifications.view_messagetemplate")},
            {"title": _("Webhook 接收地址"), "icon": "webhook",
             "link": reverse_lazy("admin:notifications_webhookendpoint_changelist"),
             "permission": perm("notifications.view_webhookendpoint")},
        ])


def _ensure_default_templates(sender, using="default", **kwargs):
    """Recreate missing default templates after `migrate` or a `flush` (which empties the table the
    data migration filled); existing, possibly edited templates are left alone."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("depot.notifications.migrations.0002_default_templates")
    migration.create_templates(apps, None)
