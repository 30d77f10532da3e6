"""Upload validation: every bad input gets a clear bilingual error; good inputs are reprojected/converted right."""
from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import upload as up
from geo.crs import to_metric, wgs84_to_gcj02

LINE = shapely.LineString([(115.70, 36.30), (115.85, 36.42), (116.00, 36.55)])
PARK = shapely.Polygon([(115.94, 36.49), (115.96, 36.49), (115.96, 36.51), (115.94, 36.51)])


def _geojson(*geoms, crs=None, **extra) -> bytes:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "测试"}, "geometry": shapely.geometry.mapping(g)} for g in geoms]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    doc.update(extra)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _file(gdf: gpd.GeoDataFrame, tmp_path, driver: str, name: str) -> bytes:
    path = tmp_path / name
    gdf.to_file(path, driver=driver, engine="pyogrio")
    return path.read_bytes()


def _zipped_shapefile(gdf, tmp_path, *, drop=(), encoding_names=False) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    gdf.to_file(folder / "河道.shp", engine="pyogrio")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            if f.suffix not in drop:
                zf.write(f, arcname=f"some/dir/{f.name}")
    return buf.getvalue()


def _err(excinfo) -> str:
    return str(excinfo.value)


def test_geojson_line_is_read_as_is():
    u = up.read_upload(_geojson(LINE), "course.geojson", allowed_kinds={"LineString"})
    assert u.geometry.equals(LINE) and u.kind == "LineString" and u.source_crs == "EPSG:4326" and u.notes == []


def test_geojson_with_bom_and_json_suffix():
    u = up.read_upload(b"\xef\xbb\xbf" + _geojson(PARK), "park.json")
    assert u.geometry.equals(PARK)


def test_projected_shapefile_is_reprojected_from_its_prj(tmp_path):
    metric = to_metric(LINE)
    data = _zipped_shapefile(gpd.GeoDataFrame(geometry=[metric], crs="EPSG:4548"), tmp_path)
    u = up.read_upload(data, "河道.zip")
    assert u.source_crs == "EPSG:4548"
    assert np.allclose(shapely.get_coordinates(u.geometry), shapely.get_coordinates(LINE), atol=1e-7)
    assert any("EPSG:4548" in n for n in u.notes)


def test_declared_epsg_for_a_shapefile_without_prj(tmp_path):
    metric = to_metric(LINE)
    data = _zipped_shapefile(gpd.GeoDataFrame(geometry=[metric], crs="EPSG:4548"), tmp_path, drop=(".prj",))
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, "x.zip")  # metres, no CRS: say so
    assert "EPSG" in _err(e) and "projected" in _err(e)
    u = up.read_upload(data, "x.zip", epsg=4548)
    assert np.allclose(shapely.get_coordinates(u.geometry), shapely.get_coordinates(LINE), atol=1e-7)


def test_declared_epsg_conflicting_with_the_prj_is_an_error(tmp_path):
    data = _zipped_shapefile(gpd.GeoDataFrame(geometry=[to_metric(LINE)], crs="EPSG:4548"), tmp_path)
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, "x.zip", epsg=4326)
    assert "EPSG:4548" in _err(e) and "differs" in _err(e)


def test_geojson_in_metres_with_a_declared_epsg():
    data = _geojson(to_metric(LINE))  # non-RFC GeoJSON without a crs member
    u = up.read_upload(data, "m.geojson", epsg="EPSG:4548")
    assert np.allclose(shapely.get_coordinates(u.geometry), shapely.get_coordinates(LINE), atol=1e-7)


def test_geojson_with_crs_member_is_honoured():
    data = _geojson(to_metric(LINE), crs="urn:ogc:def:crs:EPSG::4548")
    u = up.read_upload(data, "m.geojson")
    assert u.source_crs == "EPSG:4548"
    assert np.allclose(shapely.get_coordinates(u.geometry), shapely.get_coordinates(LINE), atol=1e-7)


