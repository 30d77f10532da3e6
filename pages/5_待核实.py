"""待核实: what a GIS colleague should check first — every project not yet verified in the field, largest error
radius first, with its evidence; as a table and a CSV."""
import pandas as pd
import streamlit as st

from core.vocab import CATEGORIES, EVIDENCE_KINDS, VERIFICATION_STATES
from layers.verification import to_verify
from mapview import ui
from mapview.draw import precision_text

c = ui.ctx()
st.title("待核实位置")
todo = to_verify(c.filtered)
st.caption(f"{ui.summary(c)}。其中 {len(todo)} 个项目的位置尚未经实地或测绘核实，按误差半径从大到小排列："
           "误差越大，越值得先核实。核实或修正位置请在“编辑”页，或用命令 "
           "`python -m layers import-geometries` 批量导入。")
ui.notices()
table = pd.DataFrame({
    "项目名称": todo["name"],
    "县(市、区)": todo["county"].fillna("").str.replace(";", "、"),
    "类别": todo["category"].map(lambda v: CATEGORIES.get(v, v)),
    "位置精度": [precision_text(p, m) for p, m in zip(todo["precision"], todo["precision_m"])],
    "误差半径(米)": todo["precision_m"].round(0).astype("Int64"),
    "最强依据": todo["evidence_kind"].map(lambda v: EVIDENCE_KINDS.get(v, (v,))[0]),
    "核实状态": todo["verification"].map(lambda v: VERIFICATION_STATES.get(v, (v,))[0]),
    "编号": todo["id"],
})
st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 720))
st.download_button("下载待核实清单（CSV）", table.to_csv(index=False).encode("utf-8-sig"),
                   file_name="待核实清单.csv", mime="text/csv")
