"""The customer workbook: its sheets and columns, and the reading and checking of an uploaded file.

Sheet 客户 has one row per customer, sheet 联系人 one row per contact, joined by the customer code.
Headers are the fields' verbose names. Nothing here writes to the database.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from depot.core import excel as core_excel
from depot.core.masking import MASK
from depot.customers import services
from depot.customers.models import Contact, Customer, Tag

SHEET_CUSTOMERS = gettext_lazy("客户")
SHEET_CONTACTS = gettext_lazy("联系人")
MAX_FILE_BYTES = core_excel.MAX_FILE_BYTES
MAX_ROWS = 5000
MAX_SCANNED_ROWS = MAX_ROWS * 10  # blank rows included
LIST_SEPARATORS = re.compile(r"[,，、;；]")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0"}


@dataclass(frozen=True)
class Column:
    field: str
    model: type[models.Model]
    kind: str  # text, int, decimal, date, choice, choices, bool, owner, tags
    width: int = 14
    required: bool = False

    @property
    def model_field(self):
        return self.model._meta.get_field(self.field)

    def header(self) -> str:
        return str(self.model_field.verbose_name)

    def choices(self) -> list[tuple[str, Any]]:
        f = self.model_field
        return list((f.base_field if isinstance(f, ArrayField) else f).choices or [])

    def max_length(self) -> int | None:
        return getattr(self.model_field, "max_length", None) if self.kind == "text" else None


def _kind(f: models.Field) -> str:
    if isinstance(f, ArrayField):
        return "choices"
    if f.choices:
        return "choice"
    for field_class, kind in ((models.DateField, "date"), (models.DecimalField, "decimal"),
                              (models.IntegerField, "int"), (models.BooleanField, "bool")):
        if isinstance(f, field_class):
            return kind
    return "text"


def _column(model, name: str, *, kind: str | None = None, required: bool = False, width: int | None = None
            ) -> Column:
    f = model._meta.get_field(name)
    if width is None and isinstance(f, models.TextField):
        width = 40
    elif width is None:
        width = min(max(12, (getattr(f, "max_length", 0) or 0) // 3), 40)
    return Column(name, model, kind or _kind(f), width=width, required=required)


_WIDTHS = {"credit_code": 22, "storage_types": 18}
CUSTOMER_COLUMNS = [
    _column(Customer, "code", required=True),
    *[_column(Customer, name, required=name == "name", width=_WIDTHS.get(name))
      for name in services.PROFILE_FIELDS],
    _column(Customer, "grade"), _column(Customer, "status"), _column(Customer, "credit_limit"),
    _column(Customer, "credit_rating"), _column(Customer, "owner", kind="owner"),
    _column(Customer, "tags", kind="tags", width=20),
]
CONTACT_COLUMNS = [
    _column(Customer, "code", required=True), _column(Contact, "name", required=True),
    _column(Contact, "title"), _column(Contact, "phone", width=16), _column(Contact, "email", width=26),
    _column(Contact, "wechat"), _column(Contact, "qq"), _column(Contact, "birthday"),
    _column(Contact, "preferred_channel"), _column(Contact, "is_primary"),
]


class Issue(NamedTuple):
    """One problem of an import, located by sheet, Excel row number and column header."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self):
        place = " ".join(filter(None, [self.sheet, _("第%(n)s行") % {"n": self.row} if self.row else "",
                                       self.column]))
        return f"{place}：{self.message}" if place else self.message


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, sheet, row, column, message) -> None:
        self.errors.append(Issue(str(sheet), row, column, _plain(message)))

    def warn(self, sheet, row, column, message) -> None:
        self.warnings.append(Issue(str(sheet), row, column, _plain(message)))


def _plain(message) -> str:
    """Service messages may be HTML (a link to a customer); an import reports plain text."""
    return strip_tags(message) if isinstance(message, SafeData) else str(message)


OMIT = object()  # a blank cell of a field that cannot be blank: keep the current or default value


