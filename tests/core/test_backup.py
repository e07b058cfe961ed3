"""`depot backup` and `depot restore`: every backup is verified by restoring it.

pg_dump reads through its own session, which never sees a test's open transaction, so the module's
one backup is of committed rows. Afterwards exactly the rows added are deleted again (a flush would
also remove what data migrations wrote), and any database a restore left behind is dropped."""

import contextlib
import dataclasses
import datetime
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings

from depot.cli import main
from depot.core import backup, crypto, roles
from depot.core.accounts import user_create
from depot.core.tasks import backup_nightly_due
from depot.customers.models import Customer
from depot.customers.services import customer_create
from tests.conftest import uscc_with_check_digit


def _run(capsys, *argv) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def _admin():
    return backup.server_resolve().connect("postgres", autocommit=True)


def _databases() -> set[str]:
    with _admin() as admin:
        return {name for (name,) in admin.execute("SELECT datname FROM pg_database").fetchall()}


def _high_water(cursor) -> dict[str, int | None]:
    """Per table: -1 when empty, else its highest id (None for a table without an id column)."""
    cursor.execute("SELECT table_name, bool_or(column_name = 'id') FROM information_schema.columns"
                   " WHERE table_schema = 'public' GROUP BY table_name")
    marks = {}
    for table, has_id in cursor.fetchall():
        cursor.execute(f'SELECT count(*), {"max(id)" if has_id else "NULL"} FROM "{table}"')
        count, top = cursor.fetchone()
        marks[table] = -1 if count == 0 else top
    return marks


def _end_other_sessions() -> None:
    """End the other sessions on the test database: the live server of the browser tests keeps one
    open for the whole run. On a real server the operator stops depot serve and the worker first."""
    database = connection.settings_dict["NAME"]
    assert database == django_settings.DATABASES["default"]["TEST"]["NAME"], database  # never a real database
    connection.close()
    with _admin() as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [database])


@contextlib.contextmanager
def _committed():
    """Writes are committed; afterwards exactly the rows added are deleted again and the databases a
    restore left behind are dropped."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = cursor.fetchone()[0]
    assert database == django_settings.DATABASES["default"]["TEST"]["NAME"], database  # never a real database
    before = _databases()
    with connection.cursor() as cursor:
        marks = _high_water(cursor)
    try:
        yield database
    finally:
        connection.close()
        with _admin() as admin:
            for name in _databases() - before:
                if name.startswith(database + "_"):  # not another test run's, on the same server
                    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        with connection.cursor() as cursor:
            now = _high_water(cursor)
            empty = [t for t, mark in marks.items() if mark == -1 and now.get(t) != -1]
            if empty:
                cursor.execute(f"TRUNCATE {', '.join(f'{chr(34)}{t}{chr(34)}' for t in empty)} CASCADE")
            for table, mark in marks.items():
                if mark not in (-1, None) and now.get(table) != mark:
                    cursor.execute(f'DELETE FROM "{table}" WHERE id > %s', [mark])
        connection.close()


@dataclasses.dataclass
class BackedUp:
    code: int
    out: str
    err: str
    folder: Path
    archive: Path
    customer: Customer
    media: Path
    older: list[Path]


def _fake_archive(folder: Path, stamp: str, *, ok: bool) -> Path:
    path = folder / f"depot-{stamp}.tar"
    path.write_bytes(b"")
    path.with_suffix(".verify.json").write_text(json.dumps({"ok": ok}))
    return path


@pytest.fixture
def transactional_db(django_db_setup, django_db_blocker):
    """Replaces pytest-django's fixture of this name (whose name also makes pytest-django create the
    test database): no transaction around the test; `_module_backup` removes what was committed."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="module")
def _module_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """One real `depot backup --keep 2` for the module (a backup and its verification take seconds):
    a committed customer with an encrypted phone number, an uploaded file, and three older archives
    in the backup folder, one of which failed its verification."""
    folder, media = tmp_path_factory.mktemp("backups"), tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast), _committed():
        (media / "consents").mkdir()
        (media / "consents" / "授权书.pdf").write_bytes(b"%PDF-1.4 signed consent")
        specialist = user_create(username="backup.cs", password="Depot-test-2026", role=roles.CS_SPECIALIST,
                                 check_password=False)
        customer = customer_create(
            actor=specialist, confirm_similar=True,
            data={"name": "上海恒通冷链物流有限公司", "short_name": "恒通冷链",
                  "credit_code": uscc_with_check_digit("913100000B4CKUP00")},
            contacts=[{"name": "陈经理", "phone": "13900001234", "email": "chen@hengtong.cn", "is_primary": True}],
        )
        older = [_fake_archive(folder, "20240101-020000", ok=True), _fake_archive(folder, "20240102-020000", ok=False),
                 _fake_archive(folder, "20240103-020000", ok=True)]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exc:
            main(["backup", "--to", str(folder), "--keep", "2"])
        yield BackedUp(code=exc.value.code, out=out.getvalue(), err=err.getvalue(), folder=folder,
                       archive=backup.backups_list(folder=folder)[-1], customer=customer, media=media, older=older)


