"""Communications (沟通记录), complaints (投诉) with their timeline, and the business calendar and SLA
policy the complaint deadlines are computed from.

A complaint's `state` changes only through the services in `depot.service.services`, which check
the transition table of `policy`, write a `ComplaintEvent` for every step and record the audit trail.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.customers.choices import Grade
from depot.service import choices


class Inquiry(models.Model):
    """沟通记录: one question or contact of a customer, answered on the spot or by `response_due`."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="inquiries"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("联系人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="inquiries",
    )
    channel = models.CharField(_("沟通渠道"), max_length=10, choices=choices.Channel.choices)
    question = models.TextField(_("咨询内容"))
    answer = models.TextField(_("答复内容"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="service_inquiries",
    )
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    response_due = models.DateTimeField(_("答复期限"), null=True, blank=True, help_text=_("当场答复时为空"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.InquiryState.choices, default=choices.InquiryState.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("沟通记录")
        verbose_name_plural = _("沟通记录")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=choices.InquiryState.ANSWERED) | Q(answered_at__isnull=False),
                name="inquiry_answered_has_time", violation_error_message=_("已答复的沟通记录必须有答复时间"),
            ),
            models.CheckConstraint(
                condition=Q(state=choices.InquiryState.ANSWERED) | Q(response_due__isnull=False),
                name="inquiry_open_has_due", violation_error_message=_("未答复的沟通记录必须有答复期限"),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "response_due"], name="inquiry_state_due_idx"),
            models.Index(fields=["customer", "received_at"], name="inquiry_customer_idx"),
            models.Index(fields=["owner", "state"], name="inquiry_owner_state_idx"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.question[:30]}"


