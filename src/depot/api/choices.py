from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    ITEMS_READ = "items:read", _("读取货品")
    STOCK_READ = "stock:read", _("读取库存")
    ORDERS_READ = "orders:read", _("读取订单")
    ORDERS_WRITE = "orders:write", _("提交与取消订单")
    COMPLAINTS_READ = "complaints:read", _("读取投诉")
    COMPLAINTS_WRITE = "complaints:write", _("提交投诉、确认答复")
    WEBHOOKS_MANAGE = "webhooks:manage", _("登记与管理Webhook接收地址")
    READINGS_WRITE = "readings:write", _("上报温湿度读数（员工或传感器令牌）")


class TokenKind(models.TextChoices):
    CUSTOMER = "customer", _("客户令牌")
    STAFF = "staff", _("员工个人令牌")
