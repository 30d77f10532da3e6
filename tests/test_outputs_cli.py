"""python -m layers views|png|pdf|sheets|bundle and export --format kml: the filtered set, whole files, clear errors."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from layers import views

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return subprocess.run([sys.executable, "-m", "layers", *args], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture
def gpkg(shipped_copy):
    views.save_view(shipped_copy, "在建", "status=under_construction", editor="t", title="在建项目")
    return str(shipped_copy)


def test_views_from_the_command_line(gpkg):
    assert run("views", "add", "冠县", "--query", "county=冠县", "--gpkg", gpkg).returncode == 0
    assert run("views", "mv", "冠县", "1", "--gpkg", gpkg).returncode == 0
    listed = run("views", "list", "--gpkg", gpkg).stdout.splitlines()
    assert listed[0].split()[1] == "冠县" and listed[1].split()[1] == "在建"
    assert run("views", "rm", "冠县", "--gpkg", gpkg).returncode == 0
    assert [v.name for v in views.list_views(gpkg)] == ["在建"]


def test_a_slide_of_a_view_and_a_bundle_of_a_filter(gpkg, tmp_path):
    r = run("png", "--view", "在建", "--out", str(tmp_path / "s.png"), "--gpkg", gpkg)
    assert r.returncode == 0 and r.stdout.startswith("39 projects")
    assert Image.open(tmp_path / "s.png").size == (1920, 1080)
    r = run("bundle", "--county", "冠县", "--category", "river", "--out", str(tmp_path / "b.zip"), "--gpkg", gpkg)
    assert r.returncode == 0
    readme = zipfile.ZipFile(tmp_path / "b.zip").read("README.txt").decode("utf-8")
    assert "county=冠县" in readme or "county=%E5%86%A0%E5%8E%BF" in readme
    assert run("sheets", "--out", str(tmp_path / "s.pdf"), "--gpkg", gpkg).returncode == 0
    assert run("export", "--format", "kml", "--out", str(tmp_path / "e.kml"), "--gpkg", gpkg).returncode == 0


@pytest.mark.parametrize("args, needle", [
    (["png", "--view", "nope"], "没有名为"),
    (["pdf", "--status", "built"], "状态“built”无法识别"),
    (["png", "--size", "A7"], "1920x1080"),
    (["bundle", "--county", "北京"], "北京"),
    (["views", "add", "bad name!"], "视图名称"),
    (["views", "rm", "nope"], "没有名为"),
])
def test_bad_input_is_a_message_exit_2_and_no_file(gpkg, tmp_path, args, needle):
    out = tmp_path / "out.bin"
    extra = ["--out", str(out)] if args[0] != "views" else []
    r = run(*args, *extra, "--gpkg", gpkg)
    assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out.bin")]


def test_an_unwritable_path_is_a_message(gpkg, tmp_path):
    r = run("png", "--out", str(tmp_path / "missing" / "x.png"), "--gpkg", gpkg)
    assert r.returncode == 2 and "无法写入" in r.stderr and not (tmp_path / "missing").exists()


def test_statuses_and_categories_may_be_given_in_chinese(gpkg, tmp_path):
    r = run("export", "--format", "csv", "--status", "在建", "--category", "河道治理", "--out", str(tmp_path / "x.csv"),
            "--gpkg", gpkg)
    assert r.returncode == 0, r.stderr
    rows = (tmp_path / "x.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert rows and all(",under_construction," in row and ",river," in row for row in rows)
    assert run("png", "--status", "前期工作", "--out", str(tmp_path / "p.png"), "--gpkg", gpkg).returncode == 0
    r = run("status", "airport-liaocheng", "在建", "--date", "2024-06-01", "--note", "开工", "--editor", "王工",
            "--gpkg", gpkg)
    assert r.returncode == 0, r.stderr
