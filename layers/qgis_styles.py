"""QGIS default styles stored in the GeoPackage (`layer_styles`): GIS staff see the app's symbols in QGIS (family
colours, category shapes and widths, status patterns and casing; layers.symbols)."""
from __future__ import annotations

import sqlite3
from xml.sax.saxutils import quoteattr

import itertools

from core.vocab import CATEGORIES, STATUSES
from layers import symbols

_HEAD = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.28.0\" styleCategories=\"Symbology|Labeling\">\n"


def _rgba(hex_color: str, alpha: int = 255) -> str:
    h = hex_color.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _opt(name: str, value) -> str:
    return f'<Option name="{name}" type="QString" value={quoteattr(str(value))}/>'


_QGIS_SHAPES = {"circle": "circle", "square": "square", "triangle": "triangle", "diamond": "diamond",
                "star": "star", "cross": "cross_fill", "hexagon": "hexagon"}
_QGIS_DASH = {"1 7": "dot", "10 6": "dash"}


def _layer(cls: str, options: list[str]) -> str:
    return f'<layer class="{cls}" enabled="1" locked="0" pass="0"><Option type="Map">{"".join(options)}</Option></layer>'


def _symbol(kind: str, index: str, category: str, status: str) -> str:
    """One QGIS symbol in the symbol system: family colour, shape or width, status pattern, fill and casing."""
    st = symbols.STATUS_SYMBOLS[status]
    c = symbols.SUSPENDED_COLOR if st["grey"] else symbols.color(category)
    width_mm = round(symbols.line_width(category) * 0.25, 2)
    casing = st["casing"]
    if kind == "point":
        fill = {"none": _rgba("#ffffff"), "half": _rgba(c, 110), "full": _rgba(c)}[st["fill"]]
        layers = [_layer("SimpleMarker", [_opt("name", _QGIS_SHAPES[symbols.shape(category)]), _opt("color", fill),
                                          _opt("size", "3.6"), _opt("outline_color", _rgba(
                                              symbols.CASING_COLOR if casing else c)),
                                          _opt("outline_width", "0.6")])]
        sym_type = "marker"
    elif kind == "line":
        line = [_opt("line_color", _rgba(c)), _opt("line_width", str(width_mm)), _opt("line_width_unit", "MM"),
                _opt("line_style", _QGIS_DASH.get(st["dash"], "solid")), _opt("capstyle", "round")]
        under = [_layer("SimpleLine", [_opt("line_color", _rgba(symbols.CASING_COLOR)),
                                       _opt("line_width", str(width_mm + 0.7)), _opt("line_width_unit", "MM")])]
        layers = (under if casing else []) + [_layer("SimpleLine", line)]
        sym_type = "line"
    else:
        alpha = int(255 * symbols.AREA_FILL[st["fill"]])
        layers = [_layer("SimpleFill", [_opt("color", _rgba(c, alpha)), _opt("outline_color", _rgba(c)),
                                        _opt("outline_style", _QGIS_DASH.get(st["dash"], "solid")),
                                        _opt("outline_width", "0.8" if casing else "0.5")])]
        sym_type = "fill"
    return (f'<symbol type="{sym_type}" name="{index}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'{"".join(layers)}</symbol>')


def project_qml(kind: str) -> str:
    """Categorised by category and status (kind: point | line | polygon), drawn with the symbol system."""
    cats, syms = [], []
    for i, ((code, label), (status, (status_zh, _))) in enumerate(itertools.product(CATEGORIES.items(),
                                                                                    STATUSES.items())):
        value = f"{code}|{status}"
        cats.append(f'<category symbol="{i}" value={quoteattr(value)} label={quoteattr(f"{label} · {status_zh}")} '
                    f'render="true"/>')
        syms.append(_symbol(kind, str(i), code, status))
    attr = quoteattr('"category" || \'|\' || "status"')
    return (_HEAD + f'<renderer-v2 type="categorizedSymbol" attr={attr} symbollevels="0" forceraster="0" '
            f'enableorderby="0"><categories>{"".join(cats)}</categories><symbols>{"".join(syms)}</symbols>'
            "</renderer-v2>" + _labels("name", 8) + "</qgis>\n")


def counties_qml() -> str:
    fill = ('<symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" '
            f'enabled="1" locked="0" pass="0"><Option type="Map">{_opt("color", "240,240,235,255")}'
            f'{_opt("outline_color", "90,90,90,255")}{_opt("outline_width", "0.5")}</Option></layer></symbol>')
    return (_HEAD + f'<renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0">'
            f"<symbols>{fill}</symbols></renderer-v2>" + _labels("name", 12) + "</qgis>\n")


def _labels(field: str, size: int) -> str:
    return (f'<labeling type="simple"><settings calloutType="simple"><text-style fieldName="{field}" '
            f'fontSize="{size}" textColor="40,40,40,255" isExpression="0"><text-buffer bufferDraw="1" '
            'bufferSize="1" bufferColor="255,255,255,255"/></text-style><placement placement="0"/></settings>'
            "</labeling>")


def write_layer_styles(conn: sqlite3.Connection, layers: dict[str, str]) -> None:
    """layers: table name → QML. Creates `layer_styles` (the table QGIS reads) and registers it in gpkg_contents."""
    conn.execute("""CREATE TABLE IF NOT EXISTS layer_styles (
        id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
        f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
        useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
        update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))""")
    conn.execute("""INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
        VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS default styles',
        strftime('%Y-%m-%dT%H:%M:%fZ','now'))""")
    for table, qml in layers.items():
        geom_col = conn.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                                (table,)).fetchone()
        conn.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (table,))
        conn.execute("""INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
            styleName, styleQML, styleSLD, useAsDefault, description, owner, ui)
            VALUES ('', '', ?, ?, ?, ?, '', 1, 'projectmap default style', '', '')""",
                     (table, geom_col[0] if geom_col else "geom", table, qml))
