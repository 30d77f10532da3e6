"""The online geocoding services geo.online asks (Tianditu, Amap, Nominatim): how each is called, how its match
levels map to an honest error radius, and how its answer becomes a WGS84 hit. See geo.online for when they are used.
"""
from __future__ import annotations

import json
import logging
import math
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from shapely.geometry import Point

from core import region
from core.vocab import CATEGORY_GEOMETRY
from geo.crs import gcj02_to_wgs84, to_metric

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0
USER_AGENT = "projectmap-liaocheng/0.1 (Liaocheng regional planning project map)"  # HTTP headers: ASCII only
MASK = "***"

# Category codes (core/vocab.py) whose geometry is a line or an area: a geocoded point does not represent them.
NOT_POINT_CATEGORIES = {c for c, g in CATEGORY_GEOMETRY.items() if g in ("line", "area")}

# Error radii (metres) by match class.
HOUSE_M = 300.0      # a house number / door address
POI_M = 1000.0       # a named point of interest: the facility itself may extend for hundreds of metres
ROAD_M = 2000.0      # a road, a crossing, a village, a lane, a business area
TOWN_M = 5000.0      # a township (乡镇) or a development zone (开发区)
MAX_M = 10000.0      # anything coarser is not better than the county fallback

# Amap 地理编码 匹配级别 (lbs.amap.com geocoding API docs, list updated 2023-12-07).
AMAP_LEVELS = {
    "门牌号": HOUSE_M, "门址": HOUSE_M, "单元号": HOUSE_M, "楼层": HOUSE_M, "房间": HOUSE_M,
    "兴趣点": POI_M, "公交地铁站点": POI_M, "住宅区": POI_M,
    "道路": ROAD_M, "道路交叉路口": ROAD_M, "小巷": ROAD_M, "村庄": ROAD_M, "热点商圈": ROAD_M,
    "乡镇": TOWN_M, "开发区": TOWN_M,
    # rejected: 国家, 省, 市, 区县, 未知 (and anything not listed)
}
# Tianditu geocoder `level` (类别名称; the documented example answers 地名地址 for a named address).
TIANDITU_LEVELS = {
    "门址": HOUSE_M, "门牌号": HOUSE_M,
    "地名地址": POI_M, "兴趣点": POI_M, "POI": POI_M,
    "道路": ROAD_M, "村庄": ROAD_M, "自然村": ROAD_M, "行政村": ROAD_M,
    "乡镇": TOWN_M,
    # rejected: 行政区划, 省, 市, 区县, 县 and anything not listed
}


def nominatim_precision(place_rank: int) -> float | None:
    """Nominatim search rank → error radius: 28–30 POI/house, 19–27 street/village/suburb, 17–18 town; ≤16 rejected."""
    if place_rank >= 28:
        return POI_M
    if place_rank >= 19:
        return ROAD_M
    if place_rank >= 17:
        return TOWN_M
    return None


class ProviderError(Exception):
    """A provider cannot be used (unreachable, bad key, quota...). The message is already masked."""


def mask(text: str, secrets) -> str:
    """Replace every secret (raw and URL-encoded) in text."""
    for s in secrets:
        if s:
            for form in sorted({s, urllib.parse.quote(s), urllib.parse.quote(s, safe=""), urllib.parse.quote_plus(s)},
                               key=len, reverse=True):
                text = text.replace(form, MASK)
    return text


def urllib_transport(url: str, *, headers: dict | None = None, timeout: float = TIMEOUT_S):
    """GET url, parse the JSON body. Raises on network errors, HTTP errors, timeouts and bad JSON."""
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (https/http URLs built here)
        return json.loads(resp.read().decode("utf-8"))


@dataclass
class Hit:
    lon: float          # WGS84
    lat: float
    level: str          # the provider's own words for the match level
    precision_m: float | None  # None: level too coarse or unknown → rejected
    raw_lonlat: tuple[float, float]


def _round_m(x: float) -> float:
    mag = 10 ** max(0, int(math.floor(math.log10(x))) - 1)
    return float(math.ceil(x / mag) * mag)


class Provider:
    name = "?"
    label = "?"
    secret = ""

    def __init__(self, transport=None, timeout: float = TIMEOUT_S):
        self.transport = transport or urllib_transport
        self.timeout = timeout

    def __repr__(self) -> str:  # never shows the key
        return f"<{type(self).__name__}>"

    def query_text(self, term: str) -> str:
        city = region.current().name_zh  # the region's city: 聊城市 unless a build of another region
        return term if term.startswith(city.removesuffix("市")) else city + term

    def get(self, url: str, headers: dict | None = None):
        h = {"User-Agent": USER_AGENT}
        h.update(headers or {})
        try:
            return self.transport(url, headers=h, timeout=self.timeout)
        except Exception as err:  # any transport failure: timeout, URLError, HTTPError, bad JSON...
            raise ProviderError(mask(f"{type(err).__name__}: {err}", [self.secret])) from None

    def search(self, query: str) -> list[Hit]:
        raise NotImplementedError


