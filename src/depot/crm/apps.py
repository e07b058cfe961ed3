from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW_PERMS = ["crm.view_syncrun", "crm.view_syncrunentry", "crm.view_externallink", "crm.view_syncstate"]


class CrmConfig(AppConfig):
    name = "depot.crm"
    label = "crm"
    verbose_name = _("CRM同步")

    def ready(self):
        from django.urls import reverse_lazy

        from depot.core import navigation, roles

        roles.extend_role(roles.CS_SUPERVISOR, VIEW_PERMS)
        roles.extend_role(roles.ADMIN, VIEW_PERMS)
        navigation.add_items("system", [
            {"title": _("CRM同步记录"), "icon": "sync", "link": reverse_lazy("admin:crm_syncrun_changelist"),
             "permission": lambda request: request.user.has_perm("crm.view_syncrun")},
        ])
