from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = ["kpi.view_kpitarget", "kpi.view_course", "kpi.view_trainingsession", "kpi.view_trainingrecord"]
CS_SPECIALIST_PERMS = _VIEW
WAREHOUSE_KEEPER_PERMS = _VIEW
CS_SUPERVISOR_PERMS = _VIEW + [
    "kpi.view_kpis", "kpi.change_kpitarget", "kpi.add_kpitarget",
    "kpi.view_appraisalweight", "kpi.change_appraisalweight",
    "kpi.view_appraisal", "kpi.add_appraisal", "kpi.change_appraisal",
    "kpi.add_course", "kpi.change_course", "kpi.add_trainingsession", "kpi.change_trainingsession",
    "kpi.add_trainingrecord", "kpi.change_trainingrecord", "kpi.delete_trainingrecord",
]


class KpiConfig(AppConfig):
    name = "depot.kpi"
    label = "kpi"
    verbose_name = _("绩效与培训")

    def ready(self):
        from django.urls import reverse_lazy

        from depot.core import navigation, roles

        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.WAREHOUSE_KEEPER, WAREHOUSE_KEEPER_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS)

        def perm(p):
            return lambda request: request.user.has_perm(p)

        navigation.add_items("analytics", [
            {"title": _("服务KPI"), "icon": "monitoring", "link": reverse_lazy("admin:kpi_service"),
             "permission": perm("kpi.view_kpis")},
            {"title": _("员工KPI"), "icon": "leaderboard", "link": reverse_lazy("admin:kpi_staff"),
             "permission": perm("kpi.view_kpis")},
            {"title": _("我的绩效与培训"), "icon": "badge", "link": reverse_lazy("admin:kpi_me"),
             "permission": perm("kpi.view_trainingrecord")},
            {"title": _("KPI目标"), "icon": "flag", "link": reverse_lazy("admin:kpi_kpitarget_changelist"),
             "permission": perm("kpi.view_kpitarget")},
            {"title": _("绩效考核"), "icon": "grading", "link": reverse_lazy("admin:kpi_appraisal_changelist"),
             "permission": perm("kpi.view_appraisal")},
            {"title": _("考核权重"), "icon": "balance", "link": reverse_lazy("admin:kpi_appraisalweight_changelist"),
             "permission": perm("kpi.view_appraisalweight")},
            {"title": _("培训课程"), "icon": "school", "link": reverse_lazy("admin:kpi_course_changelist"),
             "permission": perm("kpi.view_course")},
            {"title": _("培训场次"), "icon": "event_note", "link": reverse_lazy("admin:kpi_trainingsession_changelist"),
             "permission": perm("kpi.view_trainingsession")},
            {"title": _("培训记录"), "icon": "workspace_premium",
             "link": reverse_lazy("admin:kpi_trainingrecord_changelist"),
             "permission": perm("kpi.view_trainingrecord")},
        ])
