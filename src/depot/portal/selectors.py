"""Reads for the customer portal. The customer is always the one of the logged-in user's portal
account, never a value from the request; every query goes through the owning app's selectors
(which `customers.selectors.customer_list` pins to that customer) and is filtered to it again."""

import datetime
import importlib
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from depot.core.errors import NotFound, PermissionDenied
from depot.customers.models import Customer
from depot.inventory import selectors as stock
from depot.orders.choices import OUTBOUND_ENDED_STATES, OutboundState
from depot.orders.models import InboundOrder, OutboundOrder
from depot.orders.selectors import inbound_list, order_timeline, outbound_list
from depot.portal.models import PortalAccount

OPEN_ORDER_EXCLUDED = OUTBOUND_ENDED_STATES | {OutboundState.SHIPPED, OutboundState.DELIVERED,
                                               OutboundState.CONFIRMED}
RECEIPT_STATES = (OutboundState.SHIPPED, OutboundState.DELIVERED)
EXPIRY_DAYS = 60


def portal_account_for(user) -> PortalAccount | None:
    """The active portal account of an active, non-staff user; None for anyone else."""
    if not (user and user.is_authenticated and user.is_active) or user.is_staff:
        return None
    cached = getattr(user, "_depot_portal_account", False)
    if cached is not False:
        return cached
    account = PortalAccount.objects.select_related("customer").filter(user=user, is_active=True).first()
    user._depot_portal_account = account
    return account


def portal_customer(*, user) -> Customer:
    account = portal_account_for(user)
    if account is None or not user.has_perm("portal.use_portal"):
        raise PermissionDenied()
    return account.customer


def portal_account_list(*, user) -> QuerySet[PortalAccount]:
    """Portal accounts for the back office: every one for holders of
    `portal.manage_all_portalaccounts`, else those of the customers the user is responsible for."""
    from depot.portal.services import portal_customers

    if not (user and user.is_active and user.has_perm("portal.view_portalaccount")):
        return PortalAccount.objects.none()
    return (PortalAccount.objects.filter(customer__in=portal_customers(user=user))
            .select_related("user", "customer", "created_by"))


# ---- stock ----------------------------------------------------------------------------------

def stock_value(*, user) -> Decimal:
    customer = portal_customer(user=user)
    value = ExpressionWrapper(F("on_hand") * F("item__unit_value"),
                              output_field=DecimalField(max_digits=18, decimal_places=2))
    total = (stock.stock_by_location(user=user, owner=customer)
             .aggregate(v=Coalesce(Sum(value), Decimal(0), output_field=DecimalField()))["v"])
    return total or Decimal(0)


def _search_items(qs, query: str, prefix: str = ""):
    query = (query or "").strip()
    if not query:
        return qs
    return qs.filter(Q(**{f"{prefix}code__icontains": query}) | Q(**{f"{prefix}name__icontains": query})
                     | Q(**{f"{prefix}barcode__iexact": query}))


def portal_stock(*, user, view: str = "item", query: str = "", within_days: int = EXPIRY_DAYS):
    """The customer's stock as one of the views: by item, by lot, by location or near expiry;
    each row with on hand, reserved and available. `query` filters on item code, name, barcode."""
    customer = portal_customer(user=user)
    if view == "lot":
        return _search_items(stock.stock_by_lot(user=user, owner=customer), query, "item__")
    if view == "location":
        return _search_items(stock.stock_by_location(user=user, owner=customer), query, "item__")
    if view == "expiry":
        return _search_items(stock.stock_expiring(user=user, within_days=within_days, owner=customer), query,
                             "item__")
    return _search_items(stock.stock_by_item(user=user, owner=customer), query)


def portal_items(*, user, query: str = "", limit: int = 20) -> list[dict]:
    """Active items of the customer matching `query`, with what is available now (item search
    of the order form)."""
    customer = portal_customer(user=user)
    qs = _search_items(stock.stock_by_item(user=user, owner=customer).filter(is_active=True), query)
    return [{"code": i.code, "name": i.name, "spec": i.spec, "unit": i.base_unit, "available": i.available}
            for i in qs[:limit]]


# ---- orders ---------------------------------------------------------------------------------

def portal_orders(*, user, state: str = "", query: str = "") -> QuerySet[OutboundOrder]:
    customer = portal_customer(user=user)
    qs = outbound_list(user=user, customer=customer).select_related("warehouse")
    if state == "open":
        qs = qs.exclude(state__in=OPEN_ORDER_EXCLUDED)
    elif state == "receipt":
        qs = qs.filter(state__in=RECEIPT_STATES)
    elif state in OutboundState.values:
        qs = qs.filter(state=state)
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(external_ref__icontains=query)
                       | Q(tracking_number__icontains=query) | Q(consignee_name__icontains=query))
    return qs.order_by("-created_at", "-pk")


def portal_order_get(*, user, number: str) -> OutboundOrder:
    """The customer's order with this number; NotFound for any other (another customer's too)."""
    order = portal_orders(user=user).filter(number=str(number)).first()
    if order is None:
        raise NotFound()
    return order


