"""The audit trail: services call `audit_record` inside their transaction."""

import datetime
import decimal
import hashlib
import json
import zlib

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models

from depot.core.models import AuditEntry

ACTION_CREATE = "create"
ACTION_UPDATE = "update"
ACTION_DELETE = "delete"
HIDDEN = "（已加密，不显示）"


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in sorted(value, key=str)] if isinstance(value, set | frozenset) else [
            _plain(v) for v in value
        ]
    if hasattr(value, "all"):  # a related manager: its members
        return sorted(str(v) for v in value.all())
    return str(value)


def snapshot(obj: models.Model, fields) -> dict:
    """The audited values of `obj`, as JSON-ready data. FKs are read as their display string."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict | None, after: dict | None, *, sensitive=()) -> dict:
    before, after = before or {}, after or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [HIDDEN, HIDDEN] if name in sensitive else [old, new]
    return changes


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """The hash of `entry` chained to `prev_hash` (also used by bulk loaders that write entries directly)."""
    payload = json.dumps(
        [prev_hash, entry.at.isoformat(), entry.actor_id, entry.content_type_id, entry.object_id,
         entry.action, entry.changes, entry.note],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def audit_record(*, actor, obj: models.Model, action: str, before: dict | None = None,
                 after: dict | None = None, note: str = "", sensitive=(), force: bool = False,
                 new_object: bool = False) -> AuditEntry | None:
    """Append one entry for `obj`. Returns None when nothing changed (unless `force`).

    Takes a transaction-scoped advisory lock on the object so that two writers append to its
    hash chain one after the other. `new_object`: `obj` was inserted by the caller's transaction
    (with a new, never used primary key), so its chain is empty and invisible to everyone else —
    no lock and no read of the previous entry are needed.
    """
    changes = diff(before, after, sensitive=sensitive)
    if not changes and not force and action == ACTION_UPDATE:
        return None
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    object_id = str(obj.pk)
    last = None
    if not new_object:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                        [ct.pk, zlib.crc32(object_id.encode()) - 2**31])
        last = (AuditEntry.objects.filter(content_type=ct, object_id=object_id)
                .order_by("-id").values_list("hash", flat=True).first())
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(actor.get_username() if getattr(actor, "pk", None) else "系统"),
        content_type=ct, object_id=object_id, object_repr=str(obj)[:200], action=action,
        changes=changes, note=note, prev_hash=last or "",
    )
    entry.hash = entry_hash(entry.prev_hash, entry)
    entry.save()
    return entry


def audit_history(obj: models.Model):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")


def audit_verify(*, using: str = "default") -> list[str]:
    """Recompute every chain; return a description of each broken link (empty when intact).
    `using`: the database alias to read (a restored copy is checked before it is swapped in)."""
    problems = []
    last_by_object: dict[tuple, str] = {}
    for entry in AuditEntry.objects.using(using).order_by("id").iterator(chunk_size=2000):
        key = (entry.content_type_id, entry.object_id)
        expected_prev = last_by_object.get(key, "")
        if entry.prev_hash != expected_prev:
            problems.append(f"audit entry {entry.pk}: chain broken (an earlier entry is missing)")
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            problems.append(f"audit entry {entry.pk}: content does not match its hash")
        last_by_object[key] = entry.hash
    return problems
