from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    ITEMS_READ = "items:read", _("读取货品")
    STOCK_READ = "stock:read", _("读取库存")
    ORDERS_READ = "orders:read", _("读取订单")
    ORDERS_WRITE = "orders:write", _("提交与取消订单")


class TokenKind(models.TextChoices):
    CUSTOMER = "customer", _("客户令牌")
    STAFF = "staff", _("员工个人令牌")
