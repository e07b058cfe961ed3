"""The timed order phases: N client processes (spawned, each with its own Django and connection)
drive the same service functions the API uses, then the stock is checked.

Order flow: `outbound_submit` (create → completeness → audit → allocation, one transaction per
order) for 3-line orders of the flow customers, items chosen with a popularity skew so that the
few scarce ones run out and some orders end held. Pick and ship: allocated orders are claimed in
skip-locked batches, each gets its own pick list, all its lines are confirmed at once
(`picklist_confirm_all`, as a keeper who found everything), then packed and shipped.
"""

import cProfile
import multiprocessing
import os
import pstats
import random
import resource
import statistics
import sys
import time
import traceback
import uuid
from collections import Counter

WINDOWS = 5
PICK_BATCH = 5


def _log(message: str) -> None:
    print(f"  [{multiprocessing.current_process().name}] {message}", file=sys.stderr, flush=True)


def rate_windows(stamps: list[float], start: float, end: float, windows: int = WINDOWS) -> list[float]:
    """Completions per second in `windows` equal slices of [start, end)."""
    if end <= start:
        return []
    width = (end - start) / windows
    counts = [0] * windows
    for t in stamps:
        if start <= t < end:
            counts[min(int((t - start) / width), windows - 1)] += 1
    return [round(c / width, 1) for c in counts]


# ---- CPU spent per order, by the client and by its PostgreSQL backend --------------------------

def _backend_pid() -> int | None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _proc_cpu_seconds(pid: int | None) -> float | None:
    """CPU time of a local process (None when it is not on this machine)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of this process and of its database backend since `start()`: unlike wall time,
    they do not depend on what else the machine is running."""

    def start(self) -> None:
        self.backend = _backend_pid()
        self.own0, self.db0 = self._own(), _proc_cpu_seconds(self.backend)

    @staticmethod
    def _own() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def stop(self) -> dict:
        db1 = _proc_cpu_seconds(self.backend)
        return {"client_s": self._own() - self.own0,
                "db_s": None if db1 is None or self.db0 is None else db1 - self.db0}


def cpu_per_order(meters: list[dict], orders: int) -> dict:
    if not orders:
        return {}
    client = sum(m["client_s"] for m in meters)
    db = None if any(m["db_s"] is None for m in meters) else sum(m["db_s"] for m in meters)
    return {"client_ms": round(client * 1000 / orders, 2),
            "db_ms": None if db is None else round(db * 1000 / orders, 2)}


# ---- what the clients work on ---------------------------------------------------------------

def _flow_customers():
    from depot.bench.scales import FLOW_CUSTOMERS
    from depot.customers.models import Customer

    return list(Customer.objects.filter(code__startswith="BC").order_by("code")[:FLOW_CUSTOMERS])


def _actor_for(customer):
    """The customer's API technical user, as the API would act; a CS supervisor without the API app."""
    try:
        from depot.api.services import service_account_for
    except ImportError:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(username="bench.supervisor")
    return service_account_for(customer).user


def _keeper():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="bench.keeper")


class OrderMaker:
    """3-line orders for the flow customers; items drawn with a Zipf-like skew (rank 1 most often)."""

    def __init__(self, seed: int, customers, lines: int = 3):
        from depot.inventory.models import Item

        self.rnd = random.Random(seed)
        self.customers = customers
        self.lines = lines
        self.codes = {c.pk: list(Item.objects.filter(owner=c).order_by("code").values_list("code", flat=True))
                      for c in customers}
        self.weights = {pk: [1 / (rank + 1) for rank in range(len(codes))] for pk, codes in self.codes.items()}
        self.tag = uuid.uuid4().hex[:8]
        self.n = 0

    def next(self) -> dict:
        rnd = self.rnd
        customer = rnd.choice(self.customers)
        codes, weights = self.codes[customer.pk], self.weights[customer.pk]
        chosen: list[str] = []
        while len(chosen) < min(self.lines, len(codes)):
            code = rnd.choices(codes, weights)[0]
            if code not in chosen:
                chosen.append(code)
        self.n += 1
        data = {"consignee_name": f"收货人{self.n % 97}", "consignee_phone": f"139{rnd.randint(10**7, 10**8 - 1)}",
                "province": "上海市", "city": "上海市", "district": "闵行区", "address": f"莘庄路{self.n % 999 + 1}号",
                "service_level": "standard"}
        return {
            "customer": customer, "data": data,
            "lines": [{"item_code": code, "quantity": rnd.randint(1, 5)} for code in chosen],
            "channel": "api", "external_ref": f"B{self.tag}-{self.n}", "idempotency_key": f"bench-{self.tag}-{self.n}",
        }