class Tianditu(Provider):
    name = "tianditu"
    label = "Tianditu geocoder (CGCS2000≈WGS84)"
    url = "https://api.tianditu.gov.cn/geocoder"

    def __init__(self, token: str, **kw):
        super().__init__(**kw)
        self.secret = token

    def search(self, query: str) -> list[Hit]:
        ds = json.dumps({"keyWord": query}, ensure_ascii=False)
        data = self.get(f"{self.url}?{urllib.parse.urlencode({'ds': ds, 'tk': self.secret})}")
        status = str(data.get("status", "")) if isinstance(data, dict) else ""
        if status == "101":  # 结果为空
            return []
        if status != "0":
            raise ProviderError(f"status {status or '?'}: {mask(str(data.get('msg', '')), [self.secret])}"
                                if isinstance(data, dict) else "unexpected response")
        loc = data.get("location") or {}
        try:
            lon, lat = float(loc["lon"]), float(loc["lat"])
        except (KeyError, TypeError, ValueError):
            return []
        level = str(loc.get("level") or "")
        return [Hit(lon, lat, level, TIANDITU_LEVELS.get(level), (lon, lat))]


class Amap(Provider):
    name = "amap"
    label = "Amap geocoder (GCJ-02→WGS84)"
    url = "https://restapi.amap.com/v3/geocode/geo"

    def __init__(self, key: str, **kw):
        super().__init__(**kw)
        self.secret = key

    def query_text(self, term: str) -> str:
        return term  # the city is given as a parameter

    def search(self, query: str) -> list[Hit]:
        params = {"address": query, "city": region.current().name_zh.removesuffix("市"), "output": "JSON", "key": self.secret}
        data = self.get(f"{self.url}?{urllib.parse.urlencode(params)}")
        if not isinstance(data, dict) or str(data.get("status")) != "1":
            info = data.get("info", "") if isinstance(data, dict) else "unexpected response"
            code = data.get("infocode", "") if isinstance(data, dict) else ""
            raise ProviderError(mask(f"status 0: {info} {code}".strip(), [self.secret]))
        hits = []
        for g in data.get("geocodes") or []:
            loc = g.get("location")
            if not isinstance(loc, str) or "," not in loc:
                continue
            try:
                glon, glat = (float(v) for v in loc.split(","))
            except ValueError:
                continue
            wlon, wlat = gcj02_to_wgs84(glon, glat)
            level = g.get("level") if isinstance(g.get("level"), str) else ""
            hits.append(Hit(float(wlon), float(wlat), level, AMAP_LEVELS.get(level), (glon, glat)))
        return hits


class _TransportAdapter:
    """A geopy sync adapter that sends requests through our transport (so tests can serve recorded responses)."""

    def __init__(self, provider: "Nominatim"):
        self.provider = provider

    def __call__(self, *, proxies=None, ssl_context=None):
        from geopy.adapters import BaseSyncAdapter

        provider = self.provider

        class Adapter(BaseSyncAdapter):
            def get_json(self, url, *, timeout, headers):
                return provider.get(url, headers=headers)

            def get_text(self, url, *, timeout, headers):
                return json.dumps(provider.get(url, headers=headers))

        return Adapter(proxies=proxies, ssl_context=ssl_context)


class Nominatim(Provider):
    """OpenStreetMap Nominatim through geopy; ≥ 1 s between requests (usage policy)."""
    name = "nominatim"
    label = "Nominatim/OpenStreetMap (© OpenStreetMap contributors, ODbL)"
    MIN_INTERVAL_S = 1.0

    def __init__(self, user_agent: str = USER_AGENT, *, clock=time.monotonic, sleep=time.sleep,
                 bounds: tuple[float, float, float, float] | None = None, **kw):
        super().__init__(**kw)
        from geopy.geocoders import Nominatim as GeopyNominatim

        if not user_agent or "geopy" in user_agent.lower():
            raise ValueError("Nominatim needs a user agent that identifies this application")
        self.user_agent = user_agent
        self.clock, self.sleep = clock, sleep
        self._last = None
        self.bounds = bounds
        self.geopy = GeopyNominatim(user_agent=user_agent, timeout=self.timeout,
                                    adapter_factory=_TransportAdapter(self))

    def get(self, url: str, headers: dict | None = None):
        if self._last is not None:
            wait = self._last + self.MIN_INTERVAL_S - self.clock()
            if wait > 0:
                self.sleep(wait)
        try:
            return super().get(url, headers={**(headers or {}), "User-Agent": self.user_agent})
        finally:
            self._last = self.clock()

    def search(self, query: str, bounds=None) -> list[Hit]:
        b = bounds or self.bounds
        kw = {"viewbox": [(b[1], b[0]), (b[3], b[2])], "bounded": True} if b else {}
        try:
            found = self.geopy.geocode(query, exactly_one=False, limit=5, country_codes="cn", language="zh",
                                       **kw)
        except ProviderError:
            raise
        except Exception as err:  # geopy's own errors (GeocoderServiceError, ...)
            raise ProviderError(f"{type(err).__name__}: {err}") from None
        hits = []
        for loc in found or []:
            raw = loc.raw or {}
            try:
                rank = int(raw.get("place_rank"))
            except (TypeError, ValueError):
                rank = 0
            prec = nominatim_precision(rank)
            if raw.get("class") == "boundary" and rank <= 16:
                prec = None
            bbox = raw.get("boundingbox")
            if prec is not None and bbox and len(bbox) == 4:
                try:
                    s, n, w, e = (float(v) for v in bbox)
                    half_diag = to_metric(Point(w, s)).distance(to_metric(Point(e, n))) / 2
                    prec = max(prec, half_diag)
                except ValueError:
                    pass
            kind = f"{raw.get('class', '?')}/{raw.get('type', '?')}"
            hits.append(Hit(loc.longitude, loc.latitude, f"place_rank {rank} ({kind})", prec,
                            (loc.longitude, loc.latitude)))
        return hits


