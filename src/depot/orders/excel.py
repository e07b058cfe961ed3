"""Excel import of outbound orders taken by CS (channel Excel导入).

One sheet, one row per order line; the customer's order reference (客户单号) groups the lines into
orders, and the order's fields (consignee, address, date, service level…) are repeated on every line
of it. The customer code column is needed only by users who see several customers.

Every row is checked before anything is written (cells, customer, item codes, lines of one order
that disagree); then every order is submitted (`outbound_submit`: completeness, audit, allocation)
in one transaction — all or nothing. The reference makes a re-import of the same file return the
orders it created the first time instead of new ones. Files over `BACKGROUND_ROWS` rows are
imported by a background job (`orders.import_excel`); the outcome of every import is kept on an
`OrderImport` and shown on its status page.
"""

import datetime
import io
import logging
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from depot.core import excel as core_excel
from depot.core.errors import DomainError
from depot.core.jobs import job_defer
from depot.core.permissions import require_perm
from depot.customers.selectors import customer_list
from depot.inventory.models import Item
from depot.orders import services
from depot.orders.choices import Channel, ImportState, ServiceLevel
from depot.orders.models import OrderImport

logger = logging.getLogger("depot.orders")

SHEET = gettext_lazy("出库单")
HELP_SHEET = gettext_lazy("填写说明")
MAX_ROWS = 5000
MAX_SCANNED_ROWS = MAX_ROWS * 10  # blank rows included
BACKGROUND_ROWS = 500
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}


@dataclass(frozen=True)
class Column:
    key: str
    header: object  # a lazy translation
    kind: str = "text"  # text, date, int, choice, bool
    required: bool = False
    max_length: int | None = None
    width: int = 14
    header_field: bool = True  # the same on every line of one order


COLUMNS = [
    Column("customer", gettext_lazy("客户编码"), max_length=20, width=12, header_field=False),
    Column("external_ref", gettext_lazy("客户单号"), required=True, max_length=64, width=18, header_field=False),
    Column("consignee_name", gettext_lazy("收货人"), max_length=100, width=12),
    Column("consignee_phone", gettext_lazy("收货人电话"), max_length=30, width=16),
    Column("province", gettext_lazy("省份"), max_length=20, width=10),
    Column("city", gettext_lazy("城市"), max_length=30, width=10),
    Column("district", gettext_lazy("区县"), max_length=30, width=10),
    Column("address", gettext_lazy("详细地址"), max_length=200, width=30),
    Column("requested_ship_date", gettext_lazy("要求发货日期"), kind="date", width=14),
    Column("service_level", gettext_lazy("服务等级"), kind="choice", width=10),
    Column("allow_partial", gettext_lazy("允许部分发货"), kind="bool", width=12),
    Column("note", gettext_lazy("备注"), max_length=2000, width=20),
    Column("item_code", gettext_lazy("货品编码"), required=True, max_length=40, width=16, header_field=False),
    Column("quantity", gettext_lazy("数量"), kind="int", required=True, width=8, header_field=False),
]
BY_KEY = {c.key: c for c in COLUMNS}
HEADER_KEYS = [c.key for c in COLUMNS if c.header_field]


class RowError(NamedTuple):
    """One problem, located by Excel row number (None: the whole file) and column header."""

    row: int | None
    column: str
    message: str

    def __str__(self):
        place = " ".join(filter(None, [_("第%(n)s行") % {"n": self.row} if self.row else "", self.column]))
        return f"{place}：{self.message}" if place else self.message


@dataclass
class ImportResult:
    rows: int = 0
    orders: list[dict] = field(default_factory=list)  # {"id", "number", "created", "state"}
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(1 for o in self.orders if o["created"])

    @property
    def existing(self) -> int:
        return sum(1 for o in self.orders if not o["created"])

    def error(self, row, column, message) -> None:
        header = str(BY_KEY[column].header) if column in BY_KEY else str(column or "")
        self.errors.append(RowError(row, header, str(message)))