def portal_order_page(*, user, number: str) -> dict:
    order = portal_order_get(user=user, number=number)
    return {
        "order": order,
        "lines": list(order.lines.select_related("item").order_by("line_no")),
        "timeline": _named(order_timeline(user=user, order=order, for_customer=True), order.customer_id),
        "can_confirm": order.state in RECEIPT_STATES and user.has_perm("orders.confirm_receipt"),
    }


def _named(events, customer_id) -> list:
    """Events with `by`: the name of the customer's own portal user who took the step (staff stay
    unnamed to the customer)."""
    names = dict(PortalAccount.objects.filter(customer_id=customer_id, user_id__in={e.actor_id for e in events})
                 .values_list("user_id", "name"))
    for event in events:
        event.by = names.get(event.actor_id, "")
    return events


def portal_inbounds(*, user) -> QuerySet[InboundOrder]:
    customer = portal_customer(user=user)
    return inbound_list(user=user, customer=customer).select_related("warehouse").order_by("-created_at", "-pk")


def portal_inbound_get(*, user, number: str) -> dict:
    order = portal_inbounds(user=user).filter(number=str(number)).first()
    if order is None:
        raise NotFound()
    return {
        "order": order,
        "lines": list(order.lines.select_related("item").order_by("line_no")),
        "timeline": _named(order_timeline(user=user, order=order, for_customer=True), order.customer_id),
    }


# ---- overview -------------------------------------------------------------------------------

def _optional(module: str, name: str):
    """A function another app provides, or None while that app does not provide it."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def complaints_available() -> bool:
    return all(_optional(m, n) for m, n in (
        ("depot.service.services", "complaint_create"), ("depot.service.services", "complaint_customer_verdict"),
        ("depot.service.selectors", "complaint_list"), ("depot.service.selectors", "complaint_timeline")))


def open_complaints(*, user) -> int | None:
    """The customer's complaints not yet closed; None while complaints are not available."""
    if not complaints_available():
        return None
    from depot.service.choices import COMPLAINT_OPEN_STATES

    return portal_complaints(user=user).filter(state__in=COMPLAINT_OPEN_STATES).count()


def pending_surveys(*, customer) -> list[dict]:
    """Open survey links of the customer's contacts ({title, url, expires_at}) — from
    `depot.surveys.selectors.pending_for_customer` when the surveys app provides it, else none."""
    provider = _optional("depot.surveys.selectors", "pending_for_customer")
    if provider is None:
        return []
    return list(provider(customer=customer))


def portal_overview(*, user, today: datetime.date | None = None) -> dict:
    customer = portal_customer(user=user)
    today = today or timezone.localdate()
    month_start = timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time.min))
    orders = outbound_list(user=user, customer=customer)
    return {
        "customer": customer,
        "stock_value": stock_value(user=user),
        "open_orders": orders.exclude(state__in=OPEN_ORDER_EXCLUDED).count(),
        "shipped_this_month": orders.filter(shipped_at__gte=month_start).count(),
        "awaiting_receipt": orders.filter(state__in=RECEIPT_STATES).count(),
        "open_complaints": open_complaints(user=user),
        "expiring_lots": stock.stock_expiring(user=user, within_days=EXPIRY_DAYS, owner=customer).count(),
        "recent_orders": list(orders.order_by("-created_at", "-pk")[:5]),
        "surveys": pending_surveys(customer=customer),
        "trend": order_trend(customer=customer, today=today),
    }


def order_trend(*, customer, today: datetime.date) -> dict | None:
    """The customer's outbound orders per month over the 12 whole months before this one and last
    month's on-time rate (from the analytics app), each month's bar height in % of the busiest."""
    from django.apps import apps

    if not apps.is_installed("depot.analytics"):
        return None
    from depot.analytics.selectors import customer_overview

    figures = customer_overview(customer=customer, today=today)
    busiest = max((n for _month, n in figures["monthly"]), default=0)
    return {
        "months": [{"month": month, "orders": n, "height": round(100 * n / busiest) if busiest else 0}
                   for month, n in figures["monthly"]],
        "has_data": busiest > 0,
        "on_time_pct": None if figures["on_time_rate"] is None else figures["on_time_rate"] * 100,
    }


# ---- complaints -----------------------------------------------------------------------------

def portal_complaints(*, user):
    from depot.service.selectors import complaint_list

    customer = portal_customer(user=user)
    return complaint_list(user=user).filter(customer=customer).order_by("-received_at", "-pk")


def portal_complaint_page(*, user, code: str) -> dict:
    """The customer's complaint with this code, its steps meant for the customer, and whether it
    waits for the customer's verdict on the answer; NotFound for any other complaint."""
    from depot.service.choices import ComplaintState
    from depot.service.selectors import complaint_timeline

    complaint = portal_complaints(user=user).filter(code=str(code)).first()
    if complaint is None:
        raise NotFound()
    return {
        "complaint": complaint,
        "orders": list(complaint.orders.order_by("number")),
        "timeline": list(complaint_timeline(user=user, complaint=complaint, for_customer=True).order_by("at", "pk")),
        "awaiting_verdict": complaint.state == ComplaintState.ANSWERED,
    }