@dataclass
class Row:
    sheet: str
    number: int
    model: type[models.Model]
    columns: dict[str, Column]
    values: dict[str, Any] = field(default_factory=dict)  # only the fields of the file's columns
    failed: set[str] = field(default_factory=set)  # fields whose cell has an error; not in `values`
    ok: bool = True  # False: the row is not processed at all

    def get(self, name: str):
        value = self.values.get(name)
        return None if value is OMIT else value

    def data(self, fields) -> dict:
        return {f: v for f, v in self.values.items() if f in fields and v is not OMIT}

    def header(self, name: str) -> str:
        if name in self.columns:
            return self.columns[name].header()
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return ""


@dataclass
class ImportFile:
    customers: list[Row]
    contacts: list[Row]


class _Lookups:
    """Per-file caches: tags, owners and choice labels are looked up once."""

    def __init__(self):
        self.tags = {t.name: t for t in Tag.objects.all()}
        self.users: dict[str, Any] = {}
        self.options: dict[Column, dict[str, str]] = {}

    def user(self, username: str):
        if username not in self.users:
            self.users[username] = get_user_model().objects.filter(username=username).first()
        return self.users[username]

    def choice(self, column: Column, text: str) -> str:
        if column not in self.options:
            options = {}
            for value, label in column.choices():
                with translation.override("zh-hans"):
                    options[str(label).lower()] = value
                options[str(label).lower()] = value
                options[str(value).lower()] = value
            self.options[column] = options
        try:
            return self.options[column][text.lower()]
        except KeyError:
            labels = "、".join(str(label) for _v, label in column.choices())
            message = _("“%(v)s”不是有效的选项，可选：%(labels)s") % {"v": text, "labels": labels}
            raise ValidationError(message) from None


def _read_bytes(file) -> bytes:
    return core_excel.read_bytes(file, max_bytes=MAX_FILE_BYTES)


def _open_workbook(data: bytes):
    return core_excel.open_workbook(data, unzipped_too_large=_("文件解压后过大，不是正常的客户档案文件"))


def _header_lookup(columns) -> dict[str, Column]:
    lookup = {}
    for language in ("zh-hans", translation.get_language()):
        with translation.override(language):
            lookup.update({column.header(): column for column in columns})
    return lookup


