"""Password login for editors (:func:`login`): it slows guessing down without letting anyone lock an editor out.

- Every call of ``verify`` costs one bcrypt check at the accounts' cost (``ROUNDS``, 0.3 s): an unknown user name,
  an empty or over-long password is checked against a dummy hash of that cost, made once on first use. So the time
  taken does not tell which names exist (as long as all accounts share one cost; ``add`` always uses ROUNDS).
- An attempt is reserved before bcrypt runs: under one lock, ``login`` asks three limits (layers.throttle) and, if
  all allow, counts the attempt as a failure in each; a success takes it back. Simultaneous tries cannot slip past
  the count: N concurrent wrong guesses for a name get at most ``MAX_FAILURES`` password checks.
- Per user name (known or not, alike): ``MAX_FAILURES`` free, then one try per 2, 4, 8, 16 and at most
  ``NAME_DELAY_MAX_S`` = 30 s. That bounds guessing one account from many places (~120 tries an hour) but is a
  slow-down, not a lock-out: a refused try counts nothing, so an attacker's failures keep the editor waiting at most
  30 s once the attacker's own client is blocked; a success clears the name.
- Per client: ``CLIENT_MAX_FAILURES`` failures over all names, then 30 s doubling up to an hour, remembered for a
  day (a success gives back its own attempt only). This is what stops a guessing client, also one trying one
  password across many names.
- Everyone: after ``GLOBAL_MAX_FAILURES`` failures (until 15 quiet minutes), one failed try per at most 5 s over all
  clients. It caps a crowd of clients that each stay under their own limit, and the CPU spent in bcrypt.
- An editor who is not throttled and types the right password gets in at once. Refusals raise ``LoginThrottled``
  with ``retry_after``; their message names no account, and unknown names are throttled like real ones.
- Memory is bounded: at most ``TABLE_CAPACITY`` names and clients each (least recently failed dropped first), long
  keys hashed, entries forgotten when they expire.
- Where the counts live follows the store in use (``limits_for``): with the GeoPackage (one server) in this server
  process (``LoginThrottle``); on PostGIS in the database (layers.stores.pg_login, table ``login_failures``), shared
  by every app server and kept across restarts, keys stored as keyed digests only. If the database fails while the
  limits are checked, the attempt is refused (``LoginUnavailable``) and no password is checked: never unthrottled.
- Left open: an attacker with many addresses gets ``CLIENT_MAX_FAILURES`` tries from each and can keep a name's
  30 s delay (and the global one) going, so an editor may need a few retries; a shared address (office NAT) shares
  the client limit.

The client is a key the page passes in: ``ip:`` + ``st.context.ip_address``, or, where Streamlit has no address
(localhost gives None), the browser session (a reload starts a new session, so there only the name and global
limits hold). Behind a reverse proxy Streamlit sees the proxy's address unless the proxy sends ``X-Forwarded-For``
and connects from an address Streamlit's server (uvicorn) trusts: ``FORWARDED_ALLOW_IPS``, by default 127.0.0.1
and ::1; for a proxy on another host start Streamlit with ``FORWARDED_ALLOW_IPS=<proxy address>``. Otherwise all
visitors share one client key, and one guesser slows everyone down.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import threading
import time
from typing import Protocol

import bcrypt

from layers.editor_accounts import MAX_PASSWORD_BYTES, ROUNDS, Editor, EditorError
from layers.throttle import Limit, Rule

__all__ = ["verify", "login", "limits_for", "charges", "LoginThrottled", "LoginUnavailable", "LoginThrottle", "Throttle",
           "RULES", "FORGOTTEN_ON_SUCCESS", "MAX_FAILURES", "NAME_DELAY_S", "NAME_DELAY_MAX_S",
           "CLIENT_MAX_FAILURES", "GLOBAL_MAX_FAILURES", "TABLE_CAPACITY"]

_dummy_hashes: dict[int, bytes] = {}  # bcrypt cost → hash of a password nobody has
_dummy_guard = threading.Lock()


def _cost(password_hash: str) -> int | None:
    m = re.match(r"\$2[abxy]?\$(\d\d)\$", str(password_hash))  # $2b$12$…
    return int(m.group(1)) if m and 4 <= int(m.group(1)) <= 31 else None


def _dummy_cost(editors: dict[str, Editor]) -> int:
    """The cost unknown names are checked at: the accounts' (the highest, if they differ), else ROUNDS."""
    return max((c for e in editors.values() if (c := _cost(e.password_hash)) is not None), default=ROUNDS)


