from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

CS_SPECIALIST_PERMS = ["analytics.view_analytics", "analytics.view_segmentsnapshot", "analytics.view_reportrun"]
CS_SUPERVISOR_PERMS = CS_SPECIALIST_PERMS + [
    "analytics.manage_reports", "analytics.view_reportschedule", "analytics.add_reportschedule",
    "analytics.change_reportschedule",
]


def _grading_inputs(customer) -> dict:
    """The customer's RFM segment, for grading rules that use it."""
    from depot.analytics.selectors import customer_rfm

    rfm = customer_rfm(customer)
    return {"rfm_segment": rfm.segment, "rfm_segment_label": rfm.segment_label, "rfm_code": rfm.code}


def _demand_forecast(*, item, until):
    from depot.analytics.selectors import item_demand_forecast

    return item_demand_forecast(item=item, until=until)


class AnalyticsConfig(AppConfig):
    name = "depot.analytics"
    label = "analytics"
    verbose_name = _("分析与报表")

    def ready(self):
        from django.urls import reverse_lazy

        from depot.analytics.dashboard import analytics_section
        from depot.core import dashboard_sections, navigation, roles
        from depot.customers import grading
        from depot.inventory import selectors_analysis

        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS)
        grading.register_input_provider(_grading_inputs)
        selectors_analysis.register_demand_forecaster(_demand_forecast)
        dashboard_sections.register(analytics_section)

        def perm(p):
            return lambda request: request.user.has_perm(p)

        navigation.add_items("analytics", [
            {"title": _("分析看板"), "icon": "monitoring", "link": reverse_lazy("admin:analytics_board"),
             "permission": perm("analytics.view_analytics")},
            {"title": _("客户价值"), "icon": "paid", "link": reverse_lazy("admin:analytics_value"),
             "permission": perm("analytics.view_analytics")},
            {"title": _("RFM客户分群"), "icon": "scatter_plot", "link": reverse_lazy("admin:analytics_rfm"),
             "permission": perm("analytics.view_analytics")},
            {"title": _("流失预警"), "icon": "trending_down", "link": reverse_lazy("admin:analytics_churn"),
             "permission": perm("analytics.view_analytics")},
            {"title": _("订单量与预测"), "icon": "insights", "link": reverse_lazy("admin:analytics_volume"),
             "permission": perm("analytics.view_analytics")},
            {"title": _("月度客户服务报告"), "icon": "summarize",
             "link": reverse_lazy("admin:analytics_reportrun_changelist"),
             "permission": perm("analytics.view_analytics")},
            {"title": _("报告发送计划"), "icon": "schedule_send",
             "link": reverse_lazy("admin:analytics_reportschedule_changelist"),
             "permission": perm("analytics.manage_reports")},
        ])
