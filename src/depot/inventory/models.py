"""Inventory per cargo owner: items, warehouses → zones → locations, lots, the stock ledger,
balances, reservations and stock counts.

The ledger (`StockMove`) is the source of truth and append-only (a trigger refuses UPDATE and
DELETE). `Balance.on_hand` is a stored sum of the moves into and out of one (item, lot, location)
and `Balance.reserved` a stored sum of the open `Reservation`s on it; both change only in the
transaction that writes the move or the reservation, and `checks.stock_problems()` recomputes them.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.inventory import choices


class Item(models.Model):
    """A stock-keeping unit (SKU) of one cargo owner. Quantities are integers of `base_unit`."""

    owner = models.ForeignKey(
        "customers.Customer", verbose_name=_("货主"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(_("货品编码"), max_length=40)
    name = models.CharField(_("货品名称"), max_length=200)
    spec = models.CharField(_("规格型号"), max_length=200, blank=True)
    barcode = models.CharField(_("条码"), max_length=40, blank=True)
    category = models.CharField(
        _("货品类别"), max_length=20, choices=choices.ItemCategory.choices, default=choices.ItemCategory.GENERAL
    )
    base_unit = models.CharField(_("基本单位"), max_length=10, default="件")
    case_quantity = models.PositiveIntegerField(
        _("箱规（每箱基本单位数）"), default=1, validators=[MinValueValidator(1)]
    )
    pallet_quantity = models.PositiveIntegerField(
        _("每托基本单位数"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("按托盘计容量的库位据此计算占用托盘数；不填时每个批次按一托计"),
    )
    storage_class = models.CharField(
        _("存储温层"), max_length=10, choices=choices.TemperatureClass.choices,
        default=choices.TemperatureClass.AMBIENT,
    )
    hazard_class = models.CharField(
        _("危险品类别"), max_length=2, choices=choices.HazardClass.choices, blank=True, default=""
    )
    shelf_life_days = models.PositiveIntegerField(_("保质期（天）"), null=True, blank=True)
    rotation = models.CharField(
        _("出库规则"), max_length=4, choices=choices.Rotation.choices, default=choices.Rotation.FIFO
    )
    unit_value = models.DecimalField(
        _("单位货值（元）"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    safety_stock = models.PositiveIntegerField(_("安全库存"), default=0)
    reorder_point = models.PositiveIntegerField(_("再订货点"), default=0)
    lead_time_days = models.PositiveIntegerField(
        _("补货提前期（天）"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("货主下补货单到货物入库所需天数；不填时用货主或全局的默认提前期"),
    )
    abc_class = models.CharField(_("ABC分类"), max_length=1, choices=choices.ABCClass.choices, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("货品")
        verbose_name_plural = _("货品")
        ordering = ["owner", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "code"], name="item_code_unique_per_owner",
                violation_error_message=_("同一货主下货品编码不能重复"),
            ),
            models.CheckConstraint(
                condition=Q(unit_value__gte=0), name="item_unit_value_not_negative",
                violation_error_message=_("单位货值不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(case_quantity__gte=1), name="item_case_quantity_positive",
                violation_error_message=_("箱规至少为1"),
            ),
            models.CheckConstraint(
                condition=Q(pallet_quantity__isnull=True) | Q(pallet_quantity__gte=1),
                name="item_pallet_quantity_positive", violation_error_message=_("每托数量至少为1"),
            ),
        ]
        permissions = [("classify_abc", _("按出库货值更新ABC分类"))]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_hazardous(self) -> bool:
        return bool(self.hazard_class)


class Warehouse(models.Model):
    code = models.CharField(_("仓库编码"), max_length=20, unique=True)
    name = models.CharField(_("仓库名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("仓库")
        verbose_name_plural = _("仓库")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Zone(models.Model):
    """库区: one temperature class, optionally one hazard class, with its climate range."""

    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="zones")
    code = models.CharField(_("库区编码"), max_length=20)
    name = models.CharField(_("库区名称"), max_length=100)
    temperature_class = models.CharField(
        _("温层"), max_length=10, choices=choices.TemperatureClass.choices, default=choices.TemperatureClass.AMBIENT
    )
    hazard_class = models.CharField(
        _("危险品类别"), max_length=2, choices=choices.HazardClass.choices, blank=True, default="",
        help_text=_("危险品库区只存放该类危险品；普通库区留空"),
    )
    temperature_min = models.DecimalField(_("温度下限（℃）"), max_digits=5, decimal_places=1, null=True, blank=True)
    temperature_max = models.DecimalField(_("温度上限（℃）"), max_digits=5, decimal_places=1, null=True, blank=True)
    humidity_min = models.DecimalField(
        _("湿度下限（%RH）"), max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    humidity_max = models.DecimalField(
        _("湿度上限（%RH）"), max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("库区")
        verbose_name_plural = _("库区")
        ordering = ["warehouse", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "code"], name="zone_code_unique_per_warehouse",
                violation_error_message=_("同一仓库内库区编码不能重复"),
            ),
            models.CheckConstraint(
                condition=Q(humidity_min__isnull=True) | Q(humidity_max__isnull=True)
                | Q(humidity_min__lte=F("humidity_max")),
                name="zone_humidity_range_ordered", violation_error_message=_("湿度下限不能高于上限"),
            ),
            models.CheckConstraint(
                condition=Q(temperature_min__isnull=True) | Q(temperature_max__isnull=True)
                | Q(temperature_min__lte=F("temperature_max")),
                name="zone_temperature_range_ordered", violation_error_message=_("温度下限不能高于上限"),
            ),
        ]

    def __str__(self):
        return f"{self.warehouse.code}/{self.code} {self.name}"

    @property
    def is_hazardous(self) -> bool:
        return bool(self.hazard_class)


class Location(models.Model):
    """库位. Physical locations belong to a zone; virtual ones (supplier, customer, adjustment,
    damage, loss) have none and are the other side of moves that enter or leave the warehouse."""

    zone = models.ForeignKey(
        Zone, verbose_name=_("库区"), null=True, blank=True, on_delete=models.PROTECT, related_name="locations"
    )
    code = models.CharField(_("库位编码"), max_length=40, unique=True)
    kind = models.CharField(
        _("库位类型"), max_length=12, choices=choices.LocationKind.choices, default=choices.LocationKind.STORAGE
    )
    capacity = models.PositiveIntegerField(_("容量"), null=True, blank=True, help_text=_("不填表示不限"))
    capacity_unit = models.CharField(
        _("容量单位"), max_length=10, choices=choices.CapacityUnit.choices, default=choices.CapacityUnit.UNITS
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=choices.LocationStatus.choices, default=choices.LocationStatus.ACTIVE
    )
    status_reason = models.CharField(_("锁定原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("库位")
        verbose_name_plural = _("库位")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=sorted(choices.PHYSICAL_KINDS)) & Q(zone__isnull=False))
                | (Q(kind__in=sorted(choices.VIRTUAL_KINDS)) & Q(zone__isnull=True)),
                name="location_zone_iff_physical",
                violation_error_message=_("实体库位必须属于库区，虚拟库位不属于库区"),
            ),
        ]
        indexes = [models.Index(fields=["zone", "kind", "status"], name="location_zone_kind_idx")]

    def __str__(self):
        return self.code

    @property
    def is_physical(self) -> bool:
        return self.kind in choices.PHYSICAL_KINDS


class Lot(models.Model):
    """批次 of one item. `received_on` is the date of its first receipt (FIFO orders by it)."""

    item = models.ForeignKey(Item, verbose_name=_("货品"), on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(_("批号"), max_length=40)
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    expiry_date = models.DateField(_("到期日期"), null=True, blank=True)
    received_on = models.DateField(_("收货日期"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["item", "received_on", "lot_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "lot_number"], name="lot_number_unique_per_item",
                violation_error_message=_("同一货品的批号不能重复"),
            ),
            models.CheckConstraint(
                condition=Q(production_date__isnull=True) | Q(expiry_date__isnull=True)
                | Q(expiry_date__gte=F("production_date")),
                name="lot_expiry_not_before_production", violation_error_message=_("到期日期不能早于生产日期"),
            ),
        ]
        indexes = [models.Index(fields=["expiry_date"], name="lot_expiry_idx")]

    def __str__(self):
        return self.lot_number


class StockMove(models.Model):
    """One line of the stock ledger: `quantity` of (item, lot) went from one location to another.

    Never edited or deleted (a database trigger refuses it); a mistake is corrected by a reversing
    move (`reversal_of`), which swaps the locations and keeps the kind of the move it reverses.
    """

    kind = models.CharField(_("类型"), max_length=12, choices=choices.MoveKind.choices)
    owner = models.ForeignKey(
        "customers.Customer", verbose_name=_("货主"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(Item, verbose_name=_("货品"), on_delete=models.PROTECT, related_name="moves")
    lot = models.ForeignKey(Lot, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="moves")
    from_location = models.ForeignKey(
        Location, verbose_name=_("来源库位"), on_delete=models.PROTECT, related_name="moves_out"
    )
    to_location = models.ForeignKey(
        Location, verbose_name=_("目标库位"), on_delete=models.PROTECT, related_name="moves_in"
    )
    quantity = models.IntegerField(_("数量"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    document_type = models.CharField(_("单据类型"), max_length=30, blank=True)
    document_ref = models.CharField(_("单据编号"), max_length=64, blank=True)
    reservation = models.ForeignKey(
        "Reservation", verbose_name=_("预留"), null=True, blank=True, on_delete=models.PROTECT, related_name="moves"
    )
    reversal_of = models.OneToOneField(
        "self", verbose_name=_("冲正的流水"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("发生时间"), default=timezone.now)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="stockmove_quantity_positive",
                violation_error_message=_("数量必须大于零"),
            ),
            models.CheckConstraint(
                condition=~Q(from_location=F("to_location")), name="stockmove_locations_differ",
                violation_error_message=_("来源库位与目标库位不能相同"),
            ),
        ]
        indexes = [
            models.Index(fields=["item", "lot", "at"], name="stockmove_item_lot_idx"),
            models.Index(fields=["owner", "at"], name="stockmove_owner_idx"),
            models.Index(fields=["at", "id"], name="stockmove_at_idx"),
            models.Index(fields=["item", "at"], include=["kind"], name="stockmove_item_at_idx"),
            models.Index(fields=["document_type", "document_ref"], name="stockmove_document_idx"),
        ]
        permissions = [
            ("receive_stock", _("收货与退货入库")),
            ("putaway_stock", _("上架")),
            ("move_stock", _("移库")),
            ("pick_stock", _("拣货与发货")),
            ("report_damage", _("报损与报丢失")),
            ("adjust_stock", _("手工调整库存")),
            ("reverse_stockmove", _("冲正库存流水")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item.code} {self.lot} {self.quantity}"


class Balance(models.Model):
    """Stock of one (item, lot, location): `on_hand` (sum of moves) and `reserved` (open reservations)."""

    item = models.ForeignKey(Item, verbose_name=_("货品"), on_delete=models.PROTECT, related_name="balances")
    lot = models.ForeignKey(Lot, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(Location, verbose_name=_("库位"), on_delete=models.PROTECT, related_name="balances")
    on_hand = models.IntegerField(_("现存数量"), default=0)
    reserved = models.IntegerField(_("预留数量"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("库存余额")
        verbose_name_plural = _("库存余额")
        ordering = ["item", "lot", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "lot", "location"], name="balance_unique_item_lot_location",
                violation_error_message=_("同一货品批次在一个库位只有一条余额"),
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0), name="balance_on_hand_not_negative",
                violation_error_message=_("现存数量不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="balance_reserved_not_negative",
                violation_error_message=_("预留数量不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="balance_reserved_within_on_hand",
                violation_error_message=_("预留数量不能超过现存数量"),
            ),
        ]
        indexes = [models.Index(fields=["location", "item"], name="balance_location_item_idx")]

    def __str__(self):
        return f"{self.item.code} {self.lot} @ {self.location}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Quantity of one balance held for a document (an outbound order line, …).

    Open quantity = quantity − consumed − released; `Balance.reserved` is the sum of the open
    quantities of the balance's open reservations. Picking moves reserved stock to an outbound
    staging location and carries the reservation over to it (`source` points back).
    """

    balance = models.ForeignKey(
        Balance, verbose_name=_("库存余额"), on_delete=models.PROTECT, related_name="reservations"
    )
    quantity = models.IntegerField(_("预留数量"))
    consumed = models.IntegerField(_("已拣货数量"), default=0)
    released = models.IntegerField(_("已释放数量"), default=0)
    document_type = models.CharField(_("单据类型"), max_length=30)
    document_ref = models.CharField(_("单据编号"), max_length=64)
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.ReservationState.choices, default=choices.ReservationState.OPEN
    )
    source = models.ForeignKey(
        "self", verbose_name=_("拣货前预留"), null=True, blank=True, on_delete=models.PROTECT, related_name="staged"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("库存预留")
        verbose_name_plural = _("库存预留")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="reservation_quantity_positive",
                violation_error_message=_("预留数量必须大于零"),
            ),
            models.CheckConstraint(
                condition=Q(consumed__gte=0) & Q(released__gte=0)
                & Q(quantity__gte=F("consumed") + F("released")),
                name="reservation_closed_within_quantity", violation_error_message=_("拣货与释放合计不能超过预留数量"),
            ),
        ]
        indexes = [
            models.Index(fields=["document_type", "document_ref"], name="reservation_document_idx"),
            models.Index(fields=["balance", "state"], name="reservation_balance_state_idx"),
            models.Index(fields=["created_at", "id"], name="reservation_created_idx"),
        ]
        permissions = [("reserve_stock", _("预留与释放库存"))]

    def __str__(self):
        return f"{self.document_type}:{self.document_ref} {self.quantity}"

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.consumed - self.released


