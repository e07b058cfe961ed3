"""Background jobs (procrastinate, on PostgreSQL).

`job_defer` writes the job row through Django's own database connection, so the job belongs to
the caller's transaction: committed with the business change that causes it, or rolled back with
it. It does so even inside a running job, where the procrastinate app itself talks to the
database through the worker's separate connection pool.
"""

import datetime

from django.conf import settings
from django.db import connections


def _django_job_manager():
    from procrastinate import manager
    from procrastinate.contrib.django.django_connector import DjangoConnector

    alias = getattr(settings, "PROCRASTINATE_DATABASE_ALIAS", "default")
    return manager.JobManager(connector=DjangoConnector(alias=alias))


def job_defer(task, *, at: datetime.datetime | None = None, **task_kwargs) -> int:
    """Queue one run of `task` (a procrastinate task) with `task_kwargs`, not before `at`."""
    from procrastinate.tasks import configure_task

    deferrer = configure_task(
        name=task.name, job_manager=_django_job_manager(), queue=task.queue, priority=task.priority,
        lock=task.lock, queueing_lock=task.queueing_lock, schedule_at=at,
    )
    return deferrer.defer(**task_kwargs)


def close_connections_after_job(call_next, context, worker):
    """Worker task middleware: sync jobs run in pool threads that come and go, and a connection left
    open by a finished thread lingers on the server until it is garbage-collected."""
    try:
        return call_next()
    finally:
        connections.close_all()


def on_app_ready(app) -> None:
    """PROCRASTINATE_ON_APP_READY: settings cannot name a middleware by its dotted path."""
    app.worker_defaults["task_middleware"] = [*app.worker_defaults.get("task_middleware", []),
                                              close_connections_after_job]


def worker_run(*, concurrency: int = 4) -> None:
    """Run the worker on every queue, with the periodic tasks, until SIGINT or SIGTERM; jobs
    that are running then are given time to finish."""
    from procrastinate.contrib.django import app

    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(concurrency=concurrency, queues=None, shutdown_graceful_timeout=60)