def test_amap_coordinates_are_converted():
    gx, gy = wgs84_to_gcj02(np.array([115.98]), np.array([36.45]))
    amap_point = shapely.Point(gx[0], gy[0])
    u = up.read_upload(_geojson(amap_point), "amap.geojson", amap=True)
    assert u.geometry.x == pytest.approx(115.98, abs=1e-9) and u.geometry.y == pytest.approx(36.45, abs=1e-9)
    assert any("GCJ-02" in n for n in u.notes)
    # the shift is real: ~500 m in Liaocheng
    shift = to_metric(amap_point).distance(to_metric(u.geometry))
    assert 300 < shift < 800


def test_amap_with_projected_crs_is_refused(tmp_path):
    data = _zipped_shapefile(gpd.GeoDataFrame(geometry=[to_metric(LINE)], crs="EPSG:4548"), tmp_path)
    with pytest.raises(up.UploadError, match="Amap"):
        up.read_upload(data, "x.zip", amap=True)


def test_kml(tmp_path):
    data = _file(gpd.GeoDataFrame({"Name": ["园区"]}, geometry=[PARK], crs="EPSG:4326"), tmp_path, "KML", "p.kml")
    u = up.read_upload(data, "p.kml", allowed_kinds={"Point", "Polygon"})
    assert u.kind == "Polygon"
    assert np.allclose(shapely.get_coordinates(u.geometry), shapely.get_coordinates(PARK))


def test_geopackage(tmp_path):
    data = _file(gpd.GeoDataFrame(geometry=[to_metric(PARK)], crs="EPSG:4548"), tmp_path, "GPKG", "p.gpkg")
    u = up.read_upload(data, "p.gpkg")
    assert u.geometry.equals_exact(PARK, 1e-7)


def test_geopackage_with_several_layers_is_refused(tmp_path):
    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame(geometry=[PARK], crs=4326).to_file(path, layer="a")
    gpd.GeoDataFrame(geometry=[LINE], crs=4326).to_file(path, layer="b")
    with pytest.raises(up.UploadError, match="several layers"):
        up.read_upload(path.read_bytes(), "two.gpkg")


def test_several_line_features_are_merged():
    a = shapely.LineString([(115.70, 36.30), (115.85, 36.42)])
    b = shapely.LineString([(115.85, 36.42), (116.00, 36.55)])
    u = up.read_upload(_geojson(a, b), "two.geojson")
    assert u.geometry.equals(LINE) and u.n_features == 2


@pytest.mark.parametrize("data, name, needle", [
    (b"", "x.geojson", "empty"),
    (b"{not json", "x.geojson", "Malformed GeoJSON"),
    (b'{"type": "FeatureCollection", "features": []}', "x.geojson", "no geometry"),
    (b"hello", "x.txt", "Unsupported file type"),
    (b"PK\x03\x04garbage", "x.zip", "damaged"),
    (b"not sqlite", "x.gpkg", "not a GeoPackage"),
    ("{\"type\": \"Feature\", \"properties\": {\"name\": \"徒骇河\"}, \"geometry\": null}".encode("gbk"),
     "x.geojson", "not UTF-8"),
])
def test_bad_files(data, name, needle):
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, name)
    assert needle in _err(e)
    assert " / " in _err(e) and e.value.zh and e.value.en


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("member", [".shp", ".dbf"])
def test_corrupt_zip_member_is_an_upload_error(tmp_path, compression, member):
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame({"name": ["河道"] * 50}, geometry=[LINE] * 50, crs="EPSG:4326").to_file(folder / "河道.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, arcname=f.name)
    data = bytearray(buf.getvalue())
    info = next(i for i in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist() if i.filename.endswith(member))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)  # the member's bytes
    for k in range(start + 8, start + min(info.compress_size, 40)):
        data[k] ^= 0x5A
    with pytest.raises(up.UploadError) as e:
        up.read_upload(bytes(data), "河道.zip")
    assert "损坏" in e.value.zh and "damaged" in e.value.en and member in _err(e)


def test_gbk_geojson_message_names_the_encoding():
    data = _geojson(LINE).decode("utf-8").encode("gbk")
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, "gbk.geojson")
    assert "GBK" in e.value.zh and "GBK" in e.value.en


def test_size_limit():
    data = _geojson(LINE, padding="x" * 2000)
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, "big.geojson", max_bytes=1000)
    assert "limit" in _err(e) and "上限" in _err(e)
    assert up.MAX_BYTES == 20 * 1024 * 1024


