"""Editor accounts: user name → bcrypt hash of the password and a display name, from a TOML file outside git and
from the Streamlit secrets the page passes in (a mapping; this module never imports Streamlit). Secrets win when
both name the same user. See :mod:`layers.editors` for the formats and the commands."""
from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from core.errors import UserError
from layers import atomic

__all__ = ["Editor", "EditorError", "DEFAULT_FILE", "ROUNDS", "MIN_PASSWORD", "MAX_PASSWORD_BYTES", "editors_file",
           "load_file", "load_secrets", "load_editors", "hash_password", "add_editor", "save_accounts",
           "add_db_editor"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "config" / "editors.toml"
USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; longer passwords are refused rather than silently truncated
ROUNDS = 12


class EditorError(UserError):
    """Bad editor input or configuration (Chinese, English detail); nothing was written."""


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
            raise EditorError(f"{origin} 中编辑 {user!r} 的配置无法识别。", f"Editor {user!r} in {origin} is malformed.")
        if not str(h).startswith("$2"):
            raise EditorError(f"{origin} 中编辑 {user!r} 没有 bcrypt 密码哈希（不要存明文密码）。",
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
        raise EditorError(f"编辑账号文件 {path} 格式错误：{e}", f"Editors file {path} is malformed: {e}") from None
    return _parse(doc.get("editors"), str(path))


def load_secrets(secrets=None) -> dict[str, Editor]:
    """The ``[editors]`` of Streamlit secrets (a mapping the caller passes; None: no secrets)."""
    if secrets is None or "editors" not in secrets:
        return {}
    return _parse(secrets["editors"], "Streamlit secrets")


def load_editors(*, secrets=None, path: Path | None = None, db: str | None = None) -> dict[str, Editor]:
    """All editor accounts: the file's, then the PostGIS store's (``db``, else $PROJECTMAP_DB when set: its
    ``editor_accounts`` table), then the secrets' — later ones win."""
    editors = load_file(path)
    db = db or os.environ.get("PROJECTMAP_DB")
    if db:
        from layers.stores import open_store  # lazily: layers.stores reads this module's accounts too
        editors.update(open_store(db).editor_accounts())
    editors.update(load_secrets(secrets))
    return editors


def add_db_editor(db: str, username: str, password: str, *, name: str | None = None, rounds: int = ROUNDS) -> str:
    """Add or replace an editor in the PostGIS store's ``editor_accounts`` table. Returns the store's label."""
    if not USERNAME_RE.fullmatch(username or ""):
        raise EditorError("用户名只能包含字母、数字和 _ . -（最多 64 个）。",
                          "User names may only use letters, digits and _ . - (at most 64).")
    from layers.stores import open_store
    st = open_store(db)
    st.save_editor(Editor(username, (name or username).strip(), hash_password(password, rounds)))
    return st.label


def hash_password(password: str, rounds: int = ROUNDS) -> str:
    pw = (password or "").encode("utf-8")
    if len(password or "") < MIN_PASSWORD:
        raise EditorError(f"密码至少 {MIN_PASSWORD} 个字符。", f"The password needs at least {MIN_PASSWORD} characters.")
    if len(pw) > MAX_PASSWORD_BYTES:
        raise EditorError(f"密码不能超过 {MAX_PASSWORD_BYTES} 字节（bcrypt 的上限）。",
                          f"The password may not exceed {MAX_PASSWORD_BYTES} bytes (bcrypt's limit).")
    return bcrypt.hashpw(pw, bcrypt.gensalt(rounds)).decode("ascii")


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def add_editor(username: str, password: str, *, name: str | None = None, path: Path | None = None,
               rounds: int = ROUNDS) -> Path:
    """Add or replace an editor in the TOML file (written atomically, mode 0600). Returns the file."""
    if not USERNAME_RE.fullmatch(username or ""):
        raise EditorError("用户名只能包含字母、数字和 _ . -（最多 64 个）。",
                          "User names may only use letters, digits and _ . - (at most 64).")
    path = Path(path) if path else editors_file()
    editors = load_file(path)
    editors[username] = Editor(username, (name or username).strip(), hash_password(password, rounds))
    return save_accounts(editors, path)


def save_accounts(editors: dict[str, Editor], path: Path | None = None, *, merge: bool = False) -> Path:
    """Write these accounts (bcrypt hashes only) to the TOML file, atomically, mode 0600; ``merge`` keeps the file's
    other accounts (these win). Used by add_editor and by copying a store (layers.stores). Returns the file."""
    path = Path(path) if path else editors_file()
    if merge:
        editors = {**load_file(path), **editors}
    _parse({e.username: {"name": e.name, "password_hash": e.password_hash} for e in editors.values()}, str(path))
    lines = ["# Editors of the Liaocheng project map. bcrypt hashes only; keep this file out of git.",
             "# Written by `python -m layers.editors add`.", ""]
    for user in sorted(editors):
        e = editors[user]
        if not USERNAME_RE.fullmatch(user):
            raise EditorError(f"用户名 {user[:64]!r} 无效。", f"Invalid user name {user[:64]!r}.")
        lines += [f"[editors.{user}]", f"name = {_toml_str(e.name)}", f"password_hash = {_toml_str(e.password_hash)}",
                  ""]
    path.parent.mkdir(parents=True, exist_ok=True)  # config/ on a fresh machine
    atomic.write_bytes(path, "\n".join(lines).encode("utf-8"), mode=0o600)  # hashes: readable by its owner only
    return path
