"""Backups that are known to restore: `depot backup`, `depot backup --verify FILE`, `depot restore FILE`.

One archive per backup, `depot-YYYYMMDD-HHMMSS.tar` (Depot's local time), holding
  manifest.json   Depot version, latest migration per app, row counts per table, size and sha256 of each
                  part, the fingerprint of the field key (never the key: see docs/decisions/backup-and-restore.md)
  database.dump   `pg_dump --format=custom`, taken in the same snapshot as the row counts
  media.tar       the uploaded files (MEDIA_ROOT)
and beside it `NAME.tar.sha256` (sha256sum format) and `NAME.verify.json` (the last verification).

Every archive is verified by restoring it: into `<db>_restore_check` on the same server, where the row
counts are compared with the manifest, the audit hash chains recomputed and one value of every encrypted
field decrypted with the current key; the scratch database is dropped afterwards. `depot restore` does
the same into `<db>_restore_new`, then swaps it in by renaming and keeps the replaced database as
`<db>_before_restore_<time>`. Nothing here ever ends another session: a restore refuses while anyone
is connected to the database it replaces.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import depot
from depot.core.errors import DomainError

logger = logging.getLogger("depot.backup")

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar"
PARTS = (DUMP, MEDIA)
FORMAT = 1
DEFAULT_KEEP = 14
CHECK_SUFFIX = "_restore_check"
NEW_SUFFIX = "_restore_new"
KEPT_SUFFIX = "_before_restore_"
ARCHIVE_RE = re.compile(r"^depot-(\d{8}-\d{6})(?:-(\d+))?\.tar$")
# libpq connection keywords Django's OPTIONS may carry (the rest are Django's or psycopg's own).
_LIBPQ_OPTIONS = {"sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslpassword", "connect_timeout",
                  "target_session_attrs", "options", "service", "passfile", "gssencmode", "channel_binding"}

Report = Callable[[str], None]


class BackupError(DomainError):
    code = "backup_failed"
    default_message = gettext_lazy("备份或恢复未能完成")


class ArchiveDamaged(BackupError):
    code = "archive_damaged"


@dataclasses.dataclass
class Verification:
    ok: bool
    problems: list[str]
    notes: list[str]
    verified_at: str

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class BackupResult:
    archive: Path
    manifest: dict
    verification: Verification
    deleted: list[Path]


def _noop(_message: str) -> None:
    pass


# --- the server and its programs -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Server:
    database: str
    params: dict  # libpq keywords, without dbname and password
    password: str
    bin_dir: Path
    major: int

    def connect(self, dbname: str | None = None, **kwargs):
        import psycopg

        return psycopg.connect(dbname=dbname or self.database, password=self.password or None, **self.params,
                               **kwargs)

    def run(self, program: str, *args: str, dbname: str) -> None:
        from psycopg.conninfo import make_conninfo

        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password  # never on the command line, where `ps` shows it
        command = [str(self.bin_dir / program), *args, "--dbname", make_conninfo(dbname=dbname, **self.params)]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(_("%(program)s 失败：%(error)s") % {"program": program,
                                                                 "error": result.stderr.strip()[-2000:]})


def server_resolve() -> Server:
    """The configured database's server, and PostgreSQL programs of the server's major version.

    Embedded server: the programs it ships with. `DATABASE_URL`: `DEPOT_PG_BIN` if set, else the
    installed client of the same major version (Debian's /usr/lib/postgresql/N/bin, RHEL's /usr/pgsql-N/bin,
    the PATH), else the nearest newer one; raises BackupError naming the package to install."""
    conf = connections["default"].settings_dict
    params = {k: str(v) for k, v in {"host": conf.get("HOST"), "port": conf.get("PORT"),
                                     "user": conf.get("USER")}.items() if v}
    params.update({k: str(v) for k, v in (conf.get("OPTIONS") or {}).items() if k in _LIBPQ_OPTIONS})
    probe = Server(database=conf["NAME"], params=params, password=conf.get("PASSWORD") or "", bin_dir=Path(),
                   major=0)
    try:
        with probe.connect() as conn:
            major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the answer
        raise BackupError(_("无法连接数据库：%(e)s") % {"e": exc}) from exc
    return dataclasses.replace(probe, major=major, bin_dir=_programs_for(major))


def _client_major(bin_dir: Path) -> int | None:
    try:
        out = subprocess.run([str(bin_dir / "pg_dump"), "--version"], capture_output=True, text=True).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found and (bin_dir / "pg_restore").exists() else None


def _programs_for(major: int) -> Path:
    if not os.environ.get("DATABASE_URL"):
        from depot import embedded

        return Path(embedded.bin_dir())
    if os.environ.get("DEPOT_PG_BIN"):
        candidates = [Path(os.environ["DEPOT_PG_BIN"])]
    else:
        candidates = [*map(Path, sorted(_glob("/usr/lib/postgresql/*/bin") + _glob("/usr/pgsql-*/bin")))]
        on_path = shutil.which("pg_dump")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    versions = {c: v for c in candidates if (v := _client_major(c)) is not None}
    exact = [c for c, v in versions.items() if v == major]
    newer = sorted((v, str(c)) for c, v in versions.items() if v > major)
    if exact:
        return exact[0]
    if newer:
        return Path(newer[0][1])
    found = "，".join(f"{c}（{v}）" for c, v in versions.items()) or _("没有")
    raise BackupError(_(
        "找不到与数据库服务器相同主版本（PostgreSQL %(major)d）的 pg_dump 和 pg_restore（已找到：%(found)s）。"
        "请安装 postgresql-client-%(major)d（Debian/Ubuntu）或 postgresql%(major)d（RHEL），"
        "或用环境变量 DEPOT_PG_BIN 指定其所在目录。"
    ) % {"major": major, "found": found})


def _glob(pattern: str) -> list[str]:
    import glob

    return glob.glob(pattern)


@contextlib.contextmanager
def _exclusive(server: Server):
    """One backup, verification or restore at a time per database (a session advisory lock on the
    server's maintenance database, released when the command ends, also if it is killed)."""
    with server.connect("postgres", autocommit=True) as conn:
        got = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", ["depot-backup:" + server.database]
                           ).fetchone()[0]
        if not got:
            raise BackupError(_("另一个备份、校验或恢复正在对数据库 %(db)s 进行，请稍后再试") % {"db": server.database})
        yield conn