def test_zip_without_shp_and_with_missing_parts(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "no shapefile here")
    with pytest.raises(up.UploadError, match="no .shp"):
        up.read_upload(buf.getvalue(), "x.zip")
    data = _zipped_shapefile(gpd.GeoDataFrame(geometry=[LINE], crs=4326), tmp_path, drop=(".dbf",))
    with pytest.raises(up.UploadError, match=".dbf"):
        up.read_upload(data, "x.zip")


def test_zip_member_paths_are_never_used_on_disk(tmp_path):
    folder = tmp_path / "evil"
    folder.mkdir()
    gpd.GeoDataFrame(geometry=[LINE], crs=4326).to_file(folder / "a.shp", engine="pyogrio")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, arcname=f"../../../../tmp/{f.name}")
    u = up.read_upload(buf.getvalue(), "evil.zip")
    assert u.geometry.equals(LINE)


def test_swapped_lon_lat_is_named():
    swapped = shapely.LineString([(y, x) for x, y in LINE.coords])
    with pytest.raises(up.UploadError) as e:
        up.read_upload(_geojson(swapped), "s.geojson")
    assert "swapped" in e.value.en and "颠倒" in e.value.zh


def test_outside_region_is_refused_with_extent():
    beijing = shapely.Point(116.40, 39.90)
    with pytest.raises(up.UploadError) as e:
        up.read_upload(_geojson(beijing), "bj.geojson")
    assert "outside the Liaocheng region" in e.value.en and "116.4000" in e.value.en


def test_mixed_kinds_refused():
    with pytest.raises(up.UploadError, match="mixes"):
        up.read_upload(_geojson(LINE, PARK), "mixed.geojson")


def test_wrong_kind_for_the_category():
    with pytest.raises(up.UploadError) as e:
        up.read_upload(_geojson(PARK), "p.geojson", allowed_kinds=up.allowed_kinds_for("railway"))
    assert "line" in e.value.en and "polygon" in e.value.en and "线" in e.value.zh
    assert up.allowed_kinds_for("reservoir") == {"Point", "Polygon"}
    assert up.allowed_kinds_for("unknown-category") == {"Point", "LineString", "Polygon"}


def test_bow_tie_polygon_is_rejected():
    bowtie = shapely.Polygon([(115.90, 36.40), (116.00, 36.50), (116.00, 36.40), (115.90, 36.50)])
    assert not bowtie.is_valid
    with pytest.raises(up.UploadError) as e:
        up.read_upload(_geojson(bowtie), "bow.geojson")
    assert "Invalid polygon" in e.value.en and "Self-intersection" in e.value.en


def test_small_self_touching_defect_is_repaired():
    # a square with a zero-width spike: invalid, but make_valid keeps the same single polygon and area
    spiky = shapely.Polygon([(115.90, 36.40), (116.00, 36.40), (116.00, 36.45), (116.05, 36.45), (116.00, 36.45),
                             (116.00, 36.50), (115.90, 36.50)])
    assert not spiky.is_valid
    u = up.read_upload(_geojson(spiky), "spike.geojson")
    assert u.geometry.is_valid and u.geometry.geom_type == "Polygon"
    assert u.geometry.area == pytest.approx(0.1 * 0.1)
    assert any("repaired" in n for n in u.notes)


def test_degenerate_line_rejected():
    with pytest.raises(up.UploadError, match="Invalid geometry"):
        up.check_geometry(shapely.LineString([(115.9, 36.4), (115.9, 36.4)]))


def test_several_points_for_one_project_refused():
    with pytest.raises(up.UploadError, match="2 points"):
        up.read_upload(_geojson(shapely.Point(115.9, 36.4), shapely.Point(115.91, 36.41)), "pts.geojson")


def test_drawn_geometry_checks():
    g, notes = up.check_geometry(shapely.geometry.shape({"type": "Point", "coordinates": [115.98, 36.45]}),
                                 allowed_kinds={"Point", "Polygon"})
    assert g.equals(shapely.Point(115.98, 36.45)) and notes == []
    with pytest.raises(up.UploadError, match="outside"):
        up.check_geometry(shapely.Point(120.0, 36.0))