class Complaint(models.Model):
    """投诉: what the customer complains about, the deadlines that apply, and how it was handled."""

    code = models.CharField(_("投诉编号"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="complaints"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("联系人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="complaints",
    )
    channel = models.CharField(_("投诉渠道"), max_length=10, choices=choices.Channel.choices)
    category = models.CharField(_("投诉类别"), max_length=12, choices=choices.ComplaintCategory.choices)
    severity = models.CharField(_("严重程度"), max_length=10, choices=choices.Severity.choices)
    description = models.TextField(_("投诉内容"))
    orders = models.ManyToManyField(
        "orders.OutboundOrder", verbose_name=_("相关出库单"), blank=True, related_name="complaints"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    department = models.CharField(_("责任部门"), max_length=50, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("升级级别"), choices=choices.EscalationLevel.choices, default=choices.EscalationLevel.SPECIALIST
    )
    state = models.CharField(
        _("状态"), max_length=15, choices=choices.ComplaintState.choices, default=choices.ComplaintState.OPEN
    )

    received_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    first_response_due = models.DateTimeField(_("首次响应期限"))
    first_responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("处理期限"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    investigation = models.TextField(_("调查情况"), blank=True)
    root_cause = models.TextField(_("根本原因"), blank=True)
    corrective_action = models.TextField(_("纠正措施"), blank=True)
    answer = models.TextField(_("答复客户内容"), blank=True)
    rejection_count = models.PositiveSmallIntegerField(_("客户不接受次数"), default=0)
    last_rejection_reason = models.TextField(_("最近不接受原因"), blank=True)

    # The deadline each warning or escalation was made for: a deadline is warned about and escalated
    # once; a restarted clock (new deadline) may be warned about and escalated again.
    warned_for = models.DateTimeField(_("已预警期限"), null=True, blank=True, editable=False)
    first_response_escalated = models.BooleanField(_("首次响应超时已升级"), default=False, editable=False)
    resolution_escalated_for = models.DateTimeField(_("已升级的处理期限"), null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0, escalation_level__lte=2), name="complaint_escalation_level_range",
                violation_error_message=_("升级级别只能是专员、主管或经理"),
            ),
            models.CheckConstraint(
                condition=~Q(state=choices.ComplaintState.CLOSED) | Q(closed_at__isnull=False),
                name="complaint_closed_has_time", violation_error_message=_("已关闭的投诉必须有关闭时间"),
            ),
            models.CheckConstraint(
                condition=Q(first_response_due__gte=F("received_at")) & Q(resolution_due__gte=F("received_at")),
                name="complaint_due_after_received", violation_error_message=_("期限不能早于受理时间"),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "resolution_due"], name="complaint_state_due_idx"),
            models.Index(fields=["customer", "received_at"], name="complaint_customer_idx"),
            models.Index(fields=["assignee", "state"], name="complaint_assignee_state_idx"),
        ]
        permissions = [
            ("handle_complaint", _("处理投诉（调查、答复、登记客户意见）")),
            ("view_all_complaints", _("查看全部客户的投诉")),
        ]

    def __str__(self):
        return self.code


class ComplaintEvent(models.Model):
    """One step of a complaint's timeline. `note` is shown to the customer when `visible_to_customer`."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("投诉"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=15, choices=choices.EventKind.choices)
    from_state = models.CharField(_("原状态"), max_length=15, blank=True)
    to_state = models.CharField(_("新状态"), max_length=15, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("升级级别"), choices=choices.EscalationLevel.choices, default=choices.EscalationLevel.SPECIALIST
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True)
    visible_to_customer = models.BooleanField(_("客户可见"), default=False)

    class Meta:
        verbose_name = _("投诉处理轨迹")
        verbose_name_plural = _("投诉处理轨迹")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_event_idx")]

    def __str__(self):
        return f"{self.complaint_id} · {self.get_kind_display()}"


class WorkingHours(models.Model):
    """营业时间: one working period of a weekday. A weekday without rows is a day off; a 调休 workday
    uses the periods of Monday."""

    weekday = models.PositiveSmallIntegerField(_("星期"), choices=choices.Weekday.choices)
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))

    class Meta:
        verbose_name = _("工作时间")
        verbose_name_plural = _("工作时间")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="working_hours_end_after_start",
                violation_error_message=_("结束时间必须晚于开始时间"),
            ),
            models.UniqueConstraint(
                fields=["weekday", "start"], name="working_hours_unique_start",
                violation_error_message=_("同一天已有相同开始时间的工作时段"),
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarDay(models.Model):
    """法定节假日与调休: a date that is a day off although a weekday, or a workday although a weekend."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=choices.CalendarDayKind.choices)
    name = models.CharField(_("名称"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class SlaPolicy(models.Model):
    """SLA: business hours allowed for the first response and the resolution, by grade and severity."""

    grade = models.CharField(_("客户等级"), max_length=3, choices=Grade.choices)
    severity = models.CharField(_("严重程度"), max_length=10, choices=choices.Severity.choices)
    first_response_hours = models.DecimalField(
        _("首次响应时限（工作小时）"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    resolution_hours = models.DecimalField(
        _("处理时限（工作小时）"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    warning_hours = models.DecimalField(
        _("预警提前量（工作小时）"), max_digits=6, decimal_places=2, default=2, validators=[MinValueValidator(0)],
        help_text=_("距期限不足该工作小时数时标记为“即将超时”"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("SLA策略")
        verbose_name_plural = _("SLA策略")
        ordering = ["grade", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["grade", "severity"], name="sla_policy_unique",
                violation_error_message=_("该客户等级与严重程度的SLA策略已存在"),
            ),
            models.CheckConstraint(
                condition=Q(first_response_hours__gt=0) & Q(resolution_hours__gte=F("first_response_hours")),
                name="sla_policy_hours_valid",
                violation_error_message=_("首次响应时限须大于0，处理时限不能短于首次响应时限"),
            ),
            models.CheckConstraint(
                condition=Q(warning_hours__gte=0), name="sla_policy_warning_not_negative",
                violation_error_message=_("预警提前量不能为负数"),
            ),
        ]

    def __str__(self):
        return f"{self.get_grade_display()} · {self.get_severity_display()}"
