"""Chinese email templates for the events of orders and inbound receiving.

Context each event provides (besides `customer_name` and `contact_name`):
- order.status_changed: order_no, status_label, previous_status_label, changed_at, note
- order.incomplete: order_no, missing (list of what is missing), note
- order.held: order_no, reason, held_at
- order.shipped: order_no, carrier, tracking_no, shipped_at, packages
- inbound.received: inbound_no, received_at, lines [{sku, name, expected, received}],
  discrepancies [{sku, name, kind, quantity, note}]
"""

from django.db import migrations

GREETING = "尊敬的{{ contact_name|default:'客户' }}：\n\n您好！"
SIGNATURE = "\n如有疑问，请联系您的客服专员。\n\n仓储客户服务中心\n（本邮件由系统自动发送，请勿直接回复）\n"

TEMPLATES = [
    {
        "code": "order.status_changed",
        "name": "订单状态变更通知",
        "subject_template": "订单 {{ order_no }} 状态更新：{{ status_label }}",
        "body_template": GREETING + (
            "您的订单 {{ order_no }} 状态已更新为「{{ status_label }}」"
            "{% if previous_status_label %}（原状态：{{ previous_status_label }}）{% endif %}。\n"
            "{% if changed_at %}更新时间：{{ changed_at }}\n{% endif %}"
            "{% if note %}说明：{{ note }}\n{% endif %}"
        ) + SIGNATURE,
    },
    {
        "code": "order.incomplete",
        "name": "订单信息不完整通知",
        "subject_template": "订单 {{ order_no }} 信息不完整，请补充",
        "body_template": GREETING + (
            "您提交的订单 {{ order_no }} 信息不完整，暂时无法安排处理。请补充以下内容：\n\n"
            "{% for item in missing %}{{ forloop.counter }}. {{ item }}\n{% endfor %}"
            "{% if note %}\n说明：{{ note }}\n{% endif %}"
            "\n补充完整后，我们将立即为您安排处理。\n"
        ) + SIGNATURE,
    },
    {
        "code": "order.held",
        "name": "订单暂停处理通知",
        "subject_template": "订单 {{ order_no }} 已暂停处理",
        "body_template": GREETING + (
            "您的订单 {{ order_no }} 已暂停处理。\n"
            "{% if reason %}原因：{{ reason }}\n{% endif %}"
            "{% if held_at %}时间：{{ held_at }}\n{% endif %}"
            "\n我们的客服专员会尽快与您联系，协助解决。\n"
        ) + SIGNATURE,
    },
    {
        "code": "order.shipped",
        "name": "订单发货通知",
        "subject_template": "订单 {{ order_no }} 已发货，运单号 {{ tracking_no }}",
        "body_template": GREETING + (
            "您的订单 {{ order_no }} 已发货。\n\n"
            "承运商：{{ carrier }}\n"
            "运单号：{{ tracking_no }}\n"
            "{% if shipped_at %}发货时间：{{ shipped_at }}\n{% endif %}"
            "{% if packages %}件数：{{ packages }}\n{% endif %}"
            "\n您可凭运单号在承运商网站查询物流进度。\n"
        ) + SIGNATURE,
    },
    {
        "code": "inbound.received",
        "name": "入库收货完成通知",
        "subject_template": "入库单 {{ inbound_no }} 已收货{% if discrepancies %}（有差异）{% endif %}",
        "body_template": GREETING + (
            "您的入库单 {{ inbound_no }} 已完成收货{% if received_at %}（{{ received_at }}）{% endif %}。\n\n"
            "收货明细：\n"
            "{% for line in lines %}{{ line.sku }} {{ line.name }}：应收 {{ line.expected }}，实收 {{ line.received }}\n"
            "{% endfor %}"
            "{% if discrepancies %}\n收货差异：\n"
            "{% for d in discrepancies %}{{ d.sku }} {{ d.name }}：{{ d.kind }} {{ d.quantity }}"
            "{% if d.note %}（{{ d.note }}）{% endif %}\n{% endfor %}"
            "\n差异货物已单独登记，客服专员将与您确认处理方式。\n"
            "{% else %}\n本次收货与预报一致，无差异。\n{% endif %}"
        ) + SIGNATURE,
    },
]


def create_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for data in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=data["code"], channel="email",
            defaults={k: v for k, v in data.items() if k != "code"},
        )


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_templates, migrations.RunPython.noop),
    ]
