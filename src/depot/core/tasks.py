"""The nightly backup. `depot worker` checks every hour whether this is the hour of the day (Depot's
local time) given by `DEPOT_BACKUP_HOUR` (2 by default; `off` turns it off) and if so runs
`backup_create` into `DEPOT_BACKUP_DIR` (default DEPOT_HOME/backups), keeping `DEPOT_BACKUP_KEEP` (14)."""

import datetime
import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from procrastinate.contrib.django import app

from depot.core.backup import DEFAULT_KEEP, BackupResult, backup_create

logger = logging.getLogger("depot.backup")


def backup_nightly_due(*, timestamp: int, env=None) -> BackupResult | None:
    """Run the nightly backup if the hour of `timestamp` is the configured one; None when not due.
    A failed backup or verification is logged as an error (and the job then fails)."""
    env = os.environ if env is None else env
    database = settings.DATABASES["default"]
    if database["NAME"] == database.get("TEST", {}).get("NAME"):
        return None  # a worker run by the tests: never write backups of a test database into DEPOT_HOME
    hour = (env.get("DEPOT_BACKUP_HOUR") or "2").strip().lower()
    if hour in {"off", "no", "false"}:
        return None
    local = timezone.localtime(datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC))
    try:
        if local.hour != int(hour):
            return None
        keep = int(env.get("DEPOT_BACKUP_KEEP") or DEFAULT_KEEP)
    except ValueError:
        logger.error("nightly backup not run: DEPOT_BACKUP_HOUR and DEPOT_BACKUP_KEEP must be numbers")
        return None
    folder = Path(env["DEPOT_BACKUP_DIR"]) if env.get("DEPOT_BACKUP_DIR") else None
    result = backup_create(folder=folder, keep=keep, now=local)
    if not result.verification.ok:
        logger.error("nightly backup %s failed its verification: %s", result.archive,
                     "; ".join(result.verification.problems))
        raise RuntimeError(f"backup {result.archive} failed its verification")
    logger.info("nightly backup %s verified; deleted %d older", result.archive, len(result.deleted))
    return result


@app.periodic(cron="0 * * * *")
@app.task(name="core.backup_nightly", queue="backup", queueing_lock="core.backup_nightly")
def backup_nightly(timestamp: int) -> None:
    backup_nightly_due(timestamp=timestamp)
