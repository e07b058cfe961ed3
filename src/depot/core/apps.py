from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "depot.core"
    label = "core"
    verbose_name = _("系统")

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.urls import reverse_lazy

        from depot.core import login_throttle, navigation, roles

        post_migrate.connect(roles.sync_role_permissions_after_migrate, dispatch_uid="depot-roles")
        login_throttle.present_axes_models()
        roles.extend_role(roles.CS_SUPERVISOR, login_throttle.SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, login_throttle.SUPERVISOR_PERMS)
        navigation.add_items("system", [
            {"title": _("登录锁定"), "icon": "lock_person", "link": reverse_lazy("admin:axes_accessattempt_changelist"),
             "permission": lambda request: request.user.has_perm("axes.view_accessattempt")},
            {"title": _("登录失败记录"), "icon": "report",
             "link": reverse_lazy("admin:axes_accessfailurelog_changelist"),
             "permission": lambda request: request.user.has_perm("axes.view_accessfailurelog")},
            {"title": _("登录记录"), "icon": "login", "link": reverse_lazy("admin:axes_accesslog_changelist"),
             "permission": lambda request: request.user.has_perm("axes.view_accesslog")},
        ])
