"""The speed-ups for province-scale data change no result: shared cell values (layers.records.share_values), the
filters computed once per distinct value (numpy over coded columns), columns taken along by Records.take, the
bitset packed by numpy."""
from __future__ import annotations

import base64

import pytest

from benchmarks.synthetic import project_frame
from layers import filters
from layers.records import Records, share_values
from layers.webmap import bitset


@pytest.fixture(scope="module")
def rows():
    f = project_frame(1200, hostile=True).drop(columns="geometry")
    f["target_year"] = f["target_year"].astype(object).where(f["target_year"].notna(), None)
    return list(f.columns), [tuple(r) for r in f.itertuples(index=False)]


def test_shared_rows_are_equal_and_share_their_repeated_values(rows):
    names, plain = rows
    shared = share_values(plain)
    assert shared == plain
    i = names.index("status")
    assert len({id(r[i]) for r in shared}) == len({r[i] for r in plain})  # one object per status
    j = names.index("plan_excerpt")  # mostly distinct: left as it was
    assert all(a[j] is b[j] for a, b in zip(shared, plain))
    assert share_values([]) == []


@pytest.mark.parametrize("f", [
    filters.Filters(),
    filters.Filters(status=("completed", "proposed")),
    filters.Filters(status=("completed",), category=("water",), year=("2024", "none")),
    filters.Filters(agency=("市水利局",), q="工程 01"),
])
def test_filters_and_facets_give_the_same_answers_on_shared_rows(rows, f):
    names, plain = rows
    a, b = Records(names, plain), Records(names, share_values(plain))
    a["status"], b["county"]  # some columns already read, some not
    assert filters.apply(a, f).rows == filters.apply(b, f).rows
    assert filters.facets(a, f) == filters.facets(b, f)
    assert filters.options_from(a) == filters.options_from(b)
    shown = filters.apply(b, f)
    assert shown["status"] == [r[names.index("status")] for r in shown.rows]  # a column taken along
    assert shown.counts("category") == {k: v for k, v in a.take(filters.mask(a, f)).counts("category").items()}


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 1000])
def test_the_bitset_sets_bit_i_of_byte_i_over_8(n):
    flags = [i % 3 == 0 for i in range(n)]
    raw = base64.b64decode(bitset(flags))
    assert len(raw) == (n + 7) // 8
    assert [bool(raw[i >> 3] >> (i & 7) & 1) for i in range(n)] == flags


@pytest.mark.parametrize("f", [
    filters.Filters(),
    filters.Filters(status=("under_construction",), county=("冠县", "临清市")),
    filters.Filters(category=("water", "transport"), year=("none",)),
    filters.Filters(agency=("市水利局",), county=("东昌府区",), q="工程"),
])
def test_coded_records_pass_the_same_rows_and_count_the_same_as_a_dataframe(rows, f):
    """Records filter and count in numpy over each column's distinct values; a DataFrame row by row."""
    names, plain = rows
    rec = Records(names, share_values(plain))
    frame = rec.to_frame()
    shown = filters.apply(rec, f)
    assert shown["id"] == list(filters.apply(frame, f)["id"])
    assert filters.facets(rec, f) == filters.facets(frame, f)
    for name in ("status", "county", "target_year"):
        assert shown.counts(name) == {v: shown[name].count(v) for v in set(shown[name]) if v is not None}
    assert sorted(shown.distinct("category")) == sorted(set(shown["category"]))  # each once
    every_other = shown.take([i % 2 == 0 for i in range(len(shown))])
    assert [plain[i] for i in every_other.row_numbers()] == every_other.rows  # positions in the first table
    assert every_other.counts("status") == \
        {v: every_other["status"].count(v) for v in set(every_other["status"])}
