"""Per-token rate limit: a fixed window per minute, shared by the web processes through the
database, written in batches rather than once per request."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from depot.api.models import RateCounter
from depot.api.ratelimit import FixedWindowLimiter
from tests.api.conftest import order_body, problem, world_state


class Clock:
    def __init__(self, now=1_000_000_020.0):
        self.now = now

    def __call__(self):
        return self.now


def test_the_request_over_the_limit_gets_429_with_retry_after(as_token, make_token, customer):
    api = as_token(make_token(customer=customer, rate_limit=3))
    assert [api.get("/items").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/items")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert problem(response)["code"] == "rate_limited"


def test_the_limit_is_per_token(as_token, make_token, customer):
    busy = as_token(make_token(customer=customer, rate_limit=2))
    calm = as_token(make_token(customer=customer, rate_limit=2))
    for _ in range(3):
        busy.get("/items")
    assert busy.get("/items").status_code == 429
    assert calm.get("/items").status_code == 200


def test_the_default_limit_comes_from_settings(as_token, customer_token, settings):
    settings.DEPOT_API_RATE_LIMIT = 2
    api = as_token(customer_token)
    assert [api.get("/items").status_code for _ in range(3)] == [200, 200, 429]


def test_two_processes_share_one_count(db):
    clock = Clock()
    first, second = FixedWindowLimiter(clock), FixedWindowLimiter(clock)
    verdicts = [(first if n % 2 else second).hit(7, 10)[0] for n in range(12)]
    assert verdicts == [True] * 10 + [False] * 2


def test_a_new_window_starts_afresh(db):
    clock = Clock()
    limiter = FixedWindowLimiter(clock)
    assert [limiter.hit(7, 2)[0] for _ in range(3)] == [True, True, False]
    clock.now += 60
    assert limiter.hit(7, 2) == (True, 60)


def test_finished_windows_are_swept(db):
    clock = Clock()
    limiter = FixedWindowLimiter(clock)
    limiter.hit(7, 5)
    clock.now += 180
    limiter.hit(7, 5)
    assert list(RateCounter.objects.values_list("hits", flat=True)) == [1]


def test_far_from_the_limit_requests_are_counted_in_batches_not_one_write_each(db):
    clock = Clock()
    limiter = FixedWindowLimiter(clock)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(100):
            limiter.hit(7, 6000)
    writes = [q for q in queries.captured_queries if "api_ratecounter" in q["sql"]]
    assert len(writes) <= 2 + 100 // 120 + 1
    clock.now += 1.5
    limiter.hit(7, 6000)
    assert RateCounter.objects.get(token_id=7).hits == 101


def test_a_throttled_request_changes_nothing(as_token, make_token, customer, stocked):
    api = as_token(make_token(customer=customer, rate_limit=1))
    api.get("/items")
    before = world_state()
    response = api.post("/outbound-orders", order_body())
    assert response.status_code == 429
    assert world_state() == before
