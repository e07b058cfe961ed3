"""Writing a checked import file (`excel_format.read_import`) through the customer services.

Every row runs its service inside a savepoint of one transaction, so that a row's errors are the
services' own; the transaction is rolled back on a dry run or when any row has an error.
"""

import re
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from depot.core.errors import DomainError, PermissionDenied
from depot.core.permissions import require_perm
from depot.customers import selectors, services
from depot.customers.excel_format import CONTACT_COLUMNS, OMIT, ImportFile, ImportResult, Row, read_import
from depot.customers.models import Contact, Customer
from depot.customers.validators import normalize_credit_code, normalize_email, normalize_phone

# Changed only through their own services, each with a reason.
RESTRICTED_FIELDS = ("grade", "status", "credit_limit", "credit_rating", "owner")
CREATE_FIELDS = set(services.PROFILE_FIELDS) | set(RESTRICTED_FIELDS) | {"code"}
CONTACT_FIELDS = {c.field for c in CONTACT_COLUMNS} - {"code"}


def _same(current, new) -> bool:
    if isinstance(current, str) and isinstance(new, str):
        return current.strip() == new.strip()
    if isinstance(current, list) and isinstance(new, list):
        return sorted(map(str, current)) == sorted(map(str, new))
    return current == new


def _report(exc: DomainError, row: Row, result: ImportResult, contact_rows: list[Row] = ()) -> None:
    """Put a service's field errors on the cells they are about."""
    for key, messages in (exc.details or {"__all__": [exc.message]}).items():
        target, name = row, key
        found = re.fullmatch(r"contacts\[(\d+)\]\.(.+)", key)
        if found and int(found[1]) < len(contact_rows):
            target, name = contact_rows[int(found[1])], found[2]
        if name in target.failed:
            continue  # its cell error is already reported
        column = "" if name == "__all__" else target.header(name)
        if isinstance(exc, PermissionDenied):
            column = "/".join(row.header(f) for f in ("credit_limit", "credit_rating", "owner")
                              if row.values.get(f, OMIT) not in (None, "", OMIT, Decimal(0)))
        for message in messages:
            result.error(target.sheet, target.number, column, message)


