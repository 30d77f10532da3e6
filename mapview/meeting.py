"""Meetings run from one link: the saved views (layers.views) in order, ◀ ▶ (and the arrow keys) to step through
them in presentation mode, the view's title large above the map; editors save and order the views."""
from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from layers import views
from layers.escape import esc, md
from mapview import data, urlstate

# The arrow keys press ◀ / ▶ (the page's own buttons; nothing is sent anywhere else).
_KEYS = """<script>
(function () {
  var doc = window.parent.document;
  if (doc.pmKeys) { return; }
  doc.pmKeys = true;
  doc.addEventListener("keydown", function (e) {
    if (e.target && /INPUT|TEXTAREA|SELECT/.test(e.target.tagName)) { return; }
    var label = e.key === "ArrowRight" ? "▶" : e.key === "ArrowLeft" ? "◀" : null;
    if (!label) { return; }
    var b = Array.from(doc.querySelectorAll("button")).find(function (x) { return x.innerText.trim() === label; });
    if (b) { b.click(); }
  });
})();
</script>"""


def title(c, default: str) -> str:
    """The heading: the view's title while a view is shown."""
    if c.view:
        v = next((v for v in data.list_views(c.key[0]) if v.name == c.view), None)
        if v is not None and v.title:
            return v.title
    return default


def _step(src: str, delta: int) -> None:
    """◀ / ▶: the view before or after the one shown *now* (not the one shown when the button was drawn: a
    presenter pressing an arrow key twice quickly may press a button of the previous run)."""
    saved = data.list_views(src)
    if not saved:
        return
    current = st.session_state.get("pm_view")
    prev, nxt = views.neighbours(saved, current) if current in [v.name for v in saved] else (saved[-1], saved[0])
    urlstate.go_view((nxt if delta > 0 else prev).name)


def stepper(c) -> None:
    """◀ view i/n ▶ in presentation mode when there are at least two views; the arrow keys press the buttons."""
    saved = data.list_views(c.key[0])
    if len(saved) < 2:
        return
    names = [v.name for v in saved]
    current = c.view if c.view in names else None
    prev, nxt = views.neighbours(saved, current) if current else (saved[-1], saved[0])
    cols = st.columns([1, 6, 1], vertical_alignment="center")
    cols[0].button("◀", on_click=_step, args=(c.key[0], -1), width="stretch", help=f"上一个视图：{prev.name}")
    where = f"视图 {names.index(current) + 1}/{len(names)}：{current}" if current else f"共 {len(names)} 个会议视图"
    cols[1].html(f"<div style='text-align:center;font-size:1.1rem'>{esc(where)}</div>")
    cols[2].button("▶", on_click=_step, args=(c.key[0], 1), width="stretch", help=f"下一个视图：{nxt.name}")
    components.html(_KEYS, height=0)


def views_tab(c, editor) -> None:
    """Editors: save the current map as a view, and order, rename or delete the views."""
    st.caption("会议视图保存当前地图的筛选、底图和范围；链接 ?view=名称 打开它，演示模式下用 ◀ ▶ 或方向键依次切换。")
    with st.form("ed_view_form"):
        name = st.text_input("视图名称（中文、字母、数字、_、-）", key="ed_view_name")
        view_title = st.text_input("标题（演示时显示在地图上方）", key="ed_view_title")
        note = st.text_input("说明", key="ed_view_note")
        saved = st.form_submit_button("把当前地图保存为视图", type="primary")
    if saved:
        _save(c, editor, name, view_title, note)
    if data.list_views(c.key[0]):
        _rename_form(c, editor, [v.name for v in data.list_views(c.key[0])])
    for i, v in enumerate(data.list_views(c.key[0]), 1):  # after the forms: the rows show what they changed
        _view_row(c, i, v)


def _rename_form(c, editor, names: list[str]) -> None:
    with st.form("ed_view_rename"):
        cols = st.columns(2)
        old = cols[0].selectbox("重命名视图", names, key="ed_view_old")
        new = cols[1].text_input("新名称", key="ed_view_new")
        go = st.form_submit_button("重命名")
    if go:
        try:
            c.store.rename_view(old, new, editor=editor.label)
        except views.ViewError as e:
            st.error(md(str(e)))
        else:
            st.success(f"已将视图 {md(old)} 重命名为 {md(new)}")


def _save(c, editor, name: str, view_title: str, note: str) -> None:
    from layers.filter_url import share_query
    try:
        v = c.store.save_view(name, share_query(c.filters).lstrip("?"), editor=editor.label, title=view_title,
                              note=note, bbox=c.bbox, basemap=c.basemap)
    except views.ViewError as e:
        st.error(md(str(e)))
    else:
        st.success(f"已保存视图 {md(v.name)}：链接 {md(v.url)}")


def _view_row(c, i: int, v) -> None:
    cols = st.columns([4, 1, 1, 1], vertical_alignment="center")
    cols[0].markdown(f"**{i}. {md(v.name)}** {md(v.title)} `?{md(v.query) or '全部'}`")
    cols[1].button("上移", key=f"ed_view_up_{i}", on_click=_change, args=(c.store.move_view, v.name, i - 1),
                   disabled=i == 1)
    cols[2].button("下移", key=f"ed_view_down_{i}", on_click=_change, args=(c.store.move_view, v.name, i + 1))
    cols[3].button("删除", key=f"ed_view_rm_{i}", on_click=_change, args=(c.store.remove_view, v.name))


def _change(action, *args) -> None:
    """A button's change to the views; one that no longer applies (another editor changed them) is a message."""
    try:
        action(*args)
    except views.ViewError as e:
        st.session_state["ed_flash"] = [str(e)]
