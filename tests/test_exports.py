"""mapview.exports: the app's downloads are exactly the filtered projects, in every format and map."""
import io
import json
import zipfile

import pytest
from PIL import Image

from layers import store
from layers.filters import Filters, apply
from mapview import data, exports


@pytest.fixture(scope="module")
def key(shipped):
    return data.file_key(shipped[0])


@pytest.fixture(scope="module")
def wanted(shipped):
    return set(apply(store.read_projects(shipped[0]), Filters(county=("冠县",)))["id"])


def test_maps_and_bundle_of_the_filter(key, wanted):
    f = Filters(county=("冠县",))
    assert Image.open(io.BytesIO(exports.export_bytes(key, f, "png"))).size == (1920, 1080)
    assert exports.export_bytes(key, f, "pdf").startswith(b"%PDF")
    html = exports.export_bytes(key, f, "html").decode("utf-8")
    assert html.count('"i":"') == len(wanted) and "县(市、区)：冠县" in html
    z = zipfile.ZipFile(io.BytesIO(exports.export_bytes(key, f, "bundle")))
    assert {ft["properties"]["id"] for ft in json.loads(z.read("projects.geojson"))["features"]} == wanted
    assert exports.export_bytes(key, f, "kml").count(b"<Placemark") == len(wanted)
    assert exports.file_name(f, "bundle").endswith("_county-冠县.zip")


def test_county_sheets_from_the_app_ignore_the_filter(key):
    pdf = exports.export_bytes(key, Filters(county=("冠县",)), "sheets")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    assert exports.file_name(Filters(), "sheets").endswith("_县区图册.pdf")
