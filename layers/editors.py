"""Editor accounts: who may record changes. Viewing needs no login; editing does.

Accounts (user name → bcrypt hash of the password, optional display name) come from

- Streamlit secrets (``.streamlit/secrets.toml`` or the hosting platform's secrets)::

      [editors.wang]
      name = "王工"
      password_hash = "$2b$12$…"

  (the short form ``[editors]`` / ``wang = "$2b$12$…"`` works too), and
- a TOML file of the same shape outside git, named by ``$PROJECTMAP_EDITORS`` (default ``config/editors.toml``,
  git-ignored). Secrets win when both name the same user.

Passwords are never stored, only bcrypt hashes. Add an editor with::

    python -m layers.editors add wang --name 王工          # asks for the password twice
    python -m layers.editors hash                          # prints a hash to paste into secrets

Optionally, when Streamlit's built-in OIDC login is configured (an ``[auth]`` section in secrets), editors may log
in with it; only e-mail addresses listed in ``[editors_oidc] emails = [...]`` may edit.

Password login (``login``) slows guessing down without letting anyone lock an editor out:

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

import argparse
import getpass
import hashlib
import json
import math
import os
import re
import sys
import threading
import time
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from layers.throttle import Limit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "config" / "editors.toml"
USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; longer passwords are refused rather than silently truncated
ROUNDS = 12
_dummy_hashes: dict[int, bytes] = {}  # bcrypt cost → hash of a password nobody has
_dummy_guard = threading.Lock()


class EditorError(ValueError):
    """Bad editor input or configuration. Chinese + English; nothing was written."""


@dataclass(frozen=True)
class Editor:
    username: str
    name: str
    password_hash: str = ""
    via: str = "password"  # password | oidc

    @property
    def label(self) -> str:
        """What history rows record as the editor."""
        return self.name if self.name == self.username else f"{self.name} ({self.username})"


def editors_file() -> Path:
    env = os.environ.get("PROJECTMAP_EDITORS")
    return Path(env) if env else DEFAULT_FILE


def _parse(table, origin: str) -> dict[str, Editor]:
    out: dict[str, Editor] = {}
    if not table:
        return out
    for user, value in dict(table).items():
        if isinstance(value, str):
            name, h = user, value
        elif hasattr(value, "get"):
            name, h = value.get("name") or user, value.get("password_hash", "")
        else:
            raise EditorError(f"{origin} 中编辑 {user!r} 的配置无法识别。 / Editor {user!r} in {origin} is malformed.")
        if not str(h).startswith("$2"):
            raise EditorError(f"{origin} 中编辑 {user!r} 没有 bcrypt 密码哈希（不要存明文密码）。 / "
                              f"Editor {user!r} in {origin} has no bcrypt password_hash (never store plain text).")
        out[str(user)] = Editor(str(user), str(name), str(h))
    return out


def load_file(path: Path | None = None) -> dict[str, Editor]:
    path = Path(path) if path else editors_file()
    if not path.is_file():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise EditorError(f"编辑账号文件 {path} 格式错误：{e} / Editors file {path} is malformed: {e}") from None
    return _parse(doc.get("editors"), str(path))


def _streamlit_secrets():
    try:
        import streamlit as st
        secrets = st.secrets
        secrets.to_dict()  # raises when there is no secrets file at all
        return secrets
    except Exception:
        return None


def load_secrets(secrets=None) -> dict[str, Editor]:
    secrets = secrets if secrets is not None else _streamlit_secrets()
    if secrets is None or "editors" not in secrets:
        return {}
    return _parse(secrets["editors"], "Streamlit secrets")


def load_editors(*, secrets=None, path: Path | None = None) -> dict[str, Editor]:
    """All editor accounts: the file's, then Streamlit secrets' (which win)."""
    editors = load_file(path)
    editors.update(load_secrets(secrets))
    return editors


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
        super().__init__(f"{zh.format(s=s)} / {en.format(s=s)}")
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


def hash_password(password: str, rounds: int = ROUNDS) -> str:
    pw = (password or "").encode("utf-8")
    if len(password or "") < MIN_PASSWORD:
        raise EditorError(f"密码至少 {MIN_PASSWORD} 个字符。 / The password needs at least {MIN_PASSWORD} characters.")
    if len(pw) > MAX_PASSWORD_BYTES:
        raise EditorError(f"密码不能超过 {MAX_PASSWORD_BYTES} 字节（bcrypt 的上限）。 / "
                          f"The password may not exceed {MAX_PASSWORD_BYTES} bytes (bcrypt's limit).")
    return bcrypt.hashpw(pw, bcrypt.gensalt(rounds)).decode("ascii")


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def add_editor(username: str, password: str, *, name: str | None = None, path: Path | None = None,
               rounds: int = ROUNDS) -> Path:
    """Add or replace an editor in the TOML file (written atomically, mode 0600). Returns the file."""
    if not USERNAME_RE.fullmatch(username or ""):
        raise EditorError("用户名只能包含字母、数字和 _ . -（最多 64 个）。 / "
                          "User names may only use letters, digits and _ . - (at most 64).")
    path = Path(path) if path else editors_file()
    editors = load_file(path)
    editors[username] = Editor(username, (name or username).strip(), hash_password(password, rounds))
    lines = ["# Editors of the Liaocheng project map. bcrypt hashes only; keep this file out of git.",
             "# Written by `python -m layers.editors add`.", ""]
    for user in sorted(editors):
        e = editors[user]
        lines += [f"[editors.{user}]", f"name = {_toml_str(e.name)}", f"password_hash = {_toml_str(e.password_hash)}",
                  ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".editors-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# ------------------------------------------------------------------------------------------- OIDC (optional)

def oidc_configured(secrets=None) -> bool:
    secrets = secrets if secrets is not None else _streamlit_secrets()
    return bool(secrets is not None and "auth" in secrets)


def oidc_allowed(secrets=None) -> set[str]:
    secrets = secrets if secrets is not None else _streamlit_secrets()
    if secrets is None or "editors_oidc" not in secrets:
        return set()
    return {str(e).strip().lower() for e in secrets["editors_oidc"].get("emails", [])}


def oidc_editor(user, secrets=None) -> Editor | None:
    """The editor for a Streamlit ``st.user`` logged in through OIDC, if their e-mail is allowed to edit."""
    if not getattr(user, "is_logged_in", False):
        return None
    email = str(user.get("email") or "").strip().lower()
    if not email or email not in oidc_allowed(secrets):
        return None
    return Editor(email, str(user.get("name") or email), via="oidc")


# ------------------------------------------------------------------------------------------------------ CLI

def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 / password: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        raise EditorError("两次输入的密码不一致。 / The passwords differ.")
    return first


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m layers.editors", description="编辑账号 / editor accounts")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add", help="add or replace an editor in the editors TOML file")
    a.add_argument("username")
    a.add_argument("--name", help="显示名 / display name recorded in history (default: the user name)")
    a.add_argument("--file", help=f"TOML file (default $PROJECTMAP_EDITORS or {DEFAULT_FILE})")
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    hs = sub.add_parser("hash", help="print a bcrypt hash for Streamlit secrets")
    hs.add_argument("--password-stdin", action="store_true")
    sub.add_parser("list", help="list editors (names only)")
    args = p.parse_args(argv)
    try:
        if args.command == "add":
            path = add_editor(args.username, _read_password(args), name=args.name,
                              path=Path(args.file) if args.file else None)
            print(f"已保存 / saved: {args.username} → {path}")
        elif args.command == "hash":
            print(hash_password(_read_password(args)))
        else:
            for user, e in sorted(load_editors().items()):
                print(f"{user}\t{e.name}")
    except EditorError as e:
        print(f"错误 / error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
