from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    DAMAGE = "damage", _("货损")
    LOSS = "loss", _("货丢")


class IncidentState(models.TextChoices):
    REGISTERED = "registered", _("登记")
    ASSESSED = "assessed", _("已定损")
    PENDING_APPROVAL = "pending_approval", _("待审批")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已赔付")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("已驳回")
    VOIDED = "voided", _("作废")


INCIDENT_OPEN_STATES = frozenset({
    IncidentState.REGISTERED, IncidentState.ASSESSED, IncidentState.PENDING_APPROVAL, IncidentState.APPROVED,
    IncidentState.PAID, IncidentState.REJECTED,
})
INCIDENT_ENDED_STATES = frozenset({IncidentState.CLOSED, IncidentState.VOIDED})


class AssessmentMethod(models.TextChoices):
    LINES = "lines", _("数量×货值")
    APPRAISAL = "appraisal", _("评估金额")


class Liability(models.TextChoices):
    WAREHOUSE = "warehouse", _("仓库责任")
    CARRIER = "carrier", _("承运商责任")
    THIRD_PARTY = "third_party", _("第三方责任")
    CUSTOMER = "customer", _("客户责任")
    FORCE_MAJEURE = "force_majeure", _("不可抗力")


class InsuranceState(models.TextChoices):
    NONE = "", _("未报保险")
    FILED = "filed", _("已报案")
    SETTLED = "settled", _("已理赔")
    DECLINED = "declined", _("保险拒赔")


class RecoveryState(models.TextChoices):
    OPEN = "open", _("追偿中")
    PARTIAL = "partial", _("部分追回")
    RECOVERED = "recovered", _("已追回")
    WRITTEN_OFF = "written_off", _("放弃追偿")


class DelayReason(models.TextChoices):
    CARRIER = "carrier", _("承运商原因")
    WEATHER = "weather", _("天气原因")
    TRAFFIC = "traffic", _("交通管制")
    STOCK = "stock", _("库存不足")
    WAREHOUSE = "warehouse", _("仓内作业延误")
    ADDRESS = "address", _("收货信息有误")
    OTHER = "other", _("其他")
