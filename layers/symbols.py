"""The symbol system, designed once (docs/cartography.md): every map — the app, the QGIS styles, the print maps,
the offline HTML — draws a project from these tables through layers.styles.

Three visual variables, each used for one thing only:

- **colour = category family**: five families with clearly different hues from the Okabe–Ito palette (safe for
  the common colour-vision deficiencies, distinct on a projector). Within a family a category is told apart by its
  **marker shape** (points) and **line width** (lines).
- **pattern and fill = status**: lines dotted (谋划), dashed (前期工作), solid (在建), solid with a dark casing (建成),
  grey (暂缓); markers hollow, half-filled, filled, filled with a dark ring, grey — the same order.
- **opacity = position precision**: exact, approximate, schematic, county-level get fainter. Precision never
  uses dashes (they belong to status); the error radius shows on hover.
"""
from __future__ import annotations

FAMILIES = {
    # family: (中文, colour)
    "water": ("水利", "#0072B2"),
    "rail": ("铁路", "#222222"),
    "transport": ("公路与机场", "#E69F00"),
    "ecology": ("生态与文化", "#009E73"),
    "services": ("产业与服务", "#CC79A7"),
}
SUSPENDED_COLOR = "#9a9a9a"

CATEGORY_SYMBOLS = {
    # category: (family, point shape, line width in px)
    "river": ("water", "circle", 4),
    "reservoir": ("water", "square", 4),
    "sluice": ("water", "triangle", 4),
    "irrigation_district": ("water", "diamond", 3),
    "railway": ("rail", "circle", 5),
    "railway_spur": ("rail", "square", 3),
    "expressway": ("transport", "circle", 6),
    "highway": ("transport", "square", 4),
    "urban_road": ("transport", "triangle", 3),
    "bridge": ("transport", "diamond", 4),
    "airport": ("transport", "star", 4),
    "wetland_park": ("ecology", "circle", 3),
    "ecological_restoration": ("ecology", "square", 3),
    "quarry_restoration": ("ecology", "triangle", 3),
    "culture": ("ecology", "star", 4),
    "industrial_park": ("services", "square", 3),
    "hospital": ("services", "cross", 3),
    "science_park": ("services", "triangle", 3),
    "logistics": ("services", "diamond", 3),
    "digital_infrastructure": ("services", "hexagon", 3),
    "cooperation_zone": ("services", "circle", 3),
    "pilot_zone": ("services", "star", 3),
}
DEFAULT_SYMBOL = ("services", "circle", 3)

STATUS_SYMBOLS = {
    # status: line dash ('' solid), casing (a dark line under it), marker fill: none | half | full, grey
    "proposed": {"dash": "1 7", "casing": False, "fill": "none", "grey": False},
    "preliminary": {"dash": "10 6", "casing": False, "fill": "half", "grey": False},
    "under_construction": {"dash": "", "casing": False, "fill": "full", "grey": False},
    "completed": {"dash": "", "casing": True, "fill": "full", "grey": False},
    "suspended": {"dash": "", "casing": False, "fill": "full", "grey": True},
}
CASING_COLOR = "#1b1b1b"

PRECISION_OPACITY = {"exact": 1.0, "approximate": 0.85, "schematic": 0.6, "county": 0.4}
AREA_FILL = {"none": 0.0, "half": 0.12, "full": 0.28}  # polygon fill opacity by the status's marker fill


def family_of(category: str) -> str:
    return CATEGORY_SYMBOLS.get(category, DEFAULT_SYMBOL)[0]


def color(category: str) -> str:
    return FAMILIES[family_of(category)][1]


def shape(category: str) -> str:
    return CATEGORY_SYMBOLS.get(category, DEFAULT_SYMBOL)[1]


def line_width(category: str) -> int:
    return CATEGORY_SYMBOLS.get(category, DEFAULT_SYMBOL)[2]


def families_of(categories) -> dict[str, list[str]]:
    """family → its categories among ``categories``, in the table's order."""
    out: dict[str, list[str]] = {}
    for c in CATEGORY_SYMBOLS:
        if c in categories:
            out.setdefault(family_of(c), []).append(c)
    return out


# ------------------------------------------------------------------------------------------------- markers

_SHAPES = {  # outline of each marker shape in a 20×20 box (SVG path data)
    "circle": "M10 2.5a7.5 7.5 0 1 0 0.001 0Z",
    "square": "M3.5 3.5h13v13h-13Z",
    "triangle": "M10 2l8.5 15h-17Z",
    "diamond": "M10 1.5l8.5 8.5l-8.5 8.5l-8.5-8.5Z",
    "star": "M10 1.5l2.5 5.6l6.1 0.6l-4.6 4.1l1.3 6l-5.3-3.1l-5.3 3.1l1.3-6l-4.6-4.1l6.1-0.6Z",
    "cross": "M7.5 2.5h5v5h5v5h-5v5h-5v-5h-5v-5h5Z",
    "hexagon": "M10 2l7 4v8l-7 4l-7-4v-8Z",
}
MATPLOTLIB_MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "star": "*", "cross": "P",
                      "hexagon": "h"}


def marker_svg(category: str, status: str, precision: str = "exact", size: int = 18) -> str:
    """A project's point marker as inline SVG (our own markup: no user text): the category's shape in its family
    colour, filled as the status says, as opaque as the precision."""
    st = STATUS_SYMBOLS.get(status, STATUS_SYMBOLS["proposed"])
    c = SUSPENDED_COLOR if st["grey"] else color(category)
    d = _SHAPES[shape(category)]
    op = PRECISION_OPACITY.get(precision, PRECISION_OPACITY["county"])
    gid = f"pm-half-{c.lstrip('#').lower()}"  # one page holds many markers: one gradient id per colour
    fill = {"none": "#ffffff", "half": f"url(#{gid})", "full": c}[st["fill"]]
    half = (f'<defs><linearGradient id="{gid}"><stop offset="50%" stop-color="{c}"/>'
            f'<stop offset="50%" stop-color="#ffffff"/></linearGradient></defs>') if st["fill"] == "half" else ""
    ring = f'<path d="{d}" fill="none" stroke="{CASING_COLOR}" stroke-width="4.5"/>' if st["casing"] else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 20 20" '
            f'opacity="{op}">{half}{ring}<path d="{d}" fill="{fill}" stroke="{c}" stroke-width="2.2" '
            f'stroke-linejoin="round"/></svg>')
