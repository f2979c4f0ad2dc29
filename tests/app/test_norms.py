"""RMSNorm vs LayerNorm page: the real captured vector, the shift/scale sliders, timing; survives edge prompts."""

import json

import numpy as np
import pytest
from apphelpers import assert_no_exception, open_page, spec_array

import llama_edu as le
from app.text import table_rows
from llama_edu import normalization

PAGE = "views/norms.py"


def figure(at, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def change_line(at) -> str:
    return next(md.value for md in at.markdown if md.value.startswith("Largest change"))


def test_norms_page_plots_the_captured_norm_steps():
    at = open_page(PAGE)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 3
    tok, model = le.load_tokenizer(le.TINY_MODEL_DIR), le.load_model(le.TINY_MODEL_DIR)
    ids = tok.encode("The cat sat on the mat")
    _, cache = model.run_with_cache(__import__("torch").tensor([ids]))
    steps = figure(at, 0)["data"]  # default: layer 0 attention_norm, last token
    np.testing.assert_allclose(spec_array(steps[0]["y"]), cache["layers.0.attention_norm.hook_in"][0, -1].numpy(),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(spec_array(steps[2]["y"]), model.layers[0].attention_norm.weight.detach().numpy())
    np.testing.assert_allclose(spec_array(steps[3]["y"]), cache["layers.0.attention_norm.hook_out"][0, -1].numpy(),
                               rtol=1e-5, atol=1e-7)


def test_shift_moves_rms_norm_but_not_layer_norm():
    at = open_page(PAGE)
    assert "RMSNorm 0.00e+00" in change_line(at)
    at.slider(key="norms_shift").set_value(2.0).run()
    assert_no_exception(at)
    rms_change, layer_change = [float(part.split()[1].rstrip("*,.")) for part in change_line(at).split("**")[1::2]]
    assert rms_change > 0.1 and layer_change < 1e-4


def test_every_norm_layer_and_scale_can_be_chosen():
    at = open_page(PAGE)
    at.radio(key="norms_which").set_value("ffn_norm").run()
    at.selectbox(key="norms_layer").set_value(at.selectbox(key="norms_layer").options[-1]).run()
    at.selectbox(key="norms_token").set_value(0).run()
    at.select_slider(key="norms_scale").set_value(0.0001).run()
    assert_no_exception(at)
    assert "ffn_norm" in figure(at, 0)["layout"]["title"]["text"]
    at.radio(key="norms_which").set_value("norm").run()
    assert_no_exception(at)
    assert figure(at, 0)["layout"]["title"]["text"].startswith("norm on token 0:&lt;s&gt;")


def test_timing_is_shown_and_can_be_repeated():
    at = open_page(PAGE)
    assert any("RMSNorm" in md.value and " ms**" in md.value for md in at.markdown)
    at.button(key="norms_retime").click().run()
    assert_no_exception(at)


def test_shorter_prompt_after_choosing_a_late_token():
    at = open_page(PAGE)
    at.selectbox(key="norms_token").set_value(len(at.selectbox(key="norms_token").options) - 1).run()
    at.session_state["prompt"] = "a"
    at.run()
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 3


def test_norms_page_survives_edge_prompts(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)


def _widest_row(rows: list[dict], lang: str) -> int:
    """Characters across a table as the student sees it: each column as wide as its header or its longest cell."""
    shown = table_rows(rows, lang)
    return sum(max(len(name), *(len(str(row[name])) for row in shown)) for name in shown[0])


@pytest.mark.parametrize("lang", ["en", "de"])
def test_cost_tables_fit_a_projector(lang):
    """At 1280 px the old table's "steps" column (every step in one cell, ~110 characters) was cut off. ~90
    characters fit the page's width beside the sidebar; the steps now have a row each."""
    cfg = le.read_config(le.TINY_MODEL_DIR)
    for rows in (normalization.norm_operation_counts(cfg.dim), normalization.norm_step_rows(cfg.dim, lang=lang)):
        assert _widest_row(rows, lang) <= 90


def test_cost_numbers_are_counted_and_the_timing_reads_medians():
    at = open_page(PAGE)
    timing = next(md.value for md in at.markdown if "one CPU thread" in md.value)
    ms = at.session_state[f"norms_timing_{le.read_config(le.TINY_MODEL_DIR).dim}"]
    assert f"**RMSNorm {ms['RMSNorm'].median:.2f} ms**" in timing
    assert f"**{ms['LayerNorm'].median / ms['RMSNorm'].median:.1f}×** as long" in timing
    assert "1.75× the operations" in timing  # 1,794 / 1,026, counted
