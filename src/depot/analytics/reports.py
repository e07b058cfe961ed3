"""The monthly customer-service report (月度客户服务报告) per warehouse or per customer: its data
(`report_data`, read through the selectors) and its two renderings, Excel (openpyxl, one sheet per
section) and PDF (reportlab with its built-in CID font STSong-Light, charts by reportlab.graphics).

Every section is a list of rows [label, value, formula/remark]; a figure without data reads
“暂无数据” with the reason, never 0.
"""

import datetime
import io
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.analytics import policy, selectors

NO_DATA = selectors.NO_DATA

# Targets of the report's KPIs (the KPI app's own targets win when it provides them).
TARGETS = {
    "on_time_rate": Decimal("0.98"),
    "complaint_on_time_rate": Decimal("0.95"),
    "complaint_rate": Decimal("0.01"),
    "csat": Decimal("90"),
}


def pct(value) -> str:
    return NO_DATA if value is None else f"{Decimal(value) * 100:.1f}%"


def num(value, suffix="") -> str:
    if value is None:
        return NO_DATA
    if isinstance(value, Decimal):
        return f"{value:,.2f}{suffix}"
    return f"{value:,}{suffix}"


def money(value) -> str:
    return NO_DATA if value is None else f"¥{Decimal(value):,.2f}"


def targets() -> dict:
    """The report's targets: those set in the KPI app (KPI目标) where it has them, else TARGETS."""
    out = dict(TARGETS)
    model = selectors.other_model("kpi.KpiTarget")
    if model is None:
        return out
    stored = dict(model.objects.values_list("code", "target"))
    if stored.get("on_time_shipment") is not None:
        value = Decimal(stored["on_time_shipment"])
        out["on_time_rate"] = value / 100 if value > 1 else value
    if stored.get("csat") is not None:
        out["csat"] = Decimal(stored["csat"])
    return out


def _verdict(value, target, *, higher_is_better=True) -> str:
    if value is None:
        return NO_DATA
    ok = value >= target if higher_is_better else value <= target
    return _("达标") if ok else _("未达标")


