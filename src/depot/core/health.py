"""`depot check`: is the database reachable, are all migrations applied, is the audit trail intact,
do the stock balances agree with the ledger."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def run_checks(*, audit: bool = False, stock: bool = False) -> list[str]:
    problems = []
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the answer
        return [_("无法连接数据库：%(e)s") % {"e": exc}]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in pending[:10])
        problems.append(_("有 %(n)d 个迁移尚未应用（运行 depot serve 或 depot manage migrate）：%(names)s")
                        % {"n": len(pending), "names": names})
    if audit and not pending:
        from depot.core.audit import audit_verify

        problems.extend(audit_verify())
    if stock and not pending:
        from depot.inventory.checks import stock_problems

        problems.extend(stock_problems())
    return problems