def _drop_database(admin, name: str) -> None:
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _create_database(admin, name: str) -> None:
    from psycopg import sql

    _drop_database(admin, name)  # left over by a run that was killed; the name is ours alone
    try:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    except Exception as exc:  # noqa: BLE001 - e.g. no CREATEDB privilege: say so in Chinese
        raise BackupError(_("无法在同一服务器上创建校验用数据库 %(db)s：%(e)s（数据库用户需要 CREATEDB 权限）")
                          % {"db": name, "e": exc}) from exc


def _scratch_name(database: str, suffix: str) -> str:
    return database[: 63 - len(suffix)] + suffix


# --- what is in a database ---------------------------------------------------------------------------

def _row_counts(conn) -> dict[str, int]:
    from psycopg import sql

    tables = conn.execute(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        " ORDER BY 1, 2").fetchall()
    counts = {}
    for schema, table in tables:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        counts[table if schema == "public" else f"{schema}.{table}"] = conn.execute(query).fetchone()[0]
    return counts


def _migration_state(conn) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in conn.execute("SELECT app, name FROM django_migrations").fetchall():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def key_fingerprint(key: str) -> str:
    """Names a field key without revealing it (the key is 256 random bits: its hash cannot be reversed)."""
    return hashlib.sha256(("depot-key-fingerprint:" + key.strip()).encode()).hexdigest()[:16]


def _current_fingerprints() -> list[str]:
    return [key_fingerprint(k) for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()]