def report_data(*, user, start: datetime.date, end: datetime.date, warehouse=None, customer=None,
                now=None) -> dict:
    """Sections of the report over the period, for one customer or one warehouse (None: all)."""
    period = policy.period_check(start, end, max_days=366)
    customers = selectors.visible_customers(user=user)
    if customer is not None:
        customers = customers.filter(pk=customer.pk)
    orders_qs = selectors._between(selectors.orders_of(user=user).filter(customer__in=customers), "created_at",
                                   period)
    if warehouse is not None:
        orders_qs = orders_qs.filter(warehouse=warehouse)
    agg = orders_qs.aggregate(n=Count("pk"), v=Sum("total_value"))
    from depot.orders.models import OutboundLine
    from depot.orders.selectors import on_time_rate

    lines = OutboundLine.objects.filter(order__in=orders_qs).aggregate(n=Count("pk"), u=Sum("quantity"),
                                                                       shipped=Sum("shipped"))
    rate = on_time_rate(user=user, customers=customers, period=(period.start, period.end), now=now)
    if warehouse is not None:
        # on_time_rate has no warehouse filter: the same count over the warehouse's orders.
        now = now or timezone.now()
        settled = selectors._between(selectors.orders_of(user=user).filter(
            customer__in=customers, warehouse=warehouse, due_at__isnull=False), "due_at", period).filter(
            Q(shipped_at__isnull=False) | Q(due_at__lt=now))
        rate_total = settled.count()
        rate_on_time = settled.filter(shipped_at__isnull=False, shipped_at__lte=F("due_at")).count()
        on_time = policy.ratio(rate_on_time, rate_total)
    else:
        rate_total, rate_on_time, on_time = rate.total, rate.on_time, rate.rate
    complaints = selectors.complaint_figures(user=user, period=period, customers=customers)
    sat = selectors.satisfaction(customers=customers, period=period)
    complaint_rate = policy.ratio(complaints["received"], agg["n"]) if complaints is not None else None
    complaint_note = "" if complaints is not None else selectors.missing(_("投诉"))
    sat_note = "" if sat is not None else selectors.missing(_("满意度调查"))
    csat = sat.get("csat") if sat else None

    goal = targets()
    kpis = [
        [_("按时发货率"), pct(on_time), f"{_('目标')} ≥{pct(goal['on_time_rate'])}",
         _verdict(on_time, goal["on_time_rate"]),
         _("到期订单中按时发货数 ÷ 到期订单数 = %(a)s ÷ %(b)s") % {"a": rate_on_time, "b": rate_total}],
        [_("投诉率"), pct(complaint_rate) if complaints is not None else complaint_note,
         f"{_('目标')} ≤{pct(goal['complaint_rate'])}",
         _verdict(complaint_rate, goal["complaint_rate"], higher_is_better=False),
         _("期间投诉数 ÷ 期间订单数")],
        [_("投诉按时处理率"), pct(complaints and complaints["on_time_rate"]) if complaints else complaint_note,
         f"{_('目标')} ≥{pct(goal['complaint_on_time_rate'])}",
         _verdict(complaints and complaints["on_time_rate"], goal["complaint_on_time_rate"]),
         _("关闭时间 ≤ 处理期限的投诉数 ÷ 期间关闭的投诉数")],
        [_("客户满意度CSAT"), num(csat) if csat is not None else (sat_note or NO_DATA),
         f"{_('目标')} ≥{goal['csat']}", _verdict(csat, goal["csat"]),
         _("1–5分题中4–5分答案的占比 × 100")],
    ]
    order_rows = [
        [_("出库订单数"), num(agg["n"]) if agg["n"] else NO_DATA, _("期间创建的出库单（不含取消、拒绝）")],
        [_("订单行数"), num(lines["n"]) if agg["n"] else NO_DATA, ""],
        [_("订货件数"), num(lines["u"] or 0) if agg["n"] else NO_DATA, _("订单行数量合计")],
        [_("已发件数"), num(lines["shipped"] or 0) if agg["n"] else NO_DATA, ""],
        [_("订单货值"), money(agg["v"]) if agg["n"] else NO_DATA, _("订单货值合计")],
        [_("到期订单数"), num(rate_total) if rate_total else NO_DATA, _("应发货时间在期间内、已发货或已逾期")],
        [_("按时发货数"), num(rate_on_time) if rate_total else NO_DATA, _("发货时间 ≤ 应发货时间")],
        [_("按时发货率"), pct(on_time), ""],
    ]
    stock_rows = _stock_rows(user=user, period=period, customer=customer, warehouse=warehouse)
    complaint_rows = _complaint_rows(complaints, complaint_note)
    sat_rows = [
        [_("CSAT"), num(csat) if csat is not None else (sat_note or NO_DATA), _("0–100")],
        [_("NPS"), num(sat.get("nps")) if sat and sat.get("nps") is not None else (sat_note or NO_DATA),
         _("推荐者占比 − 贬损者占比（−100~100）")],
        [_("有效答卷数"), num(sat.get("responses")) if sat and sat.get("responses") else (sat_note or NO_DATA), ""],
    ]
    plans = _plan_rows(period=period, customer=customer)
    weekly = _weekly_orders(orders_qs, period)
    title = _("月度客户服务报告")
    target = (customer.short_name or customer.name) if customer is not None else (
        warehouse.name if warehouse is not None else _("全部仓库"))
    return {
        "title": title, "target": target, "period": period, "generated_at": timezone.localtime(),
        "has_data": bool(agg["n"]) or bool(complaints and complaints["received"]),
        "sections": [
            {"key": "kpi", "title": _("KPI与目标"), "headers": [_("指标"), _("实际"), _("目标"), _("结论"), _("公式")],
             "rows": kpis},
            {"key": "orders", "title": _("订单与时效"), "headers": [_("项目"), _("数值"), _("说明")],
             "rows": order_rows, "chart": {"title": _("每周订单数"), "labels": [w for w, _n in weekly],
                                          "values": [n for _w, n in weekly]}},
            {"key": "stock", "title": _("库存与周转"), "headers": [_("项目"), _("数值"), _("说明")],
             "rows": stock_rows},
            {"key": "complaints", "title": _("投诉与理赔"), "headers": [_("项目"), _("数值"), _("说明")],
             "rows": complaint_rows},
            {"key": "satisfaction", "title": _("满意度"), "headers": [_("项目"), _("数值"), _("说明")],
             "rows": sat_rows},
            {"key": "plans", "title": _("改进计划"), "headers": [_("标题"), _("责任部门"), _("完成期限"), _("状态")],
             "rows": plans},
        ],
    }


