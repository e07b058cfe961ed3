"""Inbound orders (入库单) and outbound orders (出库单) of the cargo owners, their timeline, credit
reviews, pick lists, packages and exceptions.

An order's `state` changes only through `services._transitions.transition`, which checks the
transition table of `policy`, stamps the time of the step and writes an `OrderEvent`. Stock is
never touched here: reservations, picks, shipments and receipts go through the inventory services,
with the order number as the document reference.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.core.fields import EncryptedTextField
from depot.orders import choices

OUTBOUND_DOCUMENT = "outbound"
INBOUND_DOCUMENT = "inbound"


class OutboundOrder(models.Model):
    """出库单: goods of one customer to ship to one consignee."""

    number = models.CharField(_("出库单号"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="outbound_orders"
    )
    channel = models.CharField(_("下单渠道"), max_length=10, choices=choices.Channel.choices)
    external_ref = models.CharField(_("客户单号"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True)
    request_hash = models.CharField(_("请求摘要"), max_length=64, editable=False)
    state = models.CharField(_("状态"), max_length=20, choices=choices.OutboundState.choices)

    consignee_name = models.CharField(_("收货人"), max_length=100, blank=True)
    consignee_phone = EncryptedTextField(_("收货人电话"), blank=True)
    # Keyed hash of the phone's E.164 form (customers.validators.phone_blind_index): a person's
    # orders are found by exact number without decrypting every order. Kept in step by save().
    consignee_phone_index = models.CharField(max_length=64, blank=True, editable=False)
    province = models.CharField(_("省份"), max_length=20, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    district = models.CharField(_("区县"), max_length=30, blank=True)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    requested_ship_date = models.DateField(_("要求发货日期"), null=True, blank=True)
    service_level = models.CharField(
        _("服务等级"), max_length=10, choices=choices.ServiceLevel.choices, default=choices.ServiceLevel.STANDARD
    )
    allow_partial = models.BooleanField(_("允许部分发货"), default=False)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("发货仓库"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("不填表示任一仓库"),
    )
    note = models.TextField(_("备注"), blank=True)

    missing = models.JSONField(_("待补充内容"), default=list, blank=True)
    hold_kind = models.CharField(
        _("暂挂类型"), max_length=10, choices=choices.HoldKind.choices, blank=True, default=choices.HoldKind.NONE
    )
    hold_reason = models.TextField(_("暂挂原因"), blank=True)
    priority = models.PositiveSmallIntegerField(_("优先级"), default=3, help_text=_("数值越小越优先（VIP为0）"))
    due_at = models.DateTimeField(_("应发货时间"), null=True, blank=True)
    total_value = models.DecimalField(_("订单货值（元）"), max_digits=14, decimal_places=2, default=0)

    carrier = models.CharField(_("承运商"), max_length=50, blank=True)
    tracking_number = models.CharField(_("运单号"), max_length=50, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("客户评分"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    receipt_comment = models.TextField(_("签收评价"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    reject_reason = models.CharField(_("拒绝原因"), max_length=200, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("接单时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("资料齐全时间"), null=True, blank=True)
    audited_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    held_at = models.DateTimeField(_("暂挂时间"), null=True, blank=True)
    allocated_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    picking_at = models.DateTimeField(_("开始拣货时间"), null=True, blank=True)
    picked_at = models.DateTimeField(_("拣货完成时间"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    packed_at = models.DateTimeField(_("包装时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("出库单")
        verbose_name_plural = _("出库单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="outbound_idempotency_key_unique", violation_error_message=_("该幂等键已用于其他出库单"),
            ),
            models.UniqueConstraint(
                fields=["customer", "external_ref"], condition=~Q(external_ref=""),
                name="outbound_external_ref_unique", violation_error_message=_("该客户单号已用于其他出库单"),
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="outbound_rating_1_to_5",
                violation_error_message=_("评分须为1到5分"),
            ),
            models.CheckConstraint(
                condition=Q(total_value__gte=0), name="outbound_total_value_not_negative",
                violation_error_message=_("订单货值不能为负数"),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "priority", "due_at"], name="outbound_queue_idx"),
            models.Index(fields=["customer", "state"], name="outbound_customer_state_idx"),
            models.Index(fields=["customer", "created_at"], name="outbound_customer_created_idx"),
            models.Index(fields=["created_at", "id"], name="outbound_created_idx"),
            models.Index(fields=["shipped_at"], condition=Q(shipped_at__isnull=False), name="outbound_shipped_idx"),
            models.Index(fields=["tracking_number"], condition=~Q(tracking_number=""), name="outbound_tracking_idx"),
            # The analytics' per-customer counts, values and last orders, read from the index alone.
            models.Index(fields=["customer", "created_at"], include=["total_value"],
                         condition=~Q(state__in=[choices.OutboundState.CANCELLED, choices.OutboundState.REJECTED]),
                         name="outbound_customer_live_idx"),
            # On-time rates by month and by person, read from the index alone.
            models.Index(fields=["due_at"], include=["id", "state", "shipped_at"], name="outbound_due_cover_idx"),
            models.Index(fields=["consignee_phone_index"], condition=~Q(consignee_phone_index=""),
                         name="outbound_consignee_phone_idx"),
        ]
        permissions = [
            ("audit_outbound", _("审核出库单")),
            ("cancel_outbound", _("取消出库单")),
            ("execute_outbound", _("出库作业（包装、发货、送达登记）")),
            ("confirm_receipt", _("登记客户签收")),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        from depot.customers.validators import phone_blind_index

        self.consignee_phone_index = phone_blind_index(self.consignee_phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "consignee_phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "consignee_phone_index"}
        super().save(*args, **kwargs)

    @property
    def full_address(self) -> str:
        return "".join([self.province, self.city, self.district, self.address])


class OutboundLine(models.Model):
    """One item of an outbound order. `item` stays empty while `item_code` is unknown (the order is
    then 待补充). Quantities: `allocated` is reserved or already picked, `short` will not be
    shipped (partial shipment), `picked` is in staging, `shipped` has left; `damaged` and
    `not_found` were found at picking and gave up their reservation."""

    order = models.ForeignKey(OutboundOrder, verbose_name=_("出库单"), on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("行号"))
    item_code = models.CharField(_("货品编码"), max_length=40, blank=True)
    item = models.ForeignKey(
        "inventory.Item", verbose_name=_("货品"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("数量"), null=True, blank=True)
    unit_value = models.DecimalField(_("单位货值（元）"), max_digits=12, decimal_places=2, default=0)
    allocated = models.PositiveIntegerField(_("已分配"), default=0)
    short = models.PositiveIntegerField(_("缺货不发"), default=0)
    picked = models.PositiveIntegerField(_("已拣货"), default=0)
    shipped = models.PositiveIntegerField(_("已发货"), default=0)
    damaged = models.PositiveIntegerField(_("拣货破损"), default=0)
    not_found = models.PositiveIntegerField(_("拣货短缺"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出库明细")
        verbose_name_plural = _("出库明细")
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="outbound_line_no_unique",
                                    violation_error_message=_("行号重复")),
            models.UniqueConstraint(fields=["order", "item_code"], condition=~Q(item_code=""),
                                    name="outbound_line_item_unique",
                                    violation_error_message=_("同一出库单中货品编码不能重复")),
            models.CheckConstraint(condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                                   name="outbound_line_quantity_positive",
                                   violation_error_message=_("数量必须大于零")),
        ]

    def __str__(self):
        return f"{self.order_id}#{self.line_no} {self.item_code}"

    @property
    def outstanding(self) -> int:
        """Quantity neither allocated nor given up: what still waits for stock."""
        return max((self.quantity or 0) - self.allocated - self.short, 0)

    @property
    def value(self):
        return (self.quantity or 0) * self.unit_value


class InboundOrder(models.Model):
    """入库单: the customer's advance shipping notice (ASN) and what was actually received."""

    number = models.CharField(_("入库单号"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="inbound_orders"
    )
    channel = models.CharField(_("下单渠道"), max_length=10, choices=choices.Channel.choices)
    external_ref = models.CharField(_("客户单号"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True)
    request_hash = models.CharField(_("请求摘要"), max_length=64, editable=False)
    state = models.CharField(_("状态"), max_length=20, choices=choices.InboundState.choices)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("收货仓库"), on_delete=models.PROTECT, related_name="+"
    )
    expected_date = models.DateField(_("预计到货日期"), null=True, blank=True)
    carrier = models.CharField(_("承运商"), max_length=50, blank=True)
    vehicle = models.CharField(_("车牌号"), max_length=20, blank=True)
    note = models.TextField(_("备注"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("预报时间"), default=timezone.now)
    receiving_at = models.DateTimeField(_("开始收货时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收货完成时间"), null=True, blank=True)
    put_away_at = models.DateTimeField(_("上架完成时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("入库单")
        verbose_name_plural = _("入库单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="inbound_idempotency_key_unique", violation_error_message=_("该幂等键已用于其他入库单"),
            ),
            models.UniqueConstraint(
                fields=["customer", "external_ref"], condition=~Q(external_ref=""),
                name="inbound_external_ref_unique", violation_error_message=_("该客户单号已用于其他入库单"),
            ),
        ]
        indexes = [models.Index(fields=["customer", "state"], name="inbound_customer_state_idx")]
        permissions = [
            ("receive_inbound", _("入库收货")),
            ("putaway_inbound", _("入库上架")),
            ("cancel_inbound", _("取消入库单")),
        ]

    def __str__(self):
        return self.number


class InboundLine(models.Model):
    """One item of an ASN: the expected quantity and the running totals of what was received."""

    order = models.ForeignKey(InboundOrder, verbose_name=_("入库单"), on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("行号"))
    item = models.ForeignKey("inventory.Item", verbose_name=_("货品"), on_delete=models.PROTECT, related_name="+")
    expected_quantity = models.PositiveIntegerField(_("预报数量"))
    lot_number = models.CharField(_("预报批号"), max_length=40, blank=True)
    received_good = models.PositiveIntegerField(_("实收良品"), default=0)
    received_damaged = models.PositiveIntegerField(_("实收破损"), default=0)
    put_away = models.PositiveIntegerField(_("已上架"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("入库明细")
        verbose_name_plural = _("入库明细")
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="inbound_line_no_unique",
                                    violation_error_message=_("行号重复")),
            models.CheckConstraint(condition=Q(expected_quantity__gt=0), name="inbound_line_expected_positive",
                                   violation_error_message=_("预报数量必须大于零")),
        ]

    def __str__(self):
        return f"{self.order_id}#{self.line_no} {self.item_id}"


class ReceiptLine(models.Model):
    """One receiving record: what arrived for an ASN line, of which lot, into which dock location.
    Damaged units are received and then written off (a `damage` move), so the ledger keeps both."""

    order = models.ForeignKey(InboundOrder, verbose_name=_("入库单"), on_delete=models.CASCADE, related_name="receipts")
    line = models.ForeignKey(InboundLine, verbose_name=_("入库明细"), on_delete=models.CASCADE, related_name="receipts")
    lot = models.ForeignKey("inventory.Lot", verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        "inventory.Location", verbose_name=_("收货库位"), on_delete=models.PROTECT, related_name="+"
    )
    quantity_good = models.PositiveIntegerField(_("良品数量"), default=0)
    quantity_damaged = models.PositiveIntegerField(_("破损数量"), default=0)
    put_away = models.PositiveIntegerField(_("已上架数量"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收货人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("收货时间"), default=timezone.now)

    class Meta:
        verbose_name = _("收货记录")
        verbose_name_plural = _("收货记录")
        ordering = ["order", "line__line_no", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_good__gt=0) | Q(quantity_damaged__gt=0),
                                   name="receipt_line_not_empty", violation_error_message=_("收货数量不能为零")),
            models.CheckConstraint(condition=Q(put_away__lte=models.F("quantity_good")),
                                   name="receipt_line_putaway_within_good",
                                   violation_error_message=_("上架数量不能超过良品数量")),
        ]

    def __str__(self):
        return f"{self.line} {self.lot_id}"

    @property
    def to_put_away(self) -> int:
        return self.quantity_good - self.put_away


class OrderEvent(models.Model):
    """One step of an order's timeline: who moved it from which state to which, when, and why.
    `note` is shown to the customer when `visible_to_customer`; `internal_note` only to staff."""

    outbound = models.ForeignKey(
        OutboundOrder, verbose_name=_("出库单"), null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    inbound = models.ForeignKey(
        InboundOrder, verbose_name=_("入库单"), null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True)
    internal_note = models.TextField(_("内部说明"), blank=True)
    visible_to_customer = models.BooleanField(_("客户可见"), default=True)

    class Meta:
        verbose_name = _("订单轨迹")
        verbose_name_plural = _("订单轨迹")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(outbound__isnull=False) & Q(inbound__isnull=True))
                | (Q(outbound__isnull=True) & Q(inbound__isnull=False)),
                name="order_event_one_order", violation_error_message=_("轨迹必须且只能属于一张订单"),
            ),
        ]
        indexes = [
            models.Index(fields=["actor", "at"], name="order_event_actor_idx"),
            # Who moved which order on: the staff KPIs' orders handled per person.
            models.Index(fields=["outbound"], include=["actor"], name="order_event_staff_idx",
                         condition=Q(actor__isnull=False) & ~Q(from_state=F("to_state"))),
        ]

    def __str__(self):
        return f"{self.from_state or '—'} → {self.to_state}"

    @property
    def order(self):
        return self.outbound if self.outbound_id else self.inbound


