from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    SERVICE_QUALITY = "service_quality", _("服务质量")
    RESPONSE_SPEED = "response_speed", _("响应速度")
    CUSTODY = "custody", _("货物保管")
    COMMUNICATION = "communication", _("沟通效果")
    OVERALL = "overall", _("总体满意度")
    NPS = "nps", _("推荐意愿")


# The dimensions measured on the 1–5 satisfaction scale (CSAT); NPS is asked on 0–10.
CSAT_DIMENSIONS = [Dimension.SERVICE_QUALITY, Dimension.RESPONSE_SPEED, Dimension.CUSTODY,
                   Dimension.COMMUNICATION, Dimension.OVERALL]


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("满意度评分（1–5分）")
    NPS = "nps", _("推荐意愿（0–10分）")
    CHOICE = "choice", _("单选")
    TEXT = "text", _("文字意见")


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("邮件链接")
    PORTAL = "portal", _("仅客户门户")


class Audience(models.TextChoices):
    ALL_ACTIVE = "all_active", _("全部合作中客户")
    GRADE = "grade", _("按客户等级")
    TAG = "tag", _("按客户标签")


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SENT = "sent", _("进行中")
    CLOSED = "closed", _("已结束")


class AnswerChannel(models.TextChoices):
    LINK = "link", _("调查链接")
    PORTAL = "portal", _("客户门户")


class PlanSource(models.TextChoices):
    DIMENSION = "dimension", _("低分维度")
    COMPLAINT = "complaint", _("投诉根因")
    MANUAL = "manual", _("手工创建")


class PlanState(models.TextChoices):
    PLANNED = "planned", _("待实施")
    IN_PROGRESS = "in_progress", _("实施中")
    COMPLETED = "completed", _("已完成待评估")
    EFFECTIVE = "effective", _("已评估：有效")
    INEFFECTIVE = "ineffective", _("已评估：未见效")
    CANCELLED = "cancelled", _("已取消")


PLAN_OPEN_STATES = frozenset({PlanState.PLANNED, PlanState.IN_PROGRESS, PlanState.COMPLETED})
