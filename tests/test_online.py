"""Online geocoders (geo/online.py), tested on recorded responses (tests/fixtures/online/, hand-written in the
documented shapes: the services cannot be reached from here), plus the default urllib transport against a real
local HTTP server."""
from __future__ import annotations

import http.server
import json
import logging
import threading
import urllib.error
import urllib.parse
from pathlib import Path

import pytest
from shapely.geometry import Point

from geo import boundaries, online, online_providers
from geo.crs import gcj02_to_wgs84, to_metric
from geo.online import Amap, Nominatim, OnlineGeocoder, Tianditu
from layers.registry import Project

FIXTURES = Path(__file__).parent / "fixtures" / "online"
AMAP_KEY = "amapTESTKEY0123456789abcdef"
TDT_TOKEN = "tdtTESTTOKENfedcba9876543210"
SECRET_PARTS = [AMAP_KEY, TDT_TOKEN]


class RecordedTransport:
    """Serves the recorded responses: a request matches a fixture with the same base URL and query parameters."""

    def __init__(self):
        self.fixtures = [json.loads(p.read_text("utf-8")) for p in sorted(FIXTURES.glob("*.json"))]
        self.requests: list[tuple[str, dict]] = []
        self.unmatched: list[str] = []

    @staticmethod
    def _matches(request: dict, base: str, params: dict) -> bool:
        if request["url"] != base:
            return False
        for name, want in request["params"].items():
            got = params.get(name)
            if name == "ds" and got is not None:
                got = json.loads(got)
            if got != want:
                return False
        return True

    def __call__(self, url, *, headers=None, timeout=None):
        self.requests.append((url, dict(headers or {})))
        parts = urllib.parse.urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        params = dict(urllib.parse.parse_qsl(parts.query))
        for fx in self.fixtures:
            if self._matches(fx["request"], base, params):
                return json.loads(json.dumps(fx["response"]))
        self.unmatched.append(url)
        raise LookupError(f"no recorded response for {url}")


def project(name, county, aliases=(), category="reservoir", pid="t"):
    return Project(id=pid, name=name, aliases=list(aliases), category=category, county=list(county),
                   status="proposed", target_year=None, lead_agency=["x"], support_agencies=[],
                   plan_section="二(二)1", plan_excerpt="x")


def metres(a: Point, b: Point) -> float:
    return to_metric(a).distance(to_metric(b))


@pytest.fixture
def transport():
    return RecordedTransport()


GUANXIAN = boundaries.county_geometry(["冠县"])
DONGCHANGFU = boundaries.county_geometry(["东昌府区"])


# -- Amap ----------------------------------------------------------------------------------------------------------
def test_amap_result_is_converted_from_gcj02(transport):
    geo = OnlineGeocoder([Amap(AMAP_KEY)], transport=transport)
    found = geo.locate(project("冠县大沙河水库", ["冠县"], ["大沙河水库"]), within=GUANXIAN)
    assert found is not None and transport.unmatched == []
    raw = (115.545404, 36.533932)  # the recorded GCJ-02 location
    lon, lat = gcj02_to_wgs84(*raw)
    assert found.geometry.x == pytest.approx(float(lon), abs=1e-9)
    assert found.geometry.y == pytest.approx(float(lat), abs=1e-9)
    shift = metres(found.geometry, Point(raw))
    assert 300 < shift < 800, shift  # the GCJ-02 offset here is about half a kilometre
    assert found.precision == "approximate"
    assert 300 <= found.precision_m <= 1000
    assert found.geom_source == "Amap geocoder (GCJ-02→WGS84): '冠县大沙河水库', level 兴趣点"
    # the key goes to Amap with the city restriction
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(transport.requests[0][0]).query))
    assert params["key"] == AMAP_KEY and params["city"] == "聊城"


