"""`Idempotency-Key` for write endpoints whose records keep no key of their own (complaints): the
first request with a key creates the record and remembers it in the same transaction; the same
key with the same body answers with that record; with another body it is 409 and nothing changes.
Keys are per customer and operation."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Header

from depot.api.models import IdempotencyRecord
from depot.core.errors import ValidationFailed
from depot.orders.errors import IdempotencyConflict

HEADER = Header(None, alias="Idempotency-Key", description=gettext_lazy(
    "幂等键（最长100个字符）：同一客户用同一个键重复提交相同内容只建一条记录，返回原记录；内容不同返回409"))


def clean_key(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > 100 or not value.isprintable() or not value.isascii():
        raise ValidationFailed(details={"Idempotency-Key": [_("幂等键须为不超过100个字符的可打印ASCII字符")]})
    return value


def fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _replayed(*, customer, operation: str, key: str, request_hash: str) -> str | None:
    record = IdempotencyRecord.objects.filter(customer=customer, operation=operation, key=key).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        message = _("幂等键“%(key)s”已用于内容不同的请求（%(result)s）") % {"key": key, "result": record.result}
        raise IdempotencyConflict(message, order=None, field="Idempotency-Key")
    return record.result


def run_once(*, customer, operation: str, key: str, body: dict, create) -> tuple[str, bool]:
    """`create()` (which returns the new record's code) at most once per key: returns (code,
    created). Without a key it simply runs. Raises IdempotencyConflict for the same key with
    another body; two concurrent first requests create one record (the loser answers as a replay)."""
    if not key:
        return create(), True
    request_hash = fingerprint(body)
    existing = _replayed(customer=customer, operation=operation, key=key, request_hash=request_hash)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            result = create()
            IdempotencyRecord.objects.create(customer=customer, operation=operation, key=key,
                                             request_hash=request_hash, result=result)
    except IntegrityError:
        existing = _replayed(customer=customer, operation=operation, key=key, request_hash=request_hash)
        if existing is None:
            raise
        return existing, False
    return result, True
