from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "depot.kpi"
    label = "kpi"
    verbose_name = _("绩效与培训")
