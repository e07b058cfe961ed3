from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncObject(models.TextChoices):
    ACCOUNT = "account", _("客户")
    CONTACT = "contact", _("联系人")
    SALES_ORDER = "sales_order", _("出库单")
    CASE = "case", _("投诉")


class LinkState(models.TextChoices):
    SYNCED = "synced", _("已同步")
    FAILED = "failed", _("同步失败，下次重试")
    WITHHELD = "withheld", _("未同意共享，未发送")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("成功")
    PARTIAL = "partial", _("部分失败")
    FAILED = "failed", _("失败")


class EntryOutcome(models.TextChoices):
    SENT = "sent", _("已发送")
    WOULD_SEND = "would_send", _("将发送（试运行）")
    FAILED = "failed", _("失败")
    WITHHELD = "withheld", _("未同意共享，已跳过")