def _schema_compare(migrations: dict[str, str]) -> tuple[list[str], bool]:
    """(migrations the code does not know — the archive is from a newer Depot; whether it is behind the code)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = [f"{app}.{name}" for app, name in migrations.items() if (app, name) not in loader.disk_migrations]
    leaves = dict(loader.graph.leaf_nodes())
    behind = any(migrations.get(app) != name for app, name in leaves.items())
    return unknown, behind


# --- archives ----------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sidecar(archive: Path, suffix: str) -> Path:
    return archive.with_name(archive.name + suffix) if suffix == ".sha256" else archive.with_suffix(suffix)


def _archive_key(path: Path) -> tuple[str, int]:
    found = ARCHIVE_RE.match(path.name)
    return (found.group(1), int(found.group(2) or 1)) if found else ("", 0)


def backups_list(*, folder: Path) -> list[Path]:
    """The archives in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if ARCHIVE_RE.match(p.name)), key=_archive_key)


def _new_archive_path(folder: Path, now: datetime.datetime) -> Path:
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"depot-{stamp}.tar", 1
    while path.exists():
        n += 1
        path = folder / f"depot-{stamp}-{n}.tar"
    return path


def archive_open(*, archive: Path, into: Path) -> dict:
    """Check `archive` and extract its parts into `into`; return its manifest.

    Raises ArchiveDamaged when the file is unreadable, is not a Depot backup, or a checksum differs
    (the whole file's, from NAME.tar.sha256 when present, and each part's, from the manifest)."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("找不到备份文件：%(path)s") % {"path": archive})
    sums = _sidecar(archive, ".sha256")
    if sums.exists():
        recorded = sums.read_text().split()
        if not recorded or recorded[0] != _sha256(archive):
            raise ArchiveDamaged(_("备份文件已损坏：整个文件的 SHA-256 与 %(sums)s 中记录的不符，不能使用")
                                 % {"sums": sums.name})
    try:
        with tarfile.open(archive, "r:") as tar:
            names = tar.getnames()
            if MANIFEST not in names or any(p not in names for p in PARTS):
                raise ArchiveDamaged(_("%(path)s 不是完整的 Depot 备份（缺少 %(parts)s）")
                                     % {"path": archive.name,
                                        "parts": "、".join(p for p in (MANIFEST, *PARTS) if p not in names)})
            for name in (MANIFEST, *PARTS):
                tar.extract(name, into, filter="data")
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise ArchiveDamaged(_("备份文件已损坏或不是 Depot 备份，无法读取：%(e)s") % {"e": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveDamaged(_("%(path)s 的清单无法识别，不是本版本 Depot 可用的备份") % {"path": archive.name})
    for name in PARTS:
        expected = (manifest.get("parts") or {}).get(name, {}).get("sha256")
        if expected != _sha256(into / name):
            raise ArchiveDamaged(_("备份文件已损坏：%(part)s 的 SHA-256 与清单不符，不能使用") % {"part": name})
    return manifest


def _media_pack(target: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    files = 0
    with tarfile.open(target, "w") as tar:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
                    files += 1
    return files


# --- verification ------------------------------------------------------------------------------------

@contextlib.contextmanager
def _django_alias(database: str):
    """A Django connection alias to `database` on the configured server, removed afterwards."""
    alias = "depot_backup_check"
    connections.settings[alias] = {**connections["default"].settings_dict, "NAME": database}
    try:
        yield alias
    finally:
        if hasattr(connections._connections, alias):
            connections[alias].close()
            del connections[alias]
        connections.settings.pop(alias, None)


def _migrate_copy(server: Server, database: str) -> str:
    """Apply the code's migrations to a restored copy whose schema is older (in a subprocess on that
    database, so that nothing the migration does can touch the configured one); "" or the error."""
    env = dict(os.environ)
    url = env.get("DATABASE_URL")
    if url:
        env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path="/" + quote(database)))
    else:
        env["DEPOT_DATABASE_NAME"] = database
    result = subprocess.run([sys.executable, "-m", "depot", "manage", "migrate", "--noinput", "-v", "0"],
                            env=env, capture_output=True, text=True)
    return "" if result.returncode == 0 else result.stderr.strip()[-2000:]


def _encrypted_columns() -> list[tuple[str, str]]:
    from django.apps import apps

    from depot.core.fields import EncryptedTextField

    return [(m._meta.db_table, f.column) for m in apps.get_models() for f in m._meta.concrete_fields
            if isinstance(f, EncryptedTextField) and not m._meta.proxy]


def _check_copy(server: Server, database: str, manifest: dict, report: Report) -> Verification:
    """Compare a restored copy with its manifest and check it as the running system would read it."""
    from psycopg import sql

    from depot.core import crypto
    from depot.core.audit import audit_verify

    problems: list[str] = []
    notes: list[str] = []
    with server.connect(database, autocommit=True) as conn:
        counts = _row_counts(conn)
    expected = manifest.get("row_counts") or {}
    for table in sorted(set(expected) | set(counts)):
        if expected.get(table) != counts.get(table):
            problems.append(_("表 %(table)s 的行数不符：备份时 %(expected)s，恢复后 %(actual)s")
                            % {"table": table, "expected": expected.get(table, "—"),
                               "actual": counts.get(table, "—")})
    report(_("行数：%(n)d 张表与清单比对，共 %(rows)d 行") % {"n": len(counts), "rows": sum(counts.values())})
    if problems:
        return _verification(problems, notes)

    unknown, behind = _schema_compare(manifest.get("migrations") or {})
    if unknown:
        problems.append(_("备份来自更新版本的 Depot（本程序不认识的迁移：%(m)s），请先升级 Depot")
                        % {"m": "，".join(unknown[:10])})
        return _verification(problems, notes)
    if behind:
        report(_("备份的数据库结构比本程序旧，正在对恢复的副本执行迁移…"))
        error = _migrate_copy(server, database)
        if error:
            problems.append(_("恢复的副本无法迁移到本程序的数据库结构：%(e)s") % {"e": error})
            return _verification(problems, notes)
        notes.append(_("副本已迁移到本程序的数据库结构"))

    with _django_alias(database) as alias:
        chain = audit_verify(using=alias)
    problems.extend(_("变更历史：%(p)s") % {"p": p} for p in chain[:20])
    if not chain:
        report(_("变更历史：哈希链完整"))

    checked = 0
    with server.connect(database, autocommit=True) as conn:
        for table, column in _encrypted_columns():
            query = sql.SQL("SELECT {c} FROM {t} WHERE {c} <> '' LIMIT 1").format(
                c=sql.Identifier(column), t=sql.Identifier(table))
            row = conn.execute(query).fetchone()
            if row is None:
                continue
            try:
                crypto.decrypt(row[0])
            except ValueError:
                problems.append(_(
                    "个人数据（%(table)s.%(column)s）无法用当前密钥解密：备份时的密钥指纹 %(then)s，"
                    "当前密钥指纹 %(now)s。请配置备份时使用的 DEPOT_FIELD_KEY"
                ) % {"table": table, "column": column, "then": manifest.get("field_key_fingerprint", "—"),
                     "now": "，".join(_current_fingerprints())})
            checked += 1
    if checked and not problems:
        report(_("加密字段：%(n)d 个字段用当前密钥解密成功") % {"n": checked})
    elif not checked:
        notes.append(_("没有加密的个人数据可供检查密钥"))
    if manifest.get("field_key_fingerprint") not in _current_fingerprints():
        notes.append(_("备份时的密钥指纹 %(then)s 不在当前配置的密钥中")
                     % {"then": manifest.get("field_key_fingerprint", "—")})
    return _verification(problems, notes)


def _verification(problems: list[str], notes: list[str]) -> Verification:
    return Verification(ok=not problems, problems=[str(p) for p in problems], notes=[str(n) for n in notes],
                        verified_at=timezone.localtime().isoformat(timespec="seconds"))


def _restore_into(server: Server, admin, database: str, dump: Path, manifest: dict, report: Report) -> Verification:
    _create_database(admin, database)
    report(_("正在把备份恢复到数据库 %(db)s…") % {"db": database})
    server.run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               str(dump), dbname=database)
    return _check_copy(server, database, manifest, report)


def backup_verify(*, archive: Path, server: Server | None = None, report: Report = _noop) -> Verification:
    """Verify `archive` by restoring it into `<db>_restore_check`, which is dropped afterwards.

    Raises ArchiveDamaged for a damaged archive and BackupError when it cannot be tried (no server,
    no pg_restore, another backup running); returns the Verification otherwise, also written to
    NAME.verify.json."""
    server = server or server_resolve()
    with _exclusive(server) as admin:
        return _verify_locked(Path(archive), server, admin, report)


def _verify_locked(archive: Path, server: Server, admin, report: Report) -> Verification:
    scratch = _scratch_name(server.database, CHECK_SUFFIX)
    with tempfile.TemporaryDirectory(prefix=".depot-verify-", dir=settings.DEPOT_HOME) as tmp:
        manifest = archive_open(archive=archive, into=Path(tmp))
        report(_("校验和：正确"))
        try:
            result = _restore_into(server, admin, scratch, Path(tmp) / DUMP, manifest, report)
        except BackupError as exc:
            result = _verification([exc.message], [])
        finally:
            _drop_database(admin, scratch)
    with contextlib.suppress(OSError):
        _sidecar(archive, ".verify.json").write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2),
                                                      encoding="utf-8")
    return result


# --- backup ------------------------------------------------------------------------------------------

def backup_create(*, folder: Path | None = None, keep: int = DEFAULT_KEEP, report: Report = _noop,
                  now: datetime.datetime | None = None) -> BackupResult:
    """Write a new archive into `folder` (default DEPOT_HOME/backups), verify it by restoring it, and
    then, only if it verified, delete the archives older than the last `keep` verified ones.

    The dump and the row counts come from one REPEATABLE READ snapshot, so they agree even while
    Depot is in use. Raises BackupError when no archive could be written."""
    if keep < 1:
        raise BackupError(_("--keep 至少为 1"))
    folder = Path(folder or Path(settings.DEPOT_HOME) / "backups")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    server = server_resolve()
    with _exclusive(server) as admin:
        archive, manifest = _archive_write(server, folder, now or timezone.now(), report)
        report(_("已写入 %(path)s（%(size).1f MB），正在恢复校验…") % {"path": archive,
                                                                "size": archive.stat().st_size / 1e6})
        verification = _verify_locked(archive, server, admin, report)
    deleted = backups_prune(folder=folder, keep=keep) if verification.ok else []
    return BackupResult(archive=archive, manifest=manifest, verification=verification, deleted=deleted)


def _archive_write(server: Server, folder: Path, now: datetime.datetime, report: Report) -> tuple[Path, dict]:
    archive = _new_archive_path(folder, now)
    with tempfile.TemporaryDirectory(prefix=".depot-backup-", dir=folder) as tmp:
        tmp = Path(tmp)
        report(_("正在导出数据库 %(db)s（PostgreSQL %(major)d）…") % {"db": server.database, "major": server.major})
        import psycopg

        with server.connect(autocommit=False) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            counts = _row_counts(conn)
            migrations = _migration_state(conn)
            server.run("pg_dump", "--format=custom", f"--snapshot={snapshot}",
                       "--file", str(tmp / DUMP), dbname=server.database)
            conn.rollback()
        media_files = _media_pack(tmp / MEDIA)
        manifest = {
            "format": FORMAT,
            "depot_version": depot.__version__,
            "created_at": timezone.localtime(now).isoformat(timespec="seconds"),
            "database": server.database,
            "postgresql_major": server.major,
            "migrations": migrations,
            "row_counts": counts,
            "media_files": media_files,
            "field_key_fingerprint": _current_fingerprints()[0],
            "parts": {name: {"size": (tmp / name).stat().st_size, "sha256": _sha256(tmp / name)} for name in PARTS},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial = archive.with_name(archive.name + ".partial")
        # Personal data is encrypted in the dump, but the rest of it is the warehouse's business: owner only.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        try:
            with tarfile.open(partial, "w") as tar:
                for name in (MANIFEST, *PARTS):
                    tar.add(tmp / name, arcname=name)
            os.replace(partial, archive)
        finally:
            partial.unlink(missing_ok=True)
    _sidecar(archive, ".sha256").write_text(f"{_sha256(archive)}  {archive.name}\n")
    return archive, manifest


def _verified(archive: Path) -> bool:
    try:
        return json.loads(_sidecar(archive, ".verify.json").read_text(encoding="utf-8")).get("ok") is True
    except (OSError, ValueError, AttributeError):
        return False


def backups_prune(*, folder: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` verified archives and delete every archive older than the oldest of them
    (with its sidecars). Archives newer than that stay, verified or not; with fewer than `keep`
    verified archives nothing is deleted."""
    archives = backups_list(folder=Path(folder))
    verified = [a for a in archives if _verified(a)]
    if len(verified) <= keep:
        return []
    oldest_kept = _archive_key(verified[-keep])
    deleted = [a for a in archives if _archive_key(a) < oldest_kept]
    for archive in deleted:
        for path in (archive, _sidecar(archive, ".sha256"), _sidecar(archive, ".verify.json")):
            path.unlink(missing_ok=True)
    return deleted


