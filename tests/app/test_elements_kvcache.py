"""KV-cache elements drawn alone on the default prompt, each twice on one screen: two keys never share a widget."""

import json

from apphelpers import assert_no_exception, open_elements
from streamlit.testing.v1 import AppTest

import llama_edu as le


def render_twice(name: str) -> AppTest:
    at = open_elements("kvcache", name)
    assert_no_exception(at)
    return at


def test_kv_calculator_twice_with_independent_inputs():
    at = render_twice("kv_calculator")
    at.multiselect(key="first_presets").set_value(["llama-2-70b"]).run()
    assert_no_exception(at)
    first, second = at.dataframe[0].value, at.dataframe[1].value
    assert list(first["model"]) == ["llama-2-70b"] and len(second) > 1
    assert first.iloc[0]["bytes"] == f"{le.kv_cache_bytes(le.PRESETS['llama-2-70b'], 4096, 1, 2):,}"


def test_kv_memory_chart_twice():
    at = render_twice("kv_memory_chart")
    at.toggle(key="second_mha").set_value(True).run()
    assert_no_exception(at)
    first, second = (json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart"))
    assert "GQA" in " ".join(t["name"] for t in first) and "GQA" not in " ".join(t["name"] for t in second)


def test_kv_wrong_figure_twice():
    at = render_twice("kv_wrong_figure")
    assert sum("40,960" in x.value for x in at.latex) == 2


def test_kv_live_demo_twice_keeps_each_result_under_its_own_key():
    at = render_twice("kv_live_demo")
    at.slider(key="first_n_new").set_value(2)
    at.button(key="first_run").click().run()
    assert_no_exception(at)
    assert len(at.success) == 1 and "**True**" in at.success[0].value
    assert "first_demo" in at.session_state and "second_demo" not in at.session_state
    assert len(at.get("plotly_chart")) == 1
