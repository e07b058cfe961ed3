"""`depot bench`: drive a run from this process, which never sets up Django.

For each scale (with `--scale medium` or `large`, `small` first, for the growth ratios): recreate
the bench database, migrate it, generate the data set, run the order flow, the HTTP latency and
the pick-and-ship phases, each in a subprocess pointed at that database. For the growth ratio the
small data set is generated once more after the larger scale and its order flow run again: the
small throughput is the mean of the run before and the run after, so that a machine whose speed
drifts during the run (other work on the host) does not pass for growth. Then pgbench once, the
targets, a table and the JSON file.
"""

import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from depot.bench import database
from depot.bench.scales import SCALES

PHASES = ("generate", "flow", "http", "pages", "pick", "pgbench")
GROWTH_BASE = "small"

# (key, label, comparison, limit): the targets of a 2-core, 24 GB machine, judged on the run's medians.
TARGETS = [
    ("order_flow_per_s", "订单流吞吐 order flow (orders/s)", ">=", 200),
    ("order_flow_vs_pgbench", "订单流 ÷ pgbench -N TPS", ">=", 0.10),
    ("pick_ship_per_s", "拣货发运吞吐 pick-and-ship (orders/s)", ">=", 200),
    ("stock_p95_1", "库存查询 stock-by-item p95 @1 (ms)", "<=", 20),
    ("stock_p95_8", "库存查询 stock-by-item p95 @8 (ms)", "<=", 60),
    ("growth_throughput", "增长 throughput medium ÷ small", ">=", 0.8),
    ("growth_stock_p95", "增长 stock p95 medium ÷ small", "<=", 1.5),
    ("serve_rss_mb", "服务进程峰值内存 serve peak RSS (MB)", "<=", 250),
    ("generate_medium_s", "生成 medium 数据 generate (s)", "<=", 300),
]


def _say(message: str) -> None:
    print(message, flush=True)


def _phase(target, name: str, params: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="depot-bench-") as tmp:
        out = Path(tmp) / "result.json"
        began, load = time.perf_counter(), os.getloadavg()[0]
        subprocess.run([sys.executable, "-m", "depot.bench.phase", name, json.dumps(params), str(out)],
                       env=target.env, check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
    # The machine's load around the phase: other work on it slows every wall-clock figure.
    result["loadavg_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    result["phase_seconds"] = round(time.perf_counter() - began, 1)
    return result


def _migrate(target) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "depot", "manage", "migrate", "--skip-checks", "--verbosity", "0"],
                   env=target.env, check=True)
    return round(time.perf_counter() - began, 1)


def run_scale(target, scale_name: str, *, clients: int, phases, seed: int) -> dict:
    scale = SCALES[scale_name]
    result: dict = {"scale": scale_name}
    if "generate" in phases:
        _say(f"· {scale_name}: 重建数据库 {target.name} 并迁移 (recreate and migrate)")
        target.recreate()
        migrate_s = _migrate(target)
        _say(f"· {scale_name}: 生成数据 (generate: {scale.past_orders} past orders)")
        result["generate"] = {**_phase(target, "generate", {"scale": scale_name, "seed": seed}),
                              "migrate_seconds": migrate_s}
    elif not target.exists():
        raise SystemExit(f"数据库 {target.name} 不存在：请包含 generate 阶段 (run with the generate phase first)")
    if "flow" in phases:
        _say(f"· {scale_name}: 订单流 (order flow, {clients} clients, {scale.flow_seconds:g} s)")
        result["order_flow"] = _phase(target, "flow", {
            "clients": clients, "seed": seed, "warmup": scale.warmup_seconds, "duration": scale.flow_seconds,
            "profile_orders": 10 if scale.is_smoke else 40})
    if "http" in phases:
        _say(f"· {scale_name}: HTTP 查询延迟 (query latency over HTTP)")
        result["http"] = _phase(target, "http", {"requests": scale.http_requests, "seed": seed})
    if "pages" in phases:
        _say(f"· {scale_name}: 后台页面 (back-office pages)")
        result["pages"] = _phase(target, "pages", {"repeats": 2 if scale.is_smoke else 5})
    if "pick" in phases:
        _say(f"· {scale_name}: 拣货、包装、发运 (pick and ship, {clients} clients)")
        result["pick_ship"] = _phase(target, "pick", {"clients": clients, "seed": seed,
                                                      "duration": scale.flow_seconds,
                                                      "profile_orders": 3 if scale.is_smoke else 10})
    return result


