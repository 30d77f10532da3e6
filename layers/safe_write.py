"""Safe writes to the GeoPackage: one writer at a time, one SQLite transaction per write, stored counts kept right.

The GeoPackage is a SQLite file. Every edit (a status change, a geometry correction) goes through
:func:`write_transaction`, which

1. takes an exclusive file lock beside the GeoPackage (``<file>.lock``, via ``filelock``; the OS releases it when the
   holding process dies, so a killed writer never blocks the next one),
2. opens the file with Python's ``sqlite3`` (never creating it), registers the few SQL functions GDAL's R-tree
   triggers call (``ST_MinX`` … ``ST_IsEmpty``), and starts ``BEGIN IMMEDIATE``,
3. lets the caller change rows with plain SQL — rows are updated, inserted or deleted, a layer is never dropped and
   rewritten (pyogrio's ``mode="w"`` on a layer, killed midway, loses it),
4. before ``COMMIT`` recomputes ``gpkg_ogr_contents.feature_count`` and the extent/``last_change`` in
   ``gpkg_contents`` of every table it touched (a wrong stored count makes GDAL readers silently drop rows).

A process killed anywhere in between leaves SQLite's rollback journal behind ("hot": the original pages of the
unfinished transaction, some of which were already overwritten in the file). Only a read-write connection can roll
it back; a read-only one (GDAL's, ``connect(readonly=True)``) fails with "attempt to write a readonly database".
So every reader calls :func:`recover` first: under the writer lock it opens the file read-write once and SQLite
restores everything committed before. Where the file or its folder is read-only it raises :class:`InterruptedWrite`
saying so — the file is intact and the journal is what restores it, so neither may be deleted.

Writes go to the file a path names: :func:`resolve_target` resolves symlinks (so a replace keeps the link, and the
lock of every path to one file is the same) and refuses devices, pipes and directories; :func:`same_file` compares
inodes, so a hard link onto a source is recognised as the source.

Geometry blobs and the trigger functions are in :mod:`layers.gpkg_blob`; table bookkeeping (counts, extents, key
and geometry columns) in :mod:`layers.gpkg_tables`; moving a project's row between layers in
:mod:`layers.feature_rows`.
"""
from __future__ import annotations

import os
import sqlite3
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import filelock

from core.errors import UserError
from layers.gpkg_blob import register_gpkg_functions
from layers.gpkg_tables import quote, refresh_table_stats, table_exists

LOCK_TIMEOUT = 30.0      # seconds a writer waits for another writer before giving up with a clear message
LOCK_POLL = 0.005        # a waiting writer retries this often (filelock polls; short so a busy writer cannot starve it)
BUSY_TIMEOUT_MS = 15000  # SQLite waits this long for readers to finish before COMMIT

_LOCKS: dict[str, filelock.FileLock] = {}
_LOCKS_GUARD = threading.Lock()


class WriteError(UserError):
    """A write that could not be done (Chinese, English detail); nothing was changed."""


class WriteBusy(WriteError):
    """Another writer held the lock for longer than the timeout."""


class InterruptedWrite(WriteError):
    """A killed writer's journal is beside the file and cannot be rolled back from here (read-only location)."""


class TargetError(WriteError):
    """An output path that must not be written: not a regular file (device, pipe, directory) or a symlink loop."""


# ---------------------------------------------------------------------------------------------------- the lock

def lock_path(gpkg: str | os.PathLike) -> Path:
    """``<file>.lock`` beside the file the path names (symlinks resolved: every path to one file, one lock)."""
    p = Path(gpkg).resolve()
    return p.with_name(p.name + ".lock")


def writer_lock(gpkg: str | os.PathLike) -> filelock.FileLock:
    """The process-wide lock object for this GeoPackage (re-entrant inside one process).

    The builder can hold it around ``carry_over`` + the atomic replace so no edit slips in between:
    ``with writer_lock(target): carry_over(target, tmp); os.replace(tmp, target)``.
    """
    key = str(lock_path(gpkg))
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            # thread_local=True: each thread (a Streamlit session) has its own file descriptor, so two sessions of
            # one server exclude each other exactly as two processes do; re-entrancy counts per thread.
            lock = filelock.FileLock(key, thread_local=True)
            _LOCKS[key] = lock
        return lock


