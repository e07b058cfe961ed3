from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Personal-information requests are answered by supervisors (and admins), not by every specialist:
# they export or anonymise a person's data across all customers.
PRIVACY_PERMS = [
    "customers.view_privacyrequest", "customers.add_privacyrequest", "customers.change_privacyrequest",
    "customers.export_personal_data", "customers.anonymise_personal_data",
]


class CustomersConfig(AppConfig):
    name = "depot.customers"
    label = "customers"
    verbose_name = _("客户")

    def ready(self):
        from django.urls import reverse_lazy

        from depot.core import dashboard_sections, navigation, roles, worklist
        from depot.customers.dashboard import customers_section
        from depot.customers.privacy_selectors import privacy_request_tasks

        dashboard_sections.register(customers_section)
        worklist.register(privacy_request_tasks)
        roles.extend_role(roles.CS_SUPERVISOR, PRIVACY_PERMS)
        roles.extend_role(roles.ADMIN, PRIVACY_PERMS)
        navigation.add_items("customers", [
            {"title": _("个人信息请求"), "icon": "policy",
             "link": reverse_lazy("admin:customers_privacyrequest_changelist"),
             "permission": lambda request: request.user.has_perm("customers.view_privacyrequest")},
        ])
