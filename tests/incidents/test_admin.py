"""The back office: lists, the incident page and its steps, the approval queue, delay notices."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from depot.incidents import services
from depot.incidents.choices import IncidentState
from depot.incidents.models import DelayNotice, Incident
from tests.incidents.conftest import png


def test_a_specialist_registers_an_incident_through_the_form(wh, biscuits, stock, customer, specialist, client):
    stock(biscuits, 10, wh.loc["AMB-01"], "L1")
    client.force_login(specialist)
    when = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(reverse("admin:incidents_incident_add"), {
        "customer": customer.pk, "order_number": "", "kind": "damage", "occurred_at_0": f"{when:%Y-%m-%d}",
        "occurred_at_1": f"{when:%H:%M}", "place": "AMB-01", "description": "托盘倾倒",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
        "lines-0-item_code": "BIS-1", "lines-0-lot_number": "L1", "lines-0-location_code": "AMB-01",
        "lines-0-quantity": "2"})

    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:incidents_incident_change",
                                                                            args=[incident.pk])
    assert incident.lines.get().quantity == 2
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert incident.code in page.content.decode()


def test_an_unknown_item_code_comes_back_on_the_form(wh, customer, specialist, client):
    client.force_login(specialist)
    response = client.post(reverse("admin:incidents_incident_add"), {
        "customer": customer.pk, "kind": "loss", "occurred_at_0": f"{timezone.localdate():%Y-%m-%d}",
        "occurred_at_1": "00:00", "description": "整箱丢失",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-item_code": "NOPE", "lines-0-quantity": "1"})
    assert response.status_code == 200
    assert "该客户没有货品NOPE" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_supervisor_approves_from_the_queue_and_the_proposer_gets_no_approve_button(
        assessed, specialist, supervisor, client):
    services.incident_propose_compensation(actor=specialist, incident=assessed, amount="40")
    client.force_login(specialist)
    page = client.get(reverse("admin:incidents_incident_change", args=[assessed.pk])).content.decode()
    assert "审批赔偿" not in page

    client.force_login(supervisor)
    queue = client.get(reverse("admin:incidents_approval_queue"))
    assert assessed.code in queue.content.decode()
    response = client.post(reverse("admin:incidents_incident_action", args=[assessed.pk, "decide"]),
                           {"decision": "approve", "note": ""})
    assert response.status_code == 302
    assert Incident.objects.get(pk=assessed.pk).state == IncidentState.APPROVED


def test_paying_before_approval_through_the_form_shows_the_reason(assessed, specialist, client):
    client.force_login(specialist)
    response = client.post(reverse("admin:incidents_incident_action", args=[assessed.pk, "pay"]),
                           {"payment_ref": "FK-1"})
    assert response.status_code == 200
    assert "赔偿尚未批准，不能登记赔付" in response.content.decode()
    assert Incident.objects.get(pk=assessed.pk).state == IncidentState.ASSESSED


def test_the_keeper_posts_the_stock_with_a_button(damaged, keeper, client):
    client.force_login(keeper)
    page = client.get(reverse("admin:incidents_incident_change", args=[damaged.pk])).content.decode()
    assert "库存过账" in page
    client.post(reverse("admin:incidents_incident_action", args=[damaged.pk, "post"]))
    assert Incident.objects.get(pk=damaged.pk).stock_posted_at is not None


@pytest.fixture
def order(wh, biscuits, stock, submit):
    stock(biscuits, 10, wh.loc["AMB-01"])
    return submit([{"item_code": "BIS-1", "quantity": 3}])


def test_a_delay_notice_is_sent_from_the_form_reached_from_an_order(order, specialist, client):
    client.force_login(specialist)
    url = reverse("admin:incidents_delaynotice_add") + f"?order={order.pk}"
    order_page = client.get(reverse("admin:orders_outboundorder_change", args=[order.pk])).content.decode()
    assert url.replace("?", "?").replace("&", "&amp;") in order_page and "发送延误通知" in order_page
    assert reverse("admin:incidents_incident_add") + f"?order={order.pk}" in order_page
    assert order.number in client.get(url).content.decode()
    when = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(url, {"order_number": order.number, "reason_category": "carrier", "reason": "车辆故障",
                                 "new_expected_at_0": f"{when:%Y-%m-%d}", "new_expected_at_1": f"{when:%H:%M}"})
    notice = DelayNotice.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "车辆故障" in page
    response = client.post(response["Location"], {"note": "已换车发出"})
    assert notice.updates.get().note == "已换车发出"


def test_lists_and_dashboard_render_for_every_role(damaged, specialist, supervisor, keeper, admin_user, client):
    for user in (specialist, supervisor, keeper, admin_user):
        client.force_login(user)
        assert client.get(reverse("admin:incidents_incident_changelist")).status_code == 200
        assert client.get(reverse("admin:incidents_delaynotice_changelist")).status_code == 200
        assert client.get(reverse("admin:index")).status_code == 200


def test_the_keeper_records_the_scene_with_a_photo_and_the_lot_and_location_found(
        wh, biscuits, stock, register, keeper, client):
    stock(biscuits, 10, wh.loc["AMB-02"], "L7")
    incident = register([{"item": biscuits, "quantity": 2}])
    client.force_login(keeper)
    url = reverse("admin:incidents_incident_action", args=[incident.pk, "scene"])
    assert "BIS-1" in client.get(url).content.decode()

    response = client.post(url, {
        "description": "两箱底部受潮", "caption": "受潮纸箱", "photo": png(),
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "1",
        "lines-0-item_code": "BIS-1", "lines-0-lot_number": "L7", "lines-0-location_code": "AMB-02",
        "lines-0-quantity": "2", "lines-0-unit_value": "10.00"})

    assert response.status_code == 302
    incident.refresh_from_db()
    line = incident.lines.get()
    assert (line.lot.lot_number, line.location.code, line.quantity) == ("L7", "AMB-02", 2)
    assert incident.scene_description == "两箱底部受潮" and incident.photos.get().caption == "受潮纸箱"


def test_a_scene_photo_that_is_not_an_image_comes_back_on_the_form_and_nothing_is_saved(damaged, keeper, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(keeper)
    url = reverse("admin:incidents_incident_action", args=[damaged.pk, "scene"])
    response = client.post(url, {
        "description": "现场", "photo": SimpleUploadedFile("a.jpg", b"MZ not an image"),
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-0-item_code": "BIS-1",
        "lines-0-lot_number": "L1", "lines-0-location_code": "AMB-01", "lines-0-quantity": "4",
        "lines-0-unit_value": "10.00"})

    assert response.status_code == 200
    assert "仅支持 JPEG、PNG、WebP 或 HEIC 格式的照片" in response.content.decode()
    damaged.refresh_from_db()
    assert damaged.scene_description == "" and not damaged.photos.exists()