@contextmanager
def locked(gpkg: str | os.PathLike, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    lock = writer_lock(gpkg)
    try:
        lock.acquire(timeout=timeout, poll_interval=LOCK_POLL)
    except filelock.Timeout:
        raise WriteBusy(
            f"另一位编辑正在保存，{timeout:.0f} 秒内未能取得写锁，请稍后重试，本次未做任何更改。",
            f"Another editor is saving; the write lock was not free within {timeout:.0f} s. "
            f"Nothing was changed — please retry.") from None
    try:
        yield
    finally:
        lock.release()


# ------------------------------------------------------------------------------- interrupted writers, targets

def hot_journal(gpkg: str | os.PathLike) -> Path | None:
    """A non-empty rollback journal (or WAL file) beside the file — what a killed writer leaves — or None."""
    p = Path(gpkg).resolve()
    for suffix in ("-journal", "-wal"):
        journal = p.with_name(p.name + suffix)
        try:
            if journal.stat().st_size > 0:
                return journal
        except OSError:
            continue
    return None


def _writable(p: Path) -> bool:
    p = p.resolve()
    return os.access(p, os.W_OK) and os.access(p.parent, os.W_OK)


def _read_once(p: Path, mode: str) -> None:
    """Open and read the schema once: a read-write connection rolls a hot journal back on its first read."""
    conn = sqlite3.connect(p.resolve().as_uri() + f"?mode={mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()


def recover(gpkg: str | os.PathLike, timeout: float = LOCK_TIMEOUT) -> None:
    """Roll back what a killed writer left beside ``gpkg``, so read-only readers can open it; call before reading.

    Nothing to do (two ``stat`` calls) unless a journal is there. Then, under the writer lock (a live writer of
    ours finishes first, and a build cannot swap the file in between), one read-write read: SQLite rolls the
    journal back only if it is hot, i.e. its writer is gone. In a read-only location a read-only probe tells a
    live writer's journal (readable) from a hot one (:class:`InterruptedWrite`).
    """
    p = Path(gpkg)
    journal = hot_journal(p)
    if journal is None:
        return
    if not p.exists():  # a file created here (a build) would be "rolled back" with another file's pages
        raise InterruptedWrite(
            f"{p} 不存在，但旁边还有中断写入留下的回滚日志 {journal.name}：请先恢复该 GeoPackage（例如从备份），"
            f"或把日志移到别处，再新建。",
            f"{p} is missing but the journal {journal.name} of an interrupted write is "
            f"still beside it and would damage a new file there: restore the GeoPackage (e.g. from a backup) or "
            f"move the journal elsewhere first.")
    if not p.is_file():
        return
    try:
        if _writable(p):
            with locked(p, timeout):
                if hot_journal(p) is not None:
                    _read_once(p, "rw")
        else:
            _read_once(p, "ro")
        return
    except (OSError, sqlite3.Error) as err:
        detail = err
    journal = hot_journal(p) or p.with_name(p.name + "-journal")
    raise InterruptedWrite(
        f"上次写入 {p} 的进程被中断，留下了回滚日志 {journal.name}，此处无法自动回滚（{detail}）。文件中之前保存的数据"
        f"完好：请勿删除 {p.name} 或 {journal.name}（回滚要用到日志），请以对该文件及其目录有写权限的用户运行一次"
        f"读取（如 python -m layers report --gpkg {p}），SQLite 会自动回滚未完成的写入。",
        f"A writer of {p} was interrupted and left its rollback journal {journal.name}, which cannot be rolled "
        f"back from here ({detail}). Everything saved before is intact: do not delete {p.name} or {journal.name} "
        f"(the journal is what restores the file). Run one read (e.g. python -m layers report --gpkg {p}) as a user "
        f"who can write to the file and its folder, and SQLite rolls the unfinished write back.")


def resolve_target(path: str | os.PathLike) -> Path:
    """The file a write to ``path`` creates or replaces: symlinks resolved (the replace and the lock are that
    file's, the link stays a link). A device, pipe or directory is refused: a replace would swap it for a file."""
    try:
        p = Path(path).resolve()
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        return p
    except (OSError, RuntimeError) as err:  # a symlink loop, a path through a file …
        raise TargetError(f"无法使用输出路径 {path}（{err}）。", f"Cannot use the output path {path} ({err}).") from None
    if not stat.S_ISREG(mode):
        raise TargetError(f"{path} 是设备、管道或目录，而非普通文件，不会写入或替换它。",
                          f"{path} is not a regular file (a device, pipe or directory); refusing to write or "
                          f"replace it.")
    return p


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two existing paths are one file (same device and inode: symlinks and hard links included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# ------------------------------------------------------------------------------------------------ connections

class GpkgConnection(sqlite3.Connection):
    """A connection that remembers which tables a transaction touched, to fix their stored counts/extents."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.touched: set[str] = set()
        self.extent_changed: set[str] = set()

    def touch(self, table: str, *, geometry: bool = True) -> None:
        """Mark a table changed; ``geometry=False`` when only attributes changed (the extent stays)."""
        self.touched.add(table)
        if geometry:
            self.extent_changed.add(table)


def connect(gpkg: str | os.PathLike, *, readonly: bool = False) -> GpkgConnection:
    """Open an existing GeoPackage (never creates one) with the GDAL trigger functions registered."""
    p = Path(gpkg)
    if not p.is_file():
        raise WriteError(f"找不到 GeoPackage 文件：{p}", f"GeoPackage not found: {p}")
    if readonly:
        recover(p)  # a read-write connection rolls a killed writer's journal back by itself
    uri = p.resolve().as_uri() + ("?mode=ro" if readonly else "?mode=rw")
    conn = sqlite3.connect(uri, uri=True, factory=GpkgConnection, isolation_level=None,
                           timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as err:
        conn.close()
        if getattr(err, "sqlite_errorname", "") != "SQLITE_NOTADB":
            raise
        raise WriteError(f"{p} 不是 GeoPackage（{err}），未做任何更改。", f"{p} is not a GeoPackage ({err}); "
                         f"nothing was changed.") from None
    register_gpkg_functions(conn)
    return conn


@contextmanager
def write_transaction(gpkg: str | os.PathLike, *, timeout: float = LOCK_TIMEOUT) -> Iterator[GpkgConnection]:
    """Lock, ``BEGIN IMMEDIATE``, yield the connection, fix stats of touched tables, ``COMMIT`` — or roll back.

    Call ``conn.touch(table)`` for every table you insert into, delete from or whose geometries you change.
    """
    with locked(gpkg, timeout):
        recover(gpkg, timeout)  # SQLite would roll back here too; this says clearly when it cannot
        conn = connect(gpkg)
        try:
            with transaction(conn):
                yield conn
        finally:
            conn.close()


@contextmanager
def transaction(conn: GpkgConnection) -> Iterator[GpkgConnection]:
    """``BEGIN IMMEDIATE`` … fix stats of touched tables, ``COMMIT`` — or roll back. The caller holds the lock."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        for table in sorted(conn.touched):
            refresh_table_stats(conn, table, extent=table in conn.extent_changed)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# ------------------------------------------------------------------------------------------------- checks

def integrity_check(gpkg: str | os.PathLike) -> str:
    conn = connect(gpkg, readonly=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def stored_counts(gpkg: str | os.PathLike) -> dict[str, tuple[int, int]]:
    """{table: (stored feature_count, actual COUNT(*))} for every table in gpkg_ogr_contents."""
    conn = connect(gpkg, readonly=True)
    try:
        out = {}
        for table, stored in conn.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents").fetchall():
            if table_exists(conn, table):
                out[table] = (stored, conn.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0])
        return out
    finally:
        conn.close()
