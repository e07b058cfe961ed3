"""Portal accounts: a customer's employee logging in to the customer portal acts for that one
customer. The login is an ordinary, non-staff Django user in the group `portal_customer`."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), on_delete=models.PROTECT, related_name="portal_account"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="portal_accounts"
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True, editable=False)
    last_login_at = models.DateTimeField(_("最近登录时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("门户账号")
        verbose_name_plural = _("门户账号")
        ordering = ["customer__code", "user__username"]
        permissions = [
            ("manage_all_portalaccounts", _("管理所有客户的门户账号")),
            ("use_portal", _("登录客户门户")),
        ]

    def __str__(self):
        return f"{self.name}（{self.user.get_username()}）"
