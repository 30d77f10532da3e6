"""layers.legend: the on-map legend and the sidebar's samples."""
from layers import legend


def test_legend_lists_counts_and_skips_empty_statuses():
    html = legend.legend_html({"under_construction": 3, "proposed": 0}, {"river": 2, "<x>": 1})
    assert "在建</span><b>3</b>" in html and "谋划" not in html
    assert "&lt;x&gt;" in html and "<x>" not in html
