"""The filters of the long back-office lists: the same choices and rows as Django's own filters,
found through indexes."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from depot.core.db import distinct_values
from depot.core.models import AuditEntry


def _entry(action: str, at: datetime.datetime, actor=None) -> AuditEntry:
    from django.contrib.contenttypes.models import ContentType

    return AuditEntry.objects.create(at=at, actor=actor, action=action, object_id="1", object_repr="x",
                                     content_type=ContentType.objects.get_for_model(get_user_model()), hash="h")


def test_distinct_values_are_what_select_distinct_gives(db):
    now = timezone.now()
    for n, action in enumerate(["update", "create", "update", "close", "create", "approve"]):
        _entry(action, now - datetime.timedelta(minutes=n))

    expected = list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
    assert distinct_values(AuditEntry, "action") == expected == ["approve", "close", "create", "update"]


def test_distinct_values_of_an_empty_table_or_a_column_of_nulls(db):
    assert distinct_values(AuditEntry, "action") == []
    _entry("create", timezone.now(), actor=None)
    assert distinct_values(AuditEntry, "actor") == []


@pytest.fixture
def entries(db):
    tz = timezone.get_current_timezone()
    days = {
        "before": datetime.datetime(2026, 3, 9, 23, 59, tzinfo=tz),
        "first_morning": datetime.datetime(2026, 3, 10, 0, 0, tzinfo=tz),
        "last_night": datetime.datetime(2026, 3, 12, 23, 59, tzinfo=tz),
        "after": datetime.datetime(2026, 3, 13, 0, 0, tzinfo=tz),
    }
    return {name: _entry(name, at) for name, at in days.items()}


def test_the_day_range_includes_both_days_in_local_time(admin_client, entries):
    response = admin_client.get("/admin/core/auditentry/", {"at_from": "2026-03-10", "at_to": "2026-03-12"})

    assert response.status_code == 200
    shown = {entry.action for entry in response.context["cl"].result_list}
    assert shown == {"first_morning", "last_night"}


def test_an_open_ended_day_range_and_a_malformed_day(admin_client, entries):
    since = admin_client.get("/admin/core/auditentry/", {"at_from": "2026-03-12"})
    assert {e.action for e in since.context["cl"].result_list} == {"last_night", "after"}

    wrong = admin_client.get("/admin/core/auditentry/", {"at_from": "2026-13-45"})
    assert wrong.status_code == 200
    assert list(wrong.context["cl"].result_list) == []


def test_the_audit_filters_offer_what_occurs(admin_client, admin_user, entries):
    _entry("approve", timezone.now(), actor=admin_user)

    response = admin_client.get("/admin/core/auditentry/")

    filters = {spec.title: spec for spec in response.context["cl"].filter_specs}
    actions = {value for value, _label in filters["动作"].lookup_choices}
    assert actions == {"before", "first_morning", "last_night", "after", "approve"}
    actors = [label for _pk, label in filters["操作人"].lookup_choices]
    assert actors == [str(admin_user)]