def _dummy_hash(rounds: int = ROUNDS) -> bytes:
    """A bcrypt hash of a random password at this cost, made on first use (0.3 s at 12), then reused."""
    with _dummy_guard:
        if rounds not in _dummy_hashes:
            _dummy_hashes[rounds] = bcrypt.hashpw(os.urandom(24).hex().encode(), bcrypt.gensalt(rounds))
        return _dummy_hashes[rounds]


def verify(username: str, password: str, editors: dict[str, Editor]) -> Editor | None:
    """The editor if the password matches, else None. Always one bcrypt check at the accounts' cost: an unknown
    user, an empty or over-long password (refused, never truncated) or a malformed hash meet a dummy hash instead."""
    pw = (password or "").encode("utf-8")
    editor = editors.get((username or "").strip())
    if editor is not None and 0 < len(pw) <= MAX_PASSWORD_BYTES:
        try:
            return editor if bcrypt.checkpw(pw, editor.password_hash.encode("ascii")) else None
        except ValueError:  # a malformed hash: fail like any other wrong password
            pass
    bcrypt.checkpw(pw[:MAX_PASSWORD_BYTES] or b"x", _dummy_hash(_dummy_cost(editors)))
    return None


MAX_FAILURES = 5  # per user name: wrong passwords before its tries are spaced out
NAME_DELAY_S, NAME_DELAY_MAX_S, NAME_TTL_S = 2.0, 30.0, 15 * 60.0
CLIENT_MAX_FAILURES = 10  # per client, over all names
CLIENT_DELAY_S, CLIENT_DELAY_MAX_S, CLIENT_TTL_S = 30.0, 3600.0, 24 * 3600.0
GLOBAL_MAX_FAILURES = 100  # all clients together
GLOBAL_DELAY_S, GLOBAL_DELAY_MAX_S, GLOBAL_TTL_S = 1.0, 5.0, 15 * 60.0
TABLE_CAPACITY = 10_000  # user names, and clients, remembered at most
RULES = {  # the three limits, by what they count (LoginThrottled.why); both kinds of throttle apply these
    "name": Rule(MAX_FAILURES, NAME_DELAY_S, NAME_DELAY_MAX_S, NAME_TTL_S, TABLE_CAPACITY),
    "client": Rule(CLIENT_MAX_FAILURES, CLIENT_DELAY_S, CLIENT_DELAY_MAX_S, CLIENT_TTL_S, TABLE_CAPACITY),
    "all": Rule(GLOBAL_MAX_FAILURES, GLOBAL_DELAY_S, GLOBAL_DELAY_MAX_S, GLOBAL_TTL_S, 1),
}
FORGOTTEN_ON_SUCCESS = ("name",)  # a success clears these; the others only get the reserved attempt back
UNAVAILABLE_RETRY_S = 10.0
_THROTTLED = {
    "name": ("该用户名登录失败次数过多，请 {s} 秒后再试。", "Too many failed logins for this user name; retry in {s} s."),
    "client": ("此处登录失败次数过多，请 {s} 秒后再试。", "Too many failed logins from here; retry in {s} s."),
    "all": ("登录失败次数过多，请 {s} 秒后再试。", "Too many failed logins; retry in {s} s."),
    "db": ("暂时无法核对登录失败次数（数据库不可用），为安全起见本次没有检查密码，请 {s} 秒后再试。",
           "The login limits cannot be checked (database unavailable); the password was not checked. Retry in {s} s."),
}


class LoginThrottled(EditorError):
    """Too many failed logins: try again after ``retry_after`` seconds (why: name | client | all | db)."""

    def __init__(self, retry_after: float, why: str = "name"):
        zh, en = _THROTTLED[why]
        s = math.ceil(retry_after)
        super().__init__(zh.format(s=s), en.format(s=s))
        self.retry_after, self.why = retry_after, why


