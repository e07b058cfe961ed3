"""The analytics app's own tables: monthly RFM segment snapshots (so changes of segment over time
are kept), the monthly service reports generated in the worker, and the report schedules."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.analytics import choices


class SegmentSnapshot(models.Model):
    """A customer's RFM scores and segment as of the last day of a month."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="+"
    )
    as_of = models.DateField(_("统计截止日"))
    recency_days = models.PositiveIntegerField(_("最近下单距今天数"), null=True, blank=True)
    frequency = models.PositiveIntegerField(_("近12个月订单数"))
    monetary = models.DecimalField(_("近12个月订单货值（元）"), max_digits=16, decimal_places=2)
    r_score = models.PositiveSmallIntegerField(_("R得分"))
    f_score = models.PositiveSmallIntegerField(_("F得分"))
    m_score = models.PositiveSmallIntegerField(_("M得分"))
    segment = models.CharField(_("客户分群"), max_length=20, choices=choices.Segment.choices, blank=True)
    taken_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("客户分群快照")
        verbose_name_plural = _("客户分群快照")
        ordering = ["-as_of", "customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "as_of"], name="segment_snapshot_unique",
                                    violation_error_message=_("该客户在此日期已有分群快照")),
        ]
        permissions = [("view_analytics", _("查看数据分析")), ("manage_reports", _("管理月度报告与发送计划"))]

    def __str__(self):
        return f"{self.customer} {self.as_of} {self.get_segment_display()}"


class ReportRun(models.Model):
    """One monthly customer-service report, generated in the worker; the files are kept here."""

    scope = models.CharField(_("报告范围"), max_length=10, choices=choices.ReportScope.choices)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("仓库"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    state = models.CharField(_("状态"), max_length=10, choices=choices.ReportState.choices,
                             default=choices.ReportState.QUEUED)
    error = models.TextField(_("错误信息"), blank=True)
    excel = models.BinaryField(_("Excel文件"), null=True, blank=True, editable=False)
    pdf = models.BinaryField(_("PDF文件"), null=True, blank=True, editable=False)
    schedule = models.ForeignKey(
        "ReportSchedule", verbose_name=_("发送计划"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="runs",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度客户服务报告")
        verbose_name_plural = _("月度客户服务报告")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="warehouse", customer__isnull=True)
                           | Q(scope="customer", customer__isnull=False, warehouse__isnull=True)),
                name="reportrun_scope_target", violation_error_message=_("客户报告须指定客户，仓库报告不能指定客户"),
            ),
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="reportrun_period_order",
                                   violation_error_message=_("开始日期不能晚于结束日期")),
        ]

    def __str__(self):
        target = self.customer or self.warehouse or _("全部仓库")
        return f"{target} {self.start:%Y-%m-%d}~{self.end:%Y-%m-%d}"


class ReportSchedule(models.Model):
    """Send last month's report to a mailing list on the first day of every month."""

    name = models.CharField(_("名称"), max_length=100)
    scope = models.CharField(_("报告范围"), max_length=10, choices=choices.ReportScope.choices)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("仓库"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("仓库报告留空表示全部仓库"),
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recipients = ArrayField(models.EmailField(), verbose_name=_("收件人"), default=list)
    active = models.BooleanField(_("启用"), default=True)
    last_sent_for = models.DateField(_("最近发送月份"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("报告发送计划")
        verbose_name_plural = _("报告发送计划")
        ordering = ["name"]

    def __str__(self):
        return self.name
