"""The edit page's tabs: status change, geometry correction (upload or drawing), verification, geometry history
and restore. Every write goes through the store (layers.stores: the GeoPackage's locked SQLite transaction, or a
PostGIS transaction with the project's row locked — a history row per change, nothing overwritten); a UserError
from it is shown with st.error and nothing changed. Uploads are checked by geo.upload; drawings by
geo.upload.check_geometry. `store` below is a layers.stores Store (ui.Context.store)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from core import region
from core.errors import UserError
from core.vocab import PRECISIONS, STATUSES, VERIFICATION_STATES, label
from geo import upload
from mapview import maps
from layers.escape import md
from layers.popup import precision_text, status_label

__all__ = ["geometry_tab", "history_tab", "project_line", "status_tab", "verify_tab"]

STATUS_COLUMNS = {"old_status": "原状态", "new_status": "新状态", "effective_date": "生效日期", "note": "说明",
                  "source": "来源", "editor": "编辑人", "recorded_at": "记录时间(UTC)"}
VERIFY_COLUMNS = {"project_id": "编号", "state": "状态", "verified_on": "核实日期", "source": "依据", "note": "说明",
                  "editor": "核实人", "recorded_at": "记录时间(UTC)"}
ACTION_ZH = {"baseline": "构建时的几何", "edit": "修正", "restore": "恢复"}


def project_line(row) -> str:
    """One Markdown line about the chosen project. Registry and editor text (geom_source is typed by editors) is
    escaped: never a link or an image."""
    return (f"**类别**：{md(label('category', row['category']))} · **当前状态**：{md(status_label(row['status']))} · "
            f"**位置**：{md(precision_text(row['precision'], row['precision_m']))}，来源 {md(row['geom_source'])}")


def _saved(message: str) -> None:
    st.session_state["ed_flash"] = [message]
    st.rerun()


def _map(counties, current, extra=None, *, draw_kinds=None, key: str):
    m = maps.edit_map(counties, current, extra, draw_kinds=draw_kinds)
    return st_folium(m, height=460, use_container_width=True, key=key,
                     returned_objects=["all_drawings"] if draw_kinds is not None else [])


# ------------------------------------------------------------------------------------------------- status

def _status_form(cur_status: str):
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
    return submitted, new_status, eff, note, source


def _status_history(store, pid) -> None:
    hist = store.status_history(pid)
    if not len(hist):
        st.caption("尚无状态变更记录；当前状态来自规划文本（2023-08-26）。")
        return
    st.markdown("**状态变更记录**")
    view = hist.assign(old_status=hist["old_status"].map(status_label),
                       new_status=hist["new_status"].map(status_label))
    st.dataframe(view.drop(columns=["fid", "project_id"]).rename(columns=STATUS_COLUMNS), hide_index=True,
                 width="stretch")


def status_tab(store, row, editor) -> None:
    submitted, new_status, eff, note, source = _status_form(row["status"])
    if submitted:
        try:
            ch = store.record_status(row["id"], new_status, eff, note=note, source=source,
                                       editor=editor.label)
        except UserError as e:
            st.error(md(str(e)))
        else:
            msg = (f"已记录：{row['name']} {status_label(ch.old_status)} → {status_label(ch.new_status)}"
                   f"（{ch.effective_date} 起）。")
            if ch.current_status != ch.new_status:
                msg += f" 注意：该项目有更晚生效的记录，当前状态仍为“{status_label(ch.current_status)}”。"
            _saved(msg)
    _status_history(store, row["id"])


# ------------------------------------------------------------------------------------------- verification

def _verify_form():
    with st.form("ed_verify_form"):
        codes = list(VERIFICATION_STATES)
        state = st.selectbox("核实状态", codes, format_func=lambda k: VERIFICATION_STATES[k][0],
                             index=codes.index("documented"), key="ed_verify_state")
        day = st.date_input("核实日期", value=dt.date.today(), max_value=dt.date.today(), key="ed_verify_date",
                            format="YYYY-MM-DD")
        source = st.text_input("核实依据（必填）", key="ed_verify_source", placeholder="如：初步设计批复、RTK 实测")
        note = st.text_input("说明", key="ed_verify_note")
        verified = st.form_submit_button("保存核实记录", type="primary")
    return verified, state, day, source, note


def verify_tab(store, row, editor) -> None:
    state = row.get("verification")
    st.caption(f"当前核实状态：{label('verification', state if isinstance(state, str) else 'unverified')}。"
               "核实后请记录依据（测绘成果、设计图、批复或公告）；位置需要修正时在“修正几何”中上传或绘制。")
    verified, state, day, source, note = _verify_form()
    if verified:
        try:
            store.record_verification(row["id"], state, day, source=source, editor=editor.label,
                                             note=note)
        except UserError as e:
            st.error(md(str(e)))
        else:
            _saved(f"已记录核实：{row['name']} → {VERIFICATION_STATES[state][0]}。")
    vh = store.verification_history(row["id"])
    if len(vh):
        st.dataframe(vh.assign(state=vh["state"].map(lambda k: label("verification", k))).rename(
            columns=VERIFY_COLUMNS), hide_index=True, width="stretch")


# ----------------------------------------------------------------------------------------------- geometry

def _save_form(store, row, editor, geom, key: str) -> None:
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
    if not ok:
        return
    try:
        ch = store.record_geometry(row["id"], geom, precision=precision, precision_m=precision_m,
                                     geom_source=geom_source, editor=editor.label, note=note)
    except UserError as e:
        st.error(md(str(e)))
    else:
        moved = f"（已从 {ch.previous_layer} 移到 {ch.layer}）" if ch.layer != ch.previous_layer else ""
        _saved(f"已保存 {row['name']} 的新几何{moved}。原几何保留在历史中，可恢复。")


def _from_upload(store, row, editor, counties, kinds) -> None:
    f = st.file_uploader("GeoJSON、KML、zip 压缩的 Shapefile 或 GeoPackage",
                         type=["geojson", "json", "kml", "zip", "gpkg"], key="ed_upload")
    cols = st.columns(2)
    epsg = cols[0].text_input("坐标系 EPSG（文件未自带时填写，如 4548）", key="ed_epsg")
    amap = cols[1].checkbox("坐标来自高德地图（GCJ-02），转换为 WGS84", key="ed_amap")
    if f is None:
        return
    try:  # read_upload remembers recent files by content: a rerun does not read or repair them again
        with st.spinner("正在检查文件… / Checking the file…"):
            u = upload.read_upload(f.getvalue(), f.name, epsg=epsg.strip() or None, amap=amap, allowed_kinds=kinds)
    except UserError as e:
        st.error(md(str(e)))
        return
    st.success(f"文件可用：{u.n_features} 个要素，{upload.KIND_ZH[u.kind]}，坐标系 {md(u.source_crs)}。")
    for n in u.notes:
        st.info(md(n))
    _map(counties, row.geometry, u.geometry, key="ed_preview_upload")
    _save_form(store, row, editor, u.geometry, "upload")


def _drawn(drawings: list, kinds):
    """The last drawing checked like an upload: (geometry, notes), or None after showing why not."""
    try:
        return upload.check_geometry(shapely.geometry.shape(drawings[-1]["geometry"]), allowed_kinds=kinds)
    except UserError as e:
        st.error(md(str(e)))
    except (KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        st.error("无法识别绘制的几何。")
    return None


def _from_drawing(store, row, editor, counties, kinds) -> None:
    st.caption("用左上角工具绘制（灰色虚线为当前几何）；多次绘制时使用最后一个。")
    drawings = (_map(counties, row.geometry, draw_kinds=kinds, key="ed_draw_map") or {}).get("all_drawings") or []
    checked = _drawn(drawings, kinds) if drawings else None
    if checked is not None:
        g, notes = checked
        for n in notes:
            st.info(md(n))
        st.success(f"已绘制{upload.KIND_ZH[upload.kind_of(g)]}，可以保存。")
        _save_form(store, row, editor, g, "draw")


def geometry_tab(store, row, editor, counties) -> None:
    kinds = upload.allowed_kinds_for(row["category"])
    st.caption(f"该类别接受的几何：{upload.kinds_zh(kinds)}。上传文件不超过 {upload.MAX_BYTES // 2**20} MB；"
               f"坐标须在{region.current().name_zh}范围内。检查不通过时不会做任何更改。")
    how = st.radio("方式", ["上传文件", "在地图上绘制"], horizontal=True, key="ed_geom_how")
    (_from_upload if how == "上传文件" else _from_drawing)(store, row, editor, counties, kinds)


# ---------------------------------------------------------------------------------------- history/restore

def _restore(store, row, editor, counties, gh: pd.DataFrame, latest: int) -> None:
    choices = [int(x) for x in gh["fid"] if int(x) != latest]
    if not choices:
        return
    by_fid = gh.set_index("fid")
    pick = st.selectbox("选择要恢复的记录", choices, key="ed_restore_pick",
                        format_func=lambda x: f"#{x} {ACTION_ZH[by_fid.loc[x, 'action']]} {by_fid.loc[x, 'recorded_at']}")
    _map(counties, row.geometry, by_fid.loc[pick, "geometry"], key="ed_restore_map")
    if st.button("恢复这个几何（作为一条新记录）", key="ed_restore_btn"):
        try:
            store.restore_geometry(row["id"], pick, editor=editor.label)
        except UserError as e:
            st.error(md(str(e)))
        else:
            _saved(f"已恢复记录 #{pick} 的几何。")


def history_tab(store, row, editor, counties) -> None:
    gh = store.geometry_history(row["id"])
    if not len(gh):
        st.caption("尚无几何修正记录；当前几何来自构建（地名库、县界或河流数据）。")
        return
    latest = int(gh["fid"].max())
    st.dataframe(pd.DataFrame({
        "编号": gh["fid"], "类型": gh["action"].map(ACTION_ZH), "几何": gh["geom_type"],
        "精度": gh["precision"], "来源": gh["geom_source"], "编辑人": gh["editor"], "说明": gh["note"],
        "记录时间(UTC)": gh["recorded_at"], "当前": gh["fid"] == latest}), hide_index=True, width="stretch")
    _restore(store, row, editor, counties, gh, latest)