def test_result_outside_the_counties_is_rejected(transport):
    # Amap answers 冠州国际陆港 with a point of interest in 东昌府区 (the city centre): not in 冠县.
    geo = OnlineGeocoder([Amap(AMAP_KEY)], transport=transport)
    p = project("冠州国际陆港", ["冠县"], category="logistics")
    assert geo.locate(p, within=GUANXIAN) is None
    assert transport.unmatched == []
    # the same recorded answer is accepted for a project in 东昌府区: the rejection is about location
    q = project("冠州国际陆港", ["东昌府区"], category="logistics")
    assert geo.locate(q, within=DONGCHANGFU) is not None
    assert len(transport.requests) == 1  # the second project reused the cached answer


def test_city_level_result_is_rejected_even_inside_the_county(transport):
    geo = OnlineGeocoder([Amap(AMAP_KEY)], transport=transport)
    p = project("聊城国际物流内陆港", ["东昌府区"], ["聊城内陆港专用线"], category="logistics")
    fx = json.loads((FIXTURES / "amap_city_level.json").read_text("utf-8"))["response"]["geocodes"][0]
    assert DONGCHANGFU.covers(Point(*gcj02_to_wgs84(*map(float, fx["location"].split(",")))))
    assert geo.locate(p, within=DONGCHANGFU) is None
    assert [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(u).query))["address"] for u, _ in transport.requests] \
        == ["聊城国际物流内陆港", "聊城内陆港专用线"]  # name first, then the alias
    assert transport.unmatched == []


def test_amap_error_status_yields_nothing_and_disables_provider(transport, caplog):
    geo = OnlineGeocoder([Amap(AMAP_KEY)], transport=transport)
    with caplog.at_level(logging.WARNING, logger="geo.online"):
        assert geo.locate(project("莘县化工产业园", ["莘县"], category="industrial_park"),
                          within=boundaries.county_geometry(["莘县"])) is None
        # later projects do not ask the failed provider again, and the warning is not repeated
        assert geo.locate(project("冠县大沙河水库", ["冠县"]), within=GUANXIAN) is None
    assert len(transport.requests) == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "INVALID_USER_KEY" in warnings[0].getMessage()
    assert AMAP_KEY not in caplog.text


@pytest.mark.parametrize("error", [
    urllib.error.HTTPError("https://restapi.amap.com/v3/geocode/geo?key=" + AMAP_KEY, 503, "Service Unavailable",
                           None, None),
    TimeoutError("timed out"),
    urllib.error.URLError(OSError(101, "Network is unreachable")),
    # a transport that echoes the URL in its message (as requests' HTTPError does) must not leak the key
    OSError(f"403 Client Error: Forbidden for url: https://restapi.amap.com/v3/geocode/geo?address=x&key={AMAP_KEY}"),
])
def test_transport_errors_yield_nothing_and_never_show_the_key(error, caplog):
    calls = []

    def failing(url, *, headers=None, timeout=None):
        calls.append(timeout)
        raise error

    geo = OnlineGeocoder([Tianditu(TDT_TOKEN), Amap(AMAP_KEY)], transport=failing)
    with caplog.at_level(logging.DEBUG):
        assert geo.locate(project("冠县大沙河水库", ["冠县"], ["大沙河水库"]), within=GUANXIAN) is None
    assert calls == [online_providers.TIMEOUT_S, online_providers.TIMEOUT_S]  # one attempt per provider, short timeout
    assert sum(r.levelno == logging.WARNING for r in caplog.records) == 2
    for secret in SECRET_PARTS:
        assert secret not in caplog.text
        assert all(secret not in reason for reason in geo.disabled.values())
        assert secret not in repr(geo)
    # the provider's own exception is masked too and does not carry the original (which may hold the URL)
    with pytest.raises(online_providers.ProviderError) as exc:
        Amap(AMAP_KEY, transport=failing).search("冠县大沙河水库")
    assert AMAP_KEY not in str(exc.value) and exc.value.__cause__ is None and exc.value.__suppress_context__


def test_keys_are_masked_in_every_form():
    text = f"key={AMAP_KEY}&tk={urllib.parse.quote('a/b+c')}"
    masked = online_providers.mask(text, [AMAP_KEY, "a/b+c"])
    assert masked == f"key={online_providers.MASK}&tk={online_providers.MASK}"
    assert online_providers.mask("tk=a%2Fb%2Bc", ["a/b+c"]) == f"tk={online_providers.MASK}"