def reminder_key() -> str:
    return _(
        "提醒：备份中不含个人数据加密密钥（当前密钥指纹 %(fp)s）。请把密钥（环境变量 DEPOT_FIELD_KEY，"
        "或 DEPOT_HOME/secrets/field_key）另行保存在与备份分开的安全位置；没有它，恢复后的个人数据无法解密。"
    ) % {"fp": _current_fingerprints()[0]}


# --- restore -----------------------------------------------------------------------------------------

@dataclasses.dataclass
class RestorePlan:
    archive: Path
    manifest: dict
    database: str
    where: str
    current_counts: dict
    media_root: Path
    behind: bool


@dataclasses.dataclass
class RestoreResult:
    database: str
    kept_database: str
    kept_media: Path | None
    verification: Verification


def _other_sessions(admin, database: str) -> list[str]:
    rows = admin.execute(
        "SELECT coalesce(nullif(application_name, ''), usename, '?'), coalesce(host(client_addr), 'local')"
        " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]).fetchall()
    return [f"{app}@{client}" for app, client in rows]


def restore_plan(*, archive: Path, server: Server | None = None, into: Path) -> RestorePlan:
    """Check `archive` (checksums, schema not newer than the code) and describe what a restore would
    replace. Changes nothing."""
    server = server or server_resolve()
    manifest = archive_open(archive=Path(archive), into=into)
    unknown, behind = _schema_compare(manifest.get("migrations") or {})
    if unknown:
        raise BackupError(_("备份来自更新版本的 Depot（本程序不认识的迁移：%(m)s），不能恢复；请先升级 Depot")
                          % {"m": "，".join(unknown[:10])})
    with server.connect(autocommit=True) as conn:
        counts = _row_counts(conn)
    where = server.params.get("host", "localhost") + (":" + server.params["port"] if "port" in server.params else "")
    return RestorePlan(archive=Path(archive), manifest=manifest, database=server.database, where=where,
                       current_counts=counts, media_root=Path(settings.MEDIA_ROOT), behind=behind)


def restore_plan_lines(plan: RestorePlan) -> list[str]:
    m = plan.manifest
    tables = ("customers_customer", "orders_outboundorder", "core_auditentry")
    now = "，".join(f"{t} {plan.current_counts[t]}" for t in tables if t in plan.current_counts)
    then = "，".join(f"{t} {m['row_counts'][t]}" for t in tables if t in m.get("row_counts", {}))
    return [
        _("备份：%(path)s（%(at)s，Depot %(version)s）") % {"path": plan.archive, "at": m.get("created_at"),
                                                        "version": m.get("depot_version")},
        _("将被替换的数据库：%(db)s（%(where)s），现有 %(rows)d 行（%(now)s）")
        % {"db": plan.database, "where": plan.where, "rows": sum(plan.current_counts.values()), "now": now},
        _("恢复后：%(rows)d 行（%(then)s）") % {"rows": sum(m.get("row_counts", {}).values()), "then": then},
        _("将被替换的上传文件目录：%(path)s（备份中有 %(n)d 个文件）") % {"path": plan.media_root,
                                                                 "n": m.get("media_files", 0)},
        _("原数据库和上传文件目录会改名保留，不会删除。"),
    ]


def backup_restore(*, archive: Path, confirm: bool, report: Report = _noop,
                   now: datetime.datetime | None = None) -> RestoreResult:
    """Replace the configured database and MEDIA_ROOT with the contents of `archive`.

    Refuses (BackupError, nothing changed) without `confirm`, for a damaged archive or one from a newer
    Depot, while any other session is connected to the database, or when the restored copy fails
    verification. Otherwise restores into `<db>_restore_new`, verifies it, renames the configured
    database to `<db>_before_restore_<time>` and the copy to the configured name, moves MEDIA_ROOT
    aside to `media.before_restore_<time>` and unpacks the archive's files. Terminates no session."""
    from psycopg import sql

    server = server_resolve()
    connections.close_all()  # this process's own sessions must not hold the database either
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d%H%M%S")
    with tempfile.TemporaryDirectory(prefix=".depot-restore-", dir=settings.DEPOT_HOME) as tmp:
        tmp = Path(tmp)
        plan = restore_plan(archive=archive, server=server, into=tmp)
        connections.close_all()
        if not confirm:
            raise BackupError(_("未加 --yes，未做任何更改"))
        with _exclusive(server) as admin:
            _refuse_while_in_use(admin, server.database)
            new = _scratch_name(server.database, NEW_SUFFIX)
            try:
                verification = _restore_into(server, admin, new, tmp / DUMP, plan.manifest, report)
            except BackupError:
                _drop_database(admin, new)
                raise
            if not verification.ok:
                _drop_database(admin, new)
                raise BackupError(_("恢复的副本未通过校验，未做任何更改：%(p)s")
                                  % {"p": "；".join(verification.problems)})
            kept = _scratch_name(server.database, KEPT_SUFFIX + stamp)
            _refuse_while_in_use(admin, server.database)
            ident = sql.Identifier
            try:
                admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(ident(server.database), ident(kept)))
            except Exception as exc:  # noqa: BLE001 - someone connected in between, or no privilege
                _drop_database(admin, new)
                raise BackupError(_("无法替换数据库 %(db)s，未做任何更改：%(e)s") % {"db": server.database, "e": exc}
                                  ) from exc
            try:
                admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(ident(new), ident(server.database)))
            except Exception as exc:  # noqa: BLE001
                admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(ident(kept), ident(server.database)))
                _drop_database(admin, new)
                raise BackupError(_("无法替换数据库 %(db)s，未做任何更改：%(e)s") % {"db": server.database, "e": exc}
                                  ) from exc
        report(_("数据库已替换；原数据库保留为 %(kept)s") % {"kept": kept})
        kept_media = _media_restore(tmp / MEDIA, stamp)
    return RestoreResult(database=server.database, kept_database=kept, kept_media=kept_media,
                         verification=verification)


def _refuse_while_in_use(admin, database: str, *, settle: float = 3.0) -> None:
    """Refuse while others are connected. A session that has just closed (this process's own, a
    moment ago) stays listed until its server process has exited: look again for up to `settle`
    seconds before refusing."""
    deadline = time.monotonic() + settle
    sessions = _other_sessions(admin, database)
    while sessions and time.monotonic() < deadline:
        time.sleep(0.1)
        sessions = _other_sessions(admin, database)
    if sessions:
        raise BackupError(_(
            "数据库 %(db)s 仍有 %(n)d 个连接（%(who)s）。请先停止 depot serve 和 depot worker"
            "（及其他连接该数据库的程序），再运行恢复；本命令不会中断任何连接，未做任何更改。"
        ) % {"db": database, "n": len(sessions), "who": "，".join(sorted(set(sessions))[:5])})


def _media_restore(media_tar: Path, stamp: str) -> Path | None:
    root = Path(settings.MEDIA_ROOT)
    kept = None
    if root.exists():
        kept = root.with_name(f"{root.name}.before_restore_{stamp}")
        root.rename(kept)
    root.mkdir(parents=True)
    with tarfile.open(media_tar, "r:") as tar:
        tar.extractall(root, filter="data")
    return kept
