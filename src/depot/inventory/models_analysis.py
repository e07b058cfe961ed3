"""Inputs of the replenishment figures (safety stock, reorder point, EOQ) that are not in the
ledger: what an order costs, what holding stock costs, the service level aimed at and the usual
lead time. One row per cargo owner, and one without owner for everyone else; without any row the
defaults of `analysis` apply (see docs/inventory-analysis.md)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.inventory import analysis


class ReplenishmentSettings(models.Model):
    owner = models.OneToOneField(
        "customers.Customer", verbose_name=_("货主"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="replenishment_settings", help_text=_("留空表示全局默认值，适用于没有单独设置的货主"),
    )
    order_cost = models.DecimalField(
        _("每次补货成本（元）"), max_digits=10, decimal_places=2, default=analysis.DEFAULT_ORDER_COST,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("货主每下一次补货单的固定成本：下单、运输、收货验收等"),
    )
    holding_cost_rate = models.DecimalField(
        _("年持有成本率"), max_digits=5, decimal_places=4, default=analysis.DEFAULT_HOLDING_COST_RATE,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("5"))],
        help_text=_("一件货物存放一年的成本占其货值的比例，例如 0.25 表示 25%"),
    )
    service_level = models.DecimalField(
        _("服务水平"), max_digits=4, decimal_places=3, default=analysis.DEFAULT_SERVICE_LEVEL,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.999"))],
        help_text=_("补货周期内不缺货的概率，例如 0.95 表示 95%"),
    )
    default_lead_time_days = models.PositiveIntegerField(
        _("默认补货提前期（天）"), default=analysis.DEFAULT_LEAD_TIME_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("货品未设置补货提前期时采用"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("补货参数")
        verbose_name_plural = _("补货参数")
        ordering = [models.F("owner").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], name="replenishment_settings_one_per_owner", nulls_distinct=False,
                violation_error_message=_("该货主（或全局默认）已有补货参数"),
            ),
            models.CheckConstraint(
                condition=Q(order_cost__gt=0) & Q(holding_cost_rate__gt=0)
                & Q(service_level__gte=Decimal("0.5"), service_level__lt=1),
                name="replenishment_settings_positive", violation_error_message=_("补货参数超出允许范围"),
            ),
        ]

    def __str__(self):
        return str(self.owner) if self.owner_id else str(_("全局默认"))


class ReorderAlert(models.Model):
    """An item whose available stock is below its reorder point, since when. The row exists while
    the item stays below, so the cargo owner is told once per fall, not at every stock move."""

    item = models.OneToOneField("inventory.Item", verbose_name=_("货品"), on_delete=models.CASCADE,
                                related_name="reorder_alert")
    below_since = models.DateTimeField(_("低于再订货点时间"), default=timezone.now)
    available = models.IntegerField(_("当时可用数量"))
    reorder_point = models.PositiveIntegerField(_("再订货点"))

    class Meta:
        verbose_name = _("再订货提醒")
        verbose_name_plural = _("再订货提醒")

    def __str__(self):
        return f"{self.item_id} < {self.reorder_point}"
