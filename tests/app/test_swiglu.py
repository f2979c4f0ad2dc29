"""SwiGLU page: the hidden units of a chosen layer and token, the activation curves, the sizing rule."""

import json

import numpy as np
import torch
from apphelpers import assert_no_exception, open_page, shown, spec_array

import llama_edu as le

PAGE = "views/swiglu.py"


def capture(prompt="The cat sat on the mat"):
    tok, model = le.load_tokenizer(le.TINY_MODEL_DIR), le.load_model(le.TINY_MODEL_DIR)
    return model, model.run_with_cache(torch.tensor([tok.encode(prompt)]))[1]


def test_swiglu_page_plots_the_captured_units_sorted_by_gate():
    at = open_page(PAGE)
    assert_no_exception(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    model, cache = capture()
    strips = json.loads(charts[0].proto.spec)["data"]
    gate = cache["layers.0.feed_forward.hook_gate"][0, -1].numpy()
    assert len(spec_array(strips[0]["y"])) == model.cfg.hidden_dim
    np.testing.assert_allclose(spec_array(strips[0]["y"]), np.sort(gate)[::-1], rtol=1e-5, atol=1e-7)


def test_layer_token_and_order_change_the_strips():
    at = open_page(PAGE)
    layers = at.selectbox(key="swiglu_layer").options
    at.selectbox(key="swiglu_layer").set_value(layers[-1])
    at.selectbox(key="swiglu_token").set_value(2)
    at.radio(key="swiglu_sort").set_value("unit index").run()
    assert_no_exception(at)
    _, cache = capture()
    strips = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    hidden = cache[f"layers.{len(layers) - 1}.feed_forward.hook_hidden"][0, 2].numpy()
    np.testing.assert_allclose(spec_array(strips[3]["y"]), hidden, rtol=1e-5, atol=1e-7)


def test_threshold_changes_the_count_of_small_units():
    at = open_page(PAGE)
    small = lambda: int(at.metric[0].value.split("/")[0])  # noqa: E731
    before = small()
    at.slider(key="swiglu_threshold").set_value(0.5).run()
    assert_no_exception(at)
    assert small() >= before
    assert int(at.metric[0].value.split("/")[1]) == le.load_model(le.TINY_MODEL_DIR).cfg.hidden_dim


def test_sizing_table_lists_metas_models():
    at = open_page(PAGE)
    table = at.dataframe[0].value
    assert {"llama-7b", "llama-2-70b", "llama-3-8b"} <= set(table["model"])
    assert list(table["F by the rule"][1:]) == ["11,008", "28,672", "14,336"]


def test_sizing_explains_where_the_loaded_models_width_comes_from():
    """The shipped config.json states F = 704 but no multiple_of: the table once applied the default 256 (768 "by the
    rule" against 704 "in the model") with no word why. Now the rule's row uses the multiple_of that gives 704."""
    at = open_page(PAGE)
    assert_no_exception(at)
    loaded = at.dataframe[0].value.iloc[0]
    assert loaded["F by the rule"] == loaded["F in the model"] == "704" and loaded["multiple_of"] == "32"
    why = " ".join(shown(m.value) for m in at.markdown)
    assert "F = 704 comes from: 2/3 · 4 · 256 gives 682" in why and "22 × 32 = 704" in why
    caption = " ".join(c.value for c in at.caption)
    assert "`intermediate_size` = 704" in caption and "would give 768" in caption
    german = open_page(PAGE, lang="de")
    assert "**aufgerundet**: 22 × 32 = 704" in " ".join(m.value for m in german.markdown)


def test_one_token_prompt():
    at = open_page(PAGE, prompt="a")
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 2


def test_swiglu_page_survives_edge_prompts(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)
