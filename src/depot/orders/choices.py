from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundState(models.TextChoices):
    INCOMPLETE = "incomplete", _("待补充")
    PENDING_AUDIT = "pending_audit", _("待审核")
    CREDIT_REVIEW = "credit_review", _("信用审核")
    HELD = "held", _("已暂挂")
    ALLOCATED = "allocated", _("已分配")
    PICKING = "picking", _("拣货中")
    PICKED = "picked", _("已拣货")
    PACKED = "packed", _("已包装")
    SHIPPED = "shipped", _("已发货")
    DELIVERED = "delivered", _("已送达")
    CONFIRMED = "confirmed", _("已签收")
    SUSPENDED = "suspended", _("已挂起")
    CANCELLED = "cancelled", _("已取消")
    REJECTED = "rejected", _("已拒绝")


# Orders that still count against the customer's credit: not yet shipped and not abandoned.
OUTBOUND_OPEN_STATES = frozenset({
    OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT, OutboundState.CREDIT_REVIEW, OutboundState.HELD,
    OutboundState.ALLOCATED, OutboundState.PICKING, OutboundState.PICKED, OutboundState.PACKED,
    OutboundState.SUSPENDED,
})
OUTBOUND_SHIPPED_STATES = frozenset({OutboundState.SHIPPED, OutboundState.DELIVERED, OutboundState.CONFIRMED})
OUTBOUND_ENDED_STATES = frozenset({OutboundState.CANCELLED, OutboundState.REJECTED})


class InboundState(models.TextChoices):
    NOTIFIED = "notified", _("已预报")
    RECEIVING = "receiving", _("收货中")
    RECEIVED = "received", _("已收货")
    PUT_AWAY = "put_away", _("已上架")
    CANCELLED = "cancelled", _("已取消")


class ServiceLevel(models.TextChoices):
    STANDARD = "standard", _("标准")
    EXPRESS = "express", _("加急")
    SAME_DAY = "same_day", _("当日")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("邮件")
    EXCEL = "excel", _("Excel导入")
    PORTAL = "portal", _("客户门户")
    API = "api", _("API")


class HoldKind(models.TextChoices):
    NONE = "", _("无")
    STOCK = "stock", _("库存不足")
    DATE = "date", _("发货日期不可行")
    WAIT = "wait", _("等待到货")


class ExceptionKind(models.TextChoices):
    SHORTAGE = "shortage", _("缺货")
    DAMAGE = "damage", _("破损")
    OTHER = "other", _("其他")


class ExceptionState(models.TextChoices):
    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("已处理")


class Resolution(models.TextChoices):
    SUBSTITUTE = "substitute", _("换批次")
    PARTIAL = "partial", _("部分发货")
    CANCEL = "cancel", _("取消")
    WAIT = "wait", _("等待到货")


class CreditReviewState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤销")


class PickListState(models.TextChoices):
    OPEN = "open", _("拣货中")
    DONE = "done", _("已完成")


class ImportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未导入（有错误）")
