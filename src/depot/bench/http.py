"""Query latency over HTTP: a `depot serve` of the bench database (2 workers, free port) is asked
for stock by item, one order and the filtered order list by a small load generator (threads, one
keep-alive connection each), at 1 and at 8 concurrent clients; then the peak RSS of its processes.
"""

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from depot.bench.flow import _proc_cpu_seconds, percentiles

CONCURRENCY = (1, 8)
MAX_SECONDS = 20
WARMUP_REQUESTS = 20
SCOPES = ["stock:read", "orders:read"]


def _log(message: str) -> None:
    print(f"  [http] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _token_and_targets(seed: int) -> dict | None:
    """A token for the first flow customer (rate limit out of the way) and what to ask for."""
    try:
        from depot.api.services import token_create
    except ImportError:
        return None
    from django.contrib.auth import get_user_model

    from depot.bench.flow import _flow_customers
    from depot.inventory.models import Item
    from depot.orders.models import OutboundOrder

    customer = _flow_customers()[0]
    admin = get_user_model().objects.get(username="bench.admin")
    _token, raw = token_create(actor=admin, name="depot bench", scopes=SCOPES, customer=customer, rate_limit=10**7)
    rnd = random.Random(seed)
    numbers = list(OutboundOrder.objects.filter(customer=customer).values_list("number", flat=True))
    return {
        "customer": customer.code, "raw": raw,
        "item_codes": list(Item.objects.filter(owner=customer).values_list("code", flat=True)),
        "order_numbers": rnd.sample(numbers, min(len(numbers), 500)),
    }


def _paths(kind: str, targets: dict, rnd: random.Random):
    while True:
        if kind == "stock_by_item":
            yield f"/api/v1/stock?item_code={rnd.choice(targets['item_codes'])}&group_by=item"
        elif kind == "order_page":
            yield f"/api/v1/outbound-orders/{rnd.choice(targets['order_numbers'])}"
        else:
            yield "/api/v1/outbound-orders?state=allocated&limit=50"


def _get(conn: http.client.HTTPConnection, path: str, headers: dict) -> int:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def _cpu(pids) -> float:
    return sum(v for v in (_proc_cpu_seconds(pid) for pid in pids) if v is not None)


def _db_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cur.fetchall()]


def measure(port: int, kind: str, targets: dict, *, clients: int, requests: int, seed: int,
            server_pid: int | None = None) -> dict:
    """`requests` GETs of one kind from `clients` threads (at most MAX_SECONDS); latencies in ms,
    and the CPU the serving processes and their database backends spent per request."""
    server = _descendants(server_pid) if server_pid else []
    before = {"server": _cpu(server), "db": {pid: _proc_cpu_seconds(pid) or 0.0 for pid in _db_backends()}}
    headers = {"Authorization": f"Bearer {targets['raw']}", "Connection": "keep-alive"}
    lock, latencies, statuses = threading.Lock(), [], {}
    issued = [0]
    deadline = time.time() + MAX_SECONDS

    def client(n: int) -> None:
        rnd = random.Random(seed * 100 + n)
        paths = _paths(kind, targets, rnd)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for _ in range(WARMUP_REQUESTS // clients + 1):
                _get(conn, next(paths), headers)
            while time.time() < deadline:
                with lock:
                    if issued[0] >= requests:
                        return
                    issued[0] += 1
                path = next(paths)
                began = time.perf_counter()
                try:
                    status = _get(conn, path, headers)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    status = 0
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == 200:
                        latencies.append(elapsed)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    total = sum(statuses.values()) + clients * (WARMUP_REQUESTS // clients + 1)
    cpu = {}
    if server_pid and total:
        db_after = {pid: _proc_cpu_seconds(pid) for pid in _db_backends()}
        db = sum((v or 0.0) - before["db"].get(pid, 0.0) for pid, v in db_after.items())
        cpu = {"server_ms": round((_cpu(server) - before["server"]) * 1000 / total, 2),
               "db_ms": round(db * 1000 / total, 2)}
    return {"clients": clients, **percentiles(latencies), "statuses": {str(k): v for k, v in statuses.items()},
            "requests_per_s": round(sum(statuses.values()) / elapsed, 1) if elapsed else 0.0,
            "cpu_per_request": cpu}


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            conn.close()
            return True
        except OSError:
            time.sleep(0.3)
    return False


def run_http(*, requests: int, seed: int, workers: int = 2) -> dict:
    targets = _token_and_targets(seed)
    if targets is None:
        return {"available": False, "reason": "API not available"}
    port = _free_port()
    env = dict(os.environ, DEPOT_PORT=str(port))
    proc = subprocess.Popen(
        [sys.executable, "-m", "depot", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    result: dict = {"available": True, "customer": targets["customer"], "workers": workers, "port": port}
    try:
        if not _wait_ready(port, proc):
            err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.poll() is not None else ""
            return {"available": False, "reason": f"depot serve did not start: {err}"}
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        path = next(_paths("stock_by_item", targets, random.Random(seed)))
        status = _get(probe, path, {"Authorization": f"Bearer {targets['raw']}"})
        probe.close()
        if status == 404:
            return {"available": False, "reason": "API not available"}
        for kind in ("stock_by_item", "order_page", "order_list"):
            result[kind] = {}
            for clients in CONCURRENCY:
                _log(f"{kind} at {clients} client(s)")
                result[kind][str(clients)] = measure(port, kind, targets, clients=clients, requests=requests,
                                                     seed=seed, server_pid=proc.pid)
        pids = _descendants(proc.pid)
        rss = {str(pid): _peak_rss_mb(pid) for pid in pids}
        workers_rss = [v for pid, v in rss.items() if int(pid) != proc.pid and v is not None]
        result["serve_peak_rss_mb"] = {"master": rss.get(str(proc.pid)), "workers": workers_rss,
                                       "max": max([v for v in rss.values() if v is not None], default=None)}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return json.loads(json.dumps(result))
