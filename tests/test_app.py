"""app.py, the router: a UserError is shown as a message; any other error is a short notice and a log entry."""
import logging

from core.errors import UserError
from mapview import ui
from tests.apptest import app_test


def _run_with_setup_raising(monkeypatch, error):
    def setup():
        raise error
    monkeypatch.setattr(ui, "setup", setup)
    return app_test(60).run()


def test_a_user_error_is_shown_in_chinese(monkeypatch):
    at = _run_with_setup_raising(monkeypatch, UserError("数据文件不是 GeoPackage。", "not a GeoPackage"))
    assert [e.value for e in at.error] == ["数据文件不是 GeoPackage。"]
    assert not at.exception


def test_a_bug_is_a_notice_with_the_traceback_in_the_log(monkeypatch, caplog):
    with caplog.at_level(logging.ERROR, logger="projectmap"):
        at = _run_with_setup_raising(monkeypatch, RuntimeError("internal detail /srv/secret"))
    assert len(at.error) == 1 and "出错" in at.error[0].value
    assert not at.exception
    assert all("internal detail" not in str(getattr(e, "value", "")) for e in at.main)
    assert "internal detail /srv/secret" in caplog.text and "Traceback" in caplog.text
