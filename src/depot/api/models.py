"""Personal API tokens, the technical user a customer token acts as, and the per-minute request
counters of the rate limit.

A token is stored as the SHA-256 hash of its raw value (`dpt_…`) plus a short visible prefix; the
raw value is shown once, when it is created. A token belongs either to a customer (it acts for
that customer only) or to a staff user (it acts as that user).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.api.choices import Scope, TokenKind


class ServiceAccount(models.Model):
    """The technical user (no password, no back-office login) that a customer's tokens act as
    in the services, so the audit trail and order timelines name the customer's integration."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="api_account"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("技术用户"), on_delete=models.PROTECT, related_name="api_account"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("客户API账号")
        verbose_name_plural = _("客户API账号")

    def __str__(self):
        return self.user.get_username()


class ApiToken(models.Model):
    name = models.CharField(_("名称"), max_length=100, help_text=_("用途说明，如“WMS对接”"))
    prefix = models.CharField(_("令牌前缀"), max_length=16, editable=False)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("员工"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    scopes = ArrayField(
        models.CharField(max_length=30, choices=Scope.choices), verbose_name=_("权限范围"), default=list,
    )
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True, help_text=_("不填表示长期有效"))
    rate_limit = models.PositiveIntegerField(
        _("每分钟请求上限"), null=True, blank=True, help_text=_("不填时使用系统默认值"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("吊销人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(customer__isnull=False) & Q(user__isnull=True))
                | (Q(customer__isnull=True) & Q(user__isnull=False)),
                name="api_token_customer_xor_user",
                violation_error_message=_("令牌必须且只能属于一个客户或一名员工"),
            ),
            models.CheckConstraint(
                condition=Q(rate_limit__isnull=True) | Q(rate_limit__gte=1), name="api_token_rate_limit_positive",
                violation_error_message=_("每分钟请求上限至少为1"),
            ),
        ]
        indexes = [models.Index(fields=["customer", "revoked_at"], name="api_token_customer_idx")]
        permissions = [
            ("revoke_apitoken", _("吊销API令牌")),
            ("manage_all_apitokens", _("查看和吊销所有API令牌")),
        ]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def kind(self) -> str:
        return TokenKind.CUSTOMER if self.customer_id else TokenKind.STAFF

    def status(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= now:
            return "expired"
        return "active"


class RateCounter(models.Model):
    """Requests of one token in one fixed window, as flushed in batches by the web processes.
    The table is UNLOGGED (see the migration): losing it in a crash only resets the counts."""

    token_id = models.BigIntegerField()
    window_start = models.DateTimeField()
    hits = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("请求计数")
        verbose_name_plural = _("请求计数")
        constraints = [
            models.UniqueConstraint(fields=["token_id", "window_start"], name="api_rate_counter_unique"),
        ]
        indexes = [models.Index(fields=["window_start"], name="api_rate_counter_window_idx")]
        default_permissions = ()

    def __str__(self):
        return f"{self.token_id}@{self.window_start:%H:%M} {self.hits}"


class IdempotencyRecord(models.Model):
    """A write request sent with an `Idempotency-Key`, for operations whose own model keeps no key:
    the fingerprint of its body and what it created, so a replay answers with the same record and
    the same key with another body is refused."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="+")
    operation = models.CharField(_("操作"), max_length=40)
    key = models.CharField(_("幂等键"), max_length=100)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    result = models.CharField(_("创建的记录"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [
            models.UniqueConstraint(fields=["customer", "operation", "key"], name="api_idempotency_unique",
                                    violation_error_message=_("该幂等键已使用")),
        ]
        default_permissions = ()

    def __str__(self):
        return f"{self.operation} {self.key}"
