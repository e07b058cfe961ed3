from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("服务热线")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信")
    QQ = "qq", _("QQ")
    VISIT = "visit", _("上门拜访")
    PORTAL = "portal", _("客户门户")
    API = "api", _("API")


class InquiryState(models.TextChoices):
    OPEN = "open", _("待答复")
    ESCALATED = "escalated", _("已超时升级")
    ANSWERED = "answered", _("已答复")


INQUIRY_OPEN_STATES = frozenset({InquiryState.OPEN, InquiryState.ESCALATED})


class ComplaintCategory(models.TextChoices):
    DAMAGE = "damage", _("货损")
    LOSS = "loss", _("货物丢失")
    DELAY = "delay", _("延误")
    WRONG_GOODS = "wrong_goods", _("错发货")
    ATTITUDE = "attitude", _("服务态度")
    BILLING = "billing", _("费用账单")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    LOW = "low", _("轻微")
    MEDIUM = "medium", _("一般")
    HIGH = "high", _("严重")
    CRITICAL = "critical", _("紧急")


SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


class ComplaintState(models.TextChoices):
    OPEN = "open", _("待处理")
    INVESTIGATING = "investigating", _("处理中")
    ANSWERED = "answered", _("已答复待确认")
    REOPENED = "reopened", _("重新处理")
    CLOSED = "closed", _("已关闭")


# The ball is in the warehouse's court: the SLA clocks run and the job escalates.
COMPLAINT_ACTIVE_STATES = frozenset({ComplaintState.OPEN, ComplaintState.INVESTIGATING, ComplaintState.REOPENED})
COMPLAINT_OPEN_STATES = COMPLAINT_ACTIVE_STATES | {ComplaintState.ANSWERED}


class EscalationLevel(models.IntegerChoices):
    SPECIALIST = 0, _("专员")
    SUPERVISOR = 1, _("主管")
    MANAGER = 2, _("经理")


class SlaStatus(models.TextChoices):
    ON_TRACK = "on_track", _("正常")
    AT_RISK = "at_risk", _("即将超时")
    OVERDUE = "overdue", _("已超时")


class EventKind(models.TextChoices):
    CREATED = "created", _("登记投诉")
    ASSIGNED = "assigned", _("分派")
    NOTE = "note", _("调查记录")
    FIRST_RESPONSE = "first_response", _("首次响应")
    ANSWERED = "answered", _("答复客户")
    ACCEPTED = "accepted", _("客户接受")
    REJECTED = "rejected", _("客户不接受")
    ESCALATED = "escalated", _("升级")
    AT_RISK = "at_risk", _("即将超时")
    CLOSED = "closed", _("关闭")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息日")
    WORKDAY = "workday", _("调休上班")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("星期一")
    TUESDAY = 1, _("星期二")
    WEDNESDAY = 2, _("星期三")
    THURSDAY = 3, _("星期四")
    FRIDAY = 4, _("星期五")
    SATURDAY = 5, _("星期六")
    SUNDAY = 6, _("星期日")
