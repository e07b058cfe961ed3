"""The `depot` command (also `python -m depot`).

    depot serve [--host H] [--port P] [--workers N] [--threads N] [--demo] [--with-worker]
    depot worker [--concurrency N]   background jobs (notifications, periodic tasks)
    depot demo                     load the demo data set and print the logins
    depot createuser --role ROLE USERNAME [--password P]
    depot check [--audit] [--stock]  database reachable, migrations applied (audit chain intact,
                                   stock balances equal to the ledger)
    depot backup [--to DIR] [--keep N]   back up the database and uploaded files, verify the backup by
                                   restoring it, keep the last N (docs/operations.md, "Backup and restore")
    depot backup --verify FILE     verify an existing backup by restoring it into a scratch database
    depot restore FILE [--yes]     replace the database and uploaded files with a verified backup
    depot manage ARGS...           any Django management command
    depot bench [--scale S] [--clients N] [--json FILE] [--phases P,...]   throughput and latency
    depot crm-sync [--connector zoho|fxiaoke] [--since T] [--dry-run]   send customers, contacts,
                                   orders and complaints to the CRM (docs/crm-sync.md)
"""

import argparse
import os
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "depot.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


def _call(*args, **kwargs):
    from django.core.management import call_command

    call_command(*args, **kwargs)


def cmd_serve(args) -> int:
    _django()
    _call("migrate", interactive=False, verbosity=0)
    if args.demo:
        from depot.demo import demo_load

        print(demo_load(url=f"http://{args.host}:{args.port}/admin/"), flush=True)
    from depot.server import serve

    worker = _start_worker_process() if args.with_worker else None
    serving_pid = os.getpid()
    try:
        serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    finally:
        # gunicorn's forked workers leave through this frame too; only the process that started
        # the background worker stops it.
        if worker is not None and os.getpid() == serving_pid:
            _stop_worker_process(worker)
    return 0


def _start_worker_process():
    import subprocess

    def die_with_parent():
        if sys.platform == "linux":  # the worker must not outlive a `depot serve` that was killed
            import ctypes
            import signal

            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    # Its own session: Ctrl+C in the terminal reaches gunicorn only, and the worker is then stopped
    # once, gracefully, by _stop_worker_process.
    return subprocess.Popen([sys.executable, "-m", "depot", "worker"], preexec_fn=die_with_parent,
                            start_new_session=True)


def _stop_worker_process(worker) -> None:
    import subprocess

    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=70)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def cmd_worker(args) -> int:
    _django()
    _call("migrate", interactive=False, verbosity=0)
    from depot.core.jobs import worker_run

    print(f"Depot 后台任务进程已启动（并发 {args.concurrency}，Ctrl+C 停止）", flush=True)
    worker_run(concurrency=args.concurrency)
    print("Depot 后台任务进程已停止", flush=True)
    return 0


def cmd_demo(args) -> int:
    _django()
    _call("migrate", interactive=False, verbosity=0)
    from depot.demo import demo_load

    print(demo_load())
    return 0


