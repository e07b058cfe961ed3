"""The incident number sequence, and Chinese email templates for the events of this app.

Context each event provides (besides `customer_name` and `contact_name`):
- incident.updated: incident_no, kind_label, status_label, headline, detail, order_no, occurred_at,
  assessed_amount, compensation_amount, paid_amount
- order.delayed: order_no, external_ref, kind ("notice" / "update"), reason, note, new_expected_at,
  carrier, tracking_no
"""

from django.db import migrations

GREETING = "尊敬的{{ contact_name|default:'客户' }}：\n\n您好！"
SIGNATURE = "\n如有疑问，请联系您的客服专员。\n\n仓储客户服务中心\n（本邮件由系统自动发送，请勿直接回复）\n"

TEMPLATES = [
    {
        "code": "incident.updated",
        "name": "货损货丢处理进展通知",
        "subject_template": "{{ kind_label }}事件 {{ incident_no }}：{{ headline }}",
        "body_template": GREETING + (
            "关于您的{{ kind_label }}事件 {{ incident_no }}"
            "{% if order_no %}（出库单 {{ order_no }}）{% endif %}：\n\n"
            "{{ headline }}。\n"
            "{% if detail %}说明：{{ detail }}\n{% endif %}"
            "当前状态：{{ status_label }}\n"
            "{% if occurred_at %}发生时间：{{ occurred_at }}\n{% endif %}"
            "{% if assessed_amount %}定损金额：¥{{ assessed_amount }}\n{% endif %}"
            "{% if compensation_amount %}赔偿金额：¥{{ compensation_amount }}\n{% endif %}"
            "{% if paid_amount %}已支付：¥{{ paid_amount }}\n{% endif %}"
            "\n给您带来不便，我们深表歉意，将持续跟进直至处理完毕。\n"
        ) + SIGNATURE,
    },
    {
        "code": "order.delayed",
        "name": "订单延误通知",
        "subject_template": "订单 {{ order_no }} {% if kind == 'update' %}延误处理进展{% else %}延误通知{% endif %}",
        "body_template": GREETING + (
            "{% if kind == 'update' %}您的订单 {{ order_no }} 延误处理有新的进展。\n"
            "{% else %}非常抱歉，您的订单 {{ order_no }} 将延迟送达。\n{% endif %}\n"
            "{% if reason %}延误原因：{{ reason }}\n{% endif %}"
            "{% if note %}说明：{{ note }}\n{% endif %}"
            "{% if new_expected_at %}预计送达时间：{{ new_expected_at }}\n{% endif %}"
            "{% if tracking_no %}承运商：{{ carrier }}，运单号：{{ tracking_no }}\n{% endif %}"
            "\n我们会持续跟进，并及时告知您最新进展。\n"
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
        ("incidents", "0001_initial"),
        ("notifications", "0002_default_templates"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE SEQUENCE IF NOT EXISTS incidents_incident_number_seq",
            reverse_sql="DROP SEQUENCE IF EXISTS incidents_incident_number_seq",
        ),
        migrations.RunPython(create_templates, migrations.RunPython.noop),
    ]
