"""The GQA elements, each alone on a screen twice (keys "first" and "second"): no key clashes, and each copy keeps
its own widget state."""

import json

import pytest
from apphelpers import assert_no_exception, open_elements
from streamlit.testing.v1 import AppTest

import llama_edu as le


# element -> (plotly charts, dataframes) one copy draws
ELEMENTS = {
    "gqa_diagram": (1, 0),
    "gqa_kv_heads": (4, 0),  # keys per KV head, patterns grouped by KV head, head similarity of patterns, of outputs
    "gqa_memory_table": (1, 1),
    "gqa_quality_table": (1, 1),
}


@pytest.mark.parametrize("name", list(ELEMENTS))
def test_element_renders_twice_on_one_screen(name):
    at = open_twice(name)
    assert_no_exception(at)
    charts, tables = ELEMENTS[name]
    assert len(at.get("plotly_chart")) == 2 * charts
    assert len(at.dataframe) == 2 * tables


def open_twice(name: str) -> AppTest:
    return open_elements("gqa", name)


def test_kv_heads_copies_keep_their_own_layer():
    cfg = le.read_config(le.TINY_MODEL_DIR)
    last = cfg.n_layers - 1
    at = open_twice("gqa_kv_heads")
    at.selectbox(key="second_layer").set_value(last).run()
    assert_no_exception(at)
    opens = at.selectbox(key="first_layer").value  # the clearest layer (tests/app/test_head_pickers.py checks which)
    assert opens != last
    layouts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    grids = [layout.get("title", {}).get("text", "") for layout in layouts[1::len(layouts) // 2]]  # each copy's 2nd
    assert [g.split(":")[0] for g in grids] == [f"layer {opens}", f"layer {last}"]


def test_memory_table_shows_the_llama_presets():
    at = open_twice("gqa_memory_table")
    memory = at.dataframe[0].value.set_index("model")
    assert memory.loc["llama-2-70b", "as configured (GiB)"] == "1.25" and memory.loc["llama-3-8b", "saved"] == "4×"
