"""What the CRM sync keeps: the cursor of each connector and object, the link of every Depot record
to its record in the CRM (external id, a digest of what was last sent, whether it must be sent
again), and the log of every run."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.crm.choices import EntryOutcome, LinkState, RunStatus, SyncObject


class SyncState(models.Model):
    """The last successful cursor of one connector and object: the next run sends what changed
    since then (plus every record still waiting for a retry)."""

    connector = models.CharField(_("连接器"), max_length=20)
    object = models.CharField(_("对象"), max_length=20, choices=SyncObject.choices)
    cursor = models.DateTimeField(_("同步游标"), null=True, blank=True,
                                  help_text=_("上次成功同步开始的时间；之后有变化的记录在下次同步"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("同步进度")
        verbose_name_plural = _("同步进度")
        ordering = ["connector", "object"]
        constraints = [
            models.UniqueConstraint(fields=["connector", "object"], name="crm_syncstate_unique",
                                    violation_error_message=_("每个连接器的每类对象只有一条同步进度")),
        ]

    def __str__(self):
        return f"{self.connector} {self.get_object_display()}"


class ExternalLink(models.Model):
    """One Depot record and its record in one CRM."""

    connector = models.CharField(_("连接器"), max_length=20)
    object = models.CharField(_("对象"), max_length=20, choices=SyncObject.choices)
    local_id = models.BigIntegerField(_("Depot记录编号"))
    depot_code = models.CharField(_("Depot编码"), max_length=64)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="crm_links")
    external_id = models.CharField(_("CRM记录ID"), max_length=100, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=LinkState.choices)
    digest = models.CharField(_("内容摘要"), max_length=64, blank=True,
                              help_text=_("上次成功发送的内容的摘要；内容未变时不再发送"))
    last_error = models.TextField(_("最近错误"), blank=True)
    synced_at = models.DateTimeField(_("最近同步时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("CRM记录对应")
        verbose_name_plural = _("CRM记录对应")
        ordering = ["connector", "object", "depot_code"]
        constraints = [
            models.UniqueConstraint(fields=["connector", "object", "local_id"], name="crm_link_unique",
                                    violation_error_message=_("该记录已有对应的CRM记录")),
        ]
        indexes = [models.Index(fields=["connector", "object", "state"], name="crm_link_state_idx")]

    def __str__(self):
        return f"{self.depot_code} → {self.external_id or '—'}"


class SyncRun(models.Model):
    """One `depot crm-sync` run."""

    connector = models.CharField(_("连接器"), max_length=20)
    dry_run = models.BooleanField(_("试运行"), default=False)
    since = models.DateTimeField(_("指定起始时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(_("结果"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    sent = models.PositiveIntegerField(_("已发送"), default=0)
    unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    withheld = models.PositiveIntegerField(_("未同意共享"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("同步记录")
        verbose_name_plural = _("CRM同步记录")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.connector} {self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class SyncRunEntry(models.Model):
    """One line of a run's log: a record sent, failed, or skipped for want of consent."""

    run = models.ForeignKey(SyncRun, verbose_name=_("同步记录"), on_delete=models.CASCADE, related_name="entries")
    object = models.CharField(_("对象"), max_length=20, choices=SyncObject.choices)
    depot_code = models.CharField(_("Depot编码"), max_length=64)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    outcome = models.CharField(_("结果"), max_length=12, choices=EntryOutcome.choices)
    external_id = models.CharField(_("CRM记录ID"), max_length=100, blank=True)
    message = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("同步明细")
        verbose_name_plural = _("同步明细")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.depot_code} {self.get_outcome_display()}"
