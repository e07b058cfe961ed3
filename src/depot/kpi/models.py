"""KPI targets, appraisal weights and records (绩效考核), and training (培训).

The KPIs themselves are never stored as typed-in numbers: `selectors` computes them from orders,
counts, complaints, inquiries, follow-ups and surveys. An appraisal keeps a snapshot of the
figures and weights it was computed with, so a later change of weights or data does not rewrite
history.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.kpi import choices


class KpiTarget(models.Model):
    code = models.CharField(_("指标"), max_length=30, choices=choices.ServiceKpi.choices, unique=True)
    target = models.DecimalField(_("目标值"), max_digits=8, decimal_places=2)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("设定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("KPI目标")
        verbose_name_plural = _("KPI目标")
        ordering = ["code"]
        permissions = [("view_kpis", _("查看服务与员工KPI"))]

    def __str__(self):
        return f"{self.get_code_display()} {self.target}"


class AppraisalWeight(models.Model):
    component = models.CharField(_("考核项"), max_length=20, choices=choices.Component.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("权重（%）"), validators=[MaxValueValidator(100)])
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("设定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考核权重")
        verbose_name_plural = _("考核权重")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__lte=100), name="appraisal_weight_at_most_100",
                                   violation_error_message=_("权重不能超过100")),
        ]

    def __str__(self):
        return f"{self.get_component_display()} {self.weight}%"


class Appraisal(models.Model):
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("员工"), on_delete=models.PROTECT,
                              related_name="appraisals")
    period_kind = models.CharField(_("考核周期"), max_length=5, choices=choices.PeriodKind.choices)
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    figures = models.JSONField(_("KPI数据"), default=dict, help_text=_("各考核项的实际值与得分（计算时快照）"))
    weights = models.JSONField(_("权重"), default=dict)
    attitude = models.DecimalField(_("工作态度评分"), max_digits=5, decimal_places=1,
                                   validators=[MinValueValidator(0), MaxValueValidator(100)])
    ability = models.DecimalField(_("工作能力评分"), max_digits=5, decimal_places=1,
                                  validators=[MinValueValidator(0), MaxValueValidator(100)])
    total = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=1)
    rating = models.CharField(_("考核等级"), max_length=10, choices=choices.Rating.choices)
    comment = models.TextField(_("主管评语"), blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("考核人"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(_("考核时间"), default=timezone.now)

    class Meta:
        verbose_name = _("绩效考核")
        verbose_name_plural = _("绩效考核")
        ordering = ["-period_start", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "period_kind", "period_start"],
                                    name="appraisal_one_per_staff_period",
                                    violation_error_message=_("该员工本周期已有考核记录")),
            models.CheckConstraint(condition=Q(attitude__gte=0, attitude__lte=100, ability__gte=0, ability__lte=100),
                                   name="appraisal_scores_0_100", violation_error_message=_("评分须在0到100之间")),
        ]

    def __str__(self):
        return f"{self.staff} {self.period_start:%Y-%m} {self.get_rating_display()}"


class Course(models.Model):
    name = models.CharField(_("课程名称"), max_length=100, unique=True)
    category = models.CharField(_("类别"), max_length=15, choices=choices.CourseCategory.choices)
    hours = models.DecimalField(_("标准学时"), max_digits=5, decimal_places=1,
                                validators=[MinValueValidator(0)])
    description = models.TextField(_("课程内容"), blank=True)
    is_active = models.BooleanField(_("开设中"), default=True)

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["category", "name"]

    def __str__(self):
        return self.name


class TrainingSession(models.Model):
    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField(_("培训日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    trainer = models.CharField(_("讲师"), max_length=50, blank=True)
    place = models.CharField(_("地点/形式"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("培训场次")
        verbose_name_plural = _("培训场次")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_session_hours_positive",
                                   violation_error_message=_("学时必须大于零")),
        ]

    def __str__(self):
        return f"{self.course} {self.held_on}"


class TrainingRecord(models.Model):
    session = models.ForeignKey(TrainingSession, verbose_name=_("培训场次"), on_delete=models.CASCADE,
                                related_name="records")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("学员"), on_delete=models.PROTECT,
                              related_name="training_records")
    hours = models.DecimalField(_("获得学时"), max_digits=5, decimal_places=1, default=0)
    score = models.PositiveSmallIntegerField(_("考核成绩"), null=True, blank=True,
                                             validators=[MaxValueValidator(100)])
    result = models.CharField(_("结果"), max_length=10, choices=choices.TrainingResult.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-session__held_on", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "staff"], name="training_record_one_per_session",
                                    violation_error_message=_("该学员已在本场次中")),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100),
                                   name="training_record_score_0_100", violation_error_message=_("成绩须在0到100之间")),
        ]

    def __str__(self):
        return f"{self.staff} · {self.session}"
