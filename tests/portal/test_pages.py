"""Every page of the portal for a customer user, and what each shows of the customer's own data
only. Another customer's order, inbound notice, import and complaint are "not found"."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from depot.orders.choices import Channel
from depot.orders.services import inbound_create
from depot.portal import selectors
from depot.portal.services import portal_account_create
from tests.portal.conftest import PASSWORD

PAGES = ["/portal/", "/portal/stock/", "/portal/stock/?view=lot", "/portal/stock/?view=location",
         "/portal/stock/?view=expiry", "/portal/orders/", "/portal/orders/?state=open", "/portal/orders/new/",
         "/portal/orders/upload/", "/portal/inbound/", "/portal/inbound/new/", "/portal/password/",
         "/portal/complaints/", "/portal/complaints/new/"]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders_for_a_customer_user(portal, stocked, path):
    response = portal.get(path)
    assert response.status_code == 200, path
    page = response.content.decode()
    assert "华东食品" in page
    assert "西南日化" not in page and "RIV-1" not in page


def test_the_login_page_renders_in_chinese_for_the_phone(client):
    page = client.get("/portal/login/").content.decode()
    assert "客户门户登录" in page and 'name="viewport"' in page
    assert "http://" not in page.replace('http://testserver', '') and "https://" not in page


def test_the_overview_shows_stock_value_open_and_shipped_orders(portal, stocked, phone_order, customer, ship):
    phone_order(customer, quantity=5)
    ship(phone_order(customer, quantity=2))
    phone_order(customer, "MILK-1", quantity=1)

    page = portal.get("/portal/").content.decode()
    # 100 biscuits × 10 元 + 30 milk × 5 元, less the 2 biscuits shipped
    assert "1130.00" in page
    overview = selectors.portal_overview(user=stocked_user(portal))
    assert overview["open_orders"] == 2 and overview["shipped_this_month"] == 1
    assert overview["awaiting_receipt"] == 1 and overview["expiring_lots"] == 1


def stocked_user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_stock_shows_available_and_reserved_per_lot(portal, stocked, phone_order, customer):
    phone_order(customer, quantity=15)
    page = portal.get("/portal/stock/?view=lot").content.decode()
    assert "B1" in page and "B2" in page and "M1" in page
    items = {i.code: i for i in selectors.portal_stock(user=stocked_user(portal), view="item")}
    assert (items["BIS-1"].on_hand, items["BIS-1"].reserved, items["BIS-1"].available) == (100, 15, 85)


def test_stock_search_finds_items_by_name(portal, stocked):
    page = portal.get("/portal/stock/", {"q": "牛奶"}).content.decode()
    assert "MILK-1" in page and "BIS-1" not in page


def test_the_stock_download_opens_with_openpyxl_and_holds_only_own_stock(portal, stocked):
    response = portal.get("/portal/stock/export/")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["按货品", "按批次", "按库位"]
    rows = list(wb["按货品"].iter_rows(values_only=True))
    assert rows[0][:2] == ("货品编码", "货品名称")
    assert sorted(r[0] for r in rows[1:]) == ["BIS-1", "MILK-1"]
    assert [r[4:] for r in rows[1:] if r[0] == "BIS-1"] == [(100, 0, 100)]
    lots = [r[2] for r in wb["按批次"].iter_rows(min_row=2, values_only=True)]
    assert sorted(lots) == ["B1", "B2", "M1"]


def test_the_order_download_opens_with_openpyxl_and_holds_only_own_orders(portal, stocked, phone_order, customer,
                                                                          rival):
    mine = phone_order(customer, quantity=5)
    theirs = phone_order(rival, "RIV-1", quantity=5)
    response = portal.get("/portal/orders/export/")
    wb = load_workbook(io.BytesIO(response.content))
    numbers = [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)]
    assert mine.number in numbers and theirs.number not in numbers


def test_the_order_list_shows_own_orders_only(portal, stocked, phone_order, customer, rival):
    mine = phone_order(customer, quantity=5, ref="PO-1")
    theirs = phone_order(rival, "RIV-1", quantity=5)
    page = portal.get("/portal/orders/").content.decode()
    assert mine.number in page and theirs.number not in page
    assert mine.number in portal.get("/portal/orders/", {"q": "PO-1"}).content.decode()


# ---- scoping --------------------------------------------------------------------------------

def test_another_customers_order_is_not_found(portal, stocked, phone_order, rival):
    theirs = phone_order(rival, "RIV-1", quantity=5)
    assert portal.get(f"/portal/orders/{theirs.number}/").status_code == 404
    response = portal.post(f"/portal/orders/{theirs.number}/confirm/", {"rating": 5})
    assert response.status_code == 404


def test_another_customers_inbound_notice_is_not_found(portal, stocked, rival, other_specialist):
    theirs, _created = inbound_create(actor=other_specialist, customer=rival, data={},
                                      lines=[{"item_code": "RIV-1", "quantity": 10}], channel=Channel.PHONE)
    assert portal.get(f"/portal/inbound/{theirs.number}/").status_code == 404
    assert theirs.number not in portal.get("/portal/inbound/").content.decode()


def test_another_portal_users_import_is_not_found(client, portal, stocked, rival_user):
    from depot.orders.excel import order_import_start

    record = order_import_start(actor=rival_user, file=b"not a workbook", file_name="x.xlsx")
    assert portal.get(f"/portal/orders/upload/{record.pk}/").status_code == 404


def test_a_second_login_of_the_same_customer_sees_the_same_orders(client, stocked, phone_order, customer, specialist):
    order = phone_order(customer, quantity=1)
    colleague = portal_account_create(actor=specialist, customer=customer, username="li.hd", name="李会计",
                                      password=PASSWORD).user
    client.force_login(colleague)
    assert client.get(f"/portal/orders/{order.number}/").status_code == 200


def test_the_selectors_refuse_a_staff_user(supervisor, stocked):
    from depot.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.portal_orders(user=supervisor)


def test_the_language_switch_turns_the_portal_into_english(portal, stocked):
    response = portal.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert response.status_code == 302
    page = portal.get("/portal/").content.decode()
    assert 'lang="en"' in page and "中文" in page


def test_the_overview_lists_open_survey_links_of_the_customer(portal, stocked, supervisor, customer):
    from depot.surveys.services import campaign_send
    from tests.surveys.helpers import make_campaign, make_template

    campaign = make_campaign(supervisor, make_template(supervisor), name="2026年第一季度满意度调查")
    campaign_send(actor=supervisor, campaign=campaign)

    page = portal.get("/portal/").content.decode()
    assert "2026年第一季度满意度调查" in page
    assert len(portal.get("/portal/").context["surveys"]) == 1


def test_the_overview_charts_the_orders_of_the_past_twelve_whole_months(portal, stocked, phone_order, customer):
    from django.utils import timezone

    from depot.orders.models import OutboundOrder

    before = [m["orders"] for m in selectors.portal_overview(user=stocked_user(portal))["trend"]["months"]]
    phone_order(customer, quantity=1)  # this month: not a whole month yet, not charted
    order = phone_order(customer, quantity=1)
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
    OutboundOrder.objects.filter(pk=order.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(last_month, datetime.time(10))))

    trend = selectors.portal_overview(user=stocked_user(portal))["trend"]
    assert [m["orders"] for m in trend["months"]] == before[:-1] + [before[-1] + 1]
    assert trend["months"][-1]["month"] == last_month.replace(day=1)
    busiest = max(m["orders"] for m in trend["months"])
    assert [m["height"] for m in trend["months"]] == [round(100 * m["orders"] / busiest) for m in trend["months"]]
    page = portal.get("/portal/").content.decode()
    assert 'id="order-trend"' in page and "height: 100%" in page


LISTS = ["/portal/", "/portal/stock/", "/portal/stock/?view=lot", "/portal/stock/?view=location",
         "/portal/stock/?view=expiry", "/portal/orders/", "/portal/inbound/", "/portal/complaints/"]


def test_list_pages_take_as_many_queries_for_many_rows_as_for_one(portal, stocked, phone_order, customer, keeper,
                                                                  specialist, django_assert_num_queries):
    from depot.inventory import services as inventory
    from depot.service.services import complaint_create

    phone_order(customer, quantity=1, ref="ONE")
    inbound_create(actor=specialist, customer=customer, data={}, lines=[{"item_code": "BIS-1", "quantity": 10}],
                   channel=Channel.PHONE)
    complaint_create(actor=specialist, customer=customer, data={"description": "外箱破损"})
    portal.get("/portal/")
    few = {}
    for path in LISTS:
        with CaptureQueriesContext(connection) as ctx:
            assert portal.get(path).status_code == 200
        few[path] = len(ctx.captured_queries)

    for n in range(4):
        phone_order(customer, code="MILK-1" if n % 2 else "BIS-1", quantity=1, ref=f"MORE-{n}")
        inbound_create(actor=specialist, customer=customer, data={}, lines=[{"item_code": "MILK-1", "quantity": 5}],
                       channel=Channel.PHONE)
        complaint_create(actor=specialist, customer=customer, data={"description": f"破损{n}"})
        inventory.stock_receive(actor=keeper, item=stocked.items["biscuits"], quantity=5,
                                location=stocked.loc[f"AMB-0{n % 3 + 1}"], lot_number=f"X{n}")

    for path in LISTS:
        with django_assert_num_queries(few[path]):
            assert portal.get(path).status_code == 200
