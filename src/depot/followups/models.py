"""Follow-up visits (回访) and customer care (客户关怀).

A `FollowUp` is one planned visit or call to a customer: by the customer's grade at the interval
of the `CadenceRule`, after a closed complaint, after a large order, or by hand. A `CareTask` is
one greeting to a contact for a birthday or a festival of the `Festival` table, created by the
daily job and marked sent or skipped by customer service.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.customers.choices import Channel, Grade
from depot.followups import choices


class FollowUp(models.Model):
    """回访: a planned contact with a customer and, once done, its outcome."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="followups"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("联系人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="followups",
    )
    reason = models.CharField(_("回访原因"), max_length=20, choices=choices.FollowUpReason.choices)
    source_ref = models.CharField(_("来源单号"), max_length=50, blank=True, help_text=_("投诉编号、出库单号等"))
    planned_on = models.DateField(_("计划回访日期"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="followups",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.FollowUpState.choices, default=choices.FollowUpState.PLANNED
    )
    channel = models.CharField(_("回访方式"), max_length=10, choices=Channel.choices, blank=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    outcome = models.CharField(_("回访结果"), max_length=20, choices=choices.Outcome.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度（1-5）"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    notes = models.TextField(_("回访记录"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访计划")
        ordering = ["planned_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason", "source_ref"], condition=Q(state="planned"),
                name="followup_one_planned_per_source",
                violation_error_message=_("该客户已有相同原因的待回访计划"),
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="followup_satisfaction_1_to_5", violation_error_message=_("满意度须为1到5分"),
            ),
            models.CheckConstraint(
                condition=Q(state="done", done_at__isnull=False) | (~Q(state="done") & Q(done_at__isnull=True)),
                name="followup_done_at_iff_done", violation_error_message=_("只有已回访的记录才有回访时间"),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "planned_on"], name="followup_state_planned_idx"),
            models.Index(fields=["assignee", "state", "planned_on"], name="followup_assignee_idx"),
        ]
        permissions = [
            ("record_followup", _("登记回访结果")),
        ]

    def __str__(self):
        return f"{self.customer} {self.get_reason_display()} {self.planned_on:%Y-%m-%d}"

    @property
    def done_on_time(self) -> bool | None:
        if self.done_at is None:
            return None
        return timezone.localtime(self.done_at).date() <= self.planned_on


class CadenceRule(models.Model):
    """How often customers of one grade are visited (months between two grade follow-ups)."""

    grade = models.CharField(_("客户等级"), max_length=3, choices=Grade.choices, unique=True)
    interval_months = models.PositiveSmallIntegerField(
        _("回访间隔（月）"), validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("回访周期")
        verbose_name_plural = _("回访周期")
        ordering = ["grade"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_months__gte=1, interval_months__lte=36), name="cadence_interval_1_to_36",
                violation_error_message=_("回访间隔须为1到36个月"),
            ),
        ]

    def __str__(self):
        return f"{self.get_grade_display()}：{self.interval_months}个月"


class CareSettings(models.Model):
    """One row of settings: large-order threshold and the birthday greeting."""

    large_order_value = models.DecimalField(
        _("大单货值门槛（元）"), max_digits=14, decimal_places=2, null=True, blank=True, default=100000,
        help_text=_("送达或签收的出库单货值达到此金额即安排回访；留空不按货值判断"),
    )
    large_order_units = models.PositiveIntegerField(
        _("大单件数门槛"), null=True, blank=True, default=5000,
        help_text=_("出库件数达到此数即安排回访；留空不按件数判断"),
    )
    large_order_delay_days = models.PositiveSmallIntegerField(
        _("大单回访延后天数"), default=3, validators=[MaxValueValidator(60)]
    )
    complaint_delay_days = models.PositiveSmallIntegerField(
        _("投诉结案后回访延后天数"), default=7, validators=[MaxValueValidator(60)]
    )
    birthday_lead_days = models.PositiveSmallIntegerField(
        _("生日提前提醒天数"), default=3, validators=[MaxValueValidator(30)]
    )
    birthday_message = models.TextField(
        _("生日祝福模板"), default="{contact}您好，今天是您的生日，{company}全体同仁祝您生日快乐、工作顺利！",
        help_text=_("可用占位符：{contact} 联系人姓名，{company} 客户简称"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("回访与关怀设置")
        verbose_name_plural = _("回访与关怀设置")

    def __str__(self):
        return str(_("回访与关怀设置"))


class Festival(models.Model):
    """A festival greeted every year: a fixed solar date (元旦 01-01) or a lunar date (中秋 8-15)."""

    name = models.CharField(_("节日名称"), max_length=30, unique=True)
    calendar = models.CharField(_("历法"), max_length=10, choices=choices.CalendarKind.choices)
    month = models.PositiveSmallIntegerField(_("月"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    day = models.PositiveSmallIntegerField(_("日"), validators=[MinValueValidator(1), MaxValueValidator(31)])
    lead_days = models.PositiveSmallIntegerField(_("提前提醒天数"), default=3, validators=[MaxValueValidator(30)])
    message = models.TextField(
        _("祝福模板"), help_text=_("可用占位符：{contact} 联系人姓名，{company} 客户简称")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("节日")
        verbose_name_plural = _("节日")
        ordering = ["calendar", "month", "day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12, day__gte=1, day__lte=31), name="festival_month_day_valid",
                violation_error_message=_("月须为1到12，日须为1到31"),
            ),
        ]

    def __str__(self):
        return self.name


class CareTask(models.Model):
    """关怀任务: one greeting to one contact for one occasion of one year."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="care_tasks"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("联系人"), on_delete=models.CASCADE, related_name="care_tasks"
    )
    occasion = models.CharField(_("关怀类型"), max_length=10, choices=choices.Occasion.choices)
    festival = models.ForeignKey(
        Festival, verbose_name=_("节日"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    occasion_key = models.CharField(max_length=30, editable=False)
    year = models.PositiveSmallIntegerField(_("年份"))
    occasion_date = models.DateField(_("日期"))
    due_on = models.DateField(_("提醒日期"))
    message = models.TextField(_("建议祝福语"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责客服"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="care_tasks",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.CareState.choices, default=choices.CareState.PENDING
    )
    channel = models.CharField(_("发送方式"), max_length=10, choices=Channel.choices, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    skip_reason = models.CharField(_("跳过原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("关怀任务")
        verbose_name_plural = _("关怀任务")
        ordering = ["occasion_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "occasion_key", "year"], name="caretask_one_per_contact_occasion_year",
                violation_error_message=_("该联系人本年度已有此关怀任务"),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_on"], name="caretask_state_due_idx"),
            models.Index(fields=["assignee", "state", "due_on"], name="caretask_assignee_idx"),
        ]

    def __str__(self):
        occasion = self.festival.name if self.festival_id else self.get_occasion_display()
        return f"{self.contact.name} {occasion} {self.year}"
