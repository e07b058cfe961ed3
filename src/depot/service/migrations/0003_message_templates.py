"""Chinese email templates for complaints and inquiries.

Context each event provides (besides `customer_name`; customer emails also `contact_name`, staff
emails `staff_name`):
- complaint.answered (to the customer): complaint_no, answer, state_label, received_at, answered_at
- complaint.escalated (to supervisors / administrators): complaint_no, reason, escalation_label,
  resolution_due, rejection_count
- inquiry.escalated (to supervisors): question, received_at, response_due, owner_name
`complaint.updated` has no email template: it goes to subscribed webhooks only.
"""

from django.db import migrations

GREETING = "尊敬的{{ contact_name|default:'客户' }}：\n\n您好！"
SIGNATURE = "\n如有疑问，请联系您的客服专员。\n\n仓储客户服务中心\n（本邮件由系统自动发送，请勿直接回复）\n"
STAFF_GREETING = "{{ staff_name }}：\n\n"
STAFF_SIGNATURE = "\n请登录仓储客户服务管理系统处理。\n"

TEMPLATES = [
    {
        "code": "complaint.answered",
        "name": "投诉处理答复",
        "subject_template": "关于您的投诉 {{ complaint_no }} 的答复",
        "body_template": GREETING + (
            "您于 {{ received_at }} 提出的投诉（编号 {{ complaint_no }}）已处理完毕，答复如下：\n\n"
            "{{ answer }}\n\n"
            "如您接受本次答复，请告知您的客服专员或在客户门户中确认；如不接受，请说明原因，我们将继续跟进处理。\n"
        ) + SIGNATURE,
    },
    {
        "code": "complaint.escalated",
        "name": "投诉升级提醒（内部）",
        "subject_template": "投诉 {{ complaint_no }} 已升级至{{ escalation_label }}",
        "body_template": STAFF_GREETING + (
            "客户 {{ customer_name }} 的投诉 {{ complaint_no }} 已升级至{{ escalation_label }}。\n"
            "原因：{{ reason }}\n"
            "{% if resolution_due %}处理期限：{{ resolution_due }}\n{% endif %}"
            "{% if rejection_count %}客户不接受答复次数：{{ rejection_count }}\n{% endif %}"
        ) + STAFF_SIGNATURE,
    },
    {
        "code": "inquiry.escalated",
        "name": "咨询超时升级提醒（内部）",
        "subject_template": "客户 {{ customer_name }} 的咨询已超时未答复",
        "body_template": STAFF_GREETING + (
            "客户 {{ customer_name }} 于 {{ received_at }} 的咨询已超过答复期限（{{ response_due }}）仍未答复。\n"
            "咨询内容：{{ question }}\n"
            "{% if owner_name %}负责人：{{ owner_name }}\n{% endif %}"
        ) + STAFF_SIGNATURE,
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
        ("service", "0002_calendar_sla_seed"),
        ("notifications", "0002_default_templates"),
    ]

    operations = [
        migrations.RunPython(create_templates, migrations.RunPython.noop),
    ]