def submit(order: dict, actor) -> str:
    from depot.orders.services import outbound_submit

    created, _new = outbound_submit(actor=actor, customer=order["customer"], data=order["data"], lines=order["lines"],
                                    channel=order["channel"], external_ref=order["external_ref"],
                                    idempotency_key=order["idempotency_key"])
    return created.state


# ---- order flow -----------------------------------------------------------------------------

def _ready(barrier, setup):
    """Set the client up, then wait for the others; a client that cannot start breaks the barrier
    so that nobody waits for it."""
    try:
        from depot.bench.phase import django_setup

        django_setup()
        state = setup()
    except BaseException:
        barrier.abort()
        raise
    barrier.wait()
    return state, time.time()


def _flow_setup(seed: int, idx: int):
    customers = _flow_customers()
    actors = {c.pk: _actor_for(c) for c in customers}
    for actor in actors.values():
        actor.get_all_permissions()  # a long-lived client keeps its permission cache, like a worker does
    return actors, OrderMaker(seed * 1000 + idx, customers)


def _flow_client(idx: int, seed: int, barrier, until: float, out):
    (actors, maker), start = _ready(barrier, lambda: _flow_setup(seed, idx))
    end = start + until
    done: list[tuple[float, str, float]] = []
    errors: Counter = Counter()
    meter = CpuMeter()
    meter.start()
    while time.time() < end:
        order = maker.next()
        began = time.time()
        try:
            state = submit(order, actors[order["customer"].pk])
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            state = f"error:{type(exc).__name__}"
            if errors[state] < 3:
                _log(f"{state}: {exc}")
            errors[state] += 1
        finished = time.time()
        done.append((finished, state, finished - began))
    out.put((idx, done, meter.stop()))


