"""The periodic CRM sync: with `DEPOT_CRM_CONNECTOR` set (one connector, or several separated by
commas), `depot worker` runs `crm_sync` for each every `DEPOT_CRM_SYNC_MINUTES`-minute slot (10 by
default); without it nothing runs and `depot crm-sync` is run by hand or from cron."""

import logging
import os

from procrastinate.contrib.django import app

from depot.core.errors import DomainError
from depot.crm.services import crm_sync

logger = logging.getLogger("depot.crm")


def _due(timestamp: int, minutes: int) -> bool:
    return (timestamp // 60) % max(minutes, 1) == 0


def crm_sync_due(*, timestamp: int, env=None) -> list:
    """The runs of the connectors configured in `env` (os.environ) whose slot this minute is."""
    env = os.environ if env is None else env
    names = [n.strip() for n in (env.get("DEPOT_CRM_CONNECTOR") or "").split(",") if n.strip()]
    try:
        minutes = int(env.get("DEPOT_CRM_SYNC_MINUTES") or 10)
    except ValueError:
        minutes = 10
    if not names or not _due(timestamp, minutes):
        return []
    runs = []
    for name in names:
        try:
            runs.append(crm_sync(connector=name, env=env))
        except DomainError as exc:
            logger.warning("crm-sync %s not run: %s", name, "; ".join(exc.messages()))
    return runs


@app.periodic(cron="* * * * *")
@app.task(name="crm.sync", queue="crm", queueing_lock="crm.sync")
def sync_crm(timestamp: int) -> None:
    crm_sync_due(timestamp=timestamp)
