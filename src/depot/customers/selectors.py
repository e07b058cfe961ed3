"""Reads of the customer archive. Scoping by user lives here, not in the views.

- Users with `customers.view_all_customers` (supervisors, admins, warehouse keepers) see every
  customer; other staff (CS specialists) see the customers they are responsible for.
- Personal data of contacts is shown only to users with `customers.view_contact_pii`; everyone
  else gets masked values (138****5678).
"""

import difflib
import re

from django.db.models import Exists, OuterRef, Q, QuerySet

from depot.core import crypto
from depot.core.errors import NotFound
from depot.core.masking import mask_email, mask_phone, mask_text
from depot.customers.models import Contact, Customer
from depot.customers.validators import email_blind_index, phone_search_key


def sees_all_customers(user) -> bool:
    return bool(user and user.is_active and user.has_perm("customers.view_all_customers"))


def can_view_pii(user) -> bool:
    return bool(user and user.is_active and user.has_perm("customers.view_contact_pii"))


def customer_list(*, user) -> QuerySet[Customer]:
    if not (user and user.is_active and user.has_perm("customers.view_customer")):
        return Customer.objects.none()
    qs = Customer.objects.all()
    if not user.is_staff:
        return qs.filter(_portal_scope(user))
    if not sees_all_customers(user):
        qs = qs.filter(owner=user)
    return qs


def all_customers_visible(user) -> bool:
    """Whether `customer_list(user=user)` is every customer there is (a back-office user who sees all)."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("customers.view_customer")
                and sees_all_customers(user))


def within_customers(qs: QuerySet, *, user, field: str = "customer") -> QuerySet:
    """`qs` narrowed to the rows whose `field` (a path to a customer, such as `balance__item__owner`)
    is a customer the user may see. A staff user who sees every customer gets `qs` itself (less the
    rows without a customer, where the path allows them): no subquery of all customers, so that
    the database can walk the table's own indexes to order, count and limit a long list."""
    if all_customers_visible(user):
        return qs.filter(**{f"{field}__isnull": False}) if _nullable(qs.model, field) else qs
    return qs.filter(**{f"{field}__in": customer_list(user=user)})


def _nullable(model, path: str) -> bool:
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.null:
            return True
        model = field.related_model
    return False


def _portal_scope(user) -> Q:
    """For a non-staff user (a portal login or an API technical user): a user with a portal
    account sees only the customer of that account while it is active, whatever its permissions;
    others as usual. Part of the same query, so no extra round trip."""
    from depot.portal.models import PortalAccount

    accounts = PortalAccount.objects.filter(user_id=user.pk)
    own = Exists(accounts.filter(customer_id=OuterRef("pk"), is_active=True))
    usual = Q() if sees_all_customers(user) else Q(owner=user)
    return own | (usual & ~Exists(accounts))


def customer_get(*, user, pk) -> Customer:
    try:
        return customer_list(user=user).get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def customer_search(*, user, query: str, qs: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """Customers matching `query` by name, short name, code, credit code, pinyin initials
    (`hsd` finds 华盛达物流) or the exact phone number / email of one of their contacts."""
    qs = customer_list(user=user) if qs is None else qs
    query = (query or "").strip()
    if not query:
        return qs
    cond = (
        Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__iexact=query)
        | Q(credit_code__iexact=query.upper())
    )
    if re.fullmatch(r"[A-Za-z0-9]+", query):
        cond |= Q(pinyin__icontains=query.lower()) | Q(code__istartswith=query)
    phone = phone_search_key(query) if re.fullmatch(r"[\d\s\-+()转ext.]{5,}", query) else None
    if phone:
        cond |= Q(contacts__phone_index=crypto.blind_index(phone))
    if "@" in query:
        cond |= Q(contacts__email_index=email_blind_index(query))
    return qs.filter(cond).distinct()


def _core_name(name: str) -> str:
    name = re.sub(r"[（(].*?[)）]", "", name or "")
    for word in ("股份有限公司", "有限责任公司", "有限公司", "分公司", "集团", "公司"):
        name = name.replace(word, "")
    return name.strip()


def customer_similar_names(*, name: str, exclude_pk=None, threshold: float = 0.8, limit: int = 5) -> list[Customer]:
    """Existing customers whose name, stripped of legal-form words, is very close to `name`."""
    core = _core_name(name)
    if len(core) < 2:
        return []
    candidates = Customer.objects.exclude(pk=exclude_pk).filter(
        Q(name__contains=core[:2]) | Q(name__contains=core[-2:])
    ).only("pk", "code", "name", "short_name")[:500]
    scored = []
    for c in candidates:
        ratio = difflib.SequenceMatcher(None, core, _core_name(c.name)).ratio()
        if ratio >= threshold:
            scored.append((ratio, c))
    scored.sort(key=lambda t: -t[0])
    return [c for _r, c in scored[:limit]]


def customer_by_credit_code(*, credit_code: str, exclude_pk=None) -> Customer | None:
    if not credit_code:
        return None
    return Customer.objects.exclude(pk=exclude_pk).filter(credit_code=credit_code).first()


def contact_display(*, user, contact: Contact) -> dict:
    """A contact's fields as the user may see them (masked without the PII permission)."""
    data = {
        "name": contact.name, "title": contact.title, "preferred_channel": contact.get_preferred_channel_display(),
        "is_primary": contact.is_primary,
    }
    if can_view_pii(user):
        data.update(
            phone=contact.phone, email=contact.email, wechat=contact.wechat, qq=contact.qq,
            birthday=contact.birthday.isoformat() if contact.birthday else "", id_number=contact.id_number,
        )
    else:
        data.update(
            phone=mask_phone(contact.phone), email=mask_email(contact.email), wechat=mask_text(contact.wechat),
            qq=mask_text(contact.qq), birthday=mask_text(contact.birthday), id_number=mask_text(contact.id_number),
        )
    return data


def primary_contact(customer: Customer) -> Contact | None:
    """The primary contact, else the first one entered (contacts are ordered primary first)."""
    return customer.contacts.first()
