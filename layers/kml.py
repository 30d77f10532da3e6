"""KML for Google Earth and 奥维互动地图 users: the projects with their Chinese names, a Chinese description and the
app's colours. GDAL's KML driver writes the placemarks (WGS84, as KML requires); its writer keeps no styles, so a
<Style> per category is added to the document and each placemark points at its own."""
from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from core import fields, region
from layers import styles


KML_NS = "http://www.opengis.net/kml/2.2"


def _abgr(hex_color: str, alpha: int) -> str:
    """'#1f78b4' → KML's aabbggrr."""
    h = hex_color.lstrip("#") if hex_color.startswith("#") and len(hex_color) == 7 else "555555"
    return f"{alpha:02x}{h[4:6]}{h[2:4]}{h[0:2]}"


def _style(doc, style_id: str, color: str) -> None:
    from xml.etree import ElementTree as ET
    st = ET.Element(f"{{{KML_NS}}}Style", id=style_id)
    line = ET.SubElement(st, f"{{{KML_NS}}}LineStyle")
    ET.SubElement(line, f"{{{KML_NS}}}color").text = _abgr(color, 255)
    ET.SubElement(line, f"{{{KML_NS}}}width").text = "3"
    poly = ET.SubElement(st, f"{{{KML_NS}}}PolyStyle")
    ET.SubElement(poly, f"{{{KML_NS}}}color").text = _abgr(color, 0x66)
    icon = ET.SubElement(st, f"{{{KML_NS}}}IconStyle")
    ET.SubElement(icon, f"{{{KML_NS}}}color").text = _abgr(color, 255)
    doc.insert(0, st)


def _add_styles(kml: bytes, categories: list[str]) -> bytes:
    from xml.etree import ElementTree as ET
    ET.register_namespace("", KML_NS)
    root = ET.fromstring(kml)
    doc = root.find(f"{{{KML_NS}}}Document")
    for cat in sorted(set(categories), reverse=True):
        _style(doc, f"cat-{cat}", styles.color(cat))
    for placemark, cat in zip(root.iter(f"{{{KML_NS}}}Placemark"), categories):
        url = ET.Element(f"{{{KML_NS}}}styleUrl")
        url.text = f"#cat-{cat}"
        placemark.insert(2, url)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _description(row) -> str:
    shown = [f for f in fields.popup() if f.name not in ("evidence", "id")]
    return "\n".join(f"{f.zh}：{fields.display(f.name, row.get(f.name))}" for f in shown
                     if fields.display(f.name, row.get(f.name)))


def to_bytes(projects: gpd.GeoDataFrame) -> bytes:
    """The projects as one KML document (UTF-8): name, Chinese description, project_id, a style per category."""
    out = gpd.GeoDataFrame({
        "Name": projects["name"].astype(str).values,
        "Description": [_description(r) for _, r in projects.iterrows()],
        "project_id": projects["id"].values,
    }, geometry=projects.geometry.values, crs="EPSG:4326")
    with tempfile.TemporaryDirectory(prefix="kml-") as tmp:
        path = Path(tmp) / "projects.kml"
        pyogrio.write_dataframe(out, path, driver="KML", layer=f"{region.current().name_zh.removesuffix('市')}规划项目",
                                dataset_options={"NameField": "Name", "DescriptionField": "Description"})
        return _add_styles(path.read_bytes(), list(projects["category"].astype(str)))
