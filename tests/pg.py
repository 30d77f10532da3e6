"""A throwaway PostgreSQL + PostGIS cluster for the tests: Debian's postgresql-15 and postgresql-15-postgis-3
(scripts/setup.sh --dev installs them), initdb'd into a temporary folder, started with pg_ctl on a free TCP port of
127.0.0.1 and stopped at the end of the session.

PostgreSQL refuses to run as root; where the tests run as root (CI) the cluster runs as ``nobody`` via ``runuser``,
in a folder outside pytest's own temporary folder (which is private to root). Each test gets its own database,
cloned from a template with the PostGIS extension (``CREATE DATABASE … TEMPLATE``: a file copy, fast).

tests/conftest.py registers these fixtures (``pytest_plugins``): a test takes ``pg_url`` (a fresh database) or
``pg_server``; the cluster starts on first use only.
"""
from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("PROJECTMAP_PG_BIN", "/usr/lib/postgresql/15/bin"))
TEMPLATE = "pm_template"
_names = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, root: Path, port: int, as_user: str | None):
        self.root, self.port, self.as_user = root, port, as_user
        self.data = root / "data"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.as_user, "--"] if self.as_user else []
        return subprocess.run([*prefix, *cmd], check=check, capture_output=True, text=True, timeout=120,
                              cwd=self.root)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        r = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                      "-w", "-t", "60", "start", check=False)
        if r.returncode != 0:
            log = (self.root / "log").read_text(errors="replace") if (self.root / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stdout}{r.stderr}\n{log[-2000:]}")
        self.sql("postgres", f"CREATE DATABASE {TEMPLATE}")
        self.sql(TEMPLATE, "CREATE EXTENSION postgis")

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def sql(self, db: str, statement: str) -> None:
        import psycopg
        with psycopg.connect(self.url(db), autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self) -> str:
        """A fresh database with PostGIS (no project schema yet: the store migrates it); its URL."""
        name = f"pm_test_{os.getpid()}_{next(_names)}"
        self.sql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL is not installed ({PG_BIN}/initdb): run scripts/setup.sh --dev")
    as_user = "nobody" if os.geteuid() == 0 else None
    # not under pytest's temporary folder: as root that folder is private (0700) and nobody could not enter it
    root = Path(tempfile.mkdtemp(prefix="pm-pg-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else "/tmp"))
    if as_user:
        shutil.chown(root, user=as_user)
    server = PgServer(root, _free_port(), as_user)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server) -> str:
    return pg_server.new_database()