# -- Tianditu ------------------------------------------------------------------------------------------------------
def test_tianditu_result_is_used_without_shift(transport):
    geo = OnlineGeocoder([Tianditu(TDT_TOKEN)], transport=transport)
    found = geo.locate(project("冠县大沙河水库", ["冠县"]), within=GUANXIAN)
    assert found is not None and transport.unmatched == []
    assert (found.geometry.x, found.geometry.y) == (115.539634, 36.533884)  # CGCS2000 ≈ WGS84: no conversion
    assert found.precision == "approximate" and found.precision_m <= 1000
    assert found.geom_source == "Tianditu geocoder (CGCS2000≈WGS84): '聊城市冠县大沙河水库', level 地名地址"
    url = transport.requests[0][0]
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert json.loads(params["ds"]) == {"keyWord": "聊城市冠县大沙河水库"} and params["tk"] == TDT_TOKEN


def test_tianditu_admin_level_and_empty_results_fall_through_to_next_provider(transport):
    # Tianditu: 行政区划 for the name (rejected), 结果为空 (status 101) is not an error; Amap then answers.
    geo = OnlineGeocoder([Tianditu(TDT_TOKEN), Amap(AMAP_KEY)], transport=transport)
    p = project("莘县化工产业园", ["莘县"], category="industrial_park")
    shen = boundaries.county_geometry(["莘县"])
    assert geo.locate(p, within=shen) is None  # Amap's recorded answer is INVALID_USER_KEY
    assert "tianditu" not in geo.disabled and "amap" in geo.disabled
    assert geo.locate(project("冠州国际陆港", ["冠县"], category="logistics"), within=GUANXIAN) is None
    assert "tianditu" not in geo.disabled  # 101 = empty result, not a failure
    assert transport.unmatched == []


# -- Nominatim -----------------------------------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self):
        return self.now

    def sleep(self, s):
        self.slept.append(s)
        self.now += s


def test_nominatim_accepts_a_feature_in_the_county_with_its_extent_as_precision(transport):
    fake = FakeClock()
    nom = Nominatim(clock=fake.clock, sleep=fake.sleep)
    geo = OnlineGeocoder([nom], transport=transport)
    found = geo.locate(project("冠县大沙河水库", ["冠县"]), within=GUANXIAN)
    assert found is not None and transport.unmatched == []
    assert (found.geometry.x, found.geometry.y) == pytest.approx((115.539634, 36.533884))
    # the recorded reservoir is ~2.7 km × 3.1 km: the error radius covers half its diagonal, not just 2 km
    assert 2000 < found.precision_m < 2500
    assert found.geom_source.startswith("Nominatim/OpenStreetMap (© OpenStreetMap contributors, ODbL): "
                                        "'聊城市冠县大沙河水库', level place_rank 22")
    url, headers = transport.requests[0]
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert params["countrycodes"] == "cn" and params["bounded"] == "1" and params["format"] == "json"
    assert headers["User-Agent"] == online.USER_AGENT and "geopy" not in headers["User-Agent"].lower()


def test_nominatim_county_boundary_rejected_and_requests_spaced_one_second(transport):
    fake = FakeClock()
    nom = Nominatim(clock=fake.clock, sleep=fake.sleep)
    geo = OnlineGeocoder([nom], transport=transport)
    assert geo.locate(project("冠州国际陆港", ["冠县"], category="logistics"), within=GUANXIAN) is None
    fake.now += 0.25  # the next request comes a quarter of a second later
    assert geo.locate(project("冠县大沙河水库", ["冠县"]), within=GUANXIAN) is not None
    assert fake.slept == [pytest.approx(0.75)]
    fake.now += 5
    geo.locate(project("冠县大沙河水库", ["冠县"]), within=GUANXIAN)  # cached: no request, no wait
    assert len(transport.requests) == 2 and fake.slept == [pytest.approx(0.75)]