class _Importer:
    def __init__(self, *, actor, result: ImportResult):
        self.actor = actor
        self.result = result
        self.visible = selectors.customer_list(user=actor)
        self.credit_codes: dict[str, int] = {}
        self.codes: dict[str, int] = {}

    def error(self, row: Row, field: str, message) -> None:
        self.result.error(row.sheet, row.number, row.header(field), message)

    def run(self, book: ImportFile) -> None:
        contacts_by_key = self.group_contacts(book.contacts)
        codes = {row.get("code") for row in book.customers} | set(contacts_by_key)
        found = Customer.objects.filter(code__in=codes - {None, ""}).prefetch_related("tags", "contacts")
        self.existing = {c.code: c for c in found}
        self.visible_pks = set(self.visible.filter(code__in=self.existing).values_list("pk", flat=True))
        for row in book.customers:
            code = row.get("code") or ""
            # A new customer without a code is named by its full name in the contacts sheet.
            contacts = contacts_by_key.pop(code or row.get("name"), [])
            if code in self.codes:
                self.error(row, "code", _("客户编码与第%(n)s行重复") % {"n": self.codes[code]})
                continue
            if code:
                self.codes[code] = row.number
            existing = self.existing.get(code)
            if existing and existing.pk not in self.visible_pks:
                self.error(row, "code", _("该客户编码已存在，且不在您的负责范围内"))
            elif existing:
                self.update(row, existing, contacts)
            else:
                self.create(row, contacts)
        for key, rows in contacts_by_key.items():
            customer = self.existing.get(key)
            if customer is not None and customer.pk in self.visible_pks:
                if self.save_contacts(customer, rows):
                    self.result.updated += 1
                continue
            for row in rows:
                if row.ok:
                    self.error(row, "code", _("找不到客户“%(v)s”（不在“客户”表中，也不是您可访问的客户）")
                               % {"v": key})

    def group_contacts(self, rows: list[Row]) -> dict[str, list[Row]]:
        by_key: dict[str, list[Row]] = defaultdict(list)
        first_row: dict[tuple, int] = {}
        for row in rows:
            key, name = row.get("code"), row.get("name")
            if row.ok and not key:
                self.error(row, "code", _("请填写客户编码"))
                row.ok = False
            elif row.ok and (key, name) in first_row:
                message = _("同一客户的联系人姓名与第%(n)s行重复") % {"n": first_row[key, name]}
                self.error(row, "name", message)
                row.ok = False
            first_row.setdefault((key, name), row.number)
            by_key[key].append(row)
        return by_key

    def check_credit_code(self, row: Row, exclude_pk=None) -> bool:
        code = normalize_credit_code(row.get("credit_code") or "")
        if not code:
            return True
        first = self.credit_codes.setdefault(code, row.number)
        if first != row.number:
            message = _("该统一社会信用代码与第%(n)s行重复") % {"n": first}
        elif other := selectors.customer_by_credit_code(credit_code=code, exclude_pk=exclude_pk):
            message = _("该统一社会信用代码已属于客户 %(c)s") % {"c": other}
        else:
            return True
        self.error(row, "credit_code", message)
        return False

    def warn_similar(self, row: Row, exclude_pk=None) -> None:
        similar = selectors.customer_similar_names(name=row.get("name") or "", exclude_pk=exclude_pk)
        if similar:
            names = "、".join(f"{c.code} {c.name}" for c in similar)
            message = _("已有名称相近的客户：%(list)s") % {"list": names}
            self.result.warn(row.sheet, row.number, row.header("name"), message)

    def create(self, row: Row, contacts: list[Row]) -> None:
        owner = row.get("owner")
        if owner is not None and not (owner.is_active and owner.is_staff):
            self.error(row, "owner", _("负责人必须是在职的员工账号"))
            return
        if not self.check_credit_code(row):
            return
        self.warn_similar(row)
        good = [c for c in contacts if c.ok]
        try:
            with transaction.atomic():
                services.customer_create(
                    actor=self.actor, data=row.data(CREATE_FIELDS), tags=row.get("tags") or None,
                    contacts=[c.data(CONTACT_FIELDS) for c in good], confirm_similar=True,
                )
        except DomainError as exc:
            _report(exc, row, self.result, good)
            return
        if not row.failed:
            self.result.created += 1
            self.result.contacts_created += len(good)

    def update(self, row: Row, customer: Customer, contacts: list[Row]) -> None:
        for name in RESTRICTED_FIELDS:
            value = row.values.get(name, OMIT)
            if value is not OMIT and not _same(getattr(customer, name), value):
                self.error(row, name, _("等级/信用/状态需在系统内通过专门操作修改"))
        data = {f: v for f, v in row.data(services.PROFILE_FIELDS).items()
                if not _same(getattr(customer, f), v)}
        if "credit_code" in data and normalize_credit_code(data["credit_code"]) == customer.credit_code:
            del data["credit_code"]
        tags = row.values.get("tags")
        if tags is not None and {t.pk for t in tags} == {t.pk for t in customer.tags.all()}:
            tags = None
        changed = False
        if data or tags is not None:
            if "credit_code" in data and not self.check_credit_code(row, exclude_pk=customer.pk):
                return
            if "name" in data:
                self.warn_similar(row, exclude_pk=customer.pk)
            try:
                with transaction.atomic():
                    customer = services.customer_update(
                        actor=self.actor, customer=customer, data=data, tags=tags, confirm_similar=True)
                changed = True
            except DomainError as exc:
                _report(exc, row, self.result)
        if self.save_contacts(customer, contacts) or changed:
            self.result.updated += 1

    def save_contacts(self, customer: Customer, rows: list[Row]) -> bool:
        """Add or change (matched by name) contacts of an existing customer; True when any changed."""
        existing = defaultdict(list)
        for contact in customer.contacts.all():
            existing[contact.name].append(contact)
        changed = False
        for row in rows:
            if not row.ok:
                continue
            matches = existing.get(row.get("name"), [])
            if len(matches) > 1:
                self.error(row, "name", _("该客户有多位同名联系人，无法按姓名匹配"))
                continue
            contact = matches[0] if matches else None
            data = row.data(CONTACT_FIELDS)
            if contact is not None:
                data = {f: v for f, v in data.items() if not self.same_contact_value(contact, f, v)}
                if not data:
                    continue
            try:
                services.contact_save(actor=self.actor, customer=customer, contact=contact, data=data)
            except DomainError as exc:
                _report(exc, row, self.result)
                continue
            changed = True
            if contact is None:
                self.result.contacts_created += 1
            else:
                self.result.contacts_updated += 1
        return changed

    def same_contact_value(self, contact: Contact, name: str, value) -> bool:
        if name in Contact.PII_FIELDS and not selectors.can_view_pii(self.actor):
            shown = selectors.contact_display(user=self.actor, contact=contact)[name]
            if value == shown or (value is None and not shown):
                return True  # the masked value of an export: unchanged
        try:
            if name == "phone" and value:
                value = normalize_phone(value)[0]
            elif name == "email" and value:
                value = normalize_email(value)
        except ValidationError:
            return False
        return _same(getattr(contact, name), value)


def customers_import(*, actor, file, dry_run: bool) -> ImportResult:
    """Create and update customers and their contacts from an xlsx file (bytes, path or file object).

    Rows whose code exists update that customer (`customer_update`, contacts matched by name via
    `contact_save`); other rows create one (`customer_create`). Grade, credit, status and owner of an
    existing customer are only compared. Runs in one transaction, rolled back on a dry run or on
    any error. Raises PermissionDenied without `customers.import_customers`.
    """
    require_perm(actor, "customers.import_customers")
    result = ImportResult(dry_run=dry_run)
    book = read_import(file, result)
    if book is None:
        return result
    with transaction.atomic():
        _Importer(actor=actor, result=result).run(book)
        if dry_run or result.errors:
            transaction.set_rollback(True)
    return result