@dataclass
class Row:
    number: int
    present: frozenset  # the keys of the file's columns
    values: dict = field(default_factory=dict)
    failed: set = field(default_factory=set)


# ---- reading -------------------------------------------------------------------------------

def _header_lookup() -> dict[str, Column]:
    lookup = {}
    for language in ("zh-hans", translation.get_language()):
        with translation.override(language):
            lookup.update({str(c.header): c for c in COLUMNS})
    return lookup


def _service_levels() -> dict[str, str]:
    options = {}
    for value, label in ServiceLevel.choices:
        with translation.override("zh-hans"):
            options[str(label).lower()] = value
        options[str(label).lower()] = value
        options[value.lower()] = value
    return options


def _parse(column: Column, value, levels: dict[str, str]):
    if column.kind == "date":
        return core_excel.cell_date(value)
    if column.kind == "int":
        number = core_excel.cell_int(value)
        if number <= 0:
            raise ValidationError(_("数量必须大于零"))
        return number
    text = core_excel.cell_text(value)
    if column.kind == "choice":
        try:
            return levels[text.lower()]
        except KeyError:
            labels = "、".join(str(label) for _v, label in ServiceLevel.choices)
            message = _("“%(v)s”不是有效的选项，可选：%(labels)s") % {"v": text, "labels": labels}
            raise ValidationError(message) from None
    if column.kind == "bool":
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise ValidationError(_("请填写“是”或“否”"))
    if column.max_length and len(text) > column.max_length:
        raise ValidationError(_("不能超过%(n)d个字符") % {"n": column.max_length})
    return text


def _blank(column: Column):
    return {"date": None, "int": None, "choice": ServiceLevel.STANDARD, "bool": False}.get(column.kind, "")


def read_sheet(file, result: ImportResult) -> list[Row] | None:
    """The parsed rows of an upload (bytes, a path or a file object). Cell problems are errors in
    `result` (the row's other cells are still read); problems of the whole file return None."""
    try:
        wb = core_excel.open_workbook(core_excel.read_bytes(file))
    except ValueError as exc:
        result.error(None, "", exc)
        return None
    try:
        ws = wb.worksheets[0]
        return _read_rows(ws, result)
    finally:
        wb.close()


