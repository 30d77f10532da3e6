"""编辑: record status changes and geometry corrections. Needs an editor login; the presentation view never edits.

Every write goes through layers.history (one locked SQLite transaction, a history row per change, nothing
overwritten). Uploads are checked by geo.upload; drawings by geo.upload.check_geometry.
"""
from __future__ import annotations

import datetime as dt

import folium
import pandas as pd
import shapely
import streamlit as st
from folium.plugins import Draw
from streamlit_folium import st_folium

from geo import upload
from layers import editors, history, safe_write, verification
from core.vocab import PRECISIONS, STATUSES, VERIFICATION_STATES
from mapview import assets, draw, ui

c = ui.ctx()
ss = st.session_state
st.title("编辑项目")

# ---------------------------------------------------------------------------------------- presentation: never
if c.present or ss.get("pm_present") or st.query_params.get("mode") == "present":
    st.info("演示模式下不能编辑。请退出演示模式后再编辑。 / Editing is not available in presentation mode.")
    st.stop()


# ------------------------------------------------------------------------------------------------------ login
def _current_editor() -> editors.Editor | None:
    e = ss.get("pm_editor")
    if e is not None:
        return e
    try:
        if editors.oidc_configured() and st.user.is_logged_in:
            return editors.oidc_editor(st.user)
    except Exception:  # st.user is unavailable outside a configured OIDC set-up
        return None
    return None


def _logout() -> None:
    ss.pop("pm_editor", None)
    for k in [k for k in ss if str(k).startswith("ed_")]:
        del ss[k]


def _login_client() -> str:
    """Who is trying to log in, for the login limits (layers.editors): the connection's address, else this session."""
    try:
        ip = st.context.ip_address  # None on localhost; behind a proxy see layers.editors
    except Exception:  # no server connection (AppTest)
        ip = None
    return f"ip:{ip}" if ip else ss.setdefault("pm_login_client", f"session:{dt.datetime.now().timestamp()}")


def _login_form() -> None:
    st.markdown("查看地图不需要登录；**记录状态变更或修正几何需要编辑账号登录**。")
    try:
        accounts = editors.load_editors()
    except editors.EditorError as e:
        st.error(f"编辑账号配置有误：{e}")
        accounts = {}
    if not accounts and not editors.oidc_configured():
        st.warning("尚未配置编辑账号。管理员可在服务器上运行 `python -m layers.editors add 用户名 --name 显示名`，"
                   "或在 Streamlit secrets 的 `[editors]` 中加入 bcrypt 密码哈希。")
    with st.form("ed_login"):
        user = st.text_input("用户名", key="ed_login_user")
        password = st.text_input("密码", type="password", key="ed_login_password")
        ok = st.form_submit_button("登录")
    if ok:
        try:
            e = editors.login(user, password, accounts, client=_login_client())
        except editors.LoginThrottled as err:
            st.error(str(err))
        else:
            if e is None:
                st.error("用户名或密码错误。 / Wrong user name or password.")
            else:
                ss["pm_editor"] = e
                st.rerun()
    if editors.oidc_configured():
        st.button("使用单位账号登录（OIDC）", on_click=st.login)
        try:
            if st.user.is_logged_in and editors.oidc_editor(st.user) is None:
                st.error(f"账号 {st.user.get('email')} 没有编辑权限。")
        except Exception:
            pass


editor = _current_editor()
if editor is None:
    _login_form()
    st.stop()

top = st.columns([6, 1], vertical_alignment="center")
top[0].caption(f"已登录：{draw.md(editor.label)}。每条记录都会写明编辑人；记录不会被覆盖，可随时查看和恢复。")
if editor.via == "oidc":
    top[1].button("退出登录", on_click=st.logout)
else:
    top[1].button("退出登录", on_click=_logout)

# ----------------------------------------------------------------------------------------- pick a project
path = c.path
projects = c.projects.sort_values(["category", "name"], kind="stable")
labels = {r.id: f"{r.name}（{r.id}）" for r in projects.itertuples()}
if not labels:
    st.warning("GeoPackage 中没有项目。")
    st.stop()
