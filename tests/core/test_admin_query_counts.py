"""Every list page of the back office issues as many queries for a page of one row as for a page of
a hundred: nothing is read per row. Walked over every registered model admin, on the demo data."""

from collections import Counter

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)


def _queries(client, url: str, model_admin, per_page: int) -> tuple[int, list[str]]:
    original = model_admin.list_per_page
    model_admin.list_per_page = per_page
    try:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
    finally:
        model_admin.list_per_page = original
    if response.status_code == 302:
        pytest.skip(f"{url} leads to another page")
    assert response.status_code == 200, url
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=[m._meta.label for m, _a in MODEL_ADMINS])
def test_a_list_page_reads_nothing_per_row(db, client, demo, model, model_admin):
    admin_user = demo["admin"]
    rows = model_admin.get_queryset(_request(admin_user)).count()
    if rows < 2:
        pytest.skip(f"the demo has {rows} row(s) of {model._meta.label}")
    client.force_login(admin_user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    _queries(client, url, model_admin, 100)  # caches warmed (content types, permissions, session)

    one, _sql = _queries(client, url, model_admin, 1)
    many, sql = _queries(client, url, model_admin, 100)

    repeated = Counter(q[:160] for q in sql).most_common(3)
    assert many == one, f"{many - one} more queries for more rows; most repeated: {repeated}"


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
