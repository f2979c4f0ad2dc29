"""RoPE elements drawn alone on the default prompt, each twice on one screen: two keys never share a widget."""

import json
from pathlib import Path

from apphelpers import assert_no_exception
from streamlit.testing.v1 import AppTest

import llama_edu as le

APP_DIR = str(Path(__file__).resolve().parents[2] / "app")


def _element_twice(app_dir: str, topic: str, name: str) -> None:
    """The whole script of the test app: the sidebar's prompt and model, then one element under two keys."""
    import importlib
    import sys

    if app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    import elements
    from common import current

    importlib.import_module(f"elements.{topic}")
    cur = current()
    if cur is not None:
        elements.ELEMENTS[name](cur, "first")
        elements.ELEMENTS[name](cur, "second")


def render_twice(name: str) -> AppTest:
    at = AppTest.from_function(_element_twice, args=(APP_DIR, "rope", name), default_timeout=60)
    at.run()
    assert_no_exception(at)
    return at


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


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