pid = st.selectbox("项目", list(labels), format_func=lambda k: labels.get(k, k), key="ed_project",
                   index=list(labels).index(c.locate) if c.locate in labels else 0)
row = projects[projects["id"] == pid].iloc[0]
cur_status = row["status"]
# Registry and editor text (geom_source is typed by editors) is escaped for Markdown: never a link or an image.
st.markdown(f"**类别**：{draw.md(row['category'])} · **当前状态**：{draw.md(draw.status_label(cur_status))} · "
            f"**位置**：{draw.md(draw.precision_text(row['precision'], row['precision_m']))}，"
            f"来源 {draw.md(row['geom_source'])}")

for msg in ss.pop("ed_flash", []):
    st.success(draw.md(msg))

tab_status, tab_geom, tab_verify, tab_hist = st.tabs(["状态变更", "修正几何", "位置核实", "几何历史与恢复"])

# ------------------------------------------------------------------------------------------------- status
with tab_status:
    with st.form("ed_status_form", clear_on_submit=False):
        codes = list(STATUSES)
        new_status = st.selectbox("新状态", codes, format_func=lambda k: f"{STATUSES[k][0]}（{k}）",
                                  index=(codes.index(cur_status) + 1) % len(codes) if cur_status in codes else 0,
                                  key="ed_new_status")
        eff = st.date_input("生效日期", value=dt.date.today(), max_value=dt.date.today(),
                            min_value=dt.date(2000, 1, 1), key="ed_date", format="YYYY-MM-DD")
        note = st.text_area("说明（必填）", key="ed_note", placeholder="如：主体工程完工，已通车")
        source = st.text_input("来源", key="ed_source", placeholder="如：市交通局通知、聊城日报、调度会")
        submitted = st.form_submit_button("保存状态变更", type="primary")
    if submitted:
        try:
            ch = history.record_status(path, pid, new_status, eff, note=note, source=source, editor=editor.label)
        except (history.HistoryError, safe_write.WriteError) as e:
            st.error(draw.md(str(e)))
        else:
            msg = (f"已记录：{row['name']} {draw.status_label(ch.old_status)} → {draw.status_label(ch.new_status)}"
                   f"（{ch.effective_date} 起）。")
            if ch.current_status != ch.new_status:
                msg += f" 注意：该项目有更晚生效的记录，当前状态仍为“{draw.status_label(ch.current_status)}”。"
            ss["ed_flash"] = [msg]
            st.rerun()
    hist = history.status_history(path, pid)
    if len(hist):
        st.markdown("**状态变更记录**")
        view = hist.assign(old_status=hist["old_status"].map(draw.status_label),
                           new_status=hist["new_status"].map(draw.status_label))
        st.dataframe(view.drop(columns=["fid", "project_id"]).rename(columns={
            "old_status": "原状态", "new_status": "新状态", "effective_date": "生效日期", "note": "说明",
            "source": "来源", "editor": "编辑人", "recorded_at": "记录时间(UTC)"}), hide_index=True, width="stretch")
    else:
        st.caption("尚无状态变更记录；当前状态来自规划文本（2023-08-26）。")


# ------------------------------------------------------------------------------------------- verification
with tab_verify:
    st.caption(f"当前核实状态：{VERIFICATION_STATES.get(row.get('verification'), ('未核实',))[0]}。"
               "核实后请记录依据（测绘成果、设计图、批复或公告）；位置需要修正时在“修正几何”中上传或绘制。")
    with st.form("ed_verify_form"):
        codes = list(VERIFICATION_STATES)
        state = st.selectbox("核实状态", codes, format_func=lambda k: VERIFICATION_STATES[k][0],
                             index=codes.index("documented"), key="ed_verify_state")
        day = st.date_input("核实日期", value=dt.date.today(), max_value=dt.date.today(), key="ed_verify_date",
                            format="YYYY-MM-DD")
        v_source = st.text_input("核实依据（必填）", key="ed_verify_source", placeholder="如：初步设计批复、RTK 实测")
        v_note = st.text_input("说明", key="ed_verify_note")
        verified = st.form_submit_button("保存核实记录", type="primary")
    if verified:
        try:
            verification.record_verification(path, pid, state, day, source=v_source, editor=editor.label,
                                             note=v_note)
        except (history.HistoryError, safe_write.WriteError) as e:
            st.error(draw.md(str(e)))
        else:
            ss["ed_flash"] = [f"已记录核实：{row['name']} → {VERIFICATION_STATES[state][0]}。"]
            st.rerun()
    vh = verification.history(path, pid)
    if len(vh):
        st.dataframe(vh.assign(state=vh["state"].map(lambda k: VERIFICATION_STATES.get(k, (k,))[0])).rename(
            columns={"project_id": "编号", "state": "状态", "verified_on": "核实日期", "source": "依据",
                     "note": "说明", "editor": "核实人", "recorded_at": "记录时间(UTC)"}), hide_index=True,
            width="stretch")


