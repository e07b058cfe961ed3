"""The database's own limit on this machine: pgbench's simple-update script (`-N`) with as many
clients as the order flow, in a database of its own."""

import os
import re
import subprocess
import sys
import time

SCALE_FACTOR = 10


def run_pgbench(target, *, clients: int, seconds: int = 15, scale_factor: int = SCALE_FACTOR) -> dict:
    if not target.pgbench_bin or not os.path.exists(target.pgbench_bin):
        return {"available": False, "reason": "pgbench not found"}
    env = {**os.environ, **target.pgbench_env}
    base = [target.pgbench_bin, *target.pgbench_conn]
    target.recreate(target.pgbench_name)
    try:
        began = time.perf_counter()
        subprocess.run([*base, "-i", "-q", "-s", str(scale_factor), target.pgbench_name], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        init_seconds = time.perf_counter() - began
        print(f"  [pgbench] -N -c {clients} -j {clients} -T {seconds}", file=sys.stderr, flush=True)
        run = subprocess.run([*base, "-N", "-c", str(clients), "-j", str(clients), "-T", str(seconds),
                              target.pgbench_name], env=env, check=True, capture_output=True, text=True)
    finally:
        target.drop(target.pgbench_name)
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout) or re.search(
        r"tps = ([0-9.]+)", run.stdout)
    latency = re.search(r"latency average = ([0-9.]+) ms", run.stdout)
    return {"available": True, "clients": clients, "seconds": seconds, "scale_factor": scale_factor,
            "init_seconds": round(init_seconds, 1), "tps": float(match.group(1)) if match else None,
            "latency_avg_ms": float(latency.group(1)) if latency else None, "binary": target.pgbench_bin}