class CreditReview(models.Model):
    """信用审核 of one outbound order by a supervisor, with the reasons it was needed."""

    order = models.ForeignKey(
        OutboundOrder, verbose_name=_("出库单"), on_delete=models.CASCADE, related_name="credit_reviews"
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.CreditReviewState.choices, default=choices.CreditReviewState.PENDING
    )
    reasons = models.JSONField(_("审核原因"), default=list)
    exposure = models.DecimalField(_("未结订单金额（元）"), max_digits=14, decimal_places=2, default=0)
    credit_limit = models.DecimalField(_("信用额度（元）"), max_digits=14, decimal_places=2, default=0)
    overdue_amount = models.DecimalField(_("逾期应收（元）"), max_digits=14, decimal_places=2, default=0)
    requested_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("信用审核")
        verbose_name_plural = _("信用审核")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(state="pending"),
                                    name="credit_review_one_pending_per_order",
                                    violation_error_message=_("该订单已有待审批的信用审核")),
        ]
        permissions = [("decide_credit_review", _("审批信用审核"))]

    def __str__(self):
        return f"{self.order} {self.get_state_display()}"


class PickList(models.Model):
    """拣货单: a wave of one or more allocated orders, walked in location order."""

    number = models.CharField(_("拣货单号"), max_length=20, unique=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.PickListState.choices, default=choices.PickListState.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("拣货单")
        verbose_name_plural = _("拣货单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"], name="picklist_created_idx")]
        permissions = [("confirm_pick", _("确认拣货"))]

    def __str__(self):
        return self.number