# ----------------------------------------------------------------------------------------------- geometry
def _map(current, extra=None, *, draw_kinds: set[str] | None = None, key: str):
    """A small offline map: counties, the current geometry (grey), an optional new one (red), Draw tools."""
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    assets.localize(m)
    folium.GeoJson(c.counties.__geo_interface__, name="县界",
                   style_function=lambda f: {"color": "#666", "weight": 1, "fillOpacity": 0.03}).add_to(m)
    shown = [g for g in (current, extra) if g is not None and not g.is_empty]
    folium.GeoJson(shapely.geometry.mapping(current), name="当前",
                   style_function=lambda f: {"color": "#555", "weight": 4, "dashArray": "6 4"}).add_to(m)
    if extra is not None:
        folium.GeoJson(shapely.geometry.mapping(extra), name="新几何",
                       style_function=lambda f: {"color": "#d00", "weight": 4}).add_to(m)
    if draw_kinds is not None:
        d = Draw(export=False, draw_options={
            "polyline": "LineString" in draw_kinds, "polygon": "Polygon" in draw_kinds,
            "rectangle": "Polygon" in draw_kinds, "marker": "Point" in draw_kinds,
            "circle": False, "circlemarker": False}, edit_options={"edit": True, "remove": True})
        base = assets._base_url()
        d.default_js = [("leaflet_draw_js", base + "leaflet-draw/leaflet.draw.js")]
        d.default_css = [("leaflet_draw_css", base + "leaflet-draw/leaflet.draw.css")]
        d.add_to(m)
    b = shapely.union_all(shown).bounds if shown else tuple(c.counties.total_bounds)
    pad = 0.02
    m.fit_bounds([[b[1] - pad, b[0] - pad], [b[3] + pad, b[2] + pad]])
    return st_folium(m, height=460, use_container_width=True, key=key,
                     returned_objects=["all_drawings"] if draw_kinds is not None else [])


def _save_form(geom, key: str) -> None:
    with st.form(f"ed_geom_form_{key}"):
        cols = st.columns(2)
        precision = cols[0].selectbox("精度", list(PRECISIONS), format_func=lambda k: f"{PRECISIONS[k][0]}（{k}）",
                                      key=f"ed_precision_{key}")
        precision_m = cols[1].number_input("误差半径（米）", min_value=0.0, value=50.0, step=10.0,
                                           key=f"ed_precision_m_{key}")
        geom_source = st.text_input("几何来源（必填）", key=f"ed_geom_source_{key}",
                                    placeholder="如：依据施工图数字化、实地 GPS 测量")
        note = st.text_input("说明", key=f"ed_geom_note_{key}")
        ok = st.form_submit_button("保存新几何", type="primary")
    if ok:
        try:
            ch = history.record_geometry(path, pid, geom, precision=precision, precision_m=precision_m,
                                         geom_source=geom_source, editor=editor.label, note=note)
        except (history.HistoryError, safe_write.WriteError) as e:
            st.error(draw.md(str(e)))
        else:
            moved = f"（已从 {ch.previous_layer} 移到 {ch.layer}）" if ch.layer != ch.previous_layer else ""
            ss["ed_flash"] = [f"已保存 {row['name']} 的新几何{moved}。原几何保留在历史中，可恢复。"]
            st.rerun()


