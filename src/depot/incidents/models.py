"""Damage and loss incidents (货损货丢) with their claim, and delay notices on outbound orders.

An incident's `state` changes only through the services (`policy.TRANSITIONS`). Money is CNY with
two decimal places; the rules a single row can check are database constraints. Posting the loss
to stock writes one inventory move per line (`IncidentLine.stock_move`) and stamps
`stock_posted_at`, once.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.incidents import choices

MONEY = {"max_digits": 14, "decimal_places": 2}


class Incident(models.Model):
    """货损货丢事件: goods of one customer damaged or lost, and the claim that follows."""

    code = models.CharField(_("事件编号"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="incidents"
    )
    order = models.ForeignKey(
        "orders.OutboundOrder", verbose_name=_("出库单"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="incidents",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=choices.IncidentKind.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=choices.IncidentState.choices, default=choices.IncidentState.REGISTERED
    )
    occurred_at = models.DateTimeField(_("发生时间"))
    place = models.CharField(_("发生地点"), max_length=200, blank=True)
    description = models.TextField(_("情况描述"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scene_description = models.TextField(_("现场记录"), blank=True)
    scene_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("现场记录人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    scene_recorded_at = models.DateTimeField(_("现场记录时间"), null=True, blank=True)
    customer_notified_at = models.DateTimeField(_("首次通知客户时间"), null=True, blank=True)

    assessment_method = models.CharField(_("定损方式"), max_length=10, choices=choices.AssessmentMethod.choices,
                                         blank=True)
    assessed_amount = models.DecimalField(_("定损金额（元）"), null=True, blank=True, **MONEY)
    assessment_note = models.TextField(_("定损说明"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("定损人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_at = models.DateTimeField(_("定损时间"), null=True, blank=True)

    liability = models.CharField(_("责任方"), max_length=20, choices=choices.Liability.choices, blank=True)
    liable_party = models.CharField(_("责任单位"), max_length=100, blank=True, help_text=_("如承运商名称"))
    liability_note = models.TextField(_("责任认定说明"), blank=True)

    insurer = models.CharField(_("保险公司"), max_length=100, blank=True)
    insurance_claim_no = models.CharField(_("保险报案号"), max_length=60, blank=True)
    insurance_state = models.CharField(_("保险理赔状态"), max_length=10, choices=choices.InsuranceState.choices,
                                       blank=True, default=choices.InsuranceState.NONE)
    insurance_claimed = models.DecimalField(_("保险索赔金额（元）"), null=True, blank=True, **MONEY)
    insurance_received = models.DecimalField(_("保险赔付金额（元）"), null=True, blank=True, **MONEY)

    compensation_amount = models.DecimalField(_("赔偿金额（元）"), null=True, blank=True, **MONEY)
    compensation_note = models.TextField(_("赔偿方案说明"), blank=True)
    over_assessment_reason = models.CharField(_("超出定损金额的原因"), max_length=200, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("提出时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    paid_amount = models.DecimalField(_("实付金额（元）"), null=True, blank=True, **MONEY)
    payment_ref = models.CharField(_("付款凭证号"), max_length=60, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("赔付登记人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("赔付时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    close_note = models.CharField(_("结案说明"), max_length=200, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    stock_posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("库存过账人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    stock_posted_at = models.DateTimeField(_("库存过账时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("货损货丢事件")
        verbose_name_plural = _("货损货丢事件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assessed_amount__isnull=True) | Q(assessed_amount__gte=0),
                name="incident_assessed_not_negative", violation_error_message=_("定损金额不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(compensation_amount__isnull=True) | Q(compensation_amount__gt=0),
                name="incident_compensation_positive", violation_error_message=_("赔偿金额必须大于零"),
            ),
            models.CheckConstraint(
                condition=Q(compensation_amount__isnull=True) | Q(assessed_amount__isnull=True)
                | Q(compensation_amount__lte=F("assessed_amount")) | ~Q(over_assessment_reason=""),
                name="incident_compensation_within_assessment",
                violation_error_message=_("赔偿金额超过定损金额时必须填写原因"),
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | (Q(paid_amount__gt=0)
                                                          & Q(paid_amount__lte=F("compensation_amount"))),
                name="incident_paid_within_compensation", violation_error_message=_("实付金额不能超过批准的赔偿金额"),
            ),
            models.CheckConstraint(
                condition=Q(insurance_claimed__isnull=True) | Q(insurance_claimed__gte=0),
                name="incident_insurance_claimed_not_negative", violation_error_message=_("保险索赔金额不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(insurance_received__isnull=True) | Q(insurance_received__gte=0),
                name="incident_insurance_received_not_negative", violation_error_message=_("保险赔付金额不能为负数"),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="incident_state_idx"),
            models.Index(fields=["customer", "state"], name="incident_customer_state_idx"),
        ]
        permissions = [
            ("record_scene", _("记录货损现场")),
            ("post_incident_stock", _("货损货丢库存过账")),
            ("approve_compensation", _("审批赔偿")),
            ("pay_compensation", _("登记赔付")),
        ]

    def __str__(self):
        return self.code

    @property
    def is_open(self) -> bool:
        return self.state in choices.INCIDENT_OPEN_STATES

    @property
    def lines_value(self):
        return sum((line.value for line in self.lines.all()), start=0)


class IncidentLine(models.Model):
    """One affected item (and, when the goods are in the warehouse's stock, its lot and location).
    `stock_move` is the damage or loss move written when the incident is posted to stock."""

    incident = models.ForeignKey(Incident, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("inventory.Item", verbose_name=_("货品"), on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("inventory.Lot", verbose_name=_("批次"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("inventory.Location", verbose_name=_("库位"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    unit_value = models.DecimalField(_("单位货值（元）"), max_digits=12, decimal_places=2)
    stock_move = models.OneToOneField(
        "inventory.StockMove", verbose_name=_("库存流水"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("受损货品")
        verbose_name_plural = _("受损货品")
        ordering = ["incident", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="incident_line_quantity_positive",
                                   violation_error_message=_("数量必须大于零")),
            models.CheckConstraint(condition=Q(unit_value__gte=0), name="incident_line_value_not_negative",
                                   violation_error_message=_("单位货值不能为负数")),
            models.CheckConstraint(condition=Q(location__isnull=True) | Q(lot__isnull=False),
                                   name="incident_line_location_needs_lot",
                                   violation_error_message=_("填写库位时必须填写批次")),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.item_id}×{self.quantity}"

    @property
    def value(self):
        return self.quantity * self.unit_value


def photo_path(photo, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"incidents/{timezone.localdate():%Y/%m}/{photo.incident_id}-{timezone.now():%H%M%S%f}.{extension}"


class IncidentPhoto(models.Model):
    """A photo of the scene, stored under MEDIA_ROOT and served only to staff who may see the incident."""

    incident = models.ForeignKey(Incident, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=photo_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["incident", "uploaded_at", "id"]

    def __str__(self):
        return self.original_name or self.file.name


class Recovery(models.Model):
    """追偿 from a liable third party (carrier, subcontractor …) of what the warehouse paid."""

    incident = models.ForeignKey(Incident, verbose_name=_("事件"), on_delete=models.CASCADE,
                                 related_name="recoveries")
    party = models.CharField(_("追偿对象"), max_length=100)
    amount_claimed = models.DecimalField(_("追偿金额（元）"), **MONEY)
    amount_recovered = models.DecimalField(_("已追回金额（元）"), default=0, **MONEY)
    state = models.CharField(_("状态"), max_length=12, choices=choices.RecoveryState.choices,
                             default=choices.RecoveryState.OPEN)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("第三方追偿")
        verbose_name_plural = _("第三方追偿")
        ordering = ["incident", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_claimed__gt=0), name="recovery_claimed_positive",
                                   violation_error_message=_("追偿金额必须大于零")),
            models.CheckConstraint(
                condition=Q(amount_recovered__gte=0) & Q(amount_recovered__lte=F("amount_claimed")),
                name="recovery_recovered_within_claimed", violation_error_message=_("已追回金额不能超过追偿金额"),
            ),
        ]

    def __str__(self):
        return f"{self.incident} → {self.party}"


class DelayNotice(models.Model):
    """延误通知 on an outbound order: why, and when it is now expected. Each notice and each of its
    updates is also an event of the order's timeline (`order_event`), visible to the customer."""

    order = models.ForeignKey("orders.OutboundOrder", verbose_name=_("出库单"), on_delete=models.PROTECT,
                              related_name="delay_notices")
    reason_category = models.CharField(_("延误原因类别"), max_length=12, choices=choices.DelayReason.choices)
    reason = models.CharField(_("延误原因"), max_length=200)
    new_expected_at = models.DateTimeField(_("预计送达时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("通知人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("通知时间"), default=timezone.now)
    order_event = models.OneToOneField("orders.OrderEvent", verbose_name=_("订单轨迹"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("延误通知")
        verbose_name_plural = _("延误通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "created_at"], name="delay_notice_order_idx")]

    def __str__(self):
        return f"{self.order} {self.get_reason_category_display()}"

    @property
    def current_expected_at(self):
        latest = next((u.new_expected_at for u in sorted(self.updates.all(), key=lambda u: (u.created_at, u.pk),
                                                           reverse=True) if u.new_expected_at), None)
        return latest or self.new_expected_at


class DelayUpdate(models.Model):
    """A progress update of a delay, told to the customer; may move the expected time again."""

    notice = models.ForeignKey(DelayNotice, verbose_name=_("延误通知"), on_delete=models.CASCADE,
                               related_name="updates")
    note = models.CharField(_("进展说明"), max_length=200)
    new_expected_at = models.DateTimeField(_("新的预计送达时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更新人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    order_event = models.OneToOneField("orders.OrderEvent", verbose_name=_("订单轨迹"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("延误进展")
        verbose_name_plural = _("延误进展")
        ordering = ["notice", "created_at", "id"]

    def __str__(self):
        return f"{self.notice_id} {self.note[:20]}"
