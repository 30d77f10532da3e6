"""What counts as English in text a planner reads (tests/test_visible_text.py, tests/e2e/test_visible_text.py): Latin
words of two letters or more, except a short allow-list, each entry with its reason."""
import re

WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED = {
    "WGS", "GCJ", "CGCS", "EPSG",  # coordinate systems as they are named in Chinese GIS practice (WGS84, GCJ-02 …)
    "GSHHG",  # the river dataset a river's course is drawn from, named where the table says so (位置来源)
    "Leaflet",  # the map library's credit in the map's corner (its licence asks for it)
    "km",  # the unit on the map's scale bar (the SI symbol, as on printed Chinese maps)
}
CITATIONS = {  # on 关于数据 only: the datasets and licences its sources table cites, spelled as their publishers do
    "GeoNames", "OpenStreetMap",  # datasets
    "MIT", "BSD", "LGPL", "CC", "BY", "ODbL",  # licences (MIT, BSD-2, LGPL, CC BY 4.0, ODbL)
}
# Streamlit's keyboard skip link: drawn only while it has the focus (Tab), its text fixed in Streamlit's frontend.
PHRASES = ["Skip to main content"]


def latin_words(text: str, allowed: set[str]) -> list[str]:
    """The Latin words of `text` that are not allowed, sorted, each once."""
    for phrase in PHRASES:
        text = text.replace(phrase, " ")
    return sorted({w for w in WORD.findall(text) if w not in allowed})


def data_words(projects) -> set[str]:
    """Latin words that really are in project and agency names (none in the shipped data: G105 has one letter)."""
    cols = ["name", "lead_agency", "support_agencies"]
    return {w for c in cols for v in projects[c].dropna().astype(str) for w in WORD.findall(v)}
