"""Per-token rate limit: a fixed window of one minute, shared by every web process through an
UNLOGGED PostgreSQL table (`api_ratecounter`), written in batches rather than once per request.

Each process counts a token's requests in memory and adds them to the shared row when it has
`batch` of them, when a second has passed, or — close to the limit — at every request; the
UPSERT returns the window's total so far. A request is refused (429) when that total plus the
process's unflushed requests exceeds the limit. The count can therefore run short by the requests
not yet flushed, fewer than `batch` per process. See docs/decisions/api-tokens.md.
"""

import datetime
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from ninja.throttling import BaseThrottle

WINDOW_SECONDS = 60
DEFAULT_LIMIT = 600
FLUSH_SECONDS = 1.0

_UPSERT = """
INSERT INTO api_ratecounter (token_id, window_start, hits) VALUES (%s, %s, %s)
ON CONFLICT (token_id, window_start) DO UPDATE SET hits = api_ratecounter.hits + EXCLUDED.hits
RETURNING hits
"""


def default_limit() -> int:
    return int(getattr(settings, "DEPOT_API_RATE_LIMIT", DEFAULT_LIMIT))


def batch_size(limit: int) -> int:
    return max(1, limit // 50)


@dataclass
class _Window:
    start: int
    pending: int = 0
    known: int = 0
    flushed_at: float = 0.0


class FixedWindowLimiter:
    """One per process (module-level `limiter`); tests make several to play several processes."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[int, _Window] = {}
        self._swept_at = 0

    def hit(self, token_id: int, limit: int) -> tuple[bool, int]:
        """Count one request; returns (allowed, seconds until the window ends)."""
        now = self.clock()
        start = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        retry_after = max(1, int(start + WINDOW_SECONDS - now + 0.999))
        with self._lock:
            window = self._windows.get(token_id)
            if window is None or window.start != start:
                window = self._windows[token_id] = _Window(start=start)
            window.pending += 1
            estimate = window.known + window.pending
            flush = (window.pending >= batch_size(limit) or now - window.flushed_at >= FLUSH_SECONDS
                     or estimate >= limit - max(batch_size(limit), limit // 5))
            n = window.pending if flush else 0
            if flush:
                window.pending = 0
        if not flush:
            return estimate <= limit, retry_after
        total = self._add(token_id, start, n)
        with self._lock:
            window.known = max(window.known, total)
            window.flushed_at = now
            estimate = window.known + window.pending
        self._sweep(start)
        return estimate <= limit, retry_after

    def _add(self, token_id: int, start: int, n: int) -> int:
        at = datetime.datetime.fromtimestamp(start, tz=datetime.UTC)
        with connection.cursor() as cur:
            cur.execute(_UPSERT, [token_id, at, n])
            return cur.fetchone()[0]

    def _sweep(self, start: int) -> None:
        """Drop finished windows, at most once a minute per process."""
        if self._swept_at >= start:
            return
        self._swept_at = start
        at = datetime.datetime.fromtimestamp(start - WINDOW_SECONDS, tz=datetime.UTC)
        with connection.cursor() as cur:
            cur.execute("DELETE FROM api_ratecounter WHERE window_start < %s", [at])
        with self._lock:
            for token_id in [t for t, w in self._windows.items() if w.start < start]:
                del self._windows[token_id]

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._swept_at = 0


limiter = FixedWindowLimiter()


class TokenRateThrottle(BaseThrottle):
    """Ninja throttle over `limiter`, keyed by the authenticated token."""

    def __init__(self):
        self._wait = None

    def allow_request(self, request) -> bool:
        principal = getattr(request, "auth", None)
        if principal is None:
            return True
        token = principal.token
        allowed, retry_after = limiter.hit(token.pk, token.rate_limit or default_limit())
        # Shared by concurrent requests: the wait read back may be another request's, which ends
        # with the same window.
        self._wait = retry_after
        return allowed

    def wait(self):
        return self._wait
