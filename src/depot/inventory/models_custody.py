"""Custody (保管养护): inspection plans and their inspections, temperature/humidity readings per
zone, and the alerts a reading outside its zone's range opens."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.inventory import choices

# Physically possible readings; anything outside is a broken sensor or a typing error.
TEMPERATURE_LIMITS = (-60, 80)
HUMIDITY_LIMITS = (0, 100)


class InspectionPlan(models.Model):
    """养护检查计划 for one zone, or for every zone holding goods of one storage class in a warehouse."""

    title = models.CharField(_("计划名称"), max_length=100)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="inspection_plans"
    )
    zone = models.ForeignKey(
        "inventory.Zone", verbose_name=_("库区"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="inspection_plans",
    )
    storage_class = models.CharField(
        _("货品存储温层"), max_length=10, choices=choices.TemperatureClass.choices, blank=True,
        help_text=_("按货品温层检查时填写（检查本仓库存放该温层货品的全部库区）；按库区检查时留空"),
    )
    frequency_days = models.PositiveIntegerField(
        _("检查周期（天）"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    checklist = models.TextField(
        _("检查项目"), help_text=_("每行一项，例如：地面是否干燥、货物有无霉变、消防设施是否完好")
    )
    next_due = models.DateField(_("下次检查日期"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("养护检查计划")
        verbose_name_plural = _("养护检查计划")
        ordering = ["next_due", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(zone__isnull=False) & Q(storage_class=""))
                | (Q(zone__isnull=True) & ~Q(storage_class="")),
                name="inspectionplan_zone_or_storage_class",
                violation_error_message=_("请选择库区或货品存储温层（二选一）"),
            ),
            models.CheckConstraint(
                condition=Q(frequency_days__gte=1), name="inspectionplan_frequency_positive",
                violation_error_message=_("检查周期至少为1天"),
            ),
        ]
        indexes = [models.Index(fields=["is_active", "next_due"], name="inspectionplan_due_idx")]

    def __str__(self):
        return self.title

    @property
    def scope_label(self) -> str:
        if self.zone_id:
            return str(self.zone)
        return _("%(wh)s · %(cls)s货品") % {
            "wh": self.warehouse.code, "cls": self.get_storage_class_display().split("（")[0]}


class Inspection(models.Model):
    """One inspection done under a plan; recording it moves the plan's next due date on."""

    plan = models.ForeignKey(InspectionPlan, verbose_name=_("检查计划"), on_delete=models.PROTECT,
                             related_name="inspections")
    due_date = models.DateField(_("应检日期"))
    done_at = models.DateTimeField(_("检查时间"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("检查结果"), max_length=10, choices=choices.InspectionResult.choices)
    findings = models.TextField(_("检查记录"), blank=True)
    photo = models.FileField(_("现场照片"), upload_to="inventory/inspections/%Y/%m/", blank=True)
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("养护检查记录")
        verbose_name_plural = _("养护检查记录")
        ordering = ["-done_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result=choices.InspectionResult.OK) | ~Q(findings=""),
                name="inspection_issues_have_findings", violation_error_message=_("发现问题时请填写检查记录"),
            ),
        ]

    def __str__(self):
        return f"{self.plan} {self.done_at:%Y-%m-%d}"


class EnvironmentReading(models.Model):
    """A temperature and/or humidity reading of a zone, typed in or posted by a sensor."""

    zone = models.ForeignKey("inventory.Zone", verbose_name=_("库区"), on_delete=models.PROTECT,
                             related_name="readings")
    measured_at = models.DateTimeField(_("测量时间"))
    temperature = models.DecimalField(_("温度（℃）"), max_digits=4, decimal_places=1, null=True, blank=True)
    humidity = models.DecimalField(_("相对湿度（%RH）"), max_digits=4, decimal_places=1, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=choices.ReadingSource.choices,
                              default=choices.ReadingSource.MANUAL)
    sensor_id = models.CharField(_("传感器编号"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("温湿度记录")
        verbose_name_plural = _("温湿度记录")
        ordering = ["-measured_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature__isnull=False) | Q(humidity__isnull=False),
                name="reading_has_a_value", violation_error_message=_("请至少填写温度或湿度"),
            ),
            models.CheckConstraint(
                condition=Q(temperature__isnull=True)
                | Q(temperature__gte=TEMPERATURE_LIMITS[0], temperature__lte=TEMPERATURE_LIMITS[1]),
                name="reading_temperature_possible", violation_error_message=_("温度超出可能范围"),
            ),
            models.CheckConstraint(
                condition=Q(humidity__isnull=True)
                | Q(humidity__gte=HUMIDITY_LIMITS[0], humidity__lte=HUMIDITY_LIMITS[1]),
                name="reading_humidity_possible", violation_error_message=_("湿度超出可能范围"),
            ),
            models.CheckConstraint(
                condition=~Q(source=choices.ReadingSource.SENSOR) | ~Q(sensor_id=""),
                name="reading_sensor_has_id", violation_error_message=_("传感器数据必须带传感器编号"),
            ),
            models.UniqueConstraint(
                fields=["zone", "source", "sensor_id", "measured_at"], name="reading_unique_per_sensor_time",
                violation_error_message=_("该传感器在同一时间的读数已记录"),
            ),
        ]
        indexes = [models.Index(fields=["zone", "measured_at"], name="reading_zone_time_idx")]

    def __str__(self):
        return f"{self.zone} {self.measured_at:%Y-%m-%d %H:%M}"


class EnvironmentAlert(models.Model):
    """温湿度告警: a zone's temperature or humidity left its range. At most one alert per zone and
    kind is not closed; further readings outside the range are counted on it."""

    zone = models.ForeignKey("inventory.Zone", verbose_name=_("库区"), on_delete=models.PROTECT,
                             related_name="alerts")
    kind = models.CharField(_("告警类型"), max_length=12, choices=choices.AlertKind.choices)
    reading = models.ForeignKey(EnvironmentReading, verbose_name=_("触发读数"), on_delete=models.PROTECT,
                                related_name="alerts")
    last_reading = models.ForeignKey(EnvironmentReading, verbose_name=_("最近超限读数"), on_delete=models.PROTECT,
                                     related_name="+")
    value = models.DecimalField(_("读数"), max_digits=4, decimal_places=1)
    limit = models.DecimalField(_("限值"), max_digits=4, decimal_places=1)
    readings_count = models.PositiveIntegerField(_("超限次数"), default=1)
    state = models.CharField(_("状态"), max_length=12, choices=choices.AlertState.choices,
                             default=choices.AlertState.OPEN)
    opened_at = models.DateTimeField(_("告警时间"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关闭人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    note = models.TextField(_("处理说明"), blank=True)

    class Meta:
        verbose_name = _("温湿度告警")
        verbose_name_plural = _("温湿度告警")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "kind"], condition=~Q(state=choices.AlertState.CLOSED),
                name="alert_one_active_per_zone_kind",
                violation_error_message=_("该库区同类告警尚未关闭"),
            ),
        ]
        indexes = [models.Index(fields=["state", "opened_at"], name="alert_state_idx")]
        permissions = [("handle_environmentalert", _("确认与关闭温湿度告警"))]

    def __str__(self):
        return f"{self.zone} {self.get_kind_display()}"
