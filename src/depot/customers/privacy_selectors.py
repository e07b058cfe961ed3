"""Reads for personal-information requests: the request lists, and every record Depot holds about
the person a request concerns (see docs/decisions/privacy-requests.md for the inventory).

A person is found by what identifies them: the contact named on the request, every other contact
with the same phone number or email (the same person recorded for a second customer), and the
outbound orders whose consignee phone is that number. Phones are compared in their E.164 form
(`validators.phone_search_key`), the way the customer search finds them.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from depot.core import crypto
from depot.core.errors import NotFound
from depot.customers.choices import PrivacyRequestState
from depot.customers.models import Consent, Contact
from depot.customers.models_privacy import PrivacyRequest
from depot.customers.validators import phone_search_key


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:  # the app is not installed
        return None


def privacy_request_list(*, user) -> QuerySet[PrivacyRequest]:
    if not (user and user.is_active and user.is_staff and user.has_perm("customers.view_privacyrequest")):
        return PrivacyRequest.objects.none()
    return PrivacyRequest.objects.select_related("contact__customer", "handled_by")


def privacy_request_get(*, user, pk) -> PrivacyRequest:
    try:
        return privacy_request_list(user=user).get(pk=pk)
    except (PrivacyRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def privacy_requests_overdue(qs: QuerySet[PrivacyRequest], *, now=None) -> QuerySet[PrivacyRequest]:
    """Requests still unanswered after their deadline."""
    return qs.filter(state=PrivacyRequestState.RECEIVED, due_at__lt=now or timezone.now())


@dataclass
class SubjectKeys:
    """What identifies the person: phones in E.164 form, emails in lower case, names as written."""

    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)


@dataclass
class SubjectRecords:
    keys: SubjectKeys
    contacts: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    inquiries: list = field(default_factory=list)
    complaints: list = field(default_factory=list)
    followups: list = field(default_factory=list)
    care_tasks: list = field(default_factory=list)
    survey_responses: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    portal_accounts: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.contacts or self.orders or self.notifications or self.portal_accounts)


def _add_contact_keys(keys: SubjectKeys, contact: Contact) -> None:
    phone = phone_search_key(contact.phone) if contact.phone else None
    if phone:
        keys.phones.add(phone)
    if contact.email:
        keys.emails.add(contact.email.lower())
    if contact.name:
        keys.names.add(contact.name)


def subject_contacts(*, contact: Contact | None = None, phone: str = "", email: str = "") -> tuple[list, SubjectKeys]:
    """The contacts that are this person and the keys that identify them."""
    keys = SubjectKeys()
    if phone and (key := phone_search_key(phone)):
        keys.phones.add(key)
    if email:
        keys.emails.add(email.strip().lower())
    if contact is not None:
        _add_contact_keys(keys, contact)
    cond = Q(pk=contact.pk) if contact is not None else Q(pk__in=[])
    if keys.phones:
        cond |= Q(phone_index__in=[crypto.blind_index(p) for p in keys.phones])
    if keys.emails:
        cond |= Q(email_index__in=[crypto.blind_index(e) for e in keys.emails])
    contacts = list(Contact.objects.filter(cond).select_related("customer").order_by("pk"))
    for c in contacts:
        _add_contact_keys(keys, c)
    return contacts, keys


def orders_for_phones(phones: set[str]) -> list:
    """Outbound orders whose consignee phone is one of `phones` (E.164), found by the orders'
    blind index of the consignee phone."""
    OutboundOrder = _model("orders.OutboundOrder")
    if OutboundOrder is None or not phones:
        return []
    indexes = [crypto.blind_index(p) for p in phones]
    return list(OutboundOrder.objects.filter(consignee_phone_index__in=indexes).select_related("customer")
                .order_by("created_at", "pk"))


def _by_contacts(label: str, contact_ids: list[int], *, related=("customer",), field_name: str = "contact_id"):
    model = _model(label)
    if model is None or not contact_ids:
        return []
    return list(model.objects.filter(**{f"{field_name}__in": contact_ids}).select_related(*related).order_by("pk"))


def _notifications(keys: SubjectKeys, customer_ids: set[int]) -> list:
    Notification = _model("notifications.Notification")
    if Notification is None or not keys.emails:
        return []
    qs = Notification.objects.filter(channel="email")
    if customer_ids:
        qs = qs.filter(Q(customer_id__in=customer_ids) | Q(customer__isnull=True))
    else:
        qs = qs.filter(customer__isnull=True)
    return [n for n in qs.order_by("pk") if (n.recipient or "").lower() in keys.emails]


def _portal_accounts(keys: SubjectKeys) -> list:
    PortalAccount = _model("portal.PortalAccount")
    if PortalAccount is None or not keys.emails:
        return []
    cond = Q()
    for email in keys.emails:
        cond |= Q(user__email__iexact=email)
    return list(PortalAccount.objects.filter(cond).select_related("user", "customer").order_by("pk"))


def subject_records(*, request: PrivacyRequest) -> SubjectRecords:
    """Everything Depot holds about the person of `request`."""
    contacts, keys = subject_contacts(contact=request.contact, phone=request.subject_phone,
                                      email=request.subject_email)
    if request.subject_name:
        keys.names.add(request.subject_name)
    ids = [c.pk for c in contacts]
    records = SubjectRecords(keys=keys, contacts=contacts)
    records.consents = list(Consent.objects.filter(contact_id__in=ids).select_related("customer").order_by("pk"))
    records.orders = orders_for_phones(keys.phones)
    records.inquiries = _by_contacts("service.Inquiry", ids)
    records.complaints = _by_contacts("service.Complaint", ids)
    records.followups = _by_contacts("followups.FollowUp", ids)
    records.care_tasks = _by_contacts("followups.CareTask", ids)
    records.survey_responses = _by_contacts("surveys.Response", ids, related=("customer", "campaign"),
                                            field_name="invitation__contact_id")
    records.notifications = _notifications(keys, {c.customer_id for c in contacts})
    records.portal_accounts = _portal_accounts(keys)
    return records


def privacy_request_tasks(*, user, team: bool = False) -> list:
    """"我的待办" of a supervisor: the requests still to answer, each by its deadline. They belong
    to whoever may answer them, so the own and the team view list the same."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from depot.core.worklist import Task

    now = timezone.now()
    open_requests = privacy_request_list(user=user).filter(state=PrivacyRequestState.RECEIVED).order_by("due_at")
    return [
        Task(kind=_("个人信息请求"), title=f"{r} {r.get_kind_display()}", due=r.due_at, overdue=r.due_at < now,
             url=reverse("admin:customers_privacyrequest_change", args=[r.pk]),
             customer=str(r.contact.customer) if r.contact_id else "")
        for r in open_requests[:100]
    ]
