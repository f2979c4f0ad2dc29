"""RoPE elements drawn alone on the default prompt, each twice on one screen: two keys never share a widget."""


from apphelpers import assert_no_exception, figures, open_elements
from streamlit.testing.v1 import AppTest

import llama_edu as le


def render_twice(name: str) -> AppTest:
    at = open_elements("rope", name)
    assert_no_exception(at)
    return at


def test_rope_rotation_twice_with_independent_pickers():
    at = render_twice("rope_rotation")
    assert len(at.get("plotly_chart")) == 4  # arrows and walk, twice
    at.slider(key="first_pair").set_value(3).run()
    assert_no_exception(at)
    assert at.slider(key="second_pair").value == 0
    first_walk, second_walk = figures(at)[1], figures(at)[3]
    assert first_walk["layout"]["title"]["text"].startswith("pair 3")
    assert second_walk["layout"]["title"]["text"].startswith("pair 0")


def test_rope_frequencies_twice():
    at = render_twice("rope_frequencies")
    at.radio(key="first_freq_hd").set_value(128).run()
    assert_no_exception(at)
    head_dim = le.read_config(le.TINY_MODEL_DIR).head_dim
    assert [len(fig["data"][0]["x"]) for fig in figures(at)] == [128 // 2, head_dim // 2]  # one point per pair


def test_rope_relative_twice():
    at = render_twice("rope_relative")
    assert len(at.get("plotly_chart")) == 2
    at.selectbox(key="second_qk_head").set_value(1).run()
    assert_no_exception(at)
    assert at.selectbox(key="first_qk_head").value == 0


def test_rope_pair_order_twice():
    at = render_twice("rope_pair_order")
    assert len(at.get("plotly_chart")) == 2 and len(at.dataframe) == 2
