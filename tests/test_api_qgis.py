"""QGIS's own OGC API – Features client (the OAPIF provider of Debian's python3-qgis, run headless by the system
Python) reads `python -m layers api`: every collection opens, with its geometry type, CRS, fields and features, and a
map extent selects on the server. Runs where QGIS is installed (apt-get install python3-qgis qgis-providers); the
GDAL client test in test_api.py runs everywhere."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_api import exported, start, stop

SYSTEM_PYTHON = "/usr/bin/python3"
QGIS_SCRIPT = r"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsFeatureRequest, QgsRectangle, QgsVectorLayer, QgsWkbTypes
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
base, out = sys.argv[1], {}
for name in ("projects", "projects_point", "projects_line", "projects_polygon", "counties"):
    layer = QgsVectorLayer(f"url='{base}' typename='{name}'", name, "OAPIF")
    feats = list(layer.getFeatures()) if layer.isValid() else []
    out[name] = {"valid": layer.isValid(), "type": QgsWkbTypes.displayString(layer.wkbType()),
                 "crs": layer.crs().authid(), "fields": layer.fields().names(),
                 "ids": [f["id"] for f in feats],
                 "types": sorted({QgsWkbTypes.displayString(f.geometry().wkbType()) for f in feats})}
layer = QgsVectorLayer(f"url='{base}' typename='projects_line'", "bbox", "OAPIF")
request = QgsFeatureRequest().setFilterRect(QgsRectangle(115.8, 36.3, 116.1, 36.6))
out["bbox"] = sorted(f["id"] for f in layer.getFeatures(request))
print(json.dumps(out), flush=True)
os._exit(0)  # QGIS's teardown may crash a headless process; the answer is out
"""


def _has_qgis() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _has_qgis(), reason="QGIS (python3-qgis, qgis-providers) is not installed")
def test_qgis_opens_every_collection(shipped, tmp_path):
    gpkg = shutil.copy(shipped[0], tmp_path / "s.gpkg")
    proc, base = start(gpkg)
    try:
        run = subprocess.run([SYSTEM_PYTHON, "-c", QGIS_SCRIPT, base], capture_output=True, text=True, timeout=300,
                             cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    finally:
        stop(proc)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    every = exported(gpkg, tmp_path)
    for name, types in (("projects_point", {"Point"}), ("projects_line", {"MultiLineString"}),
                        ("projects_polygon", {"MultiPolygon"})):
        layer = got[name]
        assert layer["valid"] and layer["crs"] == "EPSG:4326", name
        assert {layer["type"]} == types and set(layer["types"]) == types, name  # one type: QGIS draws them all
        assert layer["ids"] == [f["id"] for f in every if f["geometry"]["type"] in types], name
        assert "status" in layer["fields"] and "county" in layer["fields"]
    assert got["projects"]["valid"] and sorted(got["projects"]["ids"]) == sorted(f["id"] for f in every)
    assert got["counties"]["valid"] and len(got["counties"]["ids"]) == 8
    from shapely import box
    from shapely.geometry import shape
    assert got["bbox"] == sorted(f["id"] for f in every if f["geometry"]["type"] == "MultiLineString"
                                 and shape(f["geometry"]).intersects(box(115.8, 36.3, 116.1, 36.6)))
