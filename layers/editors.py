"""Editor accounts: who may record changes. Viewing needs no login; editing does.

Accounts (user name → bcrypt hash of the password, optional display name) come from

- Streamlit secrets (``.streamlit/secrets.toml`` or the hosting platform's secrets), which the page passes in
  (``load_editors(secrets=st.secrets)``: nothing in layers imports Streamlit)::

      [editors.wang]
      name = "王工"
      password_hash = "$2b$12$…"

  (the short form ``[editors]`` / ``wang = "$2b$12$…"`` works too), and
- a TOML file of the same shape outside git, named by ``$PROJECTMAP_EDITORS`` (default ``config/editors.toml``,
  git-ignored). Secrets win when both name the same user.

Passwords are never stored, only bcrypt hashes. Add an editor with::

    python -m layers.editors add wang --name 王工          # asks for the password twice
    python -m layers.editors hash                          # prints a hash to paste into secrets

Optionally (:mod:`layers.oidc`), when Streamlit's built-in OIDC login is configured (an ``[auth]`` section in
secrets), editors may log in with it; only e-mail addresses listed in ``[editors_oidc] emails = [...]`` may edit.

Password login, its limits and what they leave open: :mod:`layers.login` (the counters: :mod:`layers.throttle`).
The account store is :mod:`layers.editor_accounts`, the commands :mod:`layers.editors_cli`; this module is their
public face.
"""
from __future__ import annotations

import sys

from layers.editor_accounts import (DEFAULT_FILE, MAX_PASSWORD_BYTES, MIN_PASSWORD, ROUNDS, Editor, EditorError,
                                    add_editor, editors_file, hash_password, load_editors, load_file, load_secrets)
from layers.login import LoginThrottled, login, verify
from layers.oidc import oidc_allowed, oidc_configured, oidc_editor

__all__ = ["Editor", "EditorError", "LoginThrottled", "DEFAULT_FILE", "ROUNDS", "MIN_PASSWORD", "MAX_PASSWORD_BYTES",
           "editors_file", "load_file", "load_secrets", "load_editors", "hash_password", "add_editor", "verify",
           "login", "oidc_configured", "oidc_allowed", "oidc_editor"]

if __name__ == "__main__":  # pragma: no cover - python -m layers.editors
    from layers.editors_cli import main
    sys.exit(main())