@pytest.fixture
def backed_up(_module_backup, transactional_db) -> BackedUp:
    return _module_backup


@pytest.fixture
def archive(backed_up, tmp_path) -> Path:
    """A copy of the module's archive (with its checksum file) that a test may change."""
    assert backed_up.code == 0, backed_up.out + backed_up.err
    copy = tmp_path / backed_up.archive.name
    shutil.copy(backed_up.archive, copy)
    shutil.copy(backed_up.archive.with_name(backed_up.archive.name + ".sha256"), tmp_path)
    return copy


def test_a_backup_holds_the_database_the_files_and_a_manifest_whose_counts_match(backed_up):
    assert backed_up.code == 0, backed_up.err
    assert "✓ 备份已通过恢复校验" in backed_up.out
    assert "提醒：备份中不含个人数据加密密钥" in backed_up.out
    archive = backed_up.archive
    with tarfile.open(archive) as tar:
        assert set(tar.getnames()) == {"manifest.json", "database.dump", "media.tar"}
        manifest = json.load(tar.extractfile("manifest.json"))
        with tarfile.open(fileobj=io.BytesIO(tar.extractfile("media.tar").read())) as media:
            assert media.getnames() == ["consents/授权书.pdf"]
    assert manifest["row_counts"]["customers_customer"] == 1
    assert manifest["row_counts"]["customers_contact"] == 1
    assert manifest["migrations"]["customers"].startswith("00")
    assert manifest["field_key_fingerprint"] == backup.key_fingerprint(django_settings.FIELD_ENCRYPTION_KEYS[0])
    assert django_settings.FIELD_ENCRYPTION_KEYS[0].encode() not in archive.read_bytes()
    assert json.loads(archive.with_suffix(".verify.json").read_text())["ok"] is True
    assert archive.stat().st_mode & 0o077 == 0
    assert not any(d.endswith(backup.CHECK_SUFFIX) for d in _databases())


def test_retention_keeps_the_last_n_verified_backups_once_the_new_one_verified(backed_up):
    oldest, failed, kept = backed_up.older

    assert not oldest.exists() and not oldest.with_suffix(".verify.json").exists()
    assert not failed.exists()
    assert kept.exists()
    assert backup.backups_list(folder=backed_up.folder) == [kept, backed_up.archive]
    assert oldest.name in backed_up.out


def test_verify_passes_on_an_intact_archive(capsys, archive):
    code, out, _err = _run(capsys, "backup", "--verify", str(archive))

    assert code == 0
    assert "哈希链完整" in out
    assert "解密成功" in out
    assert json.loads(archive.with_suffix(".verify.json").read_text())["ok"] is True


@pytest.mark.parametrize("with_checksum_file", [True, False])
def test_a_corrupted_archive_is_refused_with_a_chinese_message(capsys, archive, with_checksum_file):
    if not with_checksum_file:
        archive.with_name(archive.name + ".sha256").unlink()
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))

    code, _out, err = _run(capsys, "backup", "--verify", str(archive))

    assert code == 1
    assert "备份文件已损坏" in err


