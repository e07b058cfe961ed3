from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "depot.core"
    label = "core"
    verbose_name = _("系统")

    def ready(self):
        from django.db.models.signals import post_migrate

        from depot.core import roles

        post_migrate.connect(roles.sync_role_permissions_after_migrate, dispatch_uid="depot-roles")