def _weekly_orders(orders_qs, period) -> list[tuple[str, int]]:
    counts = {}
    for created in orders_qs.values_list("created_at", flat=True):
        day = timezone.localtime(created).date()
        monday = day - datetime.timedelta(days=day.weekday())
        counts[monday] = counts.get(monday, 0) + 1
    out, monday = [], period.start - datetime.timedelta(days=period.start.weekday())
    while monday <= period.end:
        out.append((monday.strftime("%m-%d"), counts.get(monday, 0)))
        monday += datetime.timedelta(days=7)
    return out


def _stock_rows(*, user, period, customer, warehouse) -> list[list]:
    from depot.inventory import selectors as stock
    from depot.inventory import selectors_analysis as analysis

    items = stock.stock_by_item(user=user, owner=customer, warehouse=warehouse)
    totals = {"on_hand": 0, "value": Decimal(0)}
    for item in items.filter(on_hand__gt=0):
        totals["on_hand"] += item.on_hand
        totals["value"] += item.on_hand * (item.unit_value or 0)
    shipped = analysis.outbound_by_item(user=user, since=period.start, until=period.end, owner=customer)
    out_qty = sum(q for q, _v in shipped.values())
    on_hand = totals["on_hand"] or 0
    turnover = policy.ratio(out_qty, on_hand, places=Decimal("0.01")) if on_hand else None
    below = analysis.items_below_reorder_point(user=user, owner=customer).count()
    expiring = analysis.near_expiry(user=user, owner=customer, warehouse=warehouse).count()
    return [
        [_("期末库存件数"), num(on_hand) if on_hand else NO_DATA, _("生成报告时的现存数量")],
        [_("库存货值"), money(totals["value"]) if on_hand else NO_DATA, _("现存 × 单位货值")],
        [_("期间出库件数"), num(out_qty) if out_qty else NO_DATA, _("发货流水合计")],
        [_("库存周转次数"), num(turnover) if turnover is not None else NO_DATA,
         _("期间出库件数 ÷ 期末库存件数（近似；按货品的平均库存见库存分析页）")],
        [_("低于再订货点的货品"), num(below), _("可用库存 < 再订货点")],
        [_("近效期批次"), num(expiring), _("已过期、30天内到期或已用去2/3保质期")],
    ]


def _complaint_rows(complaints, note) -> list[list]:
    if complaints is None:
        return [[_("投诉"), note, ""]]
    rows = [
        [_("受理投诉"), num(complaints["received"]), _("期间受理")],
        [_("关闭投诉"), num(complaints["closed"]), _("期间关闭")],
        [_("按时关闭"), num(complaints["closed_on_time"]), _("关闭时间 ≤ 处理期限")],
        [_("投诉按时处理率"), pct(complaints["on_time_rate"]), _("按时关闭 ÷ 关闭投诉")],
        [_("未关闭投诉"), num(complaints["open"]), _("当前")],
    ]
    for row in complaints["by_category"]:
        rows.append([_("类别：%(c)s") % {"c": row["category"]}, num(row["n"]), ""])
    if "incidents" in complaints:
        rows.append([_("货损货丢事件"), num(complaints["incidents"]), _("期间发生")])
        rows.append([_("赔付金额"), money(complaints["compensation"]), _("已核定赔付合计")])
    else:
        rows.append([_("货损货丢事件"), selectors.missing(_("货损货丢")), ""])
    return rows


