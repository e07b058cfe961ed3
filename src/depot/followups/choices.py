from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpReason(models.TextChoices):
    GRADE = "grade", _("定期回访")
    COMPLAINT = "complaint", _("投诉回访")
    LARGE_ORDER = "large_order", _("大单回访")
    CHURN_RISK = "churn_risk", _("流失预警回访")
    MANUAL = "manual", _("手工安排")


class FollowUpState(models.TextChoices):
    PLANNED = "planned", _("待回访")
    DONE = "done", _("已回访")
    CANCELLED = "cancelled", _("已取消")


class Outcome(models.TextChoices):
    SATISFIED = "satisfied", _("满意，无新需求")
    NEW_NEED = "new_need", _("提出新需求")
    ISSUE = "issue", _("反映问题")
    UNREACHABLE = "unreachable", _("未联系上")


class CalendarKind(models.TextChoices):
    SOLAR = "solar", _("公历")
    LUNAR = "lunar", _("农历")


class Occasion(models.TextChoices):
    BIRTHDAY = "birthday", _("生日")
    FESTIVAL = "festival", _("节日")


class CareState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    SKIPPED = "skipped", _("跳过")
