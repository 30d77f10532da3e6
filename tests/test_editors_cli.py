"""``python -m layers.editors`` (layers.editors_cli): add an account, print a hash; bad input exits 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from layers import editor_accounts as ed
from layers.login import verify

ROOT = Path(__file__).resolve().parent.parent


def test_cli_add_and_hash(tmp_path):
    path = tmp_path / "e.toml"
    r = subprocess.run([sys.executable, "-m", "layers.editors", "add", "wang", "--name", "王工", "--file", str(path),
                        "--password-stdin"], input="a good password\n", capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert verify("wang", "a good password", ed.load_file(path)).name == "王工"
    r = subprocess.run([sys.executable, "-m", "layers.editors", "hash", "--password-stdin"], input="another one\n",
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.startswith("$2b$")
    editors = {"x": ed.Editor("x", "x", r.stdout.strip())}
    assert verify("x", "another one", editors)
    r = subprocess.run([sys.executable, "-m", "layers.editors", "hash", "--password-stdin"], input="short\n",
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "at least 8" in r.stderr