def test_a_backup_that_the_current_key_cannot_read_fails_its_verification(capsys, archive, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["a-different-key"]
    crypto._cipher.cache_clear()
    try:
        code, _out, err = _run(capsys, "backup", "--verify", str(archive))
    finally:
        crypto._cipher.cache_clear()

    assert code == 1
    assert "无法用当前密钥解密" in err
    assert json.loads(archive.with_suffix(".verify.json").read_text())["ok"] is False


def test_a_second_backup_at_the_same_time_is_refused_and_writes_nothing(capsys, backed_up, tmp_path):
    server = backup.server_resolve()
    with server.connect("postgres", autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", ["depot-backup:" + server.database])

        code, _out, err = _run(capsys, "backup", "--to", str(tmp_path))

    assert code == 1
    assert "另一个备份、校验或恢复正在对数据库" in err
    assert backup.backups_list(folder=tmp_path) == []


def test_restore_without_yes_shows_what_would_be_replaced_and_changes_nothing(capsys, backed_up, archive):
    Customer.objects.filter(pk=backed_up.customer.pk).delete()
    databases = _databases()

    code, out, err = _run(capsys, "restore", str(archive))

    assert code == 2
    assert "将被替换的数据库" in out and "未做任何更改" in err
    assert not Customer.objects.filter(pk=backed_up.customer.pk).exists()
    assert _databases() == databases


def test_restore_refuses_while_another_session_uses_the_database(capsys, backed_up, archive):
    Customer.objects.filter(pk=backed_up.customer.pk).delete()

    with backup.server_resolve().connect(application_name="depot-serve"):
        code, _out, err = _run(capsys, "restore", str(archive), "--yes")

    assert code == 1
    assert "请先停止 depot serve" in err and "depot-serve" in err
    assert not Customer.objects.filter(pk=backed_up.customer.pk).exists()


def test_restore_brings_back_a_deleted_customer_and_keeps_the_replaced_database(capsys, backed_up, archive):
    Customer.objects.filter(pk=backed_up.customer.pk).delete()
    (backed_up.media / "consents" / "授权书.pdf").unlink(missing_ok=True)
    _end_other_sessions()

    code, out, err = _run(capsys, "restore", str(archive), "--yes")

    assert code == 0, err
    restored = Customer.objects.get(pk=backed_up.customer.pk)
    assert restored.name == "上海恒通冷链物流有限公司"
    assert restored.contacts.get().phone == "13900001234"
    assert (backed_up.media / "consents" / "授权书.pdf").read_bytes() == b"%PDF-1.4 signed consent"
    database = connection.settings_dict["NAME"]
    kept = [d for d in _databases() if d.startswith(database + backup.KEPT_SUFFIX)]
    assert len(kept) == 1 and kept[0] in out


def test_restore_refuses_an_archive_from_a_newer_depot(capsys, archive, tmp_path):
    newer = tmp_path / "newer" / archive.name
    newer.parent.mkdir()
    with tarfile.open(archive) as old, tarfile.open(newer, "w") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"]["customers"] = "9999_from_the_future"
                data = json.dumps(manifest).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))

    code, _out, err = _run(capsys, "restore", str(newer), "--yes")

    assert code == 1
    assert "更新版本的 Depot" in err


def test_retention_deletes_nothing_while_fewer_than_n_backups_verified(tmp_path):
    archives = [_fake_archive(tmp_path, f"2024010{d}-020000", ok=d == 3) for d in (1, 2, 3)]

    assert backup.backups_prune(folder=tmp_path, keep=2) == []
    assert all(a.exists() for a in archives)


def test_two_backups_in_the_same_second_get_names_in_order(tmp_path):
    when = datetime.datetime(2026, 3, 1, 2, 0, tzinfo=datetime.UTC)
    first = backup._new_archive_path(tmp_path, when)
    first.write_bytes(b"")
    second = backup._new_archive_path(tmp_path, when)
    second.write_bytes(b"")

    assert backup.backups_list(folder=tmp_path) == [first, second]
    assert first.name == "depot-20260301-100000.tar"


def test_the_nightly_backup_runs_only_in_its_hour_and_never_on_a_test_database(db):
    two_am_shanghai = int(datetime.datetime(2026, 3, 1, 18, 0, tzinfo=datetime.UTC).timestamp())

    assert backup_nightly_due(timestamp=two_am_shanghai, env={"DEPOT_BACKUP_HOUR": "off"}) is None
    assert backup_nightly_due(timestamp=two_am_shanghai + 3600, env={}) is None
    assert backup_nightly_due(timestamp=two_am_shanghai, env={}) is None  # the tests' database


def test_restore_of_a_missing_file_says_so(capsys, db):
    code, _out, err = _run(capsys, "restore", "/nonexistent/depot-20260101-020000.tar")

    assert code == 1
    assert "找不到备份文件" in err


def _fake_client(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    for program in ("pg_dump", "pg_restore"):
        script = folder / program
        script.write_text(f"#!/bin/sh\necho '{program} (PostgreSQL) {version}'\n")
        script.chmod(0o755)
    return folder


def test_with_database_url_the_client_of_the_servers_major_version_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://depot@db.internal/depot")
    monkeypatch.setenv("DEPOT_PG_BIN", str(_fake_client(tmp_path / "16", "16.4")))

    assert backup._programs_for(16) == tmp_path / "16"


def test_without_a_client_of_the_servers_version_the_error_names_the_package_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://depot@db.internal/depot")
    monkeypatch.setenv("DEPOT_PG_BIN", str(_fake_client(tmp_path / "14", "14.11")))

    with pytest.raises(backup.BackupError) as exc:
        backup._programs_for(16)

    assert "postgresql-client-16" in str(exc.value.message)
    assert "DEPOT_PG_BIN" in str(exc.value.message)


def test_a_session_that_ends_a_moment_later_does_not_stop_the_restore_but_one_that_stays_does(db):
    import threading

    server = backup.server_resolve()
    scratch = connection.settings_dict["NAME"] + "_settle"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}"')
        try:
            leaving = server.connect(scratch)
            threading.Timer(0.5, leaving.close).start()
            backup._refuse_while_in_use(admin, scratch)  # waits for it to go

            with server.connect(scratch, application_name="depot-worker"), \
                    pytest.raises(backup.BackupError) as refused:
                backup._refuse_while_in_use(admin, scratch, settle=0.3)
            assert "depot-worker" in str(refused.value.message)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
