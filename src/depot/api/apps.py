from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_OWN_TOKENS = ["api.view_apitoken", "api.add_apitoken", "api.revoke_apitoken"]
STAFF_PERMS = _OWN_TOKENS
SUPERVISOR_PERMS = _OWN_TOKENS + ["api.manage_all_apitokens"]


def _sync_service_group(sender, using="default", **kwargs):
    from django.apps import apps

    from depot.api.services import service_group_sync

    # Like the roles: every app's permissions exist only after the last app with models migrated.
    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if sender.label == with_models[-1].label:
        service_group_sync(using=using)


class ApiConfig(AppConfig):
    name = "depot.api"
    label = "api"
    verbose_name = _("开放接口")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_migrate, post_save
        from django.urls import reverse_lazy

        from depot.api.auth import forget_principals
        from depot.api.models import ApiToken, ServiceAccount
        from depot.core import navigation, roles

        roles.extend_role(roles.CS_SPECIALIST, STAFF_PERMS)
        roles.extend_role(roles.WAREHOUSE_KEEPER, STAFF_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, SUPERVISOR_PERMS)
        post_migrate.connect(_sync_service_group, dispatch_uid="depot-api-service-group")
        # A token, a technical account or a user saved in this process: its cached principals go.
        for model in (ApiToken, ServiceAccount, get_user_model()):
            for signal in (post_save, post_delete):
                signal.connect(forget_principals, sender=model, dispatch_uid=f"depot-api-principals-{model.__name__}")

        def perm(p):
            return lambda request: request.user.has_perm(p)

        navigation.add_items("system", [
            {"title": _("API令牌"), "icon": "key", "link": reverse_lazy("admin:api_apitoken_changelist"),
             "permission": perm("api.view_apitoken")},
            {"title": _("API文档"), "icon": "api", "link": "/api/v1/docs",
             "permission": perm("api.view_apitoken")},
        ])
