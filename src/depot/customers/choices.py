from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PROSPECT = "prospect", _("潜在客户")
    ACTIVE = "active", _("合作中")
    SUSPENDED = "suspended", _("已暂停")
    CLOSED = "closed", _("已终止")


class Grade(models.TextChoices):
    VIP = "VIP", _("VIP")
    A = "A", _("A级")
    B = "B", _("B级")
    C = "C", _("C级")


GRADE_ORDER = [Grade.VIP, Grade.A, Grade.B, Grade.C]


class GradeSource(models.TextChoices):
    MANUAL = "manual", _("手工设定")
    RULES = "rules", _("规则评定")


class CreditRating(models.TextChoices):
    AAA = "AAA", _("AAA（极好）")
    AA = "AA", _("AA（优）")
    A = "A", _("A（良）")
    B = "B", _("B（一般）")
    C = "C", _("C（差）")


CREDIT_RATING_ORDER = [CreditRating.AAA, CreditRating.AA, CreditRating.A, CreditRating.B, CreditRating.C]


class EnterpriseNature(models.TextChoices):
    STATE_OWNED = "state_owned", _("国有企业")
    PRIVATE = "private", _("民营企业")
    FOREIGN = "foreign", _("外资企业")
    JOINT_VENTURE = "joint_venture", _("合资企业")
    COLLECTIVE = "collective", _("集体企业")
    INDIVIDUAL = "individual", _("个体工商户")
    PUBLIC_INSTITUTION = "public", _("事业单位")
    OTHER = "other", _("其他")


class StorageType(models.TextChoices):
    AMBIENT = "ambient", _("常温")
    COOL = "cool", _("阴凉")
    COLD = "cold", _("冷藏")
    FROZEN = "frozen", _("冷冻")
    HAZARDOUS = "hazardous", _("危险品")
    BONDED = "bonded", _("保税")


class PaymentTerms(models.TextChoices):
    PREPAID = "prepaid", _("预付")
    ON_DELIVERY = "on_delivery", _("货到付款")
    MONTHLY = "monthly", _("月结")
    NET = "net", _("账期")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信")
    QQ = "qq", _("QQ")
    VISIT = "visit", _("上门拜访")
    PORTAL = "portal", _("客户门户")


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("提供仓储服务所需的个人信息处理")
    MARKETING = "marketing", _("营销与关怀信息")
    THIRD_PARTY = "third_party", _("向第三方（如CRM系统）提供个人信息")
    CROSS_BORDER = "cross_border", _("个人信息出境")


class RfmSegment(models.TextChoices):
    """The named segments of RFM analysis (recency, frequency, monetary value); the analytics app
    computes them, grading rules may require one of them."""

    IMPORTANT_VALUE = "important_value", _("重要价值客户")
    IMPORTANT_KEEP = "important_keep", _("重要保持客户")
    IMPORTANT_DEVELOP = "important_develop", _("重要发展客户")
    IMPORTANT_RETAIN = "important_retain", _("重要挽留客户")
    GENERAL_VALUE = "general_value", _("一般价值客户")
    GENERAL_KEEP = "general_keep", _("一般保持客户")
    GENERAL_DEVELOP = "general_develop", _("一般发展客户")
    GENERAL_RETAIN = "general_retain", _("一般挽留客户")


class PrivacyRequestKind(models.TextChoices):
    """What a person asks of their personal information (PIPL art. 45 and 47)."""

    ACCESS = "access", _("查阅复制")
    ERASURE = "erasure", _("删除")


class PrivacyRequestState(models.TextChoices):
    RECEIVED = "received", _("已受理")
    COMPLETED = "completed", _("已完成")
    REFUSED = "refused", _("已拒绝")
