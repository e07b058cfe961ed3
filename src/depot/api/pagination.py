"""Cursor pagination over a stable key (keyset pagination): a page is the rows after the last
key of the previous page, so rows inserted or updated meanwhile never shift a page. The cursor is
opaque to clients (signed, so a tampered one is refused rather than misread)."""

import datetime

from django.core import signing
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from depot.api.errors import BadCursor

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_SALT = "depot.api.cursor"


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def encode_cursor(kind: str, values: tuple) -> str:
    return signing.dumps([kind, *[_plain(v) for v in values]], salt=_SALT, compress=True)


def decode_cursor(cursor: str, kind: str, keys: tuple[str, ...]) -> tuple:
    try:
        data = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadCursor() from None
    if not isinstance(data, list) or len(data) != len(keys) + 1 or data[0] != kind:
        raise BadCursor()
    values = []
    for key, value in zip(keys, data[1:], strict=True):
        if key.endswith("_at"):
            value = parse_datetime(value) if isinstance(value, str) else None
            if value is None:
                raise BadCursor()
        elif not isinstance(value, int | str):
            raise BadCursor()
        values.append(value)
    return tuple(values)


def _after(keys: tuple[str, ...], values: tuple) -> Q:
    """Rows whose (k1, k2, …) is greater than `values` in lexicographic order."""
    cond = Q()
    for i in range(len(keys) - 1, -1, -1):
        here = Q(**{f"{keys[i]}__gt": values[i]})
        cond = here if i == len(keys) - 1 else here | (Q(**{keys[i]: values[i]}) & cond)
    return cond


def paginate(qs, *, kind: str, keys: tuple[str, ...], cursor: str | None, limit: int | None,
             value_of=None) -> tuple[list, str | None]:
    """The rows of `qs` after `cursor`, ordered by `keys` (ascending, the last one unique), at most
    `limit`; and the cursor of the next page (None on the last page). `value_of(row, key)` reads a
    key from a row (attribute access by default; dicts work too)."""
    limit = min(max(limit or DEFAULT_LIMIT, 1), MAX_LIMIT)
    if cursor:
        qs = qs.filter(_after(keys, decode_cursor(cursor, kind, keys)))
    rows = list(qs.order_by(*keys)[:limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    read = value_of or (lambda row, key: row[key] if isinstance(row, dict) else getattr(row, key.replace("__", "_")))
    last = rows[-1]
    return rows, encode_cursor(kind, tuple(read(last, key) for key in keys))