class Count(models.Model):
    """盘点单: a blind count of a set of locations (a zone, the locations of some items, or of an
    ABC class). Each location is frozen from the start of the count until its result is recorded;
    the approved variance is posted as adjustment moves."""

    number = models.CharField(_("盘点单号"), max_length=30, unique=True)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="counts")
    scope = models.CharField(_("盘点范围"), max_length=10, choices=choices.CountScope.choices)
    zone = models.ForeignKey(
        Zone, verbose_name=_("库区"), null=True, blank=True, on_delete=models.PROTECT, related_name="counts"
    )
    abc_class = models.CharField(_("ABC分类"), max_length=1, choices=choices.ABCClass.choices, blank=True)
    items = models.ManyToManyField(
        Item, verbose_name=_("盘点货品"), blank=True, related_name="counts",
        help_text=_("为空表示盘点库位上的全部货品"),
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.CountState.choices, default=choices.CountState.PLANNED
    )
    planned_for = models.DateField(_("计划盘点日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("盘点单")
        verbose_name_plural = _("盘点单")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("record_count", _("录入盘点结果")),
            ("approve_count", _("审批盘点差异并过账")),
        ]

    def __str__(self):
        return self.number


class CountLocation(models.Model):
    """A location in a count; frozen while the count is counting and its result is not recorded."""

    count = models.ForeignKey(Count, verbose_name=_("盘点单"), on_delete=models.CASCADE, related_name="locations")
    location = models.ForeignKey(
        Location, verbose_name=_("库位"), on_delete=models.PROTECT, related_name="count_entries"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("盘点人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("盘点库位")
        verbose_name_plural = _("盘点库位")
        ordering = ["count", "location__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["count", "location"], name="count_location_unique",
                violation_error_message=_("同一盘点单中库位不能重复"),
            ),
        ]

    def __str__(self):
        return f"{self.count} {self.location}"


class CountLine(models.Model):
    """What the system held (`expected`, taken when the result is recorded) and what was counted."""

    count = models.ForeignKey(Count, verbose_name=_("盘点单"), on_delete=models.CASCADE, related_name="lines")
    location = models.ForeignKey(Location, verbose_name=_("库位"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("货品"), on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField(_("账面数量"))
    counted = models.IntegerField(_("实盘数量"), validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("盘点明细")
        verbose_name_plural = _("盘点明细")
        ordering = ["count", "location__code", "item__code", "lot__lot_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["count", "location", "item", "lot"], name="count_line_unique",
                violation_error_message=_("同一库位的同一货品批次只能有一行盘点结果"),
            ),
            models.CheckConstraint(
                condition=Q(counted__gte=0) & Q(expected__gte=0), name="count_line_quantities_not_negative",
                violation_error_message=_("盘点数量不能为负数"),
            ),
        ]

    def __str__(self):
        return f"{self.count} {self.location} {self.item.code} {self.lot}"

    @property
    def variance(self) -> int:
        return self.counted - self.expected


# Custody (保管养护) and analysis settings live in their own modules; importing them here
# registers them with the app.
from depot.inventory.models_analysis import ReorderAlert, ReplenishmentSettings  # noqa: E402
from depot.inventory.models_custody import (  # noqa: E402
    EnvironmentAlert,
    EnvironmentReading,
    Inspection,
    InspectionPlan,
)

__all__ = [
    "Balance", "Count", "CountLine", "CountLocation", "EnvironmentAlert", "EnvironmentReading", "Inspection",
    "InspectionPlan", "Item", "Location", "Lot", "ReorderAlert", "ReplenishmentSettings", "Reservation", "StockMove",
    "Warehouse",
    "Zone",
]
