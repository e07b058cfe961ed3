"""An Excel import of outbound orders: the uploaded file until it is processed, and its outcome
(orders created or found again, or the errors per row and column), shown on its status page."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.orders.choices import ImportState


class OrderImport(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    file_name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件内容"), blank=True, default=b"", editable=False)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    background = models.BooleanField(_("后台导入"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    created_count = models.PositiveIntegerField(_("新建订单数"), default=0)
    existing_count = models.PositiveIntegerField(_("已存在订单数"), default=0)
    orders = models.JSONField(_("订单"), default=list, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("出库单导入")
        verbose_name_plural = _("出库单导入")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name}（{self.get_state_display()}）"
