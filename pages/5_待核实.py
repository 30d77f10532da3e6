"""待核实: what a GIS colleague should check first — every project not yet verified in the field, largest error
radius first, with its evidence; as a table and a CSV."""
import streamlit as st

from mapview import tables, ui

c = ui.ctx()
st.title("待核实位置")
table = tables.to_verify_table(c.filtered)
st.caption(f"{ui.summary(c)}。其中 {len(table)} 个项目的位置尚未经实地或测绘核实，按误差半径从大到小排列："
           "误差越大，越值得先核实。核实或修正位置请在“编辑”页，或用命令 "
           "`.venv/bin/python -m layers import-geometries` 批量导入。")
ui.notices()
st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 720))
st.download_button("下载待核实清单（CSV）", table.to_csv(index=False).encode("utf-8-sig"),
                   file_name="待核实清单.csv", mime="text/csv")