def _plan_rows(*, period, customer) -> list[list]:
    model = selectors.other_model("surveys.ImprovementPlan")
    if model is None:
        return [[selectors.missing(_("改进计划")), "", "", ""]]
    qs = model.objects.filter(created_at__lt=selectors._moment(period.end + datetime.timedelta(days=1)))
    qs = qs.exclude(completed_at__lt=selectors._moment(period.start)).order_by("deadline", "pk")[:50]
    rows = [[p.title, p.department, p.deadline.isoformat(), p.get_state_display()] for p in qs]
    return rows or [[NO_DATA, "", "", ""]]


# --- Excel ---------------------------------------------------------------------------------------


def report_excel(data: dict) -> bytes:
    """One sheet per section: a title line, the headers in bold on a filled row, the rows,
    sensible column widths; the orders sheet carries the weekly chart."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="305496")
    for section in data["sections"]:
        sheet = book.create_sheet(section["title"][:31])
        sheet.append([f"{data['title']} · {data['target']} · {data['period'].label()}"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(section["headers"])
        for cell in sheet[2]:
            cell.font, cell.fill = head_font, head_fill
        for row in section["rows"]:
            sheet.append([str(v) for v in row])
        for i, _h in enumerate(section["headers"]):
            letter = chr(ord("A") + i)
            width = max([len(str(r[i])) for r in section["rows"] if i < len(r)] + [len(section["headers"][i])])
            sheet.column_dimensions[letter].width = min(60, max(12, width * 2 + 2))
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A3"
        chart = section.get("chart")
        if chart and any(chart["values"]):
            start = len(section["rows"]) + 5
            sheet.cell(row=start, column=1, value=_("周"))
            sheet.cell(row=start, column=2, value=chart["title"])
            for i, (label, value) in enumerate(zip(chart["labels"], chart["values"], strict=True), start=1):
                sheet.cell(row=start + i, column=1, value=label)
                sheet.cell(row=start + i, column=2, value=value)
            bar = BarChart()
            bar.title = chart["title"]
            bar.add_data(Reference(sheet, min_col=2, min_row=start, max_row=start + len(chart["values"])),
                         titles_from_data=True)
            bar.set_categories(Reference(sheet, min_col=1, min_row=start + 1, max_row=start + len(chart["values"])))
            sheet.add_chart(bar, f"E{start}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------------

FONT = "STSong-Light"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _bar_chart(chart: dict):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawing = Drawing(480, 200)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 40, 30, 420, 140
    bars.data = [list(chart["values"])]
    bars.categoryAxis.categoryNames = list(chart["labels"])
    bars.categoryAxis.labels.fontName = _font()
    bars.categoryAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = 0
    bars.valueAxis.labels.fontSize = 7
    bars.bars[0].fillColor = colors.HexColor("#305496")
    drawing.add(bars)
    drawing.add(String(40, 185, chart["title"], fontName=_font(), fontSize=10))
    return drawing


def report_pdf(data: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=11, wordWrap="CJK")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=data["title"], author="Depot")
    story = [
        Paragraph(f"{data['title']} · {data['target']}", title),
        Paragraph(_("统计期间：%(p)s　生成时间：%(t)s") % {
            "p": data["period"].label(), "t": data["generated_at"].strftime("%Y-%m-%d %H:%M")}, body),
    ]
    if not data["has_data"]:
        story.append(Paragraph(_("本期暂无数据"), heading))
    for section in data["sections"]:
        story.append(Paragraph(section["title"], heading))
        rows = [[Paragraph(str(c), body) for c in section["headers"]]]
        rows += [[Paragraph(str(c), body) for c in row] for row in section["rows"]]
        table = Table(rows, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
        chart = section.get("chart")
        if chart and any(chart["values"]):
            story += [Spacer(1, 4 * mm), _bar_chart(chart)]
    doc.build(story)
    return buffer.getvalue()
