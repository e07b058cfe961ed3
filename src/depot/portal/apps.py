from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_MANAGE = ["portal.view_portalaccount", "portal.add_portalaccount", "portal.change_portalaccount"]
STAFF_PERMS = _MANAGE
SUPERVISOR_PERMS = _MANAGE + ["portal.manage_all_portalaccounts"]


def _sync_portal_group(sender, using="default", **kwargs):
    from django.apps import apps

    from depot.portal.services import portal_group_sync

    # Like the roles: every app's permissions exist only after the last app with models migrated.
    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if sender.label == with_models[-1].label:
        portal_group_sync(using=using)


class PortalConfig(AppConfig):
    name = "depot.portal"
    label = "portal"
    verbose_name = _("客户门户")

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.urls import reverse_lazy

        from depot.core import navigation, roles

        roles.extend_role(roles.CS_SPECIALIST, STAFF_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, SUPERVISOR_PERMS)
        post_migrate.connect(_sync_portal_group, dispatch_uid="depot-portal-group")

        navigation.add_items("customers", [
            {"title": _("门户账号"), "icon": "badge", "link": reverse_lazy("admin:portal_portalaccount_changelist"),
             "permission": lambda request: request.user.has_perm("portal.view_portalaccount")},
        ])
