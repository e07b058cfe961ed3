from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("邮件")
    WEBHOOK = "webhook", _("Webhook")


class Status(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")
    WITHHELD = "withheld", _("已暂停发送")


class Outcome(models.TextChoices):
    DELIVERED = "delivered", _("成功")
    FAILED = "failed", _("失败")
    INTERRUPTED = "interrupted", _("中断（结果未知）")
    WITHHELD = "withheld", _("未发送")


# Events other apps emit. The code is stored as text so that a new event needs no migration;
# these labels are what the back office shows.
EVENT_LABELS = {
    "order.status_changed": _("订单状态变更"),
    "order.incomplete": _("订单信息不完整"),
    "order.held": _("订单暂停处理"),
    "order.shipped": _("订单已发货"),
    "inbound.received": _("入库收货完成"),
    "customer.changed": _("客户资料变更"),
    "complaint.updated": _("投诉处理进展"),
    "incident.updated": _("货损货丢处理进展"),
    "order.delayed": _("订单延误"),
    "analytics.monthly_report": _("月度客户服务报告"),
    "stock.below_reorder_point": _("库存低于再订货点"),
}


# What the emitting app puts in the template context of each event (besides customer_name and
# contact_name, which every email gets).
EVENT_VARIABLES = {
    "order.status_changed": _("order_no 订单号，status_label 新状态，previous_status_label 原状态，"
                              "changed_at 变更时间，note 说明"),
    "order.incomplete": _("order_no 订单号，missing 缺少的信息（列表），note 说明"),
    "order.held": _("order_no 订单号，reason 暂停原因，held_at 暂停时间"),
    "order.shipped": _("order_no 订单号，carrier 承运商，tracking_no 运单号，shipped_at 发货时间，packages 件数"),
    "inbound.received": _("inbound_no 入库单号，received_at 收货时间，lines 收货明细（每行 sku、name、expected、"
                          "received），discrepancies 差异（每行 sku、name、kind、quantity、note）"),
    "customer.changed": _("customer_code 客户编码，changed 变更的字段（列表，不含字段值）"),
    "stock.below_reorder_point": _("item_code 货品编码，item_name 货品名称，available 可用数量，"
                                   "reorder_point 再订货点"),
    "incident.updated": _("incident_no 事件编号，kind_label 类型，status_label 状态，headline 进展，detail 说明，"
                          "order_no 出库单号，occurred_at 发生时间，assessed_amount 定损金额，"
                          "compensation_amount 赔偿金额，paid_amount 已支付金额"),
    "order.delayed": _("order_no 订单号，external_ref 客户单号，kind 通知或进展（notice/update），reason 延误原因，"
                       "note 说明，new_expected_at 新的预计送达时间，carrier 承运商，tracking_no 运单号"),
}


def event_label(code: str):
    return EVENT_LABELS.get(code, code)
