"""`crm_sync`: send Depot's customers, contacts, outbound orders and complaints to a CRM.

For each object of the connector, in order (accounts first): the records changed since the last
successful cursor, plus every record still waiting (failed last time, or withheld for want of
consent). A customer without a consent in force for this CRM is skipped and logged — nothing of
theirs leaves Depot. A record whose content is the same as what was last sent is not sent again.
What is sent goes in batches of at most `batch_size`; each record's outcome is stored on its link
(external id, digest, or the error so that the next run tries it again) and in the run log. The
cursor moves to the start of the run once an object is done, so nothing changed meanwhile is
missed. Only one run per connector at a time (a PostgreSQL advisory lock).
"""

import datetime
import hashlib
import json
import logging
import time
import zlib

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.errors import IllegalTransition
from depot.crm import mapping, selectors
from depot.crm.choices import EntryOutcome, LinkState, RunStatus
from depot.crm.connectors import ConnectorError, get
from depot.crm.models import ExternalLink, SyncRun, SyncRunEntry, SyncState

logger = logging.getLogger("depot.crm")


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


class _Lock:
    def __init__(self, name: str):
        self.key = zlib.crc32(f"depot.crm.{name}".encode())

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
            if not cursor.fetchone()[0]:
                raise IllegalTransition(_("该连接器的另一次同步正在进行，请稍后再试"))
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])


class _Run:
    """One run's bookkeeping: the log entries and the links, written as each batch finishes."""

    def __init__(self, run: SyncRun, connector):
        self.run, self.connector = run, connector
        self.withheld_customers: set[int] = set()

    def entry(self, kind, code, customer, outcome, *, external_id="", message=""):
        SyncRunEntry.objects.create(run=self.run, object=kind, depot_code=code, customer=customer,
                                    outcome=outcome, external_id=external_id, message=message)

    def link(self, kind, obj, customer, **fields) -> None:
        ExternalLink.objects.update_or_create(
            connector=self.run.connector, object=kind, local_id=obj.pk,
            defaults={"depot_code": mapping.code_of(kind, obj), "customer": customer, **fields})


def crm_sync(*, connector: str, since: datetime.datetime | None = None, dry_run: bool = False, env=None,
             sleep=time.sleep) -> SyncRun:
    """Run one sync with the connector named `connector`, configured from `env` (os.environ).
    `since` sends everything changed since then instead of since the stored cursor. A dry run
    reads no credentials, sends nothing and changes no link or cursor: its log lists what would be
    sent. Raises ValidationFailed (unknown connector, missing settings — nothing recorded) and
    IllegalTransition (a run of this connector is in progress). Returns the run with its counts;
    its status is failed when the CRM could not be used, partial when some records failed."""
    import os

    connector_class = get(connector)
    conn = connector_class.from_env(os.environ if env is None else env, sleep=sleep, credentials=not dry_run)
    with _Lock(connector):
        run = SyncRun.objects.create(connector=connector, dry_run=dry_run, since=since)
        state = _Run(run, conn)
        try:
            for kind in conn.objects:
                _sync_object(state, kind, since=since, dry_run=dry_run)
        except ConnectorError as exc:
            logger.warning("crm-sync %s: %s", connector, exc)
            run.status, run.message = RunStatus.FAILED, str(exc)
        else:
            run.status = RunStatus.PARTIAL if run.failed else RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.save()
    return run


def _sync_object(state: _Run, kind: str, *, since, dry_run: bool) -> None:
    run, conn = state.run, state.connector
    cursor_row, _created = SyncState.objects.get_or_create(connector=run.connector, object=kind)
    cursor = since if since is not None else cursor_row.cursor
    started = timezone.now()
    links = {link.local_id: link for link in ExternalLink.objects.filter(connector=run.connector, object=kind)}
    accounts = {}
    if kind != "account":
        accounts = {link.customer_id: link.external_id for link in ExternalLink.objects.filter(
            connector=run.connector, object="account").exclude(external_id="")}
    retry = [pk for pk, link in links.items() if link.state != LinkState.SYNCED]
    consent: dict[int, bool] = {}
    to_send = []
    for obj in selectors.candidates(kind=kind, cursor=cursor, retry_ids=retry).iterator(chunk_size=500):
        customer = mapping.customer_of(kind, obj)
        code = mapping.code_of(kind, obj)
        if customer.pk not in consent:
            consent[customer.pk] = selectors.consent_for(customer=customer, recipient_names=conn.recipient_names)
        if not consent[customer.pk]:
            run.withheld += 1
            if customer.pk not in state.withheld_customers:
                state.withheld_customers.add(customer.pk)
                state.entry(kind, customer.code, customer, EntryOutcome.WITHHELD,
                            message=_("客户未同意向%(crm)s提供信息，未发送其任何数据") % {"crm": conn.label})
            if not dry_run:
                state.link(kind, obj, customer, state=LinkState.WITHHELD,
                           last_error=_("客户未同意向第三方系统提供信息"))
            continue
        parent_id = accounts.get(customer.pk, "")
        if kind != "account" and not parent_id and not dry_run:
            run.failed += 1
            message = _("所属客户%(code)s尚未同步到CRM，下次重试") % {"code": customer.code}
            state.entry(kind, code, customer, EntryOutcome.FAILED, message=message)
            state.link(kind, obj, customer, state=LinkState.FAILED, last_error=message)
            continue
        payload = conn.payload(kind, mapping.BUILDERS[kind](obj), parent_id)
        digest = _digest(payload)
        link = links.get(obj.pk)
        if link is not None and link.state == LinkState.SYNCED and link.digest == digest:
            run.unchanged += 1
            continue
        to_send.append((obj, customer, code, payload, digest, link.external_id if link else ""))

    if dry_run:
        for _obj, customer, code, *_rest, external_id in to_send:
            state.entry(kind, code, customer, EntryOutcome.WOULD_SEND, external_id=external_id)
        return
    for start in range(0, len(to_send), conn.batch_size):
        batch = to_send[start:start + conn.batch_size]
        try:
            outcomes = conn.push(kind, [(payload, external_id) for _o, _c, _code, payload, _d, external_id in batch])
        except ConnectorError as exc:
            _record_failures(state, kind, to_send[start:], str(exc))
            raise
        with transaction.atomic():
            for (obj, customer, code, _payload, digest, _eid), outcome in zip(batch, outcomes, strict=True):
                if outcome.ok:
                    run.sent += 1
                    state.entry(kind, code, customer, EntryOutcome.SENT, external_id=outcome.external_id)
                    state.link(kind, obj, customer, state=LinkState.SYNCED, external_id=outcome.external_id,
                               digest=digest, last_error="", synced_at=timezone.now())
                else:
                    run.failed += 1
                    state.entry(kind, code, customer, EntryOutcome.FAILED, message=outcome.error)
                    state.link(kind, obj, customer, state=LinkState.FAILED, last_error=outcome.error)
        run.save(update_fields=["sent", "failed", "withheld", "unchanged"])
    cursor_row.cursor = started
    cursor_row.save(update_fields=["cursor", "updated_at"])


def _record_failures(state: _Run, kind: str, items, error: str) -> None:
    with transaction.atomic():
        for obj, customer, code, *_rest in items:
            state.run.failed += 1
            state.entry(kind, code, customer, EntryOutcome.FAILED, message=error)
            state.link(kind, obj, customer, state=LinkState.FAILED, last_error=error)