class PickLine(models.Model):
    """Pick `quantity` of a lot at a location for one order line; it consumes one reservation."""

    pick_list = models.ForeignKey(PickList, verbose_name=_("拣货单"), on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey(OutboundOrder, verbose_name=_("出库单"), on_delete=models.CASCADE,
                              related_name="pick_lines")
    line = models.ForeignKey(OutboundLine, verbose_name=_("出库明细"), on_delete=models.CASCADE,
                             related_name="pick_lines")
    reservation = models.ForeignKey(
        "inventory.Reservation", verbose_name=_("库存预留"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey("inventory.Item", verbose_name=_("货品"), on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("inventory.Lot", verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        "inventory.Location", verbose_name=_("库位"), on_delete=models.PROTECT, related_name="+"
    )
    location_code = models.CharField(_("库位编码"), max_length=40)
    quantity = models.PositiveIntegerField(_("应拣数量"))
    picked = models.PositiveIntegerField(_("实拣数量"), default=0)
    damaged = models.PositiveIntegerField(_("破损数量"), default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("拣货人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    cancelled = models.BooleanField(_("已作废"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("拣货明细")
        verbose_name_plural = _("拣货明细")
        ordering = ["pick_list", "location_code", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pick_line_quantity_positive",
                                   violation_error_message=_("应拣数量必须大于零")),
            models.CheckConstraint(condition=Q(picked__gte=0) & Q(damaged__gte=0)
                                   & Q(quantity__gte=models.F("picked") + models.F("damaged")),
                                   name="pick_line_within_quantity",
                                   violation_error_message=_("实拣与破损合计不能超过应拣数量")),
        ]
        indexes = [models.Index(fields=["order", "confirmed_at"], name="pick_line_order_idx")]

    def __str__(self):
        return f"{self.pick_list_id} {self.location_code} {self.item_id}×{self.quantity}"

    @property
    def missing(self) -> int:
        return self.quantity - self.picked - self.damaged if self.confirmed_at else 0


class Package(models.Model):
    order = models.ForeignKey(
        OutboundOrder, verbose_name=_("出库单"), on_delete=models.CASCADE, related_name="packages"
    )
    seq = models.PositiveSmallIntegerField(_("箱号"))
    weight_kg = models.DecimalField(_("重量（千克）"), max_digits=8, decimal_places=2)
    length_cm = models.DecimalField(_("长（厘米）"), max_digits=6, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(_("宽（厘米）"), max_digits=6, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(_("高（厘米）"), max_digits=6, decimal_places=1, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("包装人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("包装时间"), default=timezone.now)

    class Meta:
        verbose_name = _("包裹")
        verbose_name_plural = _("包裹")
        ordering = ["order", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="package_seq_unique",
                                    violation_error_message=_("箱号重复")),
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="package_weight_positive",
                                   violation_error_message=_("重量必须大于零")),
        ]

    def __str__(self):
        return f"{self.order_id}-{self.seq}"


class OrderException(models.Model):
    """A problem found while executing an outbound order (shortage, damage): the order is 挂起
    until CS resolves it."""

    order = models.ForeignKey(
        OutboundOrder, verbose_name=_("出库单"), on_delete=models.CASCADE, related_name="exceptions"
    )
    line = models.ForeignKey(
        OutboundLine, verbose_name=_("出库明细"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    pick_line = models.ForeignKey(
        PickLine, verbose_name=_("拣货明细"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("异常类型"), max_length=10, choices=choices.ExceptionKind.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.ExceptionState.choices, default=choices.ExceptionState.OPEN
    )
    quantity = models.PositiveIntegerField(_("涉及数量"), default=0)
    details = models.TextField(_("异常详情"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("报告时间"), default=timezone.now)
    resolution = models.CharField(_("处理方式"), max_length=10, choices=choices.Resolution.choices, blank=True)
    resolution_note = models.TextField(_("处理说明"), blank=True)
    substitute_lot = models.ForeignKey(
        "inventory.Lot", verbose_name=_("替换批次"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("订单异常")
        verbose_name_plural = _("订单异常")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["state", "opened_at"], name="order_exception_state_idx")]
        permissions = [("resolve_orderexception", _("处理订单异常"))]

    def __str__(self):
        return f"{self.order} {self.get_kind_display()}"


from depot.orders.models_import import OrderImport  # noqa: E402, F401
