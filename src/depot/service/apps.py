from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = [
    "service.view_complaint", "service.view_complaintevent", "service.view_inquiry", "service.view_slapolicy",
    "service.view_workinghours", "service.view_calendarday",
]
CS_SPECIALIST_PERMS = _VIEW + [
    "service.add_complaint", "service.handle_complaint", "service.add_inquiry", "service.change_inquiry",
]
CS_SUPERVISOR_PERMS = CS_SPECIALIST_PERMS + [
    "service.view_all_complaints", "service.change_slapolicy",
    "service.add_workinghours", "service.change_workinghours", "service.delete_workinghours",
    "service.add_calendarday", "service.change_calendarday", "service.delete_calendarday",
]
# Keepers read the complaints about goods (damage, loss, wrong goods): the warehouse investigates them.
WAREHOUSE_KEEPER_PERMS = ["service.view_complaint", "service.view_complaintevent"]

EVENT_LABELS = {
    "complaint.updated": _("投诉处理进展"),
    "complaint.answered": _("投诉答复"),
    "complaint.escalated": _("投诉升级"),
    "inquiry.escalated": _("咨询超时升级"),
}

EVENT_VARIABLES = {
    "complaint.updated": _("complaint_no 投诉编号，state_label 状态，step 处理步骤，escalation_label 升级级别，"
                           "first_response_due、resolution_due 期限，answer 答复内容，note 说明"),
    "complaint.answered": _("complaint_no 投诉编号，answer 答复内容，received_at 受理时间，answered_at 答复时间"),
    "complaint.escalated": _("staff_name 收件人，complaint_no 投诉编号，reason 升级原因，escalation_label 升级级别，"
                             "resolution_due 处理期限，rejection_count 客户不接受次数"),
    "inquiry.escalated": _("staff_name 收件人，question 咨询内容，received_at 受理时间，response_due 答复期限，"
                           "owner_name 负责人"),
}


def _grading_inputs(customer) -> dict:
    from depot.service.selectors import complaint_customer_figures

    return complaint_customer_figures(customer)


class ServiceConfig(AppConfig):
    name = "depot.service"
    label = "service"
    verbose_name = _("客户服务")

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.urls import reverse_lazy

        from depot.core import dashboard_sections, navigation, roles, worklist
        from depot.customers import grading
        from depot.notifications import choices as notification_choices
        from depot.service.dashboard import service_section
        from depot.service.worklist import complaint_tasks, inquiry_tasks

        roles.extend_role(roles.CS_SPECIALIST, CS_SPECIALIST_PERMS)
        roles.extend_role(roles.CS_SUPERVISOR, CS_SUPERVISOR_PERMS)
        roles.extend_role(roles.WAREHOUSE_KEEPER, WAREHOUSE_KEEPER_PERMS)
        roles.extend_role(roles.ADMIN, CS_SUPERVISOR_PERMS)
        grading.register_input_provider(_grading_inputs)
        worklist.register(inquiry_tasks)
        worklist.register(complaint_tasks)
        dashboard_sections.register(service_section)
        for code, label in EVENT_LABELS.items():
            notification_choices.EVENT_LABELS.setdefault(code, label)
            notification_choices.EVENT_VARIABLES.setdefault(code, EVENT_VARIABLES[code])
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="depot-service-defaults")

        def perm(p):
            return lambda request: request.user.has_perm(p)

        def supervisor(request):
            return request.user.has_perm("service.view_all_complaints")

        navigation.add_items("service", [
            {"title": _("我的待办"), "icon": "task_alt", "link": reverse_lazy("admin:service_worklist"),
             "permission": perm("service.view_inquiry")},
            {"title": _("团队待办"), "icon": "groups", "link": reverse_lazy("admin:service_worklist_team"),
             "permission": supervisor},
            {"title": _("投诉"), "icon": "report_problem", "link": reverse_lazy("admin:service_complaint_changelist"),
             "permission": perm("service.view_complaint")},
            {"title": _("登记投诉"), "icon": "add_comment", "link": reverse_lazy("admin:service_complaint_add"),
             "permission": perm("service.add_complaint")},
            {"title": _("沟通记录"), "icon": "forum", "link": reverse_lazy("admin:service_inquiry_changelist"),
             "permission": perm("service.view_inquiry")},
            {"title": _("SLA策略"), "icon": "timer", "link": reverse_lazy("admin:service_slapolicy_changelist"),
             "permission": perm("service.view_slapolicy")},
            {"title": _("工作时间与节假日"), "icon": "event",
             "link": reverse_lazy("admin:service_calendarday_changelist"),
             "permission": perm("service.view_calendarday")},
        ])


def _ensure_defaults(sender, using="default", **kwargs):
    """After `migrate` or a `flush` (which empties the tables the data migrations filled): the
    working hours, holidays and SLA policy when their table is empty, and missing default message
    templates. Edited rows stay as they are."""
    import importlib

    from django.apps import apps

    importlib.import_module("depot.service.migrations.0002_calendar_sla_seed").seed(apps, None)
    importlib.import_module("depot.service.migrations.0003_message_templates").create_templates(apps, None)
