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
  keys hashed, entries forgotten when they expire. Counts live in this server process and end with it.
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

import bcrypt

from layers.editor_accounts import MAX_PASSWORD_BYTES, ROUNDS, Editor, EditorError
from layers.throttle import Limit

__all__ = ["verify", "login", "LoginThrottled", "LoginThrottle", "MAX_FAILURES", "NAME_DELAY_S", "NAME_DELAY_MAX_S",
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
_THROTTLED = {
    "name": ("该用户名登录失败次数过多，请 {s} 秒后再试。", "Too many failed logins for this user name; retry in {s} s."),
    "client": ("此处登录失败次数过多，请 {s} 秒后再试。", "Too many failed logins from here; retry in {s} s."),
    "all": ("登录失败次数过多，请 {s} 秒后再试。", "Too many failed logins; retry in {s} s."),
}


class LoginThrottled(EditorError):
    """Too many failed logins: try again after ``retry_after`` seconds (why: name | client | all)."""

    def __init__(self, retry_after: float, why: str = "name"):
        zh, en = _THROTTLED[why]
        s = math.ceil(retry_after)
        super().__init__(zh.format(s=s), en.format(s=s))
        self.retry_after, self.why = retry_after, why


class LoginThrottle:
    """The limits of login() per user name, per client and for everyone, checked and charged under one lock."""

    def __init__(self):
        self.names = Limit(max_failures=MAX_FAILURES, base_s=NAME_DELAY_S, max_s=NAME_DELAY_MAX_S,
                           ttl_s=NAME_TTL_S, capacity=TABLE_CAPACITY)
        self.clients = Limit(max_failures=CLIENT_MAX_FAILURES, base_s=CLIENT_DELAY_S, max_s=CLIENT_DELAY_MAX_S,
                             ttl_s=CLIENT_TTL_S, capacity=TABLE_CAPACITY)
        self.everyone = Limit(max_failures=GLOBAL_MAX_FAILURES, base_s=GLOBAL_DELAY_S, max_s=GLOBAL_DELAY_MAX_S,
                              ttl_s=GLOBAL_TTL_S, capacity=1)
        self._lock = threading.Lock()

    def _charges(self, name: str, client: str):
        return (self.names, name, "name"), (self.clients, client, "client"), (self.everyone, "*", "all")

    def reserve(self, name: str, client: str, now: float) -> None:
        """Count one failure for the name, the client and everyone, or raise LoginThrottled and count nothing."""
        with self._lock:
            wait, why = max((limit.wait(key, now), why) for limit, key, why in self._charges(name, client))
            if wait > 0:
                raise LoginThrottled(wait, why)
            for limit, key, _ in self._charges(name, client):
                limit.fail(key, now)

    def succeeded(self, name: str, client: str) -> None:
        """The reserved attempt was right: the name starts afresh; client and everyone get that attempt back."""
        with self._lock:
            self.names.forget(name)
            self.clients.refund(client)
            self.everyone.refund("*")


_throttle = LoginThrottle()  # per server process


def _key(text: str) -> str:
    """A short table key: the text itself, or a digest of a long one (memory stays bounded)."""
    text = (text or "").strip()
    return text if len(text) <= 64 else "#" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def login(username: str, password: str, editors: dict[str, Editor], *, client: str = "", clock=time.monotonic,
          check=None) -> Editor | None:
    """verify() within the limits described in the module docstring: raises LoginThrottled while any of them holds.

    ``client`` identifies who is trying (the page passes ``ip:…`` or a session key; callers that pass none share
    one). The attempt is counted before the password is checked and taken back if it was right. ``check`` replaces
    verify() in tests."""
    name, who = _key(username), _key(client)
    _throttle.reserve(name, who, clock())
    editor = (check or verify)(username, password, editors)
    if editor is not None:
        _throttle.succeeded(name, who)
    return editor
