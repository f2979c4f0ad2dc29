"""SwiGLU elements alone on a screen, each drawn twice with two keys; the curves follow the units' choice."""

import json

import numpy as np
import pytest
import torch
from apphelpers import assert_no_exception, open_elements, spec_array, widget_keys
from streamlit.testing.v1 import AppTest

import llama_edu as le


def gate_dots(at: AppTest, chart: int) -> np.ndarray:
    traces = json.loads(at.get("plotly_chart")[chart].proto.spec)["data"]
    return spec_array(next(t for t in traces if t["name"] == "this token's gates")["x"])


def captured_gate(layer: int, position: int) -> np.ndarray:
    tok, model = le.load_tokenizer(le.TINY_MODEL_DIR), le.load_model(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([tok.encode("The cat sat on the mat")]))
    return cache[f"layers.{layer}.feed_forward.hook_gate"][0, position].numpy()


@pytest.mark.parametrize("name", ["swiglu_units", "activation_curves"])
def test_element_draws_twice_on_one_screen(name):
    at = open_elements("swiglu", name)
    assert_no_exception(at)
    assert all(k.startswith(("first_", "second_")) for k in widget_keys(at)), widget_keys(at)
    assert len(at.get("plotly_chart")) == 2


def test_two_copies_of_the_units_keep_their_own_threshold():
    at = open_elements("swiglu", "swiglu_units")
    at.slider(key="second_threshold").set_value(0.5).run()
    assert_no_exception(at)
    small = [int(m.value.split("/")[0]) for m in at.metric if m.label == "switched off (small)"]
    assert small[0] < small[1]


def test_curves_alone_show_the_last_token_of_layer_0():
    at = open_elements("swiglu", "activation_curves")
    np.testing.assert_allclose(gate_dots(at, 0), captured_gate(0, -1), rtol=1e-5, atol=1e-6)


def test_curves_after_the_units_show_the_chosen_layer_and_token():
    at = open_elements("swiglu", "swiglu_units", "activation_curves")
    last_layer = at.selectbox(key="first_layer").options[-1]
    at.selectbox(key="first_layer").set_value(last_layer)
    at.selectbox(key="first_token").set_value(2).run()
    assert_no_exception(at)
    np.testing.assert_allclose(gate_dots(at, 1), captured_gate(int(last_layer), 2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gate_dots(at, 3), captured_gate(0, -1), rtol=1e-5, atol=1e-6)  # second copy
