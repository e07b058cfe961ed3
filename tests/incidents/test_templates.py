"""The default Chinese emails of incidents and delays read well with the context the services give."""

from depot.notifications import rendering
from depot.notifications.choices import Channel
from depot.notifications.models import MessageTemplate


def render(code, **context):
    template = MessageTemplate.objects.get(code=code, channel=Channel.EMAIL)
    return (rendering.render_subject(template.subject_template, context),
            rendering.render(template.body_template, context))


def test_a_delay_notice_email_gives_the_reason_and_the_new_time(db):
    subject, body = render("order.delayed", order_no="CK2611230001", kind="notice", reason="车辆故障",
                           new_expected_at="2026-11-25 15:00", contact_name="陈经理")

    assert subject == "订单 CK2611230001 延误通知"
    assert body.startswith("尊敬的陈经理：")
    assert "延误原因：车辆故障" in body and "预计送达时间：2026-11-25 15:00" in body


def test_an_incident_email_says_what_happened_and_the_amounts(db):
    subject, body = render("incident.updated", incident_no="HS2611230001", kind_label="货损", status_label="已赔付",
                           headline="赔偿款 ¥40.00 已支付", compensation_amount="40.00", paid_amount="40.00")

    assert subject == "货损事件 HS2611230001：赔偿款 ¥40.00 已支付"
    assert "当前状态：已赔付" in body and "已支付：¥40.00" in body
