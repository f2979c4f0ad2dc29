"""RMSNorm elements alone on a screen, each drawn twice with two keys; the shared vector choice of a page."""


import pytest
from apphelpers import assert_no_exception, open_elements, shown, widget_keys
from streamlit.testing.v1 import AppTest


def caption_with(at: AppTest, text: str) -> str:
    return next(shown(c.value) for c in at.caption if text in shown(c.value))


@pytest.mark.parametrize("name", ["norm_vector", "norm_shift_scale", "residual_norms"])
def test_element_draws_twice_on_one_screen(name):
    at = open_elements("norms", name)
    assert_no_exception(at)
    assert all(k.startswith(("first_", "second_")) for k in widget_keys(at)), widget_keys(at)
    assert len(at.get("plotly_chart")) == 2


def test_alone_the_shift_sliders_bring_their_own_vector_pickers():
    at = open_elements("norms", "norm_shift_scale")
    at.radio(key="second_shift_which").set_value("ffn_norm").run()
    at.selectbox(key="second_shift_token").set_value(0).run()
    assert_no_exception(at)
    captions = [shown(c.value) for c in at.caption if c.value.startswith("x is the input")]
    assert "layers.0.attention_norm" in captions[0] and "layers.0.ffn_norm` for token 0:<s>" in captions[1]


def test_after_norm_vector_the_other_elements_follow_its_choice():
    at = open_elements("norms", "norm_vector", "norm_shift_scale", "residual_norms")
    assert_no_exception(at)
    own_pickers = ("_shift_which", "_shift_layer", "_shift_token", "_rms_token")
    assert not [k for k in widget_keys(at) if k.endswith(own_pickers)]
    at.radio(key="first_which").set_value("ffn_norm").run()
    at.selectbox(key="first_token").set_value(1).run()
    assert_no_exception(at)
    assert "`layers.0.ffn_norm` for token 1:" in caption_with(at, "x is the input")
    assert caption_with(at, "the embedding has RMS").startswith("Token 1:")
    second = [shown(c.value) for c in at.caption if c.value.startswith("x is the input")][1]
    assert "layers.0.attention_norm" in second  # the second copy keeps its own choice


def test_residual_norms_alone_has_its_own_token_picker():
    at = open_elements("norms", "residual_norms")
    at.selectbox(key="first_rms_token").set_value(0).run()
    assert_no_exception(at)
    assert caption_with(at, "the embedding has RMS").startswith("Token 0:<s>")


def shift_scale_after_an_optional_vector() -> None:
    """AppTest script: norm_vector (unless session state says "hide_vector"), then norm_shift_scale, one key."""
    import streamlit as st

    import app.elements.norms as norms
    from app.common import current

    cur = current()
    if not st.session_state.get("hide_vector"):
        norms.norm_vector(cur, "k")
    norms.norm_shift_scale(cur, "k")


def test_a_choice_from_an_earlier_run_is_not_reused():
    at = AppTest.from_function(shift_scale_after_an_optional_vector, default_timeout=60)
    at.run()
    assert "k_shift_which" not in widget_keys(at)
    at.session_state["hide_vector"] = True
    at.run()
    assert_no_exception(at)
    assert "k_shift_which" in widget_keys(at)