def _read_rows(ws, result: ImportResult) -> list[Row] | None:
    rows = ws.iter_rows()
    lookup = _header_lookup()
    by_index: dict[int, Column] = {}
    unknown = []
    for i, cell in enumerate(next(rows, ())):
        text = "" if core_excel.is_blank(cell.value) else str(cell.value).strip()
        if not text:
            continue
        column = lookup.get(text)
        if column is None:
            unknown.append(text)
        elif column in by_index.values():
            result.error(1, text, _("列名重复"))
        else:
            by_index[i] = column
    missing = [str(c.header) for c in COLUMNS if c.required and c not in by_index.values()]
    if missing:
        result.error(1, "", _("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    if unknown:
        result.error(1, "", _("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
    if result.errors:
        return None
    levels = _service_levels()
    present = frozenset(c.key for c in by_index.values())
    parsed = []
    for scanned, cells in enumerate(rows, start=2):
        if scanned > MAX_SCANNED_ROWS:
            result.error(None, "", _("工作表行数过多，请删除空行或分批导入"))
            return None
        number = next((c.row for c in cells if getattr(c, "row", None)), scanned)
        found = {by_index[i]: cell for i, cell in enumerate(cells) if i in by_index}
        if all(core_excel.is_blank(c.value) for c in found.values()):
            continue
        if len(parsed) >= MAX_ROWS:
            result.error(None, "", _("数据超过%(n)s行，请分批导入") % {"n": MAX_ROWS})
            return None
        row = Row(number=number, present=present)
        for column in by_index.values():
            cell = found.get(column)
            value = None if cell is None else cell.value
            formula = core_excel.formula_error(cell, number) if cell is not None else None
            if formula:
                result.error(number, column.key, formula)
                row.failed.add(column.key)
            elif core_excel.is_blank(value):
                if column.required:
                    result.error(number, column.key, _("请填写"))
                    row.failed.add(column.key)
                row.values[column.key] = _blank(column)
            else:
                try:
                    row.values[column.key] = _parse(column, value, levels)
                except ValidationError as exc:
                    result.error(number, column.key, "；".join(exc.messages))
                    row.failed.add(column.key)
        parsed.append(row)
    if not parsed:
        result.error(None, "", _("文件中没有数据行"))
        return None
    return parsed


def count_rows(file) -> tuple[int, list[RowError]]:
    """The number of data rows of an upload, and the problems of the whole file (if any)."""
    result = ImportResult()
    rows = read_sheet(file, result)
    return (len(rows) if rows else 0), [e for e in result.errors if e.row in (None, 1)]


# ---- checking and importing ----------------------------------------------------------------

@dataclass
class Order:
    customer: object
    ref: str
    rows: list[Row]
    data: dict
    lines: list[dict]


class _Importer:
    def __init__(self, *, actor, result: ImportResult):
        self.actor = actor
        self.result = result
        self.visible = customer_list(user=actor)

    def run(self, rows: list[Row]) -> None:
        orders = self.group(rows)
        if self.result.errors or not orders:
            return
        with transaction.atomic():
            for order in orders:
                self.submit(order)
            if self.result.errors:
                self.result.orders = []
                transaction.set_rollback(True)

    def customers_by_row(self, rows: list[Row]) -> dict[int, object]:
        """The customer of each row: the one of its code, or the user's only customer."""
        only = list(self.visible.order_by("pk")[:2])
        if not only:
            self.result.error(None, "", _("您没有可以下单的客户"))
            return {}
        if len(only) > 1 and "customer" not in rows[0].present:
            self.result.error(1, "", _("您可见多个客户，请增加“%(col)s”列") % {"col": BY_KEY["customer"].header})
            return {}
        codes = {r.values.get("customer") for r in rows if r.values.get("customer")}
        found = {c.code: c for c in self.visible.filter(code__in=codes)} if codes else {}
        out = {}
        for row in rows:
            code = row.values.get("customer") or ""
            if "customer" in row.failed:
                continue
            if code:
                customer = found.get(code)
                if customer is None:
                    self.result.error(row.number, "customer", _("客户编码“%(code)s”不存在或无权访问") % {"code": code})
                    continue
                out[row.number] = customer
            elif len(only) == 1:
                out[row.number] = only[0]
            else:
                self.result.error(row.number, "customer", _("请填写客户编码"))
        return out

    def group(self, rows: list[Row]) -> list[Order]:
        customers = self.customers_by_row(rows)
        groups: dict[tuple, list[Row]] = {}
        for row in rows:
            customer = customers.get(row.number)
            ref = row.values.get("external_ref")
            if customer is None or not ref:
                continue
            groups.setdefault((customer.pk, ref), []).append(row)
        codes: dict[int, set] = {}
        for (customer_pk, _ref), members in groups.items():
            codes.setdefault(customer_pk, set()).update(r.values.get("item_code") for r in members)
        items = {}
        for customer_pk, wanted in codes.items():
            for item in Item.objects.filter(owner_id=customer_pk, code__in=[c for c in wanted if c]):
                items[(customer_pk, item.code)] = item
        orders = []
        for (_customer, ref), members in groups.items():
            orders.append(self.order(customers[members[0].number], ref, members, items))
        return orders

    def order(self, customer, ref: str, members: list[Row], items: dict) -> Order:
        first = members[0]
        present = first.present
        data = {}
        for key in HEADER_KEYS:
            if key not in present:
                continue
            value = first.values.get(key)
            data[key] = value
            for row in members[1:]:
                if key not in row.failed and key not in first.failed and row.values.get(key) != value:
                    self.result.error(row.number, key, _("同一客户单号的各行应一致（与第%(n)s行不同）") % {
                        "n": first.number})
        lines, seen = [], {}
        for row in members:
            code, quantity = row.values.get("item_code"), row.values.get("quantity")
            if "item_code" not in row.failed and code:
                item = items.get((customer.pk, code))
                if code in seen:
                    self.result.error(row.number, "item_code", _("与第%(n)s行货品编码重复（同一客户单号）") % {
                        "n": seen[code]})
                elif item is None:
                    self.result.error(row.number, "item_code", _("货品编码“%(code)s”不存在（客户%(customer)s）") % {
                        "code": code, "customer": customer.code})
                elif not item.is_active:
                    self.result.error(row.number, "item_code", _("货品“%(code)s”已停用") % {"code": code})
                seen.setdefault(code, row.number)
            lines.append({"item_code": code, "quantity": quantity})
        date = data.get("requested_ship_date")
        if date is not None and date < timezone.localdate() and "requested_ship_date" not in first.failed:
            self.result.error(first.number, "requested_ship_date", _("要求发货日期不能早于今天"))
        return Order(customer=customer, ref=ref, rows=members, data=data, lines=lines)

    def submit(self, order: Order) -> None:
        try:
            created_order, created = services.outbound_submit(
                actor=self.actor, customer=order.customer, data=order.data, lines=order.lines,
                channel=Channel.EXCEL, external_ref=order.ref)
        except DomainError as exc:
            self.report(exc, order)
            return
        self.result.orders.append({"id": created_order.pk, "number": created_order.number, "created": created,
                                   "state": created_order.state, "external_ref": order.ref})

    def report(self, exc: DomainError, order: Order) -> None:
        """Put a service's errors on the rows and columns they are about."""
        for key, messages in (exc.details or {"__all__": [exc.message]}).items():
            row, column = order.rows[0], key
            if key.startswith("lines[") and "]." in key:
                index, column = key[len("lines["):].split("].", 1)
                if index.isdigit() and 0 < int(index) <= len(order.rows):
                    row = order.rows[int(index) - 1]
            if column not in BY_KEY:
                column = ""
            for message in messages:
                self.result.error(row.number, column, message)


def orders_import(*, actor, file) -> ImportResult:
    """Check an upload and, when every row is right, submit its orders in one transaction. On any
    error nothing is written and `errors` says where (row, column). A re-import of orders already
    imported returns them (created=False). Raises PermissionDenied."""
    require_perm(actor, "orders.add_outboundorder")
    result = ImportResult()
    rows = read_sheet(file, result)
    if rows is None:
        return result
    result.rows = len(rows)
    _Importer(actor=actor, result=result).run(rows)
    return result


# ---- the import record and its job ---------------------------------------------------------

@transaction.atomic
def order_import_start(*, actor, file, file_name: str) -> OrderImport:
    """Record an upload; a file of more than BACKGROUND_ROWS rows gets a background job (deferred in
    this transaction), a smaller one is imported now. Raises PermissionDenied."""
    require_perm(actor, "orders.add_outboundorder")
    content = core_excel.read_bytes(file) if not isinstance(file, bytes) else file
    rows, _problems = count_rows(content)
    record = OrderImport.objects.create(created_by=actor, file_name=(file_name or "")[:200], content=content,
                                        rows=rows, background=rows > BACKGROUND_ROWS)
    if record.background:
        from depot.orders.tasks import import_orders

        job_defer(import_orders, import_id=record.pk)
    return record


def order_import_run(*, import_id: int) -> OrderImport | None:
    """Run a recorded import (the job, or the request for a small file) and keep its outcome.
    Returns None when it is not waiting (already taken or done)."""
    with transaction.atomic():
        record = (OrderImport.objects.select_for_update(skip_locked=True).select_related("created_by")
                  .filter(pk=import_id, state=ImportState.QUEUED).first())
        if record is None:
            return None
        record.state, record.started_at = ImportState.RUNNING, timezone.now()
        record.save(update_fields=["state", "started_at"])
    try:
        result = orders_import(actor=record.created_by, file=bytes(record.content))
    except DomainError as exc:
        result = ImportResult(errors=[RowError(None, "", str(exc.message))])
    except Exception:
        logger.exception("order import %s failed", import_id)
        result = ImportResult(errors=[RowError(None, "", _("导入时发生系统错误，没有导入任何订单，请联系系统管理员"))])
    record.state = ImportState.DONE if result.ok else ImportState.FAILED
    record.created_count, record.existing_count = result.created, result.existing
    record.orders = result.orders
    record.errors = [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors]
    record.rows = result.rows or record.rows
    record.content, record.finished_at = b"", timezone.now()
    record.save(update_fields=["state", "created_count", "existing_count", "orders", "errors", "rows", "content",
                               "finished_at"])
    return record


def order_import_list(*, user):
    """The imports the user may look at: their own; supervisors (who see every customer) all."""
    from depot.customers.selectors import sees_all_customers

    if not (user and user.is_active and user.has_perm("orders.add_outboundorder")):
        return OrderImport.objects.none()
    qs = OrderImport.objects.select_related("created_by").defer("content")
    return qs if sees_all_customers(user) else qs.filter(created_by=user)


# ---- the template --------------------------------------------------------------------------

def import_template(*, user) -> bytes:
    """The import workbook: headers (the customer code only for users who see several customers),
    one example order of two lines, and a sheet explaining the columns."""
    visible = list(customer_list(user=user).order_by("code")[:2])
    columns = [c for c in COLUMNS if c.key != "customer" or len(visible) > 1]
    example = visible[0] if visible else None
    codes = list(Item.objects.filter(owner=example, is_active=True).order_by("code")
                 .values_list("code", flat=True)[:2]) if example else []
    codes += ["SKU-001", "SKU-002"][len(codes):]
    day = timezone.localdate() + datetime.timedelta(days=2)
    base = {"customer": example.code if example else "", "external_ref": "PO-20260001", "consignee_name": _("李四"),
            "consignee_phone": "13800138000", "province": _("上海市"), "city": _("上海市"), "district": _("浦东新区"),
            "address": _("张江路100号"), "requested_ship_date": day, "service_level": str(ServiceLevel.STANDARD.label),
            "allow_partial": _("否"), "note": ""}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(SHEET))
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(column.width, 2 * len(str(column.header)) + 2)
    ws.append([core_excel.write_cell(ws, str(c.header), font=bold) for c in columns])
    for code, quantity in zip(codes, (10, 5), strict=True):
        values = {**base, "item_code": code, "quantity": quantity}
        ws.append([core_excel.write_cell(ws, values.get(c.key)) for c in columns])
    help_ws = wb.create_sheet(str(HELP_SHEET))
    help_ws.column_dimensions["A"].width = 16
    help_ws.column_dimensions["B"].width = 90
    levels = "、".join(str(label) for _v, label in ServiceLevel.choices)
    notes = [
        (_("每行"), _("一个货品；同一张订单的多行填写相同的客户单号，订单信息（收货人、地址等）各行相同")),
        (_("客户编码"), _("可见多个客户的用户必填；只负责一个客户时可不填此列")),
        (_("客户单号"), _("必填。重复导入同一客户单号不会重复建单，返回原订单")),
        (_("要求发货日期"), _("可不填（按服务等级尽快发货）；格式YYYY-MM-DD，不能早于今天")),
        (_("服务等级"), _("可选：%(levels)s；不填为标准") % {"levels": levels}),
        (_("允许部分发货"), _("是/否，不填为否")),
        (_("数量"), _("正整数，按货品的基本单位")),
        (_("限制"), _("最多%(max)s行，文件不超过10MB；超过%(bg)s行的文件在后台导入，完成后在导入记录中查看结果") % {
            "max": MAX_ROWS, "bg": BACKGROUND_ROWS}),
        (_("全部或全不"), _("任何一行有错误时不导入任何订单，请按提示修改后重新上传")),
    ]
    for title, text in notes:
        help_ws.append([core_excel.write_cell(help_ws, str(title), font=bold),
                        core_excel.write_cell(help_ws, str(text))])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
