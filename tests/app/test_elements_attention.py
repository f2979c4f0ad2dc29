"""The attention elements, each alone on a screen twice (keys "first" and "second"): no key clashes, and each
copy keeps its own widget state."""


import numpy as np
import pytest
from apphelpers import assert_no_exception, figures, open_elements, spec_array
from streamlit.testing.v1 import AppTest

import llama_edu as le
from llama_edu import analysis, interventions

DEFAULT_PROMPT = "The cat sat on the mat"

# element -> (plotly charts, iframes) one copy draws on the default prompt
ELEMENTS = {
    "causal_mask": (1, 0),
    "mask_comparison": (1, 0),
    "attention_heatmap": (1, 0),  # one head (all heads are drawn when their expander is opened)
    "attention_steps": (1, 0),
    "bertviz_head_view": (0, 1),  # the head view (the model view when its tab is chosen)
    "attention_sink": (1, 0),
    "head_ablation": (1, 0),
}


@pytest.fixture(scope="module")
def tiny():
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    return model, tok.encode(DEFAULT_PROMPT)


@pytest.mark.parametrize("name", list(ELEMENTS))
def test_element_renders_twice_on_one_screen(name):
    at = open_twice(name)
    assert_no_exception(at)
    charts, frames = ELEMENTS[name]
    assert len(at.get("plotly_chart")) == 2 * charts
    assert len(at.get("iframe")) == 2 * frames


def open_twice(name: str) -> AppTest:
    return open_elements("attention", name)


def test_heatmap_copies_keep_their_own_layer_and_head(tiny):
    model, _ = tiny
    last_layer, last_head = model.cfg.n_layers - 1, model.cfg.n_heads - 1
    opens = analysis.previous_token_head(model, le.load_tokenizer(le.TINY_MODEL_DIR))  # where both copies open
    at = open_twice("attention_heatmap")
    at.selectbox(key="second_layer").set_value(last_layer).run()
    at.selectbox(key="second_head").set_value(last_head).run()
    assert_no_exception(at)
    assert (at.selectbox(key="first_layer").value, at.selectbox(key="first_head").value) == (opens.layer, opens.head)
    titles = [f["layout"]["title"]["text"] for f in figures(at) if f["layout"].get("title", {}).get("text")]
    assert titles == [f"layer {opens.layer}, head {opens.head}: each row sums to 1",
                      f"layer {last_layer}, head {last_head}: each row sums to 1"]


def test_causal_mask_shows_the_models_mask_for_the_prompt(tiny):
    _, ids = tiny
    at = open_twice("causal_mask")
    trace = figures(at)[0]["data"][0]
    T = len(ids)
    allowed = np.isfinite(le.model.causal_mask(T, T).numpy())
    np.testing.assert_array_equal(spec_array(trace["z"]), allowed.astype(int))
    assert trace["y"][0] == "0:&lt;s&gt;" and len(trace["x"]) == T


def test_mask_comparison_doubles_the_prompt_for_the_encoder_decoder(tiny):
    _, ids = tiny
    at = open_twice("mask_comparison")
    decoder_only, encoder_only, encoder_decoder = figures(at)[0]["data"]
    assert spec_array(decoder_only["z"]).shape == spec_array(encoder_only["z"]).shape == (len(ids), len(ids))
    assert spec_array(encoder_only["z"]).all()
    assert spec_array(encoder_decoder["z"]).shape == (2 * len(ids), 2 * len(ids))


def test_ablation_copies_keep_their_own_toggle(tiny):
    model, ids = tiny
    layer, head, _ = interventions.most_disruptive_head(model, ids)  # where both copies open
    at = open_twice("head_ablation")
    at.toggle(key="second_whole_layer").set_value(True).run()
    assert_no_exception(at)
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert titles == [f"Next token, before and after ablating layer {layer}, head {head}",
                      f"Next token, before and after ablating layer {layer}"]