_is_blank = core_excel.is_blank
def _scan_sheet(ws, sheet: str, columns, result: ImportResult):
    """(columns by position, [(row number, {column: cell})]) of a sheet, or None when its headers are
    wrong or it holds more than MAX_ROWS data rows (counted while reading, before any is checked)."""
    rows = ws.iter_rows()
    lookup = _header_lookup(columns)
    by_index: dict[int, Column] = {}
    unknown, refused = [], False
    for i, cell in enumerate(next(rows, ())):
        text = "" if _is_blank(cell.value) else str(cell.value).strip()
        column = lookup.get(text)
        if not text:
            continue
        if column is None:
            unknown.append(text)
        elif column in by_index.values():
            result.error(sheet, 1, text, _("列名重复"))
            refused = True
        else:
            by_index[i] = column
    missing = [c.header() for c in columns if c.required and c not in by_index.values()]
    if missing:
        result.error(sheet, 1, "", _("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    if unknown:
        result.error(sheet, 1, "", _("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
    if missing or unknown or refused:
        return None
    raw = []
    for scanned, cells in enumerate(rows, start=2):
        if scanned > MAX_SCANNED_ROWS:
            result.error(sheet, None, "", _("工作表行数过多，请删除空行或分批导入"))
            return None
        number = next((c.row for c in cells if getattr(c, "row", None)), scanned)
        found = {by_index[i]: cell for i, cell in enumerate(cells) if i in by_index}
        if all(_is_blank(c.value) for c in found.values()):
            continue
        raw.append((number, found))
        if len(raw) > MAX_ROWS:
            result.error(sheet, None, "", _("数据超过%(n)s行，请分批导入") % {"n": MAX_ROWS})
            return None
    return by_index, raw


_text = core_excel.cell_text
_date = core_excel.cell_date
_int = core_excel.cell_int


def _decimal(value) -> Decimal:
    try:
        result = Decimal(_text(value).replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("请输入金额数字")) from None
    if not result.is_finite():
        raise ValidationError(_("请输入金额数字"))
    return result


def _bool(text: str) -> bool:
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    raise ValidationError(_("请填写“是”或“否”"))


def _owner(text: str, lookups: _Lookups):
    user = lookups.user(text)
    if user is None:
        raise ValidationError(_("找不到员工账号“%(v)s”") % {"v": text})
    return user


def _tags(text: str, lookups: _Lookups) -> list[Tag]:
    names = [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]
    unknown = [n for n in names if n not in lookups.tags]
    if unknown:
        raise ValidationError(_("标签不存在：%(v)s") % {"v": "、".join(unknown)})
    return [lookups.tags[n] for n in names]


def _parse(column: Column, value, lookups: _Lookups):
    """The Python value of one non-blank cell. Raises ValidationError."""
    kind = column.kind
    if column.model is Contact and column.field in Contact.PII_FIELDS and MASK in str(value):
        return str(value).strip()  # a masked value from an export, compared later with the stored one
    if kind in ("date", "int", "decimal"):
        return {"date": _date, "int": _int, "decimal": _decimal}[kind](value)
    text = _text(value)
    if kind == "text":
        if column.max_length():
            MaxLengthValidator(column.max_length())(text)
        return text
    if kind == "choice":
        return lookups.choice(column, text)
    if kind == "choices":
        return [lookups.choice(column, part.strip()) for part in LIST_SEPARATORS.split(text) if part.strip()]
    if kind == "bool":
        return _bool(text)
    if kind == "owner":
        return _owner(text, lookups)
    return _tags(text, lookups)


def _blank(column: Column):
    if column.kind in ("tags", "choices"):
        return []
    f = column.model_field
    if f.null:
        return None
    return "" if f.blank else OMIT


def _parse_rows(sheet: str, model, scanned, lookups: _Lookups, result: ImportResult) -> list[Row]:
    by_index, raw = scanned
    columns = {c.field: c for c in by_index.values()}
    rows = []
    for number, found in raw:
        row = Row(sheet=sheet, number=number, model=model, columns=columns)
        for column in by_index.values():
            cell = found.get(column)
            value = None if cell is None else cell.value
            formula = core_excel.formula_error(cell, number) if cell is not None else None
            if formula:
                result.error(sheet, number, column.header(), formula)
                row.failed.add(column.field)
            elif _is_blank(value):
                row.values[column.field] = _blank(column)
            else:
                try:
                    row.values[column.field] = _parse(column, value, lookups)
                except ValidationError as exc:
                    result.error(sheet, number, column.header(), "；".join(exc.messages))
                    row.failed.add(column.field)
        rows.append(row)
    return rows


def read_import(file, result: ImportResult) -> ImportFile | None:
    """Read and check the cells of an import file (bytes, a path or a file object).

    Problems of single cells are errors in `result`; problems of the whole file (not xlsx, too
    large, missing columns, too many rows, no data) are errors in `result` and return None.
    """
    try:
        wb = _open_workbook(_read_bytes(file))
    except ValueError as exc:
        result.error("", None, "", str(exc))
        return None
    try:
        sheets = {ws.title: ws for ws in wb.worksheets}
        customers = sheets.get(str(SHEET_CUSTOMERS)) or sheets.get("客户")
        contacts = sheets.get(str(SHEET_CONTACTS)) or sheets.get("联系人")
        if customers is None:
            result.error("", None, "", _("缺少工作表“%(name)s”") % {"name": SHEET_CUSTOMERS})
            return None
        scanned_customers = _scan_sheet(customers, str(SHEET_CUSTOMERS), CUSTOMER_COLUMNS, result)
        scanned_contacts = (({}, []) if contacts is None
                            else _scan_sheet(contacts, str(SHEET_CONTACTS), CONTACT_COLUMNS, result))
    finally:
        wb.close()
    if scanned_customers is None or scanned_contacts is None:
        return None
    if not scanned_customers[1] and not scanned_contacts[1]:
        result.error("", None, "", _("文件中没有数据行"))
        return None
    lookups = _Lookups()
    return ImportFile(
        customers=_parse_rows(str(SHEET_CUSTOMERS), Customer, scanned_customers, lookups, result),
        contacts=_parse_rows(str(SHEET_CONTACTS), Contact, scanned_contacts, lookups, result),
    )