def _run_clients(target, clients: int, seed: int, warmup: float, duration: float) -> tuple[float, list]:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(clients + 1), ctx.Queue()
    procs = [ctx.Process(target=target, args=(i, seed, barrier, warmup + duration, out), name=f"client{i}")
             for i in range(clients)]
    for p in procs:
        p.start()
    try:
        barrier.wait(timeout=300)
    except Exception:
        for p in procs:
            if p.is_alive():
                p.terminate()
        raise
    start = time.time()
    results = [out.get(timeout=warmup + duration + 600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    rows = [row for _idx, done, _cpu in sorted(results, key=lambda r: r[0]) for row in done]
    return start, rows, [cpu for _idx, _done, cpu in results]


def run_order_flow(*, clients: int, seed: int, warmup: float, duration: float, profile_orders: int = 40) -> dict:
    from django.db import connections

    connections.close_all()
    start, rows, meters = _run_clients(_flow_client, clients, seed, warmup, duration)
    measured_from, measured_to = start + warmup, start + warmup + duration
    measured = [r for r in rows if measured_from <= r[0] < measured_to]
    windows = rate_windows([r[0] for r in measured], measured_from, measured_to)
    outcomes = Counter(r[1] for r in rows)
    latencies = sorted(r[2] * 1000 for r in measured)
    result = {
        "clients": clients, "warmup_s": warmup, "duration_s": duration, "orders_total": len(rows),
        "orders_measured": len(measured), "orders_per_s": statistics.median(windows) if windows else 0.0,
        "orders_per_s_windows": windows, "outcomes": dict(outcomes),
        "latency_ms": percentiles(latencies), "cpu_per_order": cpu_per_order(meters, len(rows)),
    }
    result["queries"] = profile_queries(seed=seed + 7, orders=profile_orders)
    result["check"] = run_checks()
    return result


# ---- pick and ship --------------------------------------------------------------------------

def _claim(actor, batch: int) -> list:
    """Allocated orders nobody else is taking, each with its own pick list (one transaction)."""
    from django.db import transaction

    from depot.orders.choices import OutboundState
    from depot.orders.models import OutboundOrder
    from depot.orders.services.execution import picklist_create_in_transaction

    with transaction.atomic():
        orders = list(OutboundOrder.objects.select_for_update(skip_locked=True)
                      .filter(state=OutboundState.ALLOCATED).order_by("priority", "due_at", "pk")[:batch])
        claimed = []
        for order in orders:
            # `picklist_create` without a savepoint of its own (the pick list page runs it in its own transaction)
            claimed.append((order, picklist_create_in_transaction(actor=actor, orders=[order])))
    return claimed


def pick_pack_ship(actor, order, pick_list, n: int) -> str:
    from depot.orders.services import outbound_pack, outbound_ship, picklist_confirm_all

    picklist_confirm_all(actor=actor, pick_list=pick_list)
    outbound_pack(actor=actor, order=order, packages=[{"weight_kg": "2.40", "length_cm": 40, "width_cm": 30,
                                                       "height_cm": 20}])
    shipped = outbound_ship(actor=actor, order=order, carrier="顺丰速运", tracking_number=f"SFB{n:010d}")
    return shipped.state


def _pick_setup():
    actor = _keeper()
    actor.get_all_permissions()
    return actor


def _pick_client(idx: int, seed: int, barrier, until: float, out):
    actor, start = _ready(barrier, _pick_setup)
    end = start + until
    done: list[tuple[float, str, float]] = []
    errors: Counter = Counter()
    n = idx * 10**7
    meter = CpuMeter()
    meter.start()
    while time.time() < end:
        began = time.time()
        try:
            claimed = _claim(actor, PICK_BATCH)
        except Exception as exc:  # noqa: BLE001
            _log(f"claim failed: {type(exc).__name__}: {exc}")
            claimed = []
            errors["claim"] += 1
            if errors["claim"] > 20:
                break
            continue
        if not claimed:
            break
        for order, pick_list in claimed:
            n += 1
            try:
                state = pick_pack_ship(actor, order, pick_list, n)
            except Exception as exc:  # noqa: BLE001
                state = f"error:{type(exc).__name__}"
                if errors[state] < 3:
                    _log(f"{state}: {exc}")
                errors[state] += 1
            finished = time.time()
            done.append((finished, state, finished - began))
            began = finished
    out.put((idx, done, meter.stop()))


def run_pick_and_ship(*, clients: int, seed: int, duration: float, profile_orders: int = 10) -> dict:
    from django.db import connections

    from depot.orders.choices import OutboundState
    from depot.orders.models import OutboundOrder

    waiting = OutboundOrder.objects.filter(state=OutboundState.ALLOCATED).count()
    connections.close_all()
    start, rows, meters = _run_clients(_pick_client, clients, seed, 0.0, duration)
    shipped = [r for r in rows if r[1] == OutboundState.SHIPPED]
    last = max((r[0] for r in rows), default=start)
    end = min(start + duration, last) if rows else start
    windows = rate_windows([r[0] for r in shipped], start, end) if end > start else []
    return {
        "clients": clients, "duration_s": duration, "allocated_before": waiting, "orders_shipped": len(shipped),
        "elapsed_s": round(end - start, 2), "orders_per_s": statistics.median(windows) if windows else 0.0,
        "orders_per_s_overall": round(len(shipped) / (end - start), 1) if end > start else 0.0,
        "orders_per_s_windows": windows, "outcomes": dict(Counter(r[1] for r in rows)),
        "latency_ms": percentiles(sorted(r[2] * 1000 for r in shipped)),
        "cpu_per_order": cpu_per_order(meters, len(rows)),
        "queries": profile_pick(orders=profile_orders),
        "check": run_checks(),
    }


# ---- checks ---------------------------------------------------------------------------------

_OVER_RESERVED_BALANCES = """
SELECT COUNT(*) FROM inventory_balance b
JOIN (SELECT balance_id, SUM(quantity - consumed - released) AS q FROM inventory_reservation
      WHERE state = 'open' GROUP BY balance_id) r ON r.balance_id = b.id
WHERE r.q > b.on_hand
"""

# Per order and item: what its (storage) reservations hold or held must not exceed what was
# ordered, and must equal what the order's lines say is allocated (cancelled orders released it).
_OVER_ALLOCATED_ORDERS = """
WITH res AS (
    SELECT r.document_ref, b.item_id, SUM(r.quantity - r.released) AS q
    FROM inventory_reservation r JOIN inventory_balance b ON b.id = r.balance_id
    WHERE r.document_type = 'outbound' AND r.source_id IS NULL
    GROUP BY r.document_ref, b.item_id
), lines AS (
    SELECT o.number, o.state, l.item_id, SUM(l.quantity) AS ordered, SUM(l.allocated) AS allocated
    FROM orders_outboundline l JOIN orders_outboundorder o ON o.id = l.order_id
    WHERE l.item_id IS NOT NULL GROUP BY o.number, o.state, l.item_id
)
SELECT COUNT(*) FROM res LEFT JOIN lines ON lines.number = res.document_ref AND lines.item_id = res.item_id
WHERE lines.number IS NULL OR res.q > lines.ordered OR (lines.state <> 'cancelled' AND res.q <> lines.allocated)
"""

_OVER_ALLOCATED_LINES = "SELECT COUNT(*) FROM orders_outboundline WHERE allocated + short > COALESCE(quantity, 0)"


def run_checks() -> dict:
    """What `depot check --stock` checks (every balance against the ledger and the open
    reservations), and the over-allocation checks. Migrations added to the code base while a run
    goes on are reported, not counted as a stock problem."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from depot.inventory.checks import stock_problems

    started = time.perf_counter()
    problems = stock_problems()
    with connection.cursor() as cur:
        counts = {}
        for name, sql in (("over_reserved_balances", _OVER_RESERVED_BALANCES),
                          ("over_allocated_orders", _OVER_ALLOCATED_ORDERS),
                          ("over_allocated_lines", _OVER_ALLOCATED_LINES)):
            cur.execute(sql)
            counts[name] = cur.fetchone()[0]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"stock_problems": len(problems), "examples": [str(p) for p in problems[:5]], **counts,
            "passed": not problems and not any(counts.values()), "seconds": round(time.perf_counter() - started, 2),
            "pending_migrations": [f"{m.app_label}.{m.name}" for m, _backwards in pending]}


# ---- where an order's time and queries go -----------------------------------------------------

def _site(stack) -> str:
    """The innermost frame of Depot's own code (not this package) that issued a query."""
    for frame in reversed(stack):
        path = frame.filename.replace("\\", "/")
        if "/depot/" in path and "/depot/bench/" not in path:
            short = path.split("/depot/", 1)[1]
            return f"{short}:{frame.name}"
    return "?"


class QueryLog:
    def __init__(self):
        self.entries: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        self.entries.append((_site(traceback.extract_stack()[:-1]), " ".join(sql.split()[:1]).upper()))
        return execute(sql, params, many, context)


def profile_queries(*, seed: int, orders: int) -> dict:
    """Queries per submitted order (1-line and 3-line orders), by the function that issued them,
    and the hottest functions of the order flow under cProfile — in this one process, after the
    timed run."""
    from django.db import connection

    customers = _flow_customers()
    actors = {c.pk: _actor_for(c) for c in customers}
    for actor in actors.values():
        actor.get_all_permissions()
    out: dict = {}
    for lines in (1, 3):
        maker = OrderMaker(seed + lines, customers, lines=lines)
        per_order, sites, verbs, states = [], Counter(), Counter(), Counter()
        for _ in range(orders):
            order = maker.next()
            log = QueryLog()
            with connection.execute_wrapper(log):
                states[submit(order, actors[order["customer"].pk])] += 1
            per_order.append(len(log.entries))
            sites.update(site for site, _verb in log.entries)
            verbs.update(verb for _site, verb in log.entries)
        out[f"{lines}_line"] = {
            "orders": orders, "queries_median": statistics.median(per_order), "queries_min": min(per_order),
            "queries_max": max(per_order), "outcomes": dict(states),
            "by_statement": {verb: round(n / orders, 2) for verb, n in verbs.most_common()},
            "by_function": {site: round(n / orders, 2) for site, n in sites.most_common(25)},
        }
    maker = OrderMaker(seed + 99, customers)
    profiler = cProfile.Profile()
    profiler.enable()
    began = time.perf_counter()
    for _ in range(orders * 2):
        order = maker.next()
        submit(order, actors[order["customer"].pk])
    elapsed = time.perf_counter() - began
    profiler.disable()
    out["cprofile"] = {"orders": orders * 2, "ms_per_order": round(elapsed * 1000 / (orders * 2), 2),
                       "top_cumulative": _top(profiler, "cumulative"), "top_own_time": _top(profiler, "tottime")}
    return out


def profile_pick(*, orders: int) -> dict:
    """Queries of each step of picking, packing and shipping one order, and the hottest
    functions, for `orders` allocated orders taken one at a time in this process."""
    from django.db import connection

    from depot.orders.services import outbound_pack, outbound_ship, picklist_confirm_all

    actor = _pick_setup()
    steps: dict[str, list[int]] = {}
    sites: Counter = Counter()
    profiler = cProfile.Profile()
    done, elapsed = 0, 0.0

    profiling = [False]

    def step(name, fn, *args, **kwargs):
        if profiling[0]:
            profiler.enable()
            try:
                return fn(*args, **kwargs)
            finally:
                profiler.disable()
        log = QueryLog()
        with connection.execute_wrapper(log):
            value = fn(*args, **kwargs)
        steps.setdefault(name, []).append(len(log.entries))
        sites.update(site for site, _verb in log.entries)
        return value

    # The first half of the orders count their queries, the second half run under cProfile (the
    # query attribution's stack walks would otherwise show up in the profile).
    for n in range(orders):
        profiling[0] = n >= orders // 2
        began = time.perf_counter()
        claimed = step("claim + picklist_create", _claim, actor, 1)
        if not claimed:
            break
        order, pick_list = claimed[0]
        step("picklist_confirm_all", picklist_confirm_all, actor=actor, pick_list=pick_list)
        step("outbound_pack", outbound_pack, actor=actor, order=order, packages=[{"weight_kg": "1.20"}])
        step("outbound_ship", outbound_ship, actor=actor, order=order, carrier="顺丰速运",
             tracking_number=f"SFP{n:010d}")
        elapsed += time.perf_counter() - began
        done += 1
    counted = orders // 2
    if done <= counted or not counted:
        return {"orders": done}
    return {
        "orders": done, "ms_per_order_profiled": round(elapsed * 1000 / done, 2),
        "queries_per_step": {name: round(statistics.mean(v), 1) for name, v in steps.items()},
        "queries_per_order": round(sum(sum(v) for v in steps.values()) / counted, 1),
        "by_function": {site: round(n / counted, 2) for site, n in sites.most_common(30)},
        "top_cumulative": _top(profiler, "cumulative"), "top_own_time": _top(profiler, "tottime"),
    }


def _top(profiler, key: str, limit: int = 15) -> list[dict]:
    stats = pstats.Stats(profiler)
    stats.sort_stats(key)
    rows = []
    for func in stats.fcn_list[:60]:
        cc, nc, tt, ct, _callers = stats.stats[func]
        filename, line, name = func
        where = filename.replace("\\", "/")
        where = where.split("/site-packages/", 1)[-1].split("/src/", 1)[-1]
        if name.startswith("<") and name not in ("<listcomp>", "<genexpr>"):
            continue
        rows.append({"function": f"{where}:{line}:{name}", "calls": nc, "own_ms": round(tt * 1000, 1),
                     "cumulative_ms": round(ct * 1000, 1)})
        if len(rows) >= limit:
            break
    return rows


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    values = sorted(values)

    def q(p: float) -> float:
        return round(values[min(len(values) - 1, int(round(p * (len(values) - 1))))], 2)

    return {"n": len(values), "p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "max": round(values[-1], 2)}
