import pytest
from django.db import DatabaseError, connection, transaction

from depot.core.audit import HIDDEN, audit_history, audit_record, audit_verify, diff, snapshot
from depot.core.models import AuditEntry
from depot.customers import services


@pytest.fixture
def history(specialist, make_customer):
    """A few customers with several entries each."""
    first = make_customer(specialist)
    second = make_customer(specialist)
    for n in range(3):
        services.customer_update(actor=specialist, customer=first, data={"notes": f"第{n}次回访"})
    services.customer_update(actor=specialist, customer=second, data={"industry": "食品"})
    return first, second


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_the_chain_is_intact_after_several_writes(history):
    first, _second = history

    assert AuditEntry.objects.count() == 6
    assert audit_verify() == []
    entries = list(audit_history(first).order_by("id"))
    assert entries[0].prev_hash == ""
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]


def test_an_entry_records_who_did_it(history, specialist):
    first, _second = history

    entry = audit_history(first).first()
    assert (entry.actor, entry.actor_label, entry.action) == (specialist, "zhang.cs", "update")
    assert entry.changes == {"notes": ["第1次回访", "第2次回访"]}


def test_a_write_by_the_system_is_labelled_as_such(history):
    first, _second = history

    entry = audit_record(actor=None, obj=first, action="update", before={"a": 1}, after={"a": 2})

    assert (entry.actor, entry.actor_label) == (None, "系统")
    assert audit_verify() == []


def test_an_update_without_differences_is_not_recorded_unless_forced(history):
    first, _second = history
    count = AuditEntry.objects.count()

    assert audit_record(actor=None, obj=first, action="update", before={"a": 1}, after={"a": 1}) is None
    assert audit_record(actor=None, obj=first, action="update", force=True, note="手工核对") is not None
    assert AuditEntry.objects.count() == count + 1


def test_sensitive_fields_are_recorded_as_changed_but_without_values():
    assert diff({"phone": "13900000001", "name": "陈"}, {"phone": "13900000002", "name": "陈"},
                sensitive={"phone"}) == {"phone": [HIDDEN, HIDDEN]}


def test_a_snapshot_reads_related_objects_as_text(history):
    first, _second = history

    assert snapshot(first, ["owner", "credit_limit", "tags"]) == {
        "owner": "zhang.cs", "credit_limit": "0", "tags": [],
    }


@pytest.mark.parametrize("sql", [
    "UPDATE core_auditentry SET note = 'edited'",
    "DELETE FROM core_auditentry",
])
def test_the_database_refuses_to_change_or_delete_an_entry(history, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw(sql)

    assert AuditEntry.objects.count() == 6
    assert not AuditEntry.objects.filter(note="edited").exists()


def test_an_entry_changed_behind_the_applications_back_is_reported(history):
    first, _second = history
    entry = audit_history(first).order_by("id")[1]
    _raw("DROP TRIGGER core_auditentry_append_only ON core_auditentry")  # rolled back with the test
    _raw("""UPDATE core_auditentry SET changes = '{"notes": ["", "改过的内容"]}' WHERE id = %s""", [entry.pk])

    problems = audit_verify()

    assert problems == [f"audit entry {entry.pk}: content does not match its hash"]


def test_an_entry_deleted_behind_the_applications_back_is_reported(history):
    first, _second = history
    entries = list(audit_history(first).order_by("id"))
    _raw("DROP TRIGGER core_auditentry_append_only ON core_auditentry")
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])

    problems = audit_verify()

    assert problems == [f"audit entry {entries[2].pk}: chain broken (an earlier entry is missing)"]


def test_the_entry_of_an_object_created_in_the_transaction_starts_its_chain_without_the_chain_lock(
        specialist, django_assert_num_queries):
    from django.contrib.auth.models import Group

    from depot.core.audit import ACTION_CREATE, ACTION_UPDATE

    group = Group.objects.create(name="审计测试组")
    audit_record(actor=specialist, obj=group, action=ACTION_CREATE, after={"name": group.name})  # type cached

    other = Group.objects.create(name="新建的组")
    with django_assert_num_queries(1):  # the insert only
        entry = audit_record(actor=specialist, obj=other, action=ACTION_CREATE, after={"name": other.name},
                             new_object=True)
    later = audit_record(actor=specialist, obj=other, action=ACTION_UPDATE, before={"name": other.name},
                         after={"name": "改名的组"})

    assert entry.prev_hash == "" and later.prev_hash == entry.hash
    assert audit_verify() == []
