from django.db import models
from django.utils.translation import gettext_lazy as _


class TemperatureClass(models.TextChoices):
    AMBIENT = "ambient", _("常温（10–30℃）")
    COOL = "cool", _("阴凉（≤20℃）")
    COLD = "cold", _("冷藏（2–8℃）")
    FROZEN = "frozen", _("冷冻（≤−18℃）")


class HazardClass(models.TextChoices):
    """Classes of dangerous goods per GB 6944-2012; blank means not hazardous."""

    NONE = "", _("非危险品")
    EXPLOSIVE = "1", _("第1类 爆炸品")
    GAS = "2", _("第2类 气体")
    FLAMMABLE_LIQUID = "3", _("第3类 易燃液体")
    FLAMMABLE_SOLID = "4", _("第4类 易燃固体、易自燃物质、遇水放出易燃气体的物质")
    OXIDIZER = "5", _("第5类 氧化性物质和有机过氧化物")
    TOXIC = "6", _("第6类 毒性物质和感染性物质")
    RADIOACTIVE = "7", _("第7类 放射性物质")
    CORROSIVE = "8", _("第8类 腐蚀性物质")
    MISCELLANEOUS = "9", _("第9类 杂项危险物质和物品")


class ItemCategory(models.TextChoices):
    GENERAL = "general", _("普通货物")
    FOOD = "food", _("食品")
    PHARMA = "pharma", _("药品")
    CHEMICAL = "chemical", _("化工品")
    ELECTRONICS = "electronics", _("电子产品")
    APPAREL = "apparel", _("服装鞋帽")


# Goods that are eaten or taken as medicine never share a zone with dangerous goods.
INGESTIBLE_CATEGORIES = frozenset({ItemCategory.FOOD, ItemCategory.PHARMA})


class Rotation(models.TextChoices):
    FIFO = "fifo", _("先进先出（按收货日期）")
    FEFO = "fefo", _("近效期先出（按到期日期）")


class ABCClass(models.TextChoices):
    A = "A", _("A类")
    B = "B", _("B类")
    C = "C", _("C类")


class CapacityUnit(models.TextChoices):
    UNITS = "units", _("件（基本单位）")
    PALLETS = "pallets", _("托盘")


class LocationKind(models.TextChoices):
    STORAGE = "storage", _("存储库位")
    RECEIVING = "receiving", _("收货暂存区")
    STAGING = "staging", _("出库暂存区")
    SUPPLIER = "supplier", _("供应商（虚拟）")
    CUSTOMER = "customer", _("客户（虚拟）")
    ADJUSTMENT = "adjustment", _("盘点调整（虚拟）")
    DAMAGE = "damage", _("报损（虚拟）")
    LOSS = "loss", _("丢失（虚拟）")


PHYSICAL_KINDS = frozenset({LocationKind.STORAGE.value, LocationKind.RECEIVING.value, LocationKind.STAGING.value})
VIRTUAL_KINDS = frozenset(LocationKind.values) - PHYSICAL_KINDS


class LocationStatus(models.TextChoices):
    ACTIVE = "active", _("可用")
    BLOCKED = "blocked", _("已锁定")


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("收货")
    PUTAWAY = "putaway", _("上架")
    TRANSFER = "transfer", _("移库")
    PICK = "pick", _("拣货")
    SHIPMENT = "shipment", _("发货")
    ADJUSTMENT = "adjustment", _("库存调整")
    DAMAGE = "damage", _("报损")
    LOSS = "loss", _("丢失")
    RETURN = "return", _("退货入库")


class ReservationState(models.TextChoices):
    OPEN = "open", _("有效")
    CONSUMED = "consumed", _("已拣货/已发货")
    RELEASED = "released", _("已释放")


class CountScope(models.TextChoices):
    ZONE = "zone", _("按库区盘点")
    ITEMS = "items", _("按货品盘点")
    ABC = "abc", _("按ABC分类循环盘点")


class CountState(models.TextChoices):
    PLANNED = "planned", _("已计划")
    COUNTING = "counting", _("盘点中")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已审批过账")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已取消")


class InspectionResult(models.TextChoices):
    OK = "ok", _("正常")
    ISSUES = "issues", _("发现问题")


class ReadingSource(models.TextChoices):
    MANUAL = "manual", _("人工录入")
    SENSOR = "sensor", _("传感器")


class AlertKind(models.TextChoices):
    TOO_HOT = "too_hot", _("温度过高")
    TOO_COLD = "too_cold", _("温度过低")
    TOO_HUMID = "too_humid", _("湿度过高")
    TOO_DRY = "too_dry", _("湿度过低")


class AlertState(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    CLOSED = "closed", _("已关闭")
