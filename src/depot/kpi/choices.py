from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceKpi(models.TextChoices):
    ON_TIME_SHIPMENT = "on_time_shipment", _("按时发货率")
    FILL_RATE = "fill_rate", _("订单满足率（行）")
    DAMAGE_FREE = "damage_free", _("无货损出库率")
    DOC_ACCURACY = "doc_accuracy", _("单证准确率")
    PERFECT_ORDER = "perfect_order", _("完美订单率")
    INVENTORY_ACCURACY = "inventory_accuracy", _("库存准确率")
    DOCK_TO_STOCK = "dock_to_stock", _("入库上架时长（小时）")
    COMPLAINT_FIRST_RESPONSE = "complaint_first_response", _("投诉首次响应时长（小时）")
    COMPLAINT_RESOLUTION = "complaint_resolution", _("投诉解决时长（小时）")
    CSAT = "csat", _("客户满意度 CSAT")
    NPS = "nps", _("净推荐值 NPS")


# KPIs where less is better (durations); all others: more is better.
LOWER_IS_BETTER = frozenset({ServiceKpi.DOCK_TO_STOCK, ServiceKpi.COMPLAINT_FIRST_RESPONSE,
                             ServiceKpi.COMPLAINT_RESOLUTION})


class Component(models.TextChoices):
    ORDER_ON_TIME = "order_on_time", _("订单按时处理率")
    COMPLAINT_ON_TIME = "complaint_on_time", _("投诉按时解决率")
    FIRST_RESPONSE = "first_response", _("首次响应时效")
    FOLLOWUP_ON_TIME = "followup_on_time", _("回访按时完成率")
    SATISFACTION = "satisfaction", _("负责客户满意度")
    ATTITUDE = "attitude", _("工作态度（主管评分）")
    ABILITY = "ability", _("工作能力（主管评分）")


DEFAULT_WEIGHTS = {
    Component.ORDER_ON_TIME: 20, Component.COMPLAINT_ON_TIME: 15, Component.FIRST_RESPONSE: 10,
    Component.FOLLOWUP_ON_TIME: 10, Component.SATISFACTION: 15, Component.ATTITUDE: 15, Component.ABILITY: 15,
}


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月度")
    YEAR = "year", _("年度")


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    IMPROVE = "improve", _("待改进")


class CourseCategory(models.TextChoices):
    PROCESS = "process", _("仓储作业流程")
    GOODS = "goods", _("货物知识")
    COMMUNICATION = "communication", _("沟通技巧")
    PROBLEM = "problem", _("问题处理")
    OTHER = "other", _("其他")


class TrainingResult(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")
    ABSENT = "absent", _("缺席")
