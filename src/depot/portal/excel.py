"""The customer's own lists as Excel: stock (by item, lot, location) and orders."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from depot.core.excel import write_cell
from depot.portal import selectors

MAX_ROWS = 50_000


def _sheet(wb, title: str, headers: list, rows, widths: list[int]) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    ws.append([write_cell(ws, str(h), font=bold) for h in headers])
    for row in rows:
        ws.append([write_cell(ws, value) for value in row])


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def stock_workbook(*, user) -> bytes:
    """Three sheets: by item, by lot, by location — each with on hand, reserved and available."""
    wb = Workbook(write_only=True)
    items = selectors.portal_stock(user=user, view="item")[:MAX_ROWS]
    _sheet(wb, _("按货品"), [_("货品编码"), _("货品名称"), _("规格型号"), _("单位"), _("现存"), _("预留"), _("可用")],
           ([i.code, i.name, i.spec, i.base_unit, i.on_hand, i.reserved, i.available] for i in items),
           [16, 28, 16, 8, 10, 10, 10])
    lots = selectors.portal_stock(user=user, view="lot")[:MAX_ROWS]
    _sheet(wb, _("按批次"), [_("货品编码"), _("货品名称"), _("批号"), _("生产日期"), _("到期日期"), _("现存"),
                          _("预留"), _("可用")],
           ([lot.item.code, lot.item.name, lot.lot_number, lot.production_date, lot.expiry_date, lot.on_hand,
             lot.reserved, lot.available] for lot in lots),
           [16, 28, 16, 12, 12, 10, 10, 10])
    balances = selectors.portal_stock(user=user, view="location")[:MAX_ROWS]
    _sheet(wb, _("按库位"), [_("仓库"), _("库位"), _("货品编码"), _("货品名称"), _("批号"), _("到期日期"), _("现存"),
                          _("预留"), _("可用")],
           ([b.location.zone.warehouse.name, b.location.code, b.item.code, b.item.name, b.lot.lot_number,
             b.lot.expiry_date, b.on_hand, b.reserved, b.on_hand - b.reserved] for b in balances),
           [14, 12, 16, 28, 16, 12, 10, 10, 10])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def orders_workbook(*, user, state: str = "", query: str = "") -> bytes:
    wb = Workbook(write_only=True)
    orders = selectors.portal_orders(user=user, state=state, query=query)[:MAX_ROWS]
    _sheet(wb, _("出库单"), [_("出库单号"), _("客户单号"), _("状态"), _("收货人"), _("收货地址"), _("要求发货日期"),
                          _("下单时间"), _("发货时间"), _("承运商"), _("运单号"), _("货值（元）")],
           ([o.number, o.external_ref, o.get_state_display(), o.consignee_name,
             "".join([o.province, o.city, o.district, o.address]), o.requested_ship_date, _local(o.created_at),
             _local(o.shipped_at), o.carrier, o.tracking_number, o.total_value] for o in orders),
           [18, 18, 10, 12, 36, 14, 18, 18, 12, 20, 12])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
