"""Items 8 and 10 of the hardening issue: what a registry row or a geometry file can do to a build."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from geo import gazetteer
from geo.geocode import Geocoder
from layers.build import BuildError, geocode_registry
from layers.registry import RegistryError, parse

ROOT = Path(__file__).resolve().parents[2]
HEADER = ("id,name,aliases,category,county,status,target_year,lead_agency,support_agencies,plan_section,"
          "plan_excerpt,locate,location_note\n")
ROW = "p-one,徒骇河治理,,river,莘县,under_construction,2025,市水利局,,二(二)1,实施徒骇河治理工程。,{locate},\n"


def problems(text: str):
    with pytest.raises(RegistryError) as e:
        parse(text.encode("utf-8"), "p.csv")
    return e.value.problems


@pytest.fixture(scope="module")
def gaz():
    return gazetteer.load()


def build_rows(rows: str, gaz, geometries_dir):
    return geocode_registry(parse((HEADER + rows).encode("utf-8"), "p.csv"), Geocoder(gaz, geometries_dir))


@pytest.mark.parametrize("coords, needle", [
    ("[NaN, 36.4]", "not a finite number"),
    ("[116.0, Infinity]", "not a finite number"),
    ("[1e999, 36.4]", "cannot be read"),
    ("[121.47, 31.23]", "outside the region"),
])
def test_a_geometry_file_with_a_bad_coordinate_stops_the_build_naming_the_project(tmp_path, gaz, coords, needle):
    (tmp_path / "p-one.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"precision":"approximate",'
        '"precision_m":500,"source":"test"},"geometry":{"type":"Point","coordinates":' + coords + '}}]}')
    with pytest.raises(BuildError) as e:
        build_rows(ROW.format(locate=""), gaz, tmp_path)
    assert "p-one" in str(e.value) and needle in str(e.value)


@pytest.mark.parametrize("precision_m", ['"1' + "0" * 400 + '"', "1e999", '"abc"', "-5"])
def test_a_geometry_file_with_a_bad_radius_stops_the_build(tmp_path, gaz, precision_m):
    (tmp_path / "p-one.geojson").write_text(json.dumps({"type": "Feature", "properties": {
        "precision": "approximate", "source": "test"}, "geometry": {"type": "Point", "coordinates": [116, 36.4]}})
        .replace('"source"', f'"precision_m": {precision_m}, "source"'))
    with pytest.raises(BuildError) as e:
        build_rows(ROW.format(locate=""), gaz, tmp_path)
    assert "p-one" in str(e.value) and "precision_m" in str(e.value)


@pytest.mark.parametrize("locate", ["ring:聊城市区:99999999", "ring:聊城市区:0", "ring:聊城市区:" + "9" * 400,
                                    "point:聊城市区~" + "9" * 400])
def test_a_ring_or_radius_out_of_range_is_refused_by_the_registry(locate):
    [p] = problems(HEADER + ROW.format(locate=locate))
    assert (p.line, p.field) == (2, "locate") and "out of range" in p.message and len(p.message) < 200


def test_a_nul_byte_in_a_name_is_refused_not_truncated():
    [p] = problems(HEADER + ROW.format(locate="").replace("徒骇河治理", "徒骇河\x00治理", 1))
    assert (p.field, p.line) == ("name", 2) and "U+0000" in p.message


def test_bidi_controls_are_stripped_from_every_cell():
    [pr] = parse((HEADER + ROW.format(locate="").replace("徒骇河治理", "\u202e徒骇河\u2066治理\u200f", 1)).encode(),
                 "p.csv")
    assert pr.name == "徒骇河治理"


@pytest.mark.parametrize("size", [5000, 131_073])
def test_a_huge_cell_is_a_clear_problem(size):
    [p] = problems(HEADER + ROW.format(locate="").replace("实施徒骇河治理工程。", "长" * size))
    assert p.line == 2 and ("at most" in p.message or "cannot be read as CSV" in p.message)


def test_the_cli_reports_a_huge_cell_without_a_traceback(tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text(HEADER + ROW.format(locate="").replace("实施徒骇河治理工程。", "长" * 131_073), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "layers", "build", "--registry", str(reg), "--out",
                        str(tmp_path / "o.gpkg")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "r.csv:2" in r.stderr
