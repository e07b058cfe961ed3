"""Where a bench run writes: a database of its own next to the user's, never the user's own.

Embedded server (no `DATABASE_URL`): `<DEPOT_DATABASE_NAME or depot>_bench` on the same embedded
cluster, selected in the subprocesses by `DEPOT_DATABASE_NAME`. With `DATABASE_URL`: the database
named after it with a `_bench` suffix, on the same server. pgbench gets `…_pgbench` the same way.
"""

import os
import shutil
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

BENCH_SUFFIX = "_bench"
PGBENCH_SUFFIX = "_pgbench"


@dataclass
class Target:
    name: str
    pgbench_name: str
    where: str
    env: dict = field(repr=False)
    admin: dict = field(repr=False)
    pgbench_bin: str | None = None
    pgbench_conn: list[str] = field(default_factory=list)
    pgbench_env: dict = field(default_factory=dict, repr=False)

    def recreate(self, name: str | None = None) -> None:
        """Drop (closing its sessions) and create the bench database again."""
        name = name or self.name
        if not name.endswith((BENCH_SUFFIX, PGBENCH_SUFFIX)):
            raise ValueError(f"refusing to drop {name!r}: not a bench database")
        import psycopg

        with psycopg.connect(**self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def drop(self, name: str | None = None) -> None:
        name = name or self.name
        if not name.endswith((BENCH_SUFFIX, PGBENCH_SUFFIX)):
            raise ValueError(f"refusing to drop {name!r}: not a bench database")
        import psycopg

        with psycopg.connect(**self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def server_settings(self) -> dict:
        import psycopg

        names = ["server_version", "shared_buffers", "fsync", "synchronous_commit", "max_connections"]
        with psycopg.connect(**self.admin, autocommit=True) as conn:
            rows = conn.execute("SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
                                [names]).fetchall()
        return dict(rows)

    def exists(self) -> bool:
        import psycopg

        with psycopg.connect(**self.admin, autocommit=True) as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name]).fetchone() is not None


def _subprocess_env(**changes) -> dict:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def resolve() -> Target:
    url = os.environ.get("DATABASE_URL")
    return _from_url(url) if url else _embedded()


def _embedded() -> Target:
    base = os.environ.get("DEPOT_DATABASE_NAME", "depot")
    name, pgbench_name = base + BENCH_SUFFIX, base + PGBENCH_SUFFIX
    # The embedded module creates the database it is configured with: make that the bench one, so
    # attaching to the server from this process never creates or opens the user's database.
    os.environ["DEPOT_DATABASE_NAME"] = name
    from depot import embedded

    if name != embedded.DATABASE_NAME:
        embedded.DATABASE_NAME = name
    info = embedded.server().get_postmaster_info()
    host, port = str(info.socket_dir), str(info.port)
    return Target(
        name=name, pgbench_name=pgbench_name,
        where=f"嵌入式 PostgreSQL（{host}），数据库 {name}",
        env=_subprocess_env(DEPOT_DATABASE_NAME=name, DATABASE_URL=None),
        admin={"host": host, "port": port, "user": "postgres", "dbname": "postgres"},
        pgbench_bin=str(embedded.bin_dir() / "pgbench"),
        pgbench_conn=["-h", host, "-p", port, "-U", "postgres"],
    )


def _from_url(url: str) -> Target:
    parts = urlsplit(url)
    base = unquote(parts.path.lstrip("/")) or "depot"
    name, pgbench_name = base + BENCH_SUFFIX, base + PGBENCH_SUFFIX
    bench_url = urlunsplit(parts._replace(path="/" + name))
    admin = {"host": parts.hostname or "localhost", "port": str(parts.port or 5432),
             "user": unquote(parts.username or ""), "password": unquote(parts.password or ""),
             "dbname": "postgres"}
    conn = ["-h", admin["host"], "-p", admin["port"]] + (["-U", admin["user"]] if admin["user"] else [])
    return Target(
        name=name, pgbench_name=pgbench_name,
        where=f"DATABASE_URL 所在服务器 {admin['host']}:{admin['port']}，数据库 {name}（原库名加 _bench 后缀）",
        env=_subprocess_env(DATABASE_URL=bench_url, DEPOT_DATABASE_NAME=None),
        admin=admin, pgbench_bin=shutil.which("pgbench"), pgbench_conn=conn,
        pgbench_env={"PGPASSWORD": admin["password"]} if admin["password"] else {},
    )
