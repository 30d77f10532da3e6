"""Editor accounts: bcrypt hashes only, from a TOML file outside git or Streamlit secrets."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from layers import editors as ed

ROOT = Path(__file__).resolve().parent.parent


def test_add_and_verify(tmp_path):
    path = tmp_path / "cfg" / "editors.toml"
    ed.add_editor("wang", "correct horse", name="王工", path=path, rounds=4)
    ed.add_editor("li", "battery staple", path=path, rounds=4)
    text = path.read_text(encoding="utf-8")
    assert "correct horse" not in text and "$2b$04$" in text and '"王工"' in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    editors = ed.load_editors(path=path, secrets={})
    assert set(editors) == {"wang", "li"}
    e = ed.verify("wang", "correct horse", editors)
    assert e is not None and e.name == "王工" and e.label == "王工 (wang)"
    assert ed.verify("wang", "wrong password", editors) is None
    assert ed.verify("nobody", "correct horse", editors) is None
    assert ed.verify("wang", "", editors) is None
    assert ed.verify("li", "battery staple", editors).label == "li"
    # replacing a password keeps the others
    ed.add_editor("wang", "new password!", path=path, rounds=4)
    editors = ed.load_editors(path=path, secrets={})
    assert ed.verify("wang", "new password!", editors) and ed.verify("li", "battery staple", editors)


def test_env_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "elsewhere.toml"
    monkeypatch.setenv("PROJECTMAP_EDITORS", str(path))
    assert ed.editors_file() == path
    ed.add_editor("zhao", "password123", rounds=4)
    assert "zhao" in ed.load_editors(secrets={})


def test_default_file_is_git_ignored():
    r = subprocess.run(["git", "check-ignore", "-q", str(ed.DEFAULT_FILE.relative_to(ROOT))], cwd=ROOT)
    assert r.returncode == 0


def test_secrets_short_and_long_forms_and_precedence(tmp_path):
    path = tmp_path / "e.toml"
    ed.add_editor("wang", "file password", path=path, rounds=4)
    h = ed.hash_password("secret password", rounds=4)
    secrets = {"editors": {"wang": {"name": "王工", "password_hash": h}, "chen": h}}
    editors = ed.load_editors(path=path, secrets=secrets)
    assert ed.verify("wang", "secret password", editors) and not ed.verify("wang", "file password", editors)
    assert ed.verify("chen", "secret password", editors).name == "chen"


def test_plain_text_password_in_config_is_refused(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text('[editors.wang]\nname = "王工"\npassword_hash = "hunter2"\n', encoding="utf-8")
    with pytest.raises(ed.EditorError, match="bcrypt"):
        ed.load_file(path)
    path.write_text("[editors\nbroken", encoding="utf-8")
    with pytest.raises(ed.EditorError, match="malformed"):
        ed.load_file(path)


@pytest.mark.parametrize("user, pw, needle", [
    ("wang", "short", "at least 8"),
    ("wang", "长" * 25, "72 bytes"),  # 75 bytes in UTF-8: refused, not silently truncated
    ("bad name", "password123", "User names"),
    ("../x", "password123", "User names"),
])
def test_bad_accounts_are_refused(tmp_path, user, pw, needle):
    path = tmp_path / "e.toml"
    with pytest.raises(ed.EditorError, match=needle):
        ed.add_editor(user, pw, path=path, rounds=4)
    assert not path.exists()


def test_over_long_password_never_verifies(tmp_path):
    editors = {"wang": ed.Editor("wang", "wang", ed.hash_password("a" * 72, rounds=4))}
    assert ed.verify("wang", "a" * 72, editors)
    assert ed.verify("wang", "a" * 73, editors) is None  # bcrypt would ignore byte 73+; we refuse


def test_cli_add_and_hash(tmp_path):
    path = tmp_path / "e.toml"
    r = subprocess.run([sys.executable, "-m", "layers.editors", "add", "wang", "--name", "王工", "--file", str(path),
                        "--password-stdin"], input="a good password\n", capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert ed.verify("wang", "a good password", ed.load_file(path)).name == "王工"
    r = subprocess.run([sys.executable, "-m", "layers.editors", "hash", "--password-stdin"], input="another one\n",
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.startswith("$2b$")
    editors = {"x": ed.Editor("x", "x", r.stdout.strip())}
    assert ed.verify("x", "another one", editors)
    r = subprocess.run([sys.executable, "-m", "layers.editors", "hash", "--password-stdin"], input="short\n",
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "at least 8" in r.stderr


class _User(dict):
    def __init__(self, logged_in, **kw):
        super().__init__(**kw)
        self.is_logged_in = logged_in


def test_oidc_editor_needs_an_allowed_email():
    secrets = {"auth": {"redirect_uri": "x"}, "editors_oidc": {"emails": ["Wang@Example.cn"]}}
    assert ed.oidc_configured(secrets)
    assert not ed.oidc_configured({})
    e = ed.oidc_editor(_User(True, email="wang@example.cn", name="王工"), secrets)
    assert e.name == "王工" and e.via == "oidc"
    assert ed.oidc_editor(_User(True, email="other@example.cn"), secrets) is None
    assert ed.oidc_editor(_User(False, email="wang@example.cn"), secrets) is None


def test_repeated_wrong_passwords_slow_down_that_user_only(monkeypatch):
    accounts = {"wang": ed.Editor("wang", "王工", ed.hash_password("right-pass", rounds=4)),
                "li": ed.Editor("li", "李工", ed.hash_password("li-password", rounds=4))}
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    monkeypatch.setattr(ed, "_throttle", ed.LoginThrottle())
    for _ in range(ed.MAX_FAILURES):
        assert ed.login("wang", "guess", accounts, clock=clock) is None
    with pytest.raises(ed.LoginThrottled) as e:
        ed.login("wang", "right-pass", accounts, clock=clock)  # even the right password waits
    assert e.value.retry_after == ed.NAME_DELAY_S  # a short wait, not a lock-out (tests/security/test_login.py)
    assert ed.login("li", "li-password", accounts, clock=clock).username == "li"  # other users are not affected
    now[0] += ed.NAME_DELAY_S
    assert ed.login("wang", "right-pass", accounts, clock=clock).username == "wang"
    assert "wang" not in ed._throttle.names  # a success resets the count
