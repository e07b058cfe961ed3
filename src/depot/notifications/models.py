"""The notifications outbox: one row per message to send, an append-only log of delivery attempts,
the message templates and the webhook endpoints that receive events."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.core.fields import EncryptedTextField
from depot.notifications.choices import Channel, Outcome, Status, event_label


class MessageTemplate(models.Model):
    """Subject and body of the message sent for an event on a channel, in Django template syntax."""

    code = models.CharField(_("事件代码"), max_length=64, help_text=_("如 order.shipped"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    subject_template = models.CharField(_("标题模板"), max_length=255, blank=True)
    body_template = models.TextField(_("正文模板"))
    active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用后，该事件在此渠道的通知不再发送（记录为“已暂停发送”）")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["code", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "channel"], name="messagetemplate_code_channel_unique",
                violation_error_message=_("该事件在此渠道已有模板"),
            ),
        ]

    def __str__(self):
        return f"{self.name or event_label(self.code)}（{self.get_channel_display()}）"


class WebhookEndpoint(models.Model):
    """A URL that receives signed POSTs for the events it subscribed to. An endpoint owned by a
    customer receives only that customer's events."""

    owner = models.ForeignKey(
        "customers.Customer", verbose_name=_("所属客户"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="webhook_endpoints", help_text=_("留空表示本仓库自己的系统（如 CRM），可接收所有客户的事件"),
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = EncryptedTextField(_("签名密钥"), editable=False)
    events = ArrayField(models.CharField(max_length=64), verbose_name=_("订阅事件"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Webhook 接收地址")
        verbose_name_plural = _("Webhook 接收地址")
        ordering = ["url"]

    def __str__(self):
        return self.name or self.url


class Notification(models.Model):
    """One message to one recipient. Written in the transaction of the change that causes it,
    together with the job that delivers it; retried until delivered or out of attempts."""

    event = models.CharField(_("事件"), max_length=64, db_index=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = EncryptedTextField(_("接收方"), help_text=_("邮箱地址或 Webhook 接收地址"))
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("Webhook 接收地址"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="notifications",
    )
    template_code = models.CharField(_("模板"), max_length=64, blank=True)
    context = models.JSONField(_("模板数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    subject = models.CharField(_("标题"), max_length=255, blank=True)
    body = models.TextField(_("正文"), blank=True)
    payload = models.JSONField(_("数据（Webhook）"), null=True, blank=True, encoder=DjangoJSONEncoder)

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("关联对象类型"), null=True, blank=True, on_delete=models.PROTECT
    )
    object_id = models.CharField(_("关联对象编号"), max_length=64, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="notifications",
    )

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False, db_index=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel=Channel.WEBHOOK) | Q(endpoint__isnull=False),
                name="notification_webhook_has_endpoint",
                violation_error_message=_("Webhook 通知必须指定接收地址"),
            ),
        ]
        permissions = [
            ("retry_notification", _("重新发送通知")),
        ]

    def __str__(self):
        return f"#{self.pk} {event_label(self.event)}"


class DeliveryAttempt(models.Model):
    """One try to deliver a notification. Append-only (a database trigger refuses changes)."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.PROTECT, related_name="delivery_attempts"
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True,
                                                   help_text=_("HTTP 状态码或 SMTP 回复码"))
    reply = models.CharField(_("回复"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("投递尝试")
        verbose_name_plural = _("投递尝试")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.notification_id}#{self.number} {self.get_outcome_display()}"
