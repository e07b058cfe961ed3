from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "depot.customers"
    label = "customers"
    verbose_name = _("客户")

    def ready(self):
        from depot.core import dashboard_sections
        from depot.customers.dashboard import customers_section

        dashboard_sections.register(customers_section)