def test_nominatim_refuses_a_library_default_user_agent():
    with pytest.raises(ValueError):
        Nominatim(user_agent="geopy/2.5")


# -- what is not placed ---------------------------------------------------------------------------------------------
def test_line_and_area_projects_are_not_placed_by_a_point(transport):
    geo = OnlineGeocoder([Amap(AMAP_KEY)], transport=transport)
    assert geo.locate(project("冠县大沙河水库", ["冠县"], category="river"), within=GUANXIAN) is None
    assert geo.locate(project("冠县大沙河水库", ["冠县"], category="irrigation_district"), within=GUANXIAN) is None
    assert transport.requests == []


# -- configuration ----------------------------------------------------------------------------------------------------
def test_unconfigured_environment_uses_no_online_provider():
    assert online.from_env({}) is None
    assert online.from_env({"AMAP_KEY": " ", "TIANDITU_TOKEN": "", "PROJECTMAP_NOMINATIM": "0"}) is None


def test_configured_environment_picks_only_the_configured_providers():
    geo = online.from_env({"AMAP_KEY": AMAP_KEY})
    assert [type(p) for p in geo.providers] == [Amap]
    geo = online.from_env({"AMAP_KEY": AMAP_KEY, "TIANDITU_TOKEN": TDT_TOKEN, "PROJECTMAP_NOMINATIM": "1"})
    assert [type(p) for p in geo.providers] == [Tianditu, Amap, Nominatim]
    assert AMAP_KEY not in repr(geo) and TDT_TOKEN not in repr(geo)


def test_geocoder_uses_online_result_only_to_improve_a_county_fallback(transport):
    from geo import gazetteer
    from geo.geocode import Geocoder

    p = project("冠县大沙河水库", ["冠县"], ["大沙河水库"], pid="reservoir-test")
    offline = Geocoder(gazetteer.load()).locate(p)
    assert offline.precision == "county"
    improved = Geocoder(gazetteer.load(), online=OnlineGeocoder([Amap(AMAP_KEY)], transport=transport)).locate(p)
    assert improved.precision == "approximate" and improved.geom_source.startswith("Amap geocoder")
    assert improved.precision_m < offline.precision_m


# -- the default transport, against a real local HTTP server ---------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path.startswith("/ok"):
            body = json.dumps({"status": "1", "echo_ua": self.headers.get("User-Agent")}).encode()
            self.send_response(200)
        elif self.path.startswith("/hang"):
            self.server.release.wait(10)
            return
        else:
            body = b"oops"
            self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.release = threading.Event()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.release.set()
    srv.shutdown()
    srv.server_close()


def test_default_transport_parses_json_and_raises_on_http_error_and_timeout(server):
    got = online_providers.urllib_transport(server + "/ok", headers={"User-Agent": online.USER_AGENT})
    assert got == {"status": "1", "echo_ua": online.USER_AGENT}
    with pytest.raises(urllib.error.HTTPError):
        online_providers.urllib_transport(server + "/fail")
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        online_providers.urllib_transport(server + "/hang", timeout=0.3)


def test_provider_query_through_default_transport(server):
    # a Chinese query and our User-Agent go through urllib; a success without geocodes is "no result", not a failure
    amap = Amap(AMAP_KEY)
    amap.url = server + "/ok"
    geo = OnlineGeocoder([amap])
    assert geo.locate(project("冠县大沙河水库", ["冠县"]), within=GUANXIAN) is None
    assert geo.disabled == {}


def test_unreachable_provider_through_default_transport_yields_none(server, caplog):
    amap = Amap(AMAP_KEY, timeout=0.3)
    amap.url = server + "/hang"
    geo = OnlineGeocoder([amap])
    with caplog.at_level(logging.WARNING, logger="geo.online"):
        assert geo.locate(project("冠县大沙河水库", ["冠县"]), within=GUANXIAN) is None
    assert "amap" in geo.disabled and AMAP_KEY not in caplog.text
