"""Reads of the CRM sync: what to send (records changed since a cursor, plus those waiting for a
retry), whose data may go to which CRM, and the run log for the back office."""

from django.apps import apps
from django.db.models import Q, QuerySet

from depot.crm.choices import LinkState
from depot.crm.models import ExternalLink, SyncRun
from depot.customers.choices import ConsentPurpose
from depot.customers.models import Contact, Customer
from depot.orders.models import OutboundOrder


def consent_for(*, customer: Customer, recipient_names) -> bool:
    """PIPL art. 23: a customer's data goes to a CRM only with a consent in force to share it with
    third parties — one naming this CRM as recipient, or one without a recipient (any third
    party). A consent naming another CRM does not count."""
    names = {n.casefold() for n in recipient_names}
    for consent in customer.consents.filter(purpose=ConsentPurpose.THIRD_PARTY, granted=True,
                                            withdrawn_at__isnull=True):
        recipient = consent.recipient.strip().casefold()
        if not recipient or recipient in names or any(n in recipient for n in names):
            return True
    return False


def pending_ids(*, connector: str, kind: str) -> list[int]:
    return list(ExternalLink.objects.filter(connector=connector, object=kind)
                .exclude(state=LinkState.SYNCED).values_list("local_id", flat=True))


def complaint_model():
    try:
        return apps.get_model("service", "Complaint")
    except LookupError:
        return None


def candidates(*, kind: str, cursor, retry_ids) -> QuerySet:
    """The records of `kind` to look at: changed at or after `cursor` (all when None) or waiting
    for a retry. Contacts have no change time: all are compared with what was last sent."""
    if kind == "account":
        qs, changed = Customer.objects.all(), "updated_at"
    elif kind == "contact":
        return Contact.objects.select_related("customer").order_by("pk")
    elif kind == "sales_order":
        qs, changed = (OutboundOrder.objects.select_related("customer")
                       .prefetch_related("lines__item")), "updated_at"
    elif kind == "case":
        model = complaint_model()
        if model is None:
            return Customer.objects.none()
        qs, changed = model.objects.select_related("customer"), "updated_at"
    else:
        raise ValueError(kind)
    if cursor is not None:
        qs = qs.filter(Q(**{f"{changed}__gte": cursor}) | Q(pk__in=retry_ids))
    return qs.order_by("pk")


def sync_run_list(*, user) -> QuerySet[SyncRun]:
    if not (user and user.is_active and user.has_perm("crm.view_syncrun")):
        return SyncRun.objects.none()
    return SyncRun.objects.all()
