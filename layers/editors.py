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
"""
from __future__ import annotations

import argparse
import getpass
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

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "config" / "editors.toml"
USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; longer passwords are refused rather than silently truncated
ROUNDS = 12
_DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(4))


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


def verify(username: str, password: str, editors: dict[str, Editor]) -> Editor | None:
    """The editor if the password matches, else None (an unknown user costs the same bcrypt time)."""
    pw = (password or "").encode("utf-8")
    editor = editors.get((username or "").strip())
    if len(pw) > MAX_PASSWORD_BYTES or not pw:
        bcrypt.checkpw(b"x", _DUMMY_HASH)
        return None
    if editor is None:
        bcrypt.checkpw(pw, _DUMMY_HASH)
        return None
    try:
        ok = bcrypt.checkpw(pw, editor.password_hash.encode("ascii"))
    except ValueError:
        return None
    return editor if ok else None


MAX_FAILURES = 5  # wrong passwords in a row for one user name before logins for it are slowed down
LOCKOUT_S = 30.0  # the first wait; it doubles with every further failure, up to an hour
_failures: dict[str, tuple[int, float]] = {}  # user name → (failures in a row, time of the last), per server process
_failures_guard = threading.Lock()


class LoginThrottled(EditorError):
    pass


def login(username: str, password: str, editors: dict[str, Editor], *, clock=time.monotonic) -> Editor | None:
    """verify(), slowed down per user name after MAX_FAILURES wrong passwords (raises LoginThrottled meanwhile)."""
    key = (username or "").strip()
    with _failures_guard:
        failures, last = _failures.get(key, (0, 0.0))
    if failures >= MAX_FAILURES:
        wait = min(LOCKOUT_S * 2 ** (failures - MAX_FAILURES), 3600.0) - (clock() - last)
        if wait > 0:
            raise LoginThrottled(f"该账号登录失败次数过多，请 {math.ceil(wait)} 秒后再试。 / "
                                 f"Too many failed logins for this user; retry in {math.ceil(wait)} s.")
    editor = verify(username, password, editors)
    with _failures_guard:
        if editor is None:
            _failures[key] = (failures + 1, clock())
        else:
            _failures.pop(key, None)
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
