"""Optional OIDC login for editors (Streamlit's built-in ``st.login``): when the secrets the page passes in have an
``[auth]`` section, an OIDC user may edit if their e-mail is listed in ``[editors_oidc] emails = [...]``. The
secrets and the user are passed in; this module never imports Streamlit."""
from __future__ import annotations

from layers.editor_accounts import Editor

__all__ = ["oidc_configured", "oidc_allowed", "oidc_editor"]


def oidc_configured(secrets=None) -> bool:
    return bool(secrets is not None and "auth" in secrets)


def oidc_allowed(secrets=None) -> set[str]:
    """The e-mail addresses (lower case) that may edit."""
    if secrets is None or "editors_oidc" not in secrets:
        return set()
    return {str(e).strip().lower() for e in secrets["editors_oidc"].get("emails", [])}


def oidc_editor(user, secrets=None) -> Editor | None:
    """The editor for a Streamlit ``st.user`` logged in through OIDC, if their e-mail is allowed to edit."""
    if not getattr(user, "is_logged_in", False):
        return None
    email = str(user.get("email") or "").strip().lower()
    if not email or email not in oidc_allowed(secrets):
        return None
    return Editor(email, str(user.get("name") or email), via="oidc")
