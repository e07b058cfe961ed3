from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = ["surveys.view_surveytemplate", "surveys.view_question", "surveys.view_campaign", "surveys.view_invitation",
         "surveys.view_response", "surveys.view_answer", "surveys.view_improvementplan"]
CS_SPECIALIST_PERMS = _VIEW
CS_SUPERVISOR_PERMS = _VIEW + [
    "surveys.add_surveytemplate", "surveys.change_surveytemplate",
    "surveys.add_campaign", "surveys.change_campaign", "surveys.send_campaign",
    "surveys.add_improvementplan", "surveys.change_improvementplan", "surveys.review_improvementplan",
]


class SurveysConfig(AppConfig):
    name = "depot.surveys"
    label = "surveys"
    verbose_name = _("满意度调查")

    def ready(self):
        from django.urls import reverse_lazy

        from depot.core import dashboard_sections, navigation, roles, worklist
        from depot.surveys.dashboard import plan_tasks, surveys_section

        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS)
        dashboard_sections.register(surveys_section)
        worklist.register(plan_tasks)

        def perm(p):
            return lambda request: request.user.has_perm(p)

        navigation.add_items("surveys", [
            {"title": _("满意度调查"), "icon": "poll", "link": reverse_lazy("admin:surveys_campaign_changelist"),
             "permission": perm("surveys.view_campaign")},
            {"title": _("问卷模板"), "icon": "quiz", "link": reverse_lazy("admin:surveys_surveytemplate_changelist"),
             "permission": perm("surveys.view_surveytemplate")},
            {"title": _("改进计划"), "icon": "trending_up",
             "link": reverse_lazy("admin:surveys_improvementplan_changelist"),
             "permission": perm("surveys.view_improvementplan")},
        ])
