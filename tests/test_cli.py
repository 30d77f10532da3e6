"""python -m layers: every subcommand given bad input says what is wrong (exit 2, a message), never a traceback."""
import subprocess
import sys
from pathlib import Path

import pytest

from layers import store, verification
from layers.__main__ import main
from tests.edit_fixtures import make_gpkg

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    registry = store.DEFAULT_REGISTRY.read_text(encoding="utf-8")
    (d / "bad_registry.csv").write_text(registry.replace(",river,", ",canal,", 1), encoding="utf-8")
    (d / "extra_column.csv").write_text(registry.replace("location_note\n", "location_note,budget\n", 1),
                                        encoding="utf-8")
    gazetteer = (store.DATA_DIR / "gazetteer.csv").read_text(encoding="utf-8").splitlines()
    header, first = gazetteer[0].split(","), gazetteer[1].split(",")
    first[header.index("lon")] = "east"
    (d / "bad_gazetteer.csv").write_text("\n".join([gazetteer[0], ",".join(first)] + gazetteer[2:]) + "\n",
                                         encoding="utf-8")
    (d / "bad_evidence.csv").write_text("subject,kind\nx,y\n", encoding="utf-8")
    (d / "junk.gpkg").write_text("not a geopackage")
    (d / "junk.geojson").write_text("{not json")
    make_gpkg(d / "good.gpkg")
    return d


