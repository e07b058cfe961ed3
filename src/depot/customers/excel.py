"""Excel (.xlsx) export and import of the customer archive.

The export writes the workbook described in `excel_format` (an export re-imports); the import
(`customers_import`, in `excel_import`) reads it back through the services.
"""

import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from depot.core.excel import XLSX_CONTENT_TYPE, header_sheet, write_cell, xlsx_response
from depot.core.permissions import require_perm
from depot.customers import selectors
from depot.customers.excel_format import (
    CONTACT_COLUMNS,
    CUSTOMER_COLUMNS,
    SHEET_CONTACTS,
    SHEET_CUSTOMERS,
    Column,
    ImportResult,
    Issue,
)
from depot.customers.excel_import import customers_import
from depot.customers.models import Contact

__all__ = ["XLSX_CONTENT_TYPE", "ImportResult", "Issue", "customers_export", "customers_export_response",
           "customers_import", "customers_template", "xlsx_response"]


def _display(column: Column, obj):
    value = getattr(obj, column.field)
    if column.kind == "choice":
        return getattr(obj, f"get_{column.field}_display")()
    if column.kind == "choices":
        labels = dict(column.choices())
        return "、".join(str(labels.get(v, v)) for v in value or [])
    if column.kind == "owner":
        return value.get_username() if value else ""
    if column.kind == "tags":
        return "，".join(t.name for t in value.all())
    return value


def _contact_values(contact: Contact, *, code: str, user) -> dict:
    shown = selectors.contact_display(user=user, contact=contact)
    birthday = contact.birthday if selectors.can_view_pii(user) else shown["birthday"]
    primary = _("是") if contact.is_primary else _("否")
    return {**shown, "code": code, "birthday": birthday, "is_primary": primary}


class _Book:
    """A streamed (write-only) workbook with the two sheets, header row bold and frozen."""

    def __init__(self):
        self.wb = Workbook(write_only=True)
        self.customers = self._sheet(str(SHEET_CUSTOMERS), CUSTOMER_COLUMNS)
        self.contacts = self._sheet(str(SHEET_CONTACTS), CONTACT_COLUMNS)

    def _sheet(self, title: str, columns: list[Column]):
        return header_sheet(self.wb, title, [c.header() for c in columns], [c.width for c in columns])

    @staticmethod
    def _cell(ws, value, font=None):
        return write_cell(ws, value, font)

    def add_customer(self, values: dict) -> None:
        self.customers.append([self._cell(self.customers, values.get(c.field)) for c in CUSTOMER_COLUMNS])

    def add_contact(self, values: dict) -> None:
        self.contacts.append([self._cell(self.contacts, values.get(c.field)) for c in CONTACT_COLUMNS])

    def save(self) -> bytes:
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()


def customers_export(queryset, *, user) -> bytes:
    """The customers of `queryset` that `user` may see, with their contacts, as xlsx bytes.

    Choice fields are written as their labels; contacts' personal data is masked for users
    without `customers.view_contact_pii`. Raises PermissionDenied without
    `customers.export_customers`.
    """
    require_perm(user, "customers.export_customers")
    qs = (queryset.filter(pk__in=selectors.customer_list(user=user).values("pk"))
          .select_related("owner").prefetch_related("tags", "contacts"))
    if not qs.ordered:
        qs = qs.order_by("code")
    book = _Book()
    for customer in qs.iterator(chunk_size=500):
        book.add_customer({c.field: _display(c, customer) for c in CUSTOMER_COLUMNS})
        for contact in customer.contacts.all():
            book.add_contact(_contact_values(contact, code=customer.code, user=user))
    return book.save()


def customers_template() -> bytes:
    """An import file with the headers and one example customer with one contact."""
    name = _("示例（上海）供应链管理有限公司")
    book = _Book()
    book.add_customer({
        "name": name, "short_name": _("示例供应链"), "credit_code": "91310000MA1FL4TT4E",
        "nature": _("民营企业"), "industry": _("快消品"), "province": _("上海市"), "city": _("上海市"),
        "district": _("浦东新区"), "address": _("示例路1号"), "storage_types": _("常温、冷藏"),
        "expected_monthly_inbound": 1200, "expected_monthly_outbound": 1000, "expected_pallets": 80,
        "payment_terms": _("月结"), "payment_days": 30, "grade": _("C级"), "status": _("潜在客户"),
        "credit_limit": Decimal("0.00"),
    })
    book.add_contact({
        "code": name, "name": _("陈经理"), "title": _("物流经理"), "phone": "13900001234",
        "email": "chen@example.cn", "preferred_channel": _("电话"), "is_primary": _("是"),
    })
    return book.save()


def customers_export_response(request, queryset) -> HttpResponse:
    """The xlsx download of `queryset` (already scoped and filtered); 403 without the permission."""
    if not request.user.has_perm("customers.export_customers"):
        raise HttpForbidden
    day = timezone.localdate().strftime("%Y%m%d")
    content = customers_export(queryset, user=request.user)
    return xlsx_response(content, f"{_('客户档案')}_{day}.xlsx", f"customers_{day}.xlsx")
