"""导出: exactly the filtered projects as GeoJSON (RFC 7946), GeoPackage or CSV; names carry date and filter."""
import streamlit as st

from mapview import exports, ui

c = ui.ctx()
st.title("导出")
st.caption(ui.summary(c))
ui.notices()
st.markdown("导出的就是当前筛选出的项目（与地图、项目表一致）。坐标一律为 **WGS84 (EPSG:4326)**，"
            "即使地图正在使用高德底图显示；GeoJSON 符合 RFC 7946，CSV 含经纬度与 WKT，"
            "GeoPackage 可直接在 QGIS 中打开。")
if c.filtered.empty:
    st.warning("当前筛选条件下没有项目，导出的文件将为空。")
for fmt, (lab, ext, mime) in exports.FORMATS.items():
    name = exports.file_name(c.filters, fmt)
    cols = st.columns([2, 3], vertical_alignment="center")
    cols[0].download_button(f"下载 {lab}", data=exports.export_bytes(c.key, c.filters, fmt), file_name=name,
                            mime=mime, key=f"dl_{fmt}", on_click="ignore", width="stretch",
                            type="primary" if fmt == "geojson" else "secondary")
    cols[1].code(name, language=None)
