"""Fixed vocabularies shared by the registry, the builder, the QGIS styles and the app.

Codes are stable (they appear in URLs, exports and the registry); labels are the Chinese UI text. The counties are
the current region's (core.region), the rest is the same for every region.
"""
from collections.abc import Mapping
from types import MappingProxyType

STATUSES = {
    # code: (中文, definition)
    "proposed": ("谋划", "谋划建设、研究或争取纳入上级规划/项目库，尚未开展前期工作"),
    "preliminary": ("前期工作", "正在推进可研、选址、立项等前期工作"),
    "under_construction": ("在建", "正在实施或加快建设(加快…建设、实施…工程、全力推进、持续推进)"),
    "completed": ("建成", "已建成通车或已完成(建成通车、完成…项目)"),
    "suspended": ("暂缓", "暂缓或取消(由规划人员设定)"),
}

CATEGORIES = {
    # code: 中文
    "river": "河道治理",
    "reservoir": "水库",
    "sluice": "水闸",
    "irrigation_district": "灌区",
    "railway": "铁路",
    "railway_spur": "铁路专用线",
    "expressway": "高速公路",
    "highway": "普通干线公路",
    "urban_road": "城市道路",
    "bridge": "桥梁",
    "airport": "机场",
    "wetland_park": "湿地公园",
    "ecological_restoration": "生态修复",
    "quarry_restoration": "矿山(窑厂)修复",
    "industrial_park": "产业园区",
    "hospital": "医院",
    "culture": "文化设施",
    "science_park": "科技园",
    "logistics": "物流",
    "digital_infrastructure": "数字基础设施",
    "cooperation_zone": "区域合作示范区",
    "pilot_zone": "综合试验区",
}

# What geometry a project of each category has — the one table that uploads, the geocoder and the online
# geocoders derive from: "line" (a course), "area" (drawn as its area when known only by county), "site" (a point
# or its outline), "point", "point_or_line".
CATEGORY_GEOMETRY = {
    "river": "line", "railway": "line", "railway_spur": "line", "expressway": "line", "highway": "line",
    "urban_road": "line", "bridge": "point_or_line", "sluice": "point",
    "irrigation_district": "area", "ecological_restoration": "area", "cooperation_zone": "area", "pilot_zone": "area",
    "reservoir": "site", "airport": "site", "wetland_park": "site", "quarry_restoration": "site",
    "industrial_park": "site", "hospital": "site", "culture": "site", "science_park": "site", "logistics": "site",
    "digital_infrastructure": "site",
}
GEOMETRY_KINDS = {  # geometry → the shapes a project's geometry may take (a point stands for a site it marks)
    "line": {"LineString"}, "point_or_line": {"Point", "LineString"}, "point": {"Point"},
    "area": {"Point", "Polygon"}, "site": {"Point", "Polygon"},
}


def geometry_of(category: str) -> str:
    return CATEGORY_GEOMETRY.get(category, "site")

PRECISIONS = {
    # code: (中文, meaning)
    "exact": ("精确", "测绘或权威数据中的实际位置/走向"),
    "approximate": ("近似", "依据地名或资料估定的位置，误差半径见各项目"),
    "schematic": ("示意", "经由若干已知地点连成的示意走向，不代表实际线位"),
    "county": ("县级", "仅知所在县(市、区)，以县域代表点或范围表示"),
}

EVIDENCE_KINDS = {
    # code: (中文, meaning); strongest first
    "survey": ("测绘/实地", "测绘成果、实地核查或带坐标的设计文件"),
    "official": ("官方文件", "政府公告、环评公示、批复、规划文本"),
    "news": ("新闻报道", "媒体报道或机构新闻稿"),
    "dataset": ("公开数据集", "公开地理数据集（河流、行政区划、地名）"),
    "none": ("未找到来源", "检索后未找到能确定位置的公开来源"),
}

VERIFICATION_STATES = {
    # code: (中文, meaning); a project starts unverified
    "unverified": ("未核实", "位置尚未由本地人员核实"),
    "documented": ("文献核实", "已对照设计文件、批复或公告核实"),
    "surveyed": ("实地或测绘核实", "已实地踏勘或依测绘成果核实"),
}

# The plan is dated 2023-08-26: statuses derived from its wording are "as of" this date.
PLAN_DATE = "2023-08-26"

class _RegionCounties(Mapping):
    """adcode → name of the current region's county-level units, in the city's order (config/regions/*.toml,
    core.region.current()): a live view, so code that reads COUNTIES follows the region of its context. Each
    call asks for the current region once (``'冠县' in COUNTIES.values()`` is one lookup, not one per county)."""

    _last = None  # (region, its names): the region files are read once, so a region is the same object each time

    def _names(self) -> MappingProxyType:
        from core import region  # core.region reads the region files; imported when first asked
        r, last = region.current(), self._last
        if last is None or last[0] is not r:
            last = self._last = (r, MappingProxyType(r.county_names()))
        return last[1]

    def __getitem__(self, adcode):
        return self._names()[adcode]

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())

    def __contains__(self, adcode):
        return adcode in self._names()

    def get(self, adcode, default=None):
        return self._names().get(adcode, default)

    def keys(self):
        return self._names().keys()

    def values(self):
        return self._names().values()

    def items(self):
        return self._names().items()

    def __repr__(self):
        return f"COUNTIES({dict(self._names())!r})"


COUNTIES = _RegionCounties()  # 聊城市's eight by default
CITY_WIDE = "全市"

# Every vocabulary as code → Chinese label, by the name fields use (core.fields.Field.vocab).
VOCABS = {
    "status": {k: v[0] for k, v in STATUSES.items()},
    "category": dict(CATEGORIES),
    "precision": {k: v[0] for k, v in PRECISIONS.items()},
    "evidence_kind": {k: v[0] for k, v in EVIDENCE_KINDS.items()},
    "verification": {k: v[0] for k, v in VERIFICATION_STATES.items()},
    "county": COUNTIES,  # live: the current region's
}


def label(kind: str, code) -> str:
    """The Chinese label of a code: label('status', 'proposed') → '谋划', label('county', '371525') → '冠县'.
    A value that is not a code of the vocabulary (a county already named, an old code) is shown as it is; None → ''.
    """
    if not isinstance(code, str):
        return "" if code is None or code != code else str(code)  # None, NaN
    return VOCABS[kind].get(code, code)


def code_of(kind: str, value: str) -> str:
    """A code given as itself or by its Chinese label (code_of('status', '在建') → 'under_construction'); anything
    else is returned unchanged for the caller to report."""
    value = str(value or "").strip()
    if value in VOCABS[kind]:
        return value
    return next((code for code, zh in VOCABS[kind].items() if zh == value), value)
