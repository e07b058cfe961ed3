"""The real worker: `depot worker` picks up what the application committed, and stops cleanly.

These tests commit for real (a worker reads through its own connections, which never see a test's
open transaction), so they create no customers or users and empty the tables they used."""

import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from depot.notifications.choices import Channel, Status
from depot.notifications.models import WebhookEndpoint
from depot.notifications.services import notification_enqueue
from tests.notifications.helpers import queued_jobs

USED_TABLES = ("notifications_deliveryattempt", "notifications_notification", "notifications_webhookendpoint",
               "procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers",
               "procrastinate_workers")


@pytest.fixture
def transactional_db(django_db_setup, django_db_blocker, settings):
    """Replaces pytest-django's fixture of this name (whose name also makes pytest-django create the
    test database): writes are committed, and afterwards only the tables used here are emptied —
    a flush would also remove the rows data migrations made (roles, message templates)."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            database = cursor.fetchone()[0]
        assert database == settings.DATABASES["default"]["TEST"]["NAME"], database  # never a real database
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(USED_TABLES)} CASCADE")
        # After the browser tests this connection belongs to the event loop they leave in the main
        # thread, where the test database's teardown would not find it.
        connection.close()


def run_worker_until_idle():
    """Run the worker until no job is due. In its own thread: the browser tests keep an event loop
    running in the main thread for the whole session."""
    failures = []

    def run():
        try:
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False, concurrency=2)
        except BaseException as exc:
            failures.append(exc)

    with app.replace_connector(app.connector.get_worker_connector()):
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(60)
    assert not thread.is_alive() and not failures, failures


def test_the_worker_delivers_committed_messages_and_queues_the_retries(transactional_db, smtp_server,
                                                                        webhook_receiver):
    smtp_server.start()
    webhook_receiver.status = 503
    endpoint = WebhookEndpoint.objects.create(url=webhook_receiver.url, secret="whsec_test", events=["order.held"])
    with transaction.atomic():
        # no template: the live-server tests before these empty the tables, data migrations' rows too
        email = notification_enqueue(event="order.held", channel=Channel.EMAIL, recipient="chen@huashengda.cn",
                                     subject="订单 SO-8 已暂停处理", body="原因：待补货")
        webhook = notification_enqueue(event="order.held", channel=Channel.WEBHOOK, recipient=endpoint,
                                       payload={"order_no": "SO-8"})

    run_worker_until_idle()

    email.refresh_from_db()
    webhook.refresh_from_db()
    assert email.status == Status.DELIVERED
    assert smtp_server.messages[0]["message"]["Subject"].strip() == "订单 SO-8 已暂停处理"
    assert webhook.status == Status.PENDING
    assert webhook.delivery_attempts.get().status_code == 503
    retry = queued_jobs(webhook).get()
    assert retry.scheduled_at > timezone.now()


def test_depot_worker_stops_cleanly_on_sigterm(transactional_db, tmp_path):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT']}/{db['NAME']}"
    output = tmp_path / "worker.log"
    with output.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "depot", "worker", "--concurrency", "1"], stdout=out,
                                  stderr=subprocess.STDOUT, env={**os.environ, "DATABASE_URL": url})
        try:
            deadline = time.monotonic() + 60
            while "后台任务进程已启动" not in output.read_text() and time.monotonic() < deadline:
                assert worker.poll() is None, output.read_text()
                time.sleep(0.1)
            time.sleep(0.5)  # past the start message, into the worker loop

            worker.send_signal(signal.SIGTERM)
            code = worker.wait(30)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    assert code == 0, output.read_text()
    assert "后台任务进程已停止" in output.read_text()
