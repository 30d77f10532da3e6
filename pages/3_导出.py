"""导出: exactly the filtered projects as data (GeoJSON, GeoPackage, CSV, KML), as maps (slide, print, offline
HTML) and as the GIS bundle; file names carry the date and the filter."""
import streamlit as st

from mapview import exports, ui

c = ui.ctx()
st.title("导出")
st.caption(ui.summary(c))
ui.notices()
st.markdown("导出的就是当前筛选出的项目（与地图、项目表一致）。坐标一律为 **WGS84 (EPSG:4326)**，即使地图正在使用"
            "高德底图显示；GIS 数据包另附 **CGCS2000 (EPSG:4490)** 的 GeoPackage。")
if c.filtered.empty:
    st.warning("当前筛选条件下没有项目，导出的文件将为空。")
st.subheader("数据")
exports.download_rows(c, exports.FORMATS, primary="geojson")
st.subheader("地图与数据包")
st.caption("幻灯片与打印地图含标题、图例、比例尺、指北针和数据日期；离线地图可拷贝到 U 盘，在没有网络的会议室打开。")
exports.download_rows(c, exports.MAPS)
