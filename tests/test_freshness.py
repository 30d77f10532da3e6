"""The app and ./run.sh know when the data changed after the GeoPackage was built."""
import os

from layers import freshness


def test_a_data_file_newer_than_the_geopackage_is_stale(tmp_path):
    data = tmp_path / "data"
    (data / "geometries").mkdir(parents=True)
    gpkg = tmp_path / "x.gpkg"
    for name in ("projects.csv", "gazetteer.csv", "geometries/p-1.geojson"):
        (data / name).write_text("x")
    assert len(freshness.stale_inputs(gpkg, data)) == 3  # no GeoPackage yet: everything is newer
    gpkg.write_bytes(b"")
    os.utime(gpkg, (2_000_000_000, 2_000_000_000))
    for p in data.rglob("*.*"):
        os.utime(p, (1_900_000_000, 1_900_000_000))
    assert freshness.stale_inputs(gpkg, data) == []
    os.utime(data / "geometries" / "p-1.geojson", (2_100_000_000, 2_100_000_000))
    assert freshness.stale_inputs(gpkg, data) == [data / "geometries" / "p-1.geojson"]


def test_each_region_is_checked_against_its_own_data_folder(tmp_path):
    from core import region
    heze = region.get("heze")
    with region.use("heze"):
        assert freshness.stale_inputs(tmp_path / "none.gpkg") == sorted(
            p for p in heze.registry.parent.glob("*.csv"))  # never built: every input of 菏泽's folder
