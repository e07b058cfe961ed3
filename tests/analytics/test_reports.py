import datetime
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from depot.analytics import reports

from .conftest import NOW

d = datetime.date


def _data(user, customer):
    return reports.report_data(user=user, start=d(2026, 10, 1), end=d(2026, 10, 31), customer=customer, now=NOW)


def test_the_pdf_report_renders_chinese_text(dataset, supervisor):
    pdf = reports.report_pdf(_data(supervisor, dataset["甲"]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "月度客户服务报告" in text
    assert "按时发货率" in text and "33.3%" in text
    assert "订单与时效" in text and "改进计划" in text


def test_the_excel_report_has_one_sheet_per_section_with_the_figures(dataset, supervisor):
    book = load_workbook(io.BytesIO(reports.report_excel(_data(supervisor, dataset["甲"]))))
    assert book.sheetnames == ["KPI与目标", "订单与时效", "库存与周转", "投诉与理赔", "满意度", "改进计划"]
    rows = {r[0]: r[1] for r in book["订单与时效"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert rows["出库订单数"] == "3"
    assert rows["订单货值"] == "¥6,000.00"
    assert rows["按时发货率"] == "33.3%"
    assert book["订单与时效"]._charts


def test_a_period_without_orders_reads_no_data(dataset, supervisor):
    data = reports.report_data(user=supervisor, start=d(2026, 3, 1), end=d(2026, 3, 31), customer=dataset["甲"],
                               now=NOW)
    orders = next(s for s in data["sections"] if s["key"] == "orders")
    assert orders["rows"][0][1] == "暂无数据"
    assert not data["has_data"]