def flow_again(target, scale_name: str, *, clients: int, seed: int) -> dict:
    """The order flow of `scale_name` once more, on its data set generated again."""
    scale = SCALES[scale_name]
    _say(f"· {scale_name}: 订单流再测 (order flow again, on a new {scale_name} data set)")
    target.recreate()
    _migrate(target)
    _phase(target, "generate", {"scale": scale_name, "seed": seed})
    return _phase(target, "flow", {"clients": clients, "seed": seed, "warmup": scale.warmup_seconds,
                                   "duration": scale.flow_seconds, "profile_orders": 40})


def machine() -> dict:
    info = {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(next(line for line in meminfo.splitlines() if line.startswith("MemTotal")).split()[1])
        info["memory_gb"] = round(kb / 1024 / 1024, 1)
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                            if line.startswith("model name")), None)
    except (OSError, StopIteration):
        pass
    root = Path(__file__).resolve().parents[3]
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                                        text=True, check=True).stdout.strip()
        info["uncommitted_changes"] = bool(subprocess.run(["git", "status", "--porcelain"], cwd=root,
                                                          capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = None
    return info


def _get(data: dict, *path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def figures(report: dict) -> dict:
    """The figures the targets are judged on, from the run's last (largest) scale."""
    main = report["scales"][report["scale"]]
    base = report["scales"].get(GROWTH_BASE) if report["scale"] != GROWTH_BASE else None
    flow = _get(main, "order_flow", "orders_per_s")
    tps = _get(report, "pgbench", "tps")
    out = {
        "order_flow_per_s": flow,
        "order_flow_vs_pgbench": round(flow / tps, 4) if flow is not None and tps else None,
        "pick_ship_per_s": _get(main, "pick_ship", "orders_per_s"),
        "stock_p95_1": _get(main, "http", "stock_by_item", "1", "p95"),
        "stock_p95_8": _get(main, "http", "stock_by_item", "8", "p95"),
        "serve_rss_mb": _get(main, "http", "serve_peak_rss_mb", "max"),
        "generate_medium_s": _get(report, "scales", "medium", "generate", "seconds"),
        "growth_throughput": None, "growth_stock_p95": None,
    }
    if base:
        runs = [_get(base, key, "orders_per_s") for key in ("order_flow", "order_flow_again")]
        runs = [r for r in runs if r is not None]
        small_flow = sum(runs) / len(runs) if runs else None
        out["growth_base_flow_per_s"] = runs
        small_p95 = _get(base, "http", "stock_by_item", "1", "p95")
        if flow is not None and small_flow:
            out["growth_throughput"] = round(flow / small_flow, 3)
        if out["stock_p95_1"] is not None and small_p95:
            out["growth_stock_p95"] = round(out["stock_p95_1"] / small_p95, 3)
    return out


def judge(values: dict) -> list[dict]:
    rows = []
    for key, label, op, limit in TARGETS:
        value = values.get(key)
        met = None if value is None else (value >= limit if op == ">=" else value <= limit)
        rows.append({"key": key, "label": label, "value": value, "target": f"{op} {limit:g}", "met": met})
    return rows


def correctness(report: dict) -> list[str]:
    """What went wrong in the run itself (not a missed target): failed checks, errors."""
    problems = []
    for name, scale in report["scales"].items():
        for phase in ("order_flow", "order_flow_again", "pick_ship"):
            data = scale.get(phase)
            if not data:
                continue
            if not data["check"]["passed"]:
                problems.append(f"{name}/{phase}: stock check failed {data['check']}")
            errors = {k: v for k, v in data["outcomes"].items() if k.startswith("error")}
            if errors:
                problems.append(f"{name}/{phase}: errors {errors}")
        failed = (scale.get("pages") or {}).get("failed")
        if failed:
            problems.append(f"{name}/pages: not 200: {failed}")
    return problems


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def table(report: dict) -> str:
    lines = []

    def row(phase, figure, value, target="", met=None):
        mark = "" if met is None else ("✓" if met else "✗")
        lines.append(f"{phase:<12} {figure:<44} {_fmt(value):>14}  {target:<8} {mark}")

    lines.append(f"{'阶段 phase':<12} {'指标 figure':<44} {'数值 value':>14}  {'目标':<8} 达标")
    lines.append("-" * 90)
    for name, scale in report["scales"].items():
        gen = scale.get("generate")
        if gen:
            row(name, "生成 generate (s)", gen["seconds"])
            row(name, "生成器峰值内存 generator peak RSS (MB)", gen["peak_rss_mb"])
        flow = scale.get("order_flow")
        if flow:
            row(name, f"订单流 order flow @{flow['clients']} (orders/s)", flow["orders_per_s"])
            row(name, "  outcomes", ", ".join(f"{k}={v}" for k, v in sorted(flow["outcomes"].items())))
            row(name, "  latency p50/p95 (ms)", f"{flow['latency_ms'].get('p50')}/{flow['latency_ms'].get('p95')}")
            q = flow.get("queries", {})
            row(name, "  SQL per order 1-line / 3-line",
                f"{_get(q, '1_line', 'queries_median')}/{_get(q, '3_line', 'queries_median')}")
            cpu = flow.get("cpu_per_order", {})
            row(name, "  CPU per order client/db (ms)", f"{cpu.get('client_ms')}/{cpu.get('db_ms')}")
            row(name, "  check --stock, over-allocation", "ok" if flow["check"]["passed"] else "FAILED")
        again = scale.get("order_flow_again")
        if again:
            row(name, f"订单流再测 order flow again @{again['clients']} (orders/s)", again["orders_per_s"])
            cpu = again.get("cpu_per_order", {})
            row(name, "  CPU per order client/db (ms)", f"{cpu.get('client_ms')}/{cpu.get('db_ms')}")
            row(name, "  check --stock, over-allocation", "ok" if again["check"]["passed"] else "FAILED")
        http_ = scale.get("http")
        if http_ and http_.get("available"):
            for kind in ("stock_by_item", "order_page", "order_list"):
                for clients, data in http_[kind].items():
                    row(name, f"HTTP {kind} @{clients} p50/p95/p99 (ms)",
                        f"{data.get('p50')}/{data.get('p95')}/{data.get('p99')}")
                cpu = _get(http_, kind, "1", "cpu_per_request") or {}
                row(name, f"  {kind} CPU per request serve/db (ms)", f"{cpu.get('server_ms')}/{cpu.get('db_ms')}")
            row(name, "serve peak RSS max (MB)", http_["serve_peak_rss_mb"]["max"])
        elif http_:
            row(name, "HTTP", http_.get("reason"))
        pages = scale.get("pages")
        if pages:
            for page, data in pages["pages"].items():
                row(name, f"后台 page {page} p50 (ms) / SQL", f"{data['p50_ms']} / {data['statements']}")
        pick = scale.get("pick_ship")
        if pick:
            row(name, f"拣货发运 pick-and-ship @{pick['clients']} (orders/s)", pick["orders_per_s"])
            cpu = pick.get("cpu_per_order", {})
            row(name, "  CPU per order client/db (ms)", f"{cpu.get('client_ms')}/{cpu.get('db_ms')}")
            row(name, "  SQL per order", _get(pick, "queries", "queries_per_order"))
            verdict = "ok" if pick["check"]["passed"] else "FAILED"
            row(name, "  shipped / check", f"{pick['orders_shipped']} / {verdict}")
    pg = report.get("pgbench")
    if pg and pg.get("available"):
        row("pgbench", f"-N -c {pg['clients']} TPS", pg["tps"])
    elif pg:
        row("pgbench", "pgbench", pg.get("reason"))
    lines.append("-" * 90)
    for t in report["targets"]:
        row("目标 target", t["label"], t["value"], t["target"], t["met"])
    return "\n".join(lines)


def main(*, scale: str, clients: int, json_path: str | None, phases, growth: bool, seed: int) -> int:
    phases = [p for p in PHASES if p in phases]
    target = database.resolve()
    scales = [GROWTH_BASE, scale] if growth and scale in ("medium", "large") else [scale]
    _say(f"Depot bench：{target.where}")
    started = time.perf_counter()
    report = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "scale": scale,
        "clients": clients, "phases": phases, "seed": seed, "database": target.name, "where": target.where,
        "machine": {**machine(), "loadavg_start": [round(x, 2) for x in os.getloadavg()]},
        "postgres": target.server_settings(), "scales": {},
    }
    for name in scales:
        report["scales"][name] = run_scale(target, name, clients=clients, phases=phases, seed=seed)
    if len(scales) > 1 and {"generate", "flow"} <= set(phases):
        report["scales"][GROWTH_BASE]["order_flow_again"] = flow_again(target, GROWTH_BASE, clients=clients,
                                                                       seed=seed)
    if "pgbench" in phases:
        _say(f"· pgbench -N ({clients} clients)")
        smoke = SCALES[scale].is_smoke
        report["pgbench"] = run_pgbench(target, clients=clients, seconds=3 if smoke else 15,
                                        scale_factor=1 if smoke else 10)
    report["figures"] = figures(report)
    report["targets"] = judge(report["figures"])
    report["problems"] = correctness(report)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    _say("")
    _say(table(report))
    for problem in report["problems"]:
        _say(f"✗ {problem}")
    if json_path:
        Path(json_path).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        _say(f"JSON：{json_path}")
    return 1 if report["problems"] else 0


def run_pgbench(target, *, clients: int, seconds: int, scale_factor: int) -> dict:
    from depot.bench.pgbench import run_pgbench as run

    return run(target, clients=clients, seconds=seconds, scale_factor=scale_factor)
