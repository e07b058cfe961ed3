"""The back office on the generated data set: how long its busiest pages take to build, and how many
statements each issues, for a CS supervisor (who sees every customer). In this process, through
Django's test client: the time is the server's (the view, its queries and the template), not the
network's. No target: the figures show which page grows with the data."""

import statistics
import time

# (name, URL name, query string): the pages a warehouse's CS team opens all day.
PAGES = [
    ("home", "admin:index", {}),
    ("outbound_orders", "admin:orders_outboundorder_changelist", {}),
    ("outbound_allocated", "admin:orders_outboundorder_changelist", {"state__exact": "allocated"}),
    ("outbound_search", "admin:orders_outboundorder_changelist", {"q": "{order}"}),
    ("pick_lists", "admin:orders_picklist_changelist", {}),
    ("stock_moves", "admin:inventory_stockmove_changelist", {}),
    ("stock_moves_kind", "admin:inventory_stockmove_changelist", {"kind__exact": "shipment"}),
    ("reservations", "admin:inventory_reservation_changelist", {}),
    ("stock_by_location", "admin:inventory_balance_changelist", {}),
    ("stock_query", "admin:inventory_stock", {}),
    ("near_expiry", "admin:inventory_near_expiry", {}),
    ("slow_moving", "admin:inventory_slow_moving", {}),
    ("audit_trail", "admin:core_auditentry_changelist", {}),
    ("customers", "admin:customers_customer_changelist", {}),
    ("complaints", "admin:service_complaint_changelist", {}),
    ("kpi_service", "admin:kpi_service", {}),
    ("kpi_staff", "admin:kpi_staff", {}),
    ("analytics_board", "admin:analytics_board", {}),
    ("analytics_value", "admin:analytics_value", {}),
    ("analytics_rfm", "admin:analytics_rfm", {}),
    ("analytics_churn", "admin:analytics_churn", {}),
    ("analytics_volume", "admin:analytics_volume", {}),
]


def _client():
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench.supervisor"))
    return client


def run_pages(*, repeats: int = 5) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from depot.orders.models import OutboundOrder

    client = _client()
    some_order = OutboundOrder.objects.order_by("pk").values_list("number", flat=True).first() or ""
    pages: dict = {}
    for name, url_name, query in PAGES:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        query = {key: value.replace("{order}", some_order) for key, value in query.items()}
        client.get(url, query)  # warm: templates, content types, permissions
        times, statements, status = [], 0, None
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(url, query)
                times.append((time.perf_counter() - began) * 1000)
            statements, status = len(queries.captured_queries), response.status_code
        pages[name] = {"url": url, "query": query, "status": status, "statements": statements,
                       "p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}
    slowest = max(pages.items(), key=lambda pair: pair[1]["p50_ms"], default=(None, {}))
    return {"pages": pages, "repeats": repeats, "slowest": slowest[0], "slowest_p50_ms": slowest[1].get("p50_ms"),
            "failed": sorted(name for name, page in pages.items() if page["status"] != 200)}
