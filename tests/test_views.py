"""Meeting views: saved in the GeoPackage, validated, ordered, survive a rebuild."""
import pytest

from layers import views
from layers.views import ViewError
from tests.edit_fixtures import make_gpkg


@pytest.fixture
def gpkg(tmp_path):
    return make_gpkg(tmp_path / "v.gpkg")


def test_save_list_rename_move_and_remove(gpkg):
    views.save_view(gpkg, "在建项目", "county=冠县&status=under_construction", editor="王工", title="冠县在建",
                    bbox="115.3,36.3,115.7,36.7")
    views.save_view(gpkg, "rail", "category=railway,expressway", editor="王工")
    views.save_view(gpkg, "water", "category=river&q=徒骇河", editor="王工", basemap="osm")
    assert [v.name for v in views.list_views(gpkg)] == ["在建项目", "rail", "water"]
    first = views.get_view(gpkg, "在建项目")
    assert first.query == "county=%E5%86%A0%E5%8E%BF&status=under_construction" and first.bbox == (115.3, 36.3, 115.7,
                                                                                                  36.7)
    assert [v.name for v in views.move_view(gpkg, "water", 1)] == ["water", "在建项目", "rail"]
    views.rename_view(gpkg, "rail", "交通", editor="李工")
    assert views.neighbours(views.list_views(gpkg), "water") == (views.get_view(gpkg, "交通"),
                                                                 views.get_view(gpkg, "在建项目"))
    views.save_view(gpkg, "water", "category=sluice", editor="李工")  # replaces, keeps its place
    assert [(v.name, v.query) for v in views.list_views(gpkg)][0] == ("water", "category=sluice")
    views.remove_view(gpkg, "water")
    assert [v.name for v in views.list_views(gpkg)] == ["在建项目", "交通"]


@pytest.mark.parametrize("kwargs, needle", [
    (dict(name="a b"), "view name"),
    (dict(query="status=built"), "Unknown value"),
    (dict(query="evil=<script>"), "Unknown filter parameter"),
    (dict(bbox="116,36,115,37"), "swapped"),
    (dict(bbox="0,0,1,1"), "not around Liaocheng"),
    (dict(basemap="google"), "Unknown basemap"),
])
def test_bad_views_are_refused_and_nothing_is_saved(gpkg, kwargs, needle):
    args = dict(name="v1", query="status=completed", editor="王工")
    args.update(kwargs)
    with pytest.raises(ViewError) as e:
        views.save_view(gpkg, args.pop("name"), args.pop("query"), **args)
    assert needle in str(e.value)
    assert views.list_views(gpkg) == []


def test_an_unknown_view_names_the_ones_there_are(gpkg):
    views.save_view(gpkg, "全市", "", editor="王工")
    with pytest.raises(ViewError) as e:
        views.get_view(gpkg, "nope")
    assert "全市" in str(e.value)


def test_views_survive_a_rebuild(gpkg, tmp_path):
    from layers.carry_over import carry_over
    views.save_view(gpkg, "会议一", "status=completed", editor="王工", title="已建成")
    fresh = make_gpkg(tmp_path / "fresh.gpkg")
    carry_over(gpkg, fresh)
    assert [(v.name, v.title, v.query) for v in views.list_views(fresh)] == [("会议一", "已建成", "status=completed")]