with tab_geom:
    kinds = upload.allowed_kinds_for(row["category"])
    st.caption(f"该类别接受的几何：{upload.kinds_zh(kinds)}。上传文件不超过 {upload.MAX_BYTES // 2**20} MB；"
               "坐标须在聊城范围内。检查不通过时不会做任何更改。")
    how = st.radio("方式", ["上传文件", "在地图上绘制"], horizontal=True, key="ed_geom_how")
    if how == "上传文件":
        f = st.file_uploader("GeoJSON、KML、zip 压缩的 Shapefile 或 GeoPackage",
                             type=["geojson", "json", "kml", "zip", "gpkg"], key="ed_upload")
        cols = st.columns(2)
        epsg = cols[0].text_input("坐标系 EPSG（文件未自带时填写，如 4548）", key="ed_epsg")
        amap = cols[1].checkbox("坐标来自高德地图（GCJ-02），转换为 WGS84", key="ed_amap")
        if f is not None:
            try:  # read_upload remembers recent files by content: a rerun does not read or repair them again
                with st.spinner("正在检查文件… / Checking the file…"):
                    u = upload.read_upload(f.getvalue(), f.name, epsg=epsg.strip() or None, amap=amap,
                                           allowed_kinds=kinds)
            except upload.UploadError as e:
                st.error(draw.md(str(e)))
            else:
                st.success(f"文件可用：{u.n_features} 个要素，{upload.KIND_ZH[u.kind]}，坐标系 {draw.md(u.source_crs)}。")
                for n in u.notes:
                    st.info(draw.md(n))
                _map(row.geometry, u.geometry, key="ed_preview_upload")
                _save_form(u.geometry, "upload")
    else:
        st.caption("用左上角工具绘制（灰色虚线为当前几何）；多次绘制时使用最后一个。")
        out = _map(row.geometry, draw_kinds=kinds, key="ed_draw_map") or {}
        drawings = out.get("all_drawings") or []
        if drawings:
            try:
                g = shapely.geometry.shape(drawings[-1]["geometry"])
                g, notes = upload.check_geometry(g, allowed_kinds=kinds)
            except upload.UploadError as e:
                st.error(draw.md(str(e)))
            except (KeyError, TypeError, ValueError):
                st.error("无法识别绘制的几何。")
            else:
                for n in notes:
                    st.info(draw.md(n))
                st.success(f"已绘制{upload.KIND_ZH[upload.kind_of(g)]}，可以保存。")
                _save_form(g, "draw")

# ---------------------------------------------------------------------------------------- history/restore
with tab_hist:
    gh = history.geometry_history(path, pid)
    if not len(gh):
        st.caption("尚无几何修正记录；当前几何来自构建（地名库、县界或河流数据）。")
    else:
        latest = int(gh["fid"].max())
        action_zh = {"baseline": "构建时的几何", "edit": "修正", "restore": "恢复"}
        table = pd.DataFrame({
            "编号": gh["fid"], "类型": gh["action"].map(action_zh), "几何": gh["geom_type"],
            "精度": gh["precision"], "来源": gh["geom_source"], "编辑人": gh["editor"], "说明": gh["note"],
            "记录时间(UTC)": gh["recorded_at"], "当前": gh["fid"] == latest})
        st.dataframe(table, hide_index=True, width="stretch")
        choices = [int(x) for x in gh["fid"] if int(x) != latest]
        if choices:
            pick = st.selectbox("选择要恢复的记录", choices, key="ed_restore_pick",
                                format_func=lambda x: f"#{x} {action_zh[gh.loc[gh['fid'] == x, 'action'].iloc[0]]} "
                                                      f"{gh.loc[gh['fid'] == x, 'recorded_at'].iloc[0]}")
            chosen = gh.loc[gh["fid"] == pick, "geometry"].iloc[0]
            _map(row.geometry, chosen, key="ed_restore_map")
            if st.button("恢复这个几何（作为一条新记录）", key="ed_restore_btn"):
                try:
                    history.restore_geometry(path, pid, pick, editor=editor.label)
                except (history.HistoryError, safe_write.WriteError) as e:
                    st.error(draw.md(str(e)))
                else:
                    ss["ed_flash"] = [f"已恢复记录 #{pick} 的几何。"]
                    st.rerun()
