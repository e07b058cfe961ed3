from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

CS_SPECIALIST_PERMS = [
    "followups.view_followup", "followups.add_followup", "followups.change_followup", "followups.record_followup",
    "followups.view_caretask", "followups.change_caretask",
    "followups.view_cadencerule", "followups.view_festival", "followups.view_caresettings",
]
CS_SUPERVISOR_PERMS = CS_SPECIALIST_PERMS + [
    "followups.change_cadencerule", "followups.add_festival", "followups.change_festival",
    "followups.delete_festival", "followups.change_caresettings",
]


class FollowupsConfig(AppConfig):
    name = "depot.followups"
    label = "followups"
    verbose_name = _("回访与关怀")

    def ready(self):
        from django.urls import reverse_lazy

        from depot.core import dashboard_sections, navigation, roles, worklist
        from depot.core.admin import register_audit_actions
        from depot.followups.dashboard import followups_section
        from depot.followups.services import followup_after_order
        from depot.followups.worklist import care_tasks, followups_due
        from depot.orders.services import register_transition_hook

        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS)
        register_transition_hook(followup_after_order)
        worklist.register(followups_due)
        worklist.register(care_tasks)
        dashboard_sections.register(followups_section)
        register_audit_actions({
            "followup_done": _("登记回访"), "followup_cancel": _("取消回访"),
            "followup_reschedule": _("改期回访"), "care_sent": _("关怀已发送"), "care_skip": _("跳过关怀"),
        })

        def perm(p):
            return lambda request: request.user.has_perm(p)

        def changelist(model, query=""):
            return _with_query(f"admin:followups_{model}_changelist", query)

        navigation.add_items("service", [
            {"title": _("回访计划"), "icon": "event_repeat", "link": changelist("followup", "state__exact=planned"),
             "permission": perm("followups.view_followup")},
            {"title": _("逾期回访"), "icon": "event_busy", "link": changelist("followup", "due=overdue"),
             "permission": perm("followups.view_followup")},
            {"title": _("关怀任务"), "icon": "cake", "link": changelist("caretask", "state__exact=pending"),
             "permission": perm("followups.view_caretask")},
            {"title": _("回访周期"), "icon": "update", "link": reverse_lazy("admin:followups_cadencerule_changelist"),
             "permission": perm("followups.view_cadencerule")},
            {"title": _("节日"), "icon": "celebration", "link": reverse_lazy("admin:followups_festival_changelist"),
             "permission": perm("followups.view_festival")},
            {"title": _("回访与关怀设置"), "icon": "tune",
             "link": reverse_lazy("admin:followups_caresettings_changelist"),
             "permission": perm("followups.view_caresettings")},
        ])


def _with_query(name: str, query: str):
    from django.urls import reverse
    from django.utils.functional import lazy

    return lazy(lambda: f"{reverse(name)}?{query}" if query else reverse(name), str)()
