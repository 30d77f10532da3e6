"""The login limits of layers.login kept in PostGIS, so that every app server of a deployment shares them
(docs/deploy.md): failures on one server make the others refuse, and a restart forgets nothing.

Same semantics as the in-process ``layers.login.LoginThrottle`` — the same rules (``layers.login.RULES``, arithmetic
in ``layers.throttle.Rule``), the same three counts per attempt (``layers.login.charges``) —, kept in the table
``public.login_failures`` (migration 0005: the deployment's, one for every region, like the editor accounts):

- ``reserve`` runs one transaction under a transaction-level advisory lock (``LOCK_KEY``), taken by every server
  before it reads the three counts: it reads them, refuses (``LoginThrottled``, nothing written) or counts the
  attempt as a failure in each, and commits — all before the slow bcrypt check. N concurrent wrong guesses for one
  name from any number of servers thus get at most ``MAX_FAILURES`` password checks, as within one process.
  ``succeeded`` takes the attempt back under the same lock (the name forgotten, client and everyone one less).
- Time is the database's clock (``clock_timestamp()``, seconds since the epoch), one clock for every server; tests
  pass their own ``now``.
- The table stays bounded: every reservation deletes expired rows (an index on kind, last_at), and one that adds a
  key keeps at most the rule's ``capacity`` keys of its kind (the least recently failed go first).
- Keys are stored as HMAC-SHA256 digests under a random secret made once per database (``login_failure_key``): the
  table holds no user name or address, and a copy of it alone cannot be tested against guessed addresses.
- Any database failure while reserving (unreachable, a lock not free within ``LOCK_TIMEOUT``, a missing table) refuses
  the attempt with ``LoginUnavailable`` (a Chinese message; the page shows it like any throttled try): the password
  is not checked, never unthrottled. A failure while taking a success's attempt back is logged, not raised.

Each throttle keeps one connection (autocommit; each call its own transaction), used by one thread at a time, and
reopened once when the server dropped it.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading

import psycopg

from core.errors import UserError
from layers.login import FORGOTTEN_ON_SUCCESS, RULES, LoginThrottled, LoginUnavailable, charges
from layers.stores import pg_conn, pg_region

__all__ = ["PgLoginThrottle", "for_url", "LOCK_KEY", "TABLE"]

log = logging.getLogger(__name__)
LOCK_KEY = 0x706D6C67  # 'pmlg': one reservation at a time over every server (migrations use 'pmap')
TABLE = "public.login_failures"
LOCK_TIMEOUT, STATEMENT_TIMEOUT = "5s", "10s"  # a stuck database refuses the login instead of hanging the page
NOW = "SELECT extract(epoch FROM clock_timestamp())::float8"  # one clock for every server
_KEEP = 4  # throttles (databases) a process keeps


class PgLoginThrottle:
    """The three limits of login() for the deployment whose database ``url`` is (its region, if any, left out).
    ``rules``: layers.login.RULES (a test may give smaller capacities)."""

    def __init__(self, url: str, rules: dict = RULES):
        self.url = pg_region.split(url)[0]  # public: the deployment's, whatever region the page shows
        self.rules = rules
        self._conn: psycopg.Connection | None = None
        self._secret = b""
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------- the limits
    def reserve(self, name: str, client: str, now: float | None = None) -> None:
        """Count one failure for the name, the client and everyone, or raise LoginThrottled and count nothing
        (LoginUnavailable when the database fails). ``now``: seconds since the epoch (None: the database's)."""
        def work(conn):
            t = float(now if now is not None else conn.execute(NOW).fetchone()[0])
            kinds, hashes = self._keyed(name, client)
            rows = {k: (f, last) for k, f, last in conn.execute(
                f"SELECT kind, failures, last_at FROM {TABLE} "
                "JOIN unnest(%s::text[], %s::bytea[]) AS k(kind, key_hash) USING (kind, key_hash)", (kinds, hashes))}
            counts = {why: _live(self.rules[why], *rows.get(why, (0, t)), t) for why in kinds}
            wait, why = max((self.rules[w].wait(f, last, t), w) for w, (f, last) in counts.items())
            if wait > 0:
                raise LoginThrottled(wait, why)
            conn.execute(f"INSERT INTO {TABLE} (kind, key_hash, failures, last_at) "
                         "SELECT * FROM unnest(%s::text[], %s::bytea[], %s::int[], %s::float8[]) "
                         "ON CONFLICT (kind, key_hash) DO UPDATE SET failures = EXCLUDED.failures, "
                         "last_at = EXCLUDED.last_at", (kinds, hashes, [counts[w][0] + 1 for w in kinds], [t] * 3))
            _sweep(conn, self.rules, t, [w for w in kinds if w not in rows])
        self._run(work)

    def succeeded(self, name: str, client: str) -> None:
        """The reserved attempt was right: the name starts afresh; client and everyone get that attempt back."""
        def work(conn):
            for why, digest in zip(*self._keyed(name, client)):
                refund = why not in FORGOTTEN_ON_SUCCESS  # else forget: the whole count goes
                conn.execute(f"DELETE FROM {TABLE} WHERE kind = %s AND key_hash = %s AND (NOT %s OR failures <= 1)",
                             (why, digest, refund))
                if refund:
                    conn.execute(f"UPDATE {TABLE} SET failures = failures - 1 WHERE kind = %s AND key_hash = %s",
                                 (why, digest))
        try:
            self._run(work)
        except LoginUnavailable as err:  # the editor is in; the one attempt stays counted until it expires
            log.warning("login limits: a successful login's attempt was not taken back: %s", err.detail)

    def close(self) -> None:
        with self._lock:
            self._drop()

    # --------------------------------------------------------------------------------------------- helpers
    def _keyed(self, name: str, client: str) -> tuple[list[str], list[bytes]]:
        """([kind …], [digest …]) of one attempt's three keys."""
        pairs = charges(name, client)
        return [w for w, _ in pairs], [hmac.new(self._secret, f"{w}\0{k}".encode("utf-8", "replace"),
                                                hashlib.sha256).digest() for w, k in pairs]

    def _connect(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            conn = pg_conn.connect(self.url, autocommit=True)  # the schema migrated once per process (0005)
            try:
                row = conn.execute("SELECT secret FROM public.login_failure_key WHERE id = 1").fetchone()
                if row is None or len(row[0]) < 16:
                    raise psycopg.DataError("login_failure_key holds no secret")
            except BaseException:
                conn.close()
                raise
            self._conn, self._secret = conn, bytes(row[0])
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def _run(self, work):
        """work(conn) in one transaction under the advisory lock; a database failure → LoginUnavailable (a kept
        connection the server dropped is reopened once first)."""
        with self._lock:
            for attempt in (1, 2):
                kept = self._conn is not None and not self._conn.closed
                try:
                    conn = self._connect()
                    with conn.transaction():
                        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                        conn.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
                        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                        return work(conn)
                except LoginThrottled:
                    raise
                except (psycopg.Error, UserError) as err:  # UserError: pg_conn's DatabaseError (cannot connect)
                    broken = self._conn is not None and self._conn.broken
                    if self._conn is not None and (broken or not isinstance(err, psycopg.Error)):
                        self._drop()
                    if not (kept and broken and attempt == 1):
                        detail = f"{pg_conn.safe_label(self.url)}: {type(err).__name__}: {str(err).strip()[:200]}"
                        log.warning("login limits refused an attempt: %s", detail)
                        raise LoginUnavailable(detail) from None
        raise AssertionError("unreachable")


def _live(rule, failures: int, last: float, now: float) -> tuple[int, float]:
    """(failures, last) as they count now: an expired entry counts nothing."""
    return (0, now) if rule.expired(last, now) else (failures, last)


def _sweep(conn, rules: dict, now: float, grown: list[str]) -> None:
    """Delete expired rows; for each kind that just got a new key, those beyond its capacity (oldest first)."""
    conn.execute(f"DELETE FROM {TABLE} f USING unnest(%s::text[], %s::float8[]) AS r(kind, ttl) "
                 "WHERE f.kind = r.kind AND f.last_at < %s - r.ttl",
                 (list(rules), [float(r.ttl_s) for r in rules.values()], now))
    for why in grown:
        conn.execute(f"DELETE FROM {TABLE} WHERE kind = %s AND key_hash IN (SELECT key_hash FROM {TABLE} "
                     "WHERE kind = %s ORDER BY last_at DESC, key_hash OFFSET %s)", (why, why, rules[why].capacity))


_THROTTLES: dict[str, PgLoginThrottle] = {}  # deployment URL → throttle, most recently used last
_GUARD = threading.Lock()


def for_url(url: str) -> PgLoginThrottle:
    """This process's throttle for the database of ``url`` (any region of it: they share one)."""
    try:
        base = pg_region.split(url)[0]
    except UserError as err:  # a malformed address: refused, not unthrottled
        raise LoginUnavailable(str(err)) from None
    with _GUARD:
        throttle = _THROTTLES.pop(base, None) or PgLoginThrottle(base)
        _THROTTLES[base] = throttle
        while len(_THROTTLES) > _KEEP:
            _THROTTLES.pop(next(iter(_THROTTLES))).close()
        return throttle
