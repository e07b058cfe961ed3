"""`depot bench --scale tiny` works end to end: a smoke test of correctness, never of speed.

It runs as a subprocess with its own DEPOT_DATABASE_NAME, so the bench database
(`<name>_bench`) is neither the test database nor anyone's own, and drops it afterwards.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                                reason="runs on the embedded server; with DATABASE_URL run `depot bench` by hand")

PHASE_KEYS = {
    "generate": {"seconds", "peak_rss_mb", "rows"},
    "order_flow": {"orders_per_s", "orders_per_s_windows", "outcomes", "latency_ms", "queries", "check"},
    "http": {"available"},
    "pick_ship": {"orders_per_s", "orders_shipped", "outcomes", "check"},
}


@pytest.fixture
def bench_run(tmp_path):
    base = f"depot_benchtest_{uuid.uuid4().hex[:8]}"
    out = tmp_path / "bench.json"
    env = {**os.environ, "DEPOT_DATABASE_NAME": base}
    env.pop("DATABASE_URL", None)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "depot", "bench", "--scale", "tiny", "--clients", "2", "--json", str(out)],
            env=env, capture_output=True, text=True, timeout=300)
        yield done, out
    finally:
        _drop(base + "_bench", base + "_pgbench")


def _drop(*names):
    import psycopg

    from depot import embedded

    info = embedded.server().get_postmaster_info()
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_tiny_bench_allocates_orders_ships_them_and_keeps_the_stock_consistent(bench_run):
    done, out = bench_run

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    tiny = report["scales"]["tiny"]
    for phase, keys in PHASE_KEYS.items():
        assert keys <= set(tiny[phase]), phase
    assert report["database"].endswith("_bench")
    assert tiny["generate"]["rows"]["past_orders"] == 200
    assert tiny["order_flow"]["outcomes"].get("allocated", 0) > 0
    assert not [k for k in tiny["order_flow"]["outcomes"] if k.startswith("error")]
    assert tiny["order_flow"]["check"]["passed"]
    assert tiny["order_flow"]["check"]["stock_problems"] == 0
    assert tiny["order_flow"]["queries"]["3_line"]["queries_median"] > 0
    assert tiny["pick_ship"]["orders_shipped"] > 0
    pages = tiny["pages"]["pages"]
    assert {"home", "outbound_orders", "stock_moves", "audit_trail", "kpi_service", "analytics_board"} <= set(pages)
    assert tiny["pages"]["failed"] == [] and all(page["statements"] > 0 for page in pages.values())
    assert tiny["pick_ship"]["check"]["passed"]
    assert report["pgbench"]["available"] is False or report["pgbench"]["tps"] > 0
    assert {t["key"] for t in report["targets"]} >= {"order_flow_per_s", "pick_ship_per_s", "stock_p95_1"}
    assert "目标" in done.stdout
