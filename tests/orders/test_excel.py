"""Excel import of outbound orders: checked row by row first, all or nothing, idempotent by the
customer's order reference, large files in the background."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from depot.core.excel import XLSX_CONTENT_TYPE
from depot.orders import excel
from depot.orders.choices import Channel, ImportState, OutboundState
from depot.orders.models import OrderImport, OutboundOrder
from tests.orders.conftest import orders_state

HEADERS = ["客户单号", "收货人", "收货人电话", "省份", "城市", "区县", "详细地址", "要求发货日期", "服务等级",
           "货品编码", "数量"]
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def row(ref, code, quantity, *, consignee="李四", phone="13800138000", date=TOMORROW, level="加急"):
    return [ref, consignee, phone, "上海市", "上海市", "浦东新区", "张江路100号", date, level, code, quantity]


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def stocked(wh, biscuits, milk, stock):
    stock(biscuits, 50, wh.loc["AMB-01"])
    stock(milk, 50, wh.loc["AMB-02"], expiry_date=timezone.localdate() + datetime.timedelta(days=120))


GOOD = [row("PO-1", "BIS-1", 5), row("PO-1", "MILK-1", 3), row("PO-2", "BIS-1", 2)]


def test_an_import_creates_one_order_per_reference_with_its_lines(specialist, customer, stocked):
    result = excel.orders_import(actor=specialist, file=workbook(GOOD))

    assert result.errors == [] and (result.rows, result.created, result.existing) == (3, 2, 0)
    po1 = OutboundOrder.objects.get(external_ref="PO-1")
    assert (po1.customer, po1.channel, po1.state, po1.service_level) == (
        customer, Channel.EXCEL, OutboundState.ALLOCATED, "express")
    assert po1.requested_ship_date == TOMORROW and po1.consignee_phone == "13800138000"
    assert sorted(po1.lines.values_list("item_code", "quantity")) == [("BIS-1", 5), ("MILK-1", 3)]


def test_importing_the_same_file_again_returns_the_orders_it_created(specialist, customer, stocked):
    first = excel.orders_import(actor=specialist, file=workbook(GOOD))
    before = orders_state()

    again = excel.orders_import(actor=specialist, file=workbook(GOOD))

    assert again.errors == [] and (again.created, again.existing) == (0, 2)
    assert [o["number"] for o in again.orders] == [o["number"] for o in first.orders]
    assert orders_state() == before


def test_every_row_is_checked_and_nothing_is_imported_when_one_is_wrong(specialist, customer, stocked):
    rows = [
        row("PO-1", "BIS-1", 5),
        row("PO-1", "MILK-1", "三箱"),
        row("PO-2", "NOPE-9", 2),
        row("PO-3", "BIS-1", 1, date=timezone.localdate() - datetime.timedelta(days=1)),
        row("PO-4", "BIS-1", 1),
        row("PO-4", "MILK-1", 1, consignee="王五"),
        row("", "BIS-1", 1),
        row("PO-5", "BIS-1", 1, level="特快"),
    ]
    before = orders_state()

    result = excel.orders_import(actor=specialist, file=workbook(rows))

    assert [str(e) for e in result.errors] == [
        "第3行 数量：请输入整数",
        "第8行 客户单号：请填写",
        "第9行 服务等级：“特快”不是有效的选项，可选：标准、加急、当日",
        f"第4行 货品编码：货品编码“NOPE-9”不存在（客户{customer.code}）",
        "第5行 要求发货日期：要求发货日期不能早于今天",
        "第7行 收货人：同一客户单号的各行应一致（与第6行不同）",
    ]
    assert result.orders == []
    assert orders_state() == before


def test_a_service_refusal_of_one_order_rolls_back_the_whole_file(specialist, customer, stocked):
    excel.orders_import(actor=specialist, file=workbook([row("PO-1", "BIS-1", 5)]))
    before = orders_state()

    result = excel.orders_import(actor=specialist, file=workbook([row("PO-9", "BIS-1", 1),
                                                                   row("PO-1", "BIS-1", 6)]))

    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith("第3行 客户单号：客户单号“PO-1”已用于内容不同的订单CK")
    assert orders_state() == before


def test_a_user_who_sees_several_customers_names_the_customer_of_each_row(supervisor, customer, stocked,
                                                                         make_customer):
    make_customer(supervisor)
    missing = excel.orders_import(actor=supervisor, file=workbook(GOOD))
    result = excel.orders_import(actor=supervisor, file=workbook(
        [[customer.code, *r] for r in GOOD] + [["C99999", *row("PO-3", "BIS-1", 1)]], headers=["客户编码", *HEADERS]))

    assert [str(e) for e in missing.errors] == ["第1行：您可见多个客户，请增加“客户编码”列"]
    assert [str(e) for e in result.errors] == ["第5行 客户编码：客户编码“C99999”不存在或无权访问"]


def test_formulas_and_files_that_are_not_workbooks_are_refused(specialist, customer, stocked):
    formula = excel.orders_import(actor=specialist, file=workbook([row("PO-1", "BIS-1", "=2+3")]))
    garbage = excel.orders_import(actor=specialist, file=b"not a workbook")

    assert [str(e) for e in formula.errors] == ["第2行 数量：单元格K2含有公式，请改为直接填写数值"]
    assert [str(e) for e in garbage.errors] == ["不是有效的Excel文件（.xlsx）"]


def test_the_template_has_the_customer_column_only_for_users_who_see_several_customers(specialist, supervisor,
                                                                                       customer, stocked,
                                                                                       make_customer):
    make_customer(supervisor)
    mine = load_workbook(io.BytesIO(excel.import_template(user=specialist))).worksheets[0]
    everyone = load_workbook(io.BytesIO(excel.import_template(user=supervisor))).worksheets[0]

    assert [c.value for c in mine[1]] == HEADERS[:9] + ["允许部分发货", "备注"] + HEADERS[9:]
    assert everyone["A1"].value == "客户编码"
    assert [c.value for c in mine[2]][-2:] == ["BIS-1", 10]
    result = excel.orders_import(actor=specialist, file=excel.import_template(user=specialist))
    assert result.errors == [] and result.created == 1


def imported():
    return OutboundOrder.objects.filter(channel=Channel.EXCEL)


def upload(content, name="出库单.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def test_the_import_page_imports_a_small_file_at_once_and_shows_the_outcome(client, specialist, customer, stocked):
    client.force_login(specialist)

    response = client.post(reverse("admin:orders_outbound_import"), {"file": upload(workbook(GOOD))}, follow=True)

    record = OrderImport.objects.get()
    assert (record.state, record.background, record.created_count) == (ImportState.DONE, False, 2)
    page = response.content.decode()
    assert "已完成" in page and all(o.number in page for o in imported())
    assert record.content == b""


def test_the_import_page_lists_the_errors_by_row_and_column(client, specialist, customer, stocked):
    client.force_login(specialist)

    response = client.post(reverse("admin:orders_outbound_import"),
                           {"file": upload(workbook([row("PO-1", "NOPE", 1)]))}, follow=True)

    page = response.content.decode()
    assert "未导入（有错误）" in page and "货品编码“NOPE”不存在" in page
    assert not imported().exists()


def test_a_large_file_is_imported_by_a_background_job(client, specialist, customer, stocked, monkeypatch):
    monkeypatch.setattr(excel, "BACKGROUND_ROWS", 2)
    client.force_login(specialist)

    response = client.post(reverse("admin:orders_outbound_import"), {"file": upload(workbook(GOOD))}, follow=True)

    record = OrderImport.objects.get()
    assert (record.state, record.background, record.rows) == (ImportState.QUEUED, True, 3)
    assert "正在导入" in response.content.decode()
    assert not imported().exists()
    job = ProcrastinateJob.objects.get(task_name="orders.import_excel", status="todo")

    app.tasks[job.task_name](**job.args)

    record.refresh_from_db()
    assert (record.state, record.created_count, record.existing_count) == (ImportState.DONE, 2, 0)
    page = client.get(reverse("admin:orders_outbound_import_status", args=[record.pk])).content.decode()
    assert all(o.number in page for o in imported())


def test_someone_else_cannot_see_an_import_and_a_keeper_cannot_import(client, specialist, other_specialist, keeper,
                                                                       customer, stocked):
    record = excel.order_import_start(actor=specialist, file=workbook(GOOD), file_name="a.xlsx")

    client.force_login(other_specialist)
    assert client.get(reverse("admin:orders_outbound_import_status", args=[record.pk])).status_code == 404
    client.force_login(keeper)
    assert client.get(reverse("admin:orders_outbound_import")).status_code == 403