def cli(*args):
    return subprocess.run([sys.executable, "-m", "layers", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True)


BAD = {
    "build: a bad registry row": lambda d: ("build", "--registry", d / "bad_registry.csv", "--out", d / "o.gpkg"),
    "build: an unknown registry column": lambda d: ("build", "--registry", d / "extra_column.csv",
                                                    "--out", d / "o.gpkg"),
    "build: no registry": lambda d: ("build", "--registry", d / "none.csv", "--out", d / "o.gpkg"),
    "build: a bad gazetteer": lambda d: ("build", "--gazetteer", d / "bad_gazetteer.csv", "--out", d / "o.gpkg"),
    "build: no gazetteer": lambda d: ("build", "--gazetteer", d / "none.csv", "--out", d / "o.gpkg"),
    "build: a bad evidence file": lambda d: ("build", "--evidence", d / "bad_evidence.csv", "--out", d / "o.gpkg"),
    "build: the target is not a GeoPackage": lambda d: ("build", "--out", d / "junk.gpkg"),
    "export: an unknown status": lambda d: ("export", "--format", "csv", "--status", "building",
                                            "--gpkg", d / "good.gpkg", "--out", d / "x.csv"),
    "export: no GeoPackage": lambda d: ("export", "--format", "csv", "--gpkg", d / "none.gpkg", "--out", d / "x.csv"),
    "export: onto its own source": lambda d: ("export", "--format", "gpkg", "--gpkg", d / "good.gpkg",
                                              "--out", d / "good.gpkg"),
    "export: into a missing folder": lambda d: ("export", "--format", "csv", "--gpkg", d / "good.gpkg",
                                                "--out", d / "no" / "such" / "x.csv"),
    "export: not a GeoPackage": lambda d: ("export", "--format", "csv", "--gpkg", d / "junk.gpkg",
                                           "--out", d / "x.csv"),
    "report: no GeoPackage": lambda d: ("report", "--gpkg", d / "none.gpkg"),
    "report: not a GeoPackage": lambda d: ("report", "--gpkg", d / "junk.gpkg"),
    "status: an unknown status": lambda d: ("status", "P001", "building", "--date", "2024-01-02", "--note", "n",
                                            "--editor", "e", "--gpkg", d / "good.gpkg"),
    "status: an unknown project": lambda d: ("status", "nope", "completed", "--date", "2024-01-02", "--note", "n",
                                             "--editor", "e", "--gpkg", d / "good.gpkg"),
    "status: a bad date": lambda d: ("status", "P001", "completed", "--date", "2024-13-40", "--note", "n",
                                     "--editor", "e", "--gpkg", d / "good.gpkg"),
    "status: not a GeoPackage": lambda d: ("status", "P001", "completed", "--date", "2024-01-02", "--note", "n",
                                           "--editor", "e", "--gpkg", d / "junk.gpkg"),
    "verify: an unknown state": lambda d: ("verify", "P001", "maybe", "--source", "s", "--editor", "e",
                                           "--gpkg", d / "good.gpkg"),
    "verify: an unknown project": lambda d: ("verify", "nope", "documented", "--source", "s", "--editor", "e",
                                             "--gpkg", d / "good.gpkg"),
    "verify: a bad date": lambda d: ("verify", "P001", "documented", "--source", "s", "--editor", "e",
                                     "--date", "yesterday", "--gpkg", d / "good.gpkg"),
    "verify: not a GeoPackage": lambda d: ("verify", "P001", "documented", "--source", "s", "--editor", "e",
                                           "--gpkg", d / "junk.gpkg"),
    "import-geometries: no file": lambda d: ("import-geometries", d / "none.geojson", "--editor", "e", "--source",
                                             "s", "--precision-m", "10", "--gpkg", d / "good.gpkg"),
    "import-geometries: a broken file": lambda d: ("import-geometries", d / "junk.geojson", "--editor", "e",
                                                   "--source", "s", "--precision-m", "10", "--gpkg", d / "good.gpkg"),
    "import-geometries: an unknown precision": lambda d: ("import-geometries", d / "junk.geojson", "--editor", "e",
                                                          "--source", "s", "--precision-m", "10", "--precision",
                                                          "perfect", "--gpkg", d / "good.gpkg"),
    "import-geometries: not a GeoPackage": lambda d: ("import-geometries", d / "junk.geojson", "--editor", "e",
                                                      "--source", "s", "--precision-m", "10", "--gpkg",
                                                      d / "junk.gpkg"),
    "views: an unknown view": lambda d: ("views", "rm", "nope", "--gpkg", d / "good.gpkg"),
    "views: a bad query": lambda d: ("views", "add", "v", "--query", "status=built", "--gpkg", d / "good.gpkg"),
    "views: not a GeoPackage": lambda d: ("views", "list", "--gpkg", d / "junk.gpkg"),
    "png: an unknown filter value": lambda d: ("png", "--county", "北京", "--gpkg", d / "good.gpkg",
                                               "--out", d / "x.png"),
    "png: not a GeoPackage": lambda d: ("png", "--gpkg", d / "junk.gpkg", "--out", d / "x.png"),
    "pdf: an unknown size": lambda d: ("pdf", "--size", "A7", "--gpkg", d / "good.gpkg", "--out", d / "x.pdf"),
    "pdf: an unknown view": lambda d: ("pdf", "--view", "nope", "--gpkg", d / "good.gpkg", "--out", d / "x.pdf"),
    "sheets: no GeoPackage": lambda d: ("sheets", "--gpkg", d / "none.gpkg", "--out", d / "x.pdf"),
    "sheets: into a missing folder": lambda d: ("sheets", "--gpkg", d / "good.gpkg", "--out", d / "no" / "x.pdf"),
    "html: an unknown county": lambda d: ("html", "--county", "北京", "--gpkg", d / "good.gpkg", "--out", d / "x.html"),
    "bundle: an unknown category": lambda d: ("bundle", "--category", "canal", "--gpkg", d / "good.gpkg",
                                              "--out", d / "x.zip"),
    "api: no GeoPackage": lambda d: ("api", "--port", "0", "--gpkg", d / "none.gpkg"),
    "api: not a GeoPackage": lambda d: ("api", "--port", "0", "--gpkg", d / "junk.gpkg"),
    "api: a bad port": lambda d: ("api", "--port", "70000", "--gpkg", d / "good.gpkg"),
    "copy: no source": lambda d: ("copy", d / "none.gpkg", d / "copy.gpkg"),
    "copy: onto itself": lambda d: ("copy", d / "good.gpkg", d / "good.gpkg"),
    "copy: a destination that holds data": lambda d: ("copy", d / "good.gpkg", d / "junk.gpkg"),
    "report: a --db that is not a database URL": lambda d: ("report", "--db", d / "good.gpkg"),
}


def test_every_subcommand_is_covered():
    covered = {case.split(":")[0] for case in BAD}
    assert covered == set(main.__globals__["COMMANDS"])


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_a_message_and_exit_2(files, case):
    before = (files / "good.gpkg").read_bytes()
    r = cli(*BAD[case](files))
    assert r.returncode == 2, (case, r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and r.stderr.startswith("错误 error: ") and len(r.stderr) > 20, r.stderr
    assert (files / "good.gpkg").read_bytes() == before  # nothing was changed
    assert (files / "junk.gpkg").read_text() == "not a geopackage"


def test_a_held_write_lock_is_a_message(files, monkeypatch, capsys):
    """Another writer holds the lock past the timeout: the CLI says so and exits 2."""
    gpkg = files / "good.gpkg"
    monkeypatch.setitem(verification.record_verification.__kwdefaults__, "timeout", 0.2)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from layers import safe_write as sw\n"
                               f"with sw.locked({str(gpkg)!r}):\n    print('held', flush=True); sys.stdin.read()"],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["verify", "P001", "documented", "--source", "s", "--editor", "e", "--gpkg", str(gpkg)]) == 2
    finally:
        holder.stdin.close()
        holder.wait()
    err = capsys.readouterr().err
    assert "写锁" in err and "Traceback" not in err
