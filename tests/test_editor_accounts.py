"""Editor accounts (layers.editor_accounts): bcrypt hashes only, from a TOML file outside git or the Streamlit
secrets the page passes in."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from layers import editor_accounts as ed
from layers.login import verify

ROOT = Path(__file__).resolve().parent.parent


def test_accounts_never_import_streamlit():
    r = subprocess.run([sys.executable, "-c", "import sys, layers.editors; "
                        "print('streamlit' in sys.modules)"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "False", r.stderr


def test_add_and_verify(tmp_path):
    path = tmp_path / "cfg" / "editors.toml"
    ed.add_editor("wang", "correct horse", name="王工", path=path, rounds=4)
    ed.add_editor("li", "battery staple", path=path, rounds=4)
    text = path.read_text(encoding="utf-8")
    assert "correct horse" not in text and "$2b$04$" in text and '"王工"' in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    editors = ed.load_editors(path=path, secrets={})
    assert set(editors) == {"wang", "li"}
    e = verify("wang", "correct horse", editors)
    assert e is not None and e.name == "王工" and e.label == "王工 (wang)"
    assert verify("wang", "wrong password", editors) is None
    assert verify("nobody", "correct horse", editors) is None
    assert verify("wang", "", editors) is None
    assert verify("li", "battery staple", editors).label == "li"
    # replacing a password keeps the others
    ed.add_editor("wang", "new password!", path=path, rounds=4)
    editors = ed.load_editors(path=path, secrets={})
    assert verify("wang", "new password!", editors) and verify("li", "battery staple", editors)


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
    assert verify("wang", "secret password", editors) and not verify("wang", "file password", editors)
    assert verify("chen", "secret password", editors).name == "chen"


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
