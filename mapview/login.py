"""The edit page's login: an editor account (layers.editors, bcrypt + login limits — kept where the store in use
is: the database on PostGIS, shared by every server) or, when configured, OIDC (st.login). Secrets are passed in
by the caller (ui.secrets()); layers.editors never reads Streamlit itself."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from layers import editors
from mapview import data

__all__ = ["current_editor", "login_form", "logout"]


def _oidc_user(secrets):
    """st.user when OIDC is configured and someone is logged in through it, else None."""
    if not editors.oidc_configured(secrets):
        return None
    return st.user if st.user.get("is_logged_in", False) else None  # Mapping.get: no key → not logged in


def current_editor(secrets) -> editors.Editor | None:
    """Who is logged in: the session's editor account, else an allowed OIDC user, else None."""
    e = st.session_state.get("pm_editor")
    if e is not None:
        return e
    user = _oidc_user(secrets)
    return editors.oidc_editor(user, secrets) if user is not None else None


def logout() -> None:
    ss = st.session_state
    ss.pop("pm_editor", None)
    for k in [k for k in ss if str(k).startswith("ed_")]:
        del ss[k]


def _client() -> str:
    """Who is trying to log in, for the login limits (layers.editors): the connection's address, else this session."""
    ip = getattr(st.context, "ip_address", None)  # None on localhost; behind a proxy see layers.editors
    return f"ip:{ip}" if ip else st.session_state.setdefault("pm_login_client",
                                                             f"session:{dt.datetime.now().timestamp()}")


def _accounts(secrets) -> dict:
    try:
        return editors.load_editors(secrets=secrets)
    except editors.EditorError as e:
        st.error(f"编辑账号配置有误：{e}")
        return {}


def _try_login(user: str, password: str, accounts: dict) -> None:
    try:
        e = editors.login(user, password, accounts, client=_client(), store=data.source())
    except editors.LoginThrottled as err:  # also LoginUnavailable: the limits' database failed, nothing checked
        st.error(str(err))
        return
    if e is None:
        st.error("用户名或密码错误。 / Wrong user name or password.")
    else:
        st.session_state["pm_editor"] = e
        st.rerun()


def login_form(secrets) -> None:
    """The form (and the OIDC button when configured)."""
    st.markdown("查看地图不需要登录；**记录状态变更或修正几何需要编辑账号登录**。")
    accounts = _accounts(secrets)
    oidc = editors.oidc_configured(secrets)
    if not accounts and not oidc:
        st.warning("尚未配置编辑账号。管理员可在服务器上运行 `python -m layers.editors add 用户名 --name 显示名`，"
                   "或在 Streamlit secrets 的 `[editors]` 中加入 bcrypt 密码哈希。")
    with st.form("ed_login"):
        user = st.text_input("用户名", key="ed_login_user")
        password = st.text_input("密码", type="password", key="ed_login_password")
        ok = st.form_submit_button("登录")
    if ok:
        _try_login(user, password, accounts)
    if oidc:
        st.button("使用单位账号登录（OIDC）", on_click=st.login)
        user = _oidc_user(secrets)
        if user is not None and editors.oidc_editor(user, secrets) is None:
            st.error(f"账号 {user.get('email')} 没有编辑权限。")
