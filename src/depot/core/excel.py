"""What every Excel (.xlsx) import and export shares: reading an upload safely (size, zip bomb,
not a workbook), reading cells (blank, formula, text, date, integer), writing cells that stay text,
and the download response. The apps' own modules describe their sheets and columns."""

import datetime
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


def read_bytes(file, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The content of an upload (bytes, a path or a file object), refusing an empty or too large one
    (ValueError with the message for the user) before reading more than `max_bytes`."""
    too_large = ValueError(_("文件超过10MB，请分批导入"))
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    elif isinstance(file, str | Path):
        if Path(file).stat().st_size > max_bytes:
            raise too_large
        data = Path(file).read_bytes()
    else:
        if (getattr(file, "size", None) or 0) > max_bytes:
            raise too_large
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise ValueError(_("文件是空的"))
    return data


def open_workbook(data: bytes, *, unzipped_too_large: str | None = None):
    """A read-only workbook (formulas kept as formulas) of xlsx bytes; ValueError for anything else."""
    invalid = ValueError(_("不是有效的Excel文件（.xlsx）"))
    if not data.startswith(b"PK\x03\x04"):
        raise invalid
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise invalid from None
    # A few kilobytes can unpack to gigabytes; the size the zip declares is checked before opening.
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise ValueError(unzipped_too_large or _("文件解压后过大，不是正常的Excel文件"))
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise invalid
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors on malformed files
        raise invalid from None


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def formula_error(cell, row_number: int) -> str | None:
    """The message for a cell holding a formula (imports take values only), else None."""
    if getattr(cell, "data_type", None) != "f":
        return None
    coordinate = f"{get_column_letter(cell.column)}{row_number}"
    return _("单元格%(cell)s含有公式，请改为直接填写数值") % {"cell": coordinate}


def cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def cell_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
            try:
                return datetime.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                pass
    raise ValidationError(_("日期格式不正确，请填写Excel日期或YYYY-MM-DD"))


def cell_int(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", value):
        return int(value)
    raise ValidationError(_("请输入整数"))


def write_cell(ws, value, font=None) -> WriteOnlyCell:
    """A cell of a write-only sheet: text that looks like a formula stays text, dates and amounts
    keep their format, characters Excel refuses are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, Decimal):
        cell.number_format = "0.00"
    if font:
        cell.font = font
    return cell


def header_sheet(wb, title: str, headers: list[str], widths: list[int] | None = None):
    """A new sheet of the write-only workbook `wb` with a bold, frozen header row. A column is at
    least as wide as its header (Chinese characters are about two columns wide) and as `widths`."""
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        least = widths[i - 1] if widths else 12
        ws.column_dimensions[get_column_letter(i)].width = max(least, 2 * len(header) + 2)
    bold = Font(bold=True)
    ws.append([write_cell(ws, header, bold) for header in headers])
    return ws


def xlsx_response(content: bytes, filename: str, ascii_filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