class LoginUnavailable(LoginThrottled):
    """The limits could not be checked (the database failed): the attempt is refused, the password not checked."""

    def __init__(self, detail: str = ""):
        super().__init__(UNAVAILABLE_RETRY_S, "db")
        self.detail = detail


def charges(name: str, client: str) -> tuple[tuple[str, str], ...]:
    """(what is counted, key) of one attempt: its user name, its client, and everyone ("*")."""
    return ("name", name), ("client", client), ("all", "*")


class Throttle(Protocol):
    """What login() asks of the place its counts are kept: this process (LoginThrottle, the GeoPackage's) or the
    database (layers.stores.pg_login.PgLoginThrottle, PostGIS's); limits_for picks one by the store in use."""

    def reserve(self, name: str, client: str, now: float | None = None) -> None:
        """Count the attempt as a failure of each limit, or raise LoginThrottled (nothing counted)."""

    def succeeded(self, name: str, client: str) -> None:
        """Take a reserved attempt back: it was right."""


class LoginThrottle:
    """The limits of login() per user name, per client and for everyone, kept in this server process, checked and
    charged under one lock (a GeoPackage: one server). On PostGIS: layers.stores.pg_login.PgLoginThrottle."""

    def __init__(self):
        self.limits = {why: Limit.of(rule) for why, rule in RULES.items()}
        self.names, self.clients, self.everyone = self.limits["name"], self.limits["client"], self.limits["all"]
        self._lock = threading.Lock()

    def reserve(self, name: str, client: str, now: float | None = None) -> None:
        """Count one failure for the name, the client and everyone, or raise LoginThrottled and count nothing.
        ``now``: seconds on this process's monotonic clock (None: time.monotonic())."""
        now = time.monotonic() if now is None else now
        with self._lock:
            wait, why = max((self.limits[why].wait(key, now), why) for why, key in charges(name, client))
            if wait > 0:
                raise LoginThrottled(wait, why)
            for why, key in charges(name, client):
                self.limits[why].fail(key, now)

    def succeeded(self, name: str, client: str) -> None:
        """The reserved attempt was right: the name starts afresh; client and everyone get that attempt back."""
        with self._lock:
            for why, key in charges(name, client):
                (self.limits[why].forget if why in FORGOTTEN_ON_SUCCESS else self.limits[why].refund)(key)


_throttle = LoginThrottle()  # per server process: the GeoPackage's (one server)


def limits_for(store=None) -> Throttle:
    """The throttle of the store in use (a target as layers.stores.open_store takes it; None: $PROJECTMAP_DB, else
    the GeoPackage): on PostGIS the counts shared by every app server through the database, else this process's."""
    from layers.stores import env_db, is_db_url
    target = env_db() if store is None or store == "" else store
    if is_db_url(target):
        from layers.stores.pg_login import for_url
        return for_url(str(target))
    return _throttle


def _key(text: str) -> str:
    """A short table key: the text itself, or a digest of a long one (memory stays bounded)."""
    text = (text or "").strip()
    return text if len(text) <= 64 else "#" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def login(username: str, password: str, editors: dict[str, Editor], *, client: str = "", store=None, clock=None,
          check=None, throttle=None) -> Editor | None:
    """verify() within the limits described in the module docstring: raises LoginThrottled while any of them holds
    (LoginUnavailable when the database keeping them failed: refused, the password not checked).

    ``client`` identifies who is trying (the page passes ``ip:…`` or a session key; callers that pass none share
    one). ``store``: the store in use (limits_for). The attempt is counted before the password is checked and taken
    back if it was right. ``clock`` (seconds), ``check`` (replaces verify()) and ``throttle`` (instead of
    limits_for(store): two servers in one test) are for tests; without a clock the throttle keeps its own time (this
    process's monotonic clock; the database's on PostGIS)."""
    name, who = _key(username), _key(client)
    throttle = throttle or limits_for(store)
    throttle.reserve(name, who, None if clock is None else clock())
    editor = (check or verify)(username, password, editors)
    if editor is not None:
        throttle.succeeded(name, who)
    return editor