def cmd_createuser(args) -> int:
    _django()
    _call("migrate", interactive=False, verbosity=0)
    from depot.core.accounts import user_create
    from depot.core.errors import DomainError

    password = args.password or os.environ.get("DEPOT_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass("密码 Password: ")
    try:
        user = user_create(username=args.username, password=password, role=args.role, email=args.email or "")
    except DomainError as exc:
        for msg in exc.messages():
            print(msg, file=sys.stderr)
        return 2
    print(f"已创建用户 {user.username}（{args.role}）")
    return 0


def cmd_check(args) -> int:
    from depot.core.health import run_checks

    _django()
    problems = run_checks(audit=args.audit, stock=args.stock)
    for p in problems:
        print(f"✗ {p}")
    if not problems:
        print("✓ 数据库可连接，迁移已全部应用" + ("，变更历史完整" if args.audit else "")
              + ("，库存余额与台账一致" if args.stock else ""))
    return 1 if problems else 0


def _say(line: str) -> None:
    print(f"  {line}", flush=True)


def _print_refusal(exc) -> None:
    for msg in exc.messages():
        print(f"✗ {msg}", file=sys.stderr)


def _print_notes(verification) -> None:
    for note in verification.notes:
        print(f"  注：{note}")


def _print_verification(verification, *, archive) -> None:
    _print_notes(verification)
    if verification.ok:
        print(f"✓ 备份已通过恢复校验：{archive}")
    else:
        print(f"✗ 备份未通过恢复校验：{archive}", file=sys.stderr)
        for problem in verification.problems:
            print(f"  {problem}", file=sys.stderr)


def cmd_backup(args) -> int:
    _django()
    from pathlib import Path

    from depot.core import backup
    from depot.core.errors import DomainError

    try:
        if args.verify:
            archive = Path(args.verify)
            verification = backup.backup_verify(archive=archive, report=_say)
        else:
            result = backup.backup_create(folder=Path(args.to) if args.to else None, keep=args.keep, report=_say)
            archive, verification = result.archive, result.verification
    except DomainError as exc:
        _print_refusal(exc)
        return 1
    _print_verification(verification, archive=archive)
    if not args.verify:
        if verification.ok:
            for path in result.deleted:
                print(f"  已按保留 {args.keep} 份的规则删除旧备份：{path.name}")
        else:
            print("  未删除任何旧备份。", file=sys.stderr)
        print(backup.reminder_key())
    return 0 if verification.ok else 1


def cmd_restore(args) -> int:
    _django()
    import tempfile
    from pathlib import Path

    from django.conf import settings

    from depot.core import backup
    from depot.core.errors import DomainError

    try:
        if not args.yes:
            with tempfile.TemporaryDirectory(prefix=".depot-restore-", dir=settings.DEPOT_HOME) as tmp:
                plan = backup.restore_plan(archive=Path(args.file), into=Path(tmp))
            for line in backup.restore_plan_lines(plan):
                print(line)
            print("未做任何更改。确认替换请加 --yes 再运行（先停止 depot serve 和 depot worker）。", file=sys.stderr)
            return 2
        result = backup.backup_restore(archive=Path(args.file), confirm=True, report=_say)
    except DomainError as exc:
        _print_refusal(exc)
        return 1
    _print_notes(result.verification)
    print(f"✓ 已从 {args.file} 恢复数据库 {result.database} 和上传文件。")
    print(f"  原数据库保留为 {result.kept_database}" + (f"，原上传文件目录保留为 {result.kept_media}"
                                                   if result.kept_media else "")
          + "；确认无误后可自行删除（见 docs/operations.md）。")
    return 0


def cmd_manage(args) -> int:
    _django()
    from django.core.management import execute_from_command_line

    rest = list(args.rest)
    if rest[:1] == ["migrate"] and "--skip-checks" not in rest:
        # The admin's system checks read the permission table, which migrate is about to create
        # or fill: checking first would fail on a new database or before a new app's first migrate.
        rest.append("--skip-checks")
    execute_from_command_line(["depot manage", *rest])
    return 0


def cmd_bench(args) -> int:
    # Never sets up Django here: every phase runs in a subprocess on the bench's own database.
    from depot.bench.runner import PHASES, main

    phases = [p.strip() for p in args.phases.split(",") if p.strip()] if args.phases else list(PHASES)
    unknown = sorted(set(phases) - set(PHASES))
    if unknown:
        print(f"未知阶段 unknown phases: {', '.join(unknown)}（可选 {', '.join(PHASES)}）", file=sys.stderr)
        return 2
    return main(scale=args.scale, clients=args.clients, json_path=args.json, phases=phases,
                growth=not args.no_growth, seed=args.seed)


def cmd_crm_sync(args) -> int:
    _django()
    import datetime

    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime

    from depot.core.errors import DomainError
    from depot.crm.services import crm_sync

    connector = args.connector or os.environ.get("DEPOT_CRM_CONNECTOR", "")
    if not connector:
        print("请用 --connector 或环境变量 DEPOT_CRM_CONNECTOR 指定连接器（zoho 或 fxiaoke）", file=sys.stderr)
        return 2
    since = None
    if args.since:
        since = parse_datetime(args.since)
        if since is None and parse_date(args.since) is not None:
            since = datetime.datetime.combine(parse_date(args.since), datetime.time())
        if since is None:
            print(f"--since 格式应为 YYYY-MM-DD 或 ISO 8601 时间：{args.since}", file=sys.stderr)
            return 2
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
    try:
        run = crm_sync(connector=connector, since=since, dry_run=args.dry_run)
    except DomainError as exc:
        for msg in exc.messages():
            print(msg, file=sys.stderr)
        return 2
    prefix = "试运行，未发送：" if run.dry_run else ""
    print(f"{prefix}{run.connector} 同步{run.get_status_display()}：发送 {run.sent}，无变化 {run.unchanged}，"
          f"未同意共享跳过 {run.withheld}，失败 {run.failed}")
    if run.dry_run:
        for entry in run.entries.all():
            print(f"  {entry.get_object_display()} {entry.depot_code} {entry.get_outcome_display()} {entry.message}")
    if run.message:
        print(run.message, file=sys.stderr)
    return 0 if run.status == "succeeded" else 1


def build_parser() -> argparse.ArgumentParser:
    from depot.core.roles import ROLE_PERMISSIONS

    parser = argparse.ArgumentParser(prog="depot", description="Depot — 仓储客户服务管理系统")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="迁移数据库并启动服务 (migrate, then serve)")
    p.add_argument("--host", default=os.environ.get("DEPOT_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("DEPOT_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("DEPOT_WORKERS", "2")))
    p.add_argument("--threads", type=int, default=int(os.environ.get("DEPOT_THREADS", "4")),
                   help="每个进程的线程数 (threads per worker process)")
    p.add_argument("--demo", action="store_true", help="先载入演示数据 (load the demo data first)")
    p.add_argument("--with-worker", action="store_true",
                   help="同时启动后台任务进程 (also run the background worker as a child process)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="迁移数据库并运行后台任务 (migrate, then run the background worker)")
    p.add_argument("--concurrency", type=int, default=int(os.environ.get("DEPOT_WORKER_CONCURRENCY", "4")),
                   help="同时执行的任务数 (jobs run at the same time)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("demo", help="载入演示数据并打印登录账号 (load demo data, print logins)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("createuser", help="创建员工账号 (create a staff user with a role)")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=sorted(ROLE_PERMISSIONS))
    p.add_argument("--password", help="默认从环境变量 DEPOT_PASSWORD 读取或提示输入")
    p.add_argument("--email")
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("check", help="检查数据库与迁移 (database reachable, migrations applied)")
    p.add_argument("--audit", action="store_true", help="同时校验变更历史的哈希链")
    p.add_argument("--stock", action="store_true",
                   help="同时校验库存：余额等于台账之和、无负数、预留不超过在库")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("bench", help="性能测试，在独立数据库中运行 (benchmark in a database of its own)")
    p.add_argument("--scale", choices=["tiny", "small", "medium", "large"], default="small")
    p.add_argument("--clients", type=int, default=4, help="并发客户端进程数 (concurrent client processes)")
    p.add_argument("--json", metavar="FILE", help="结果另存为 JSON (write the results as JSON)")
    p.add_argument("--phases", help="只运行这些阶段，逗号分隔 (generate,flow,http,pages,pick,pgbench)")
    p.add_argument("--no-growth", action="store_true", help="medium/large 不先跑 small (no growth ratios)")
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("crm-sync", help="同步客户、联系人、出库单、投诉到CRM (sync to Zoho CRM / 纷享销客)")
    p.add_argument("--connector", choices=["zoho", "fxiaoke"], help="默认取环境变量 DEPOT_CRM_CONNECTOR")
    p.add_argument("--since", help="发送此时间以来的变化，而不是上次同步以来的 (YYYY-MM-DD 或 ISO 8601)")
    p.add_argument("--dry-run", action="store_true", help="只列出将发送的记录，不连接CRM、不记录进度")
    p.set_defaults(func=cmd_crm_sync)

    p = sub.add_parser("backup", help="备份数据库和上传文件，并以恢复来校验 (back up, verified by a restore)")
    p.add_argument("--to", metavar="DIR", help="备份目录，默认 DEPOT_HOME/backups")
    p.add_argument("--keep", type=int, default=14, metavar="N", help="校验通过后只保留最近 N 份备份（默认 14）")
    p.add_argument("--verify", metavar="FILE", help="只校验已有的备份文件，不新建备份")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="用备份替换数据库和上传文件 (replace the database with a backup)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--yes", action="store_true", help="确认替换；不加时只显示将替换什么")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("manage", help="运行任意 Django 管理命令")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
