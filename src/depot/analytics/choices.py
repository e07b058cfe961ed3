from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.TextChoices):
    IMPORTANT_VALUE = "important_value", _("重要价值客户")
    IMPORTANT_KEEP = "important_keep", _("重要保持客户")
    IMPORTANT_DEVELOP = "important_develop", _("重要发展客户")
    IMPORTANT_RETAIN = "important_retain", _("重要挽留客户")
    GENERAL_VALUE = "general_value", _("一般价值客户")
    GENERAL_KEEP = "general_keep", _("一般保持客户")
    GENERAL_DEVELOP = "general_develop", _("一般发展客户")
    GENERAL_RETAIN = "general_retain", _("一般挽留客户")
    NONE = "", _("暂无订单")


class ReportScope(models.TextChoices):
    WAREHOUSE = "warehouse", _("按仓库")
    CUSTOMER = "customer", _("按客户")


class ReportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("生成失败")
