"""Optional OIDC login (layers.oidc): only allowed e-mail addresses may edit."""
from __future__ import annotations

from layers import oidc


class _User(dict):
    def __init__(self, logged_in, **kw):
        super().__init__(**kw)
        self.is_logged_in = logged_in


def test_oidc_editor_needs_an_allowed_email():
    secrets = {"auth": {"redirect_uri": "x"}, "editors_oidc": {"emails": ["Wang@Example.cn"]}}
    assert oidc.oidc_configured(secrets)
    assert not oidc.oidc_configured({})
    e = oidc.oidc_editor(_User(True, email="wang@example.cn", name="王工"), secrets)
    assert e.name == "王工" and e.via == "oidc"
    assert oidc.oidc_editor(_User(True, email="other@example.cn"), secrets) is None
    assert oidc.oidc_editor(_User(False, email="wang@example.cn"), secrets) is None
