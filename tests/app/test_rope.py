"""RoPE page: the arrows are the hook values, the proof grid matches the prompt's own q.k, every prompt survives."""

import json
import re

import pytest
import torch
from apphelpers import assert_no_exception, open_page, spec_array

import llama_edu as le

PAGE = "views/rope.py"


@pytest.fixture(scope="module")
def tiny():
    """The shipped model and the default prompt's hooks, computed here independently of the app."""
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    ids = tok.encode("The cat sat on the mat")
    _, hooks = model.run_with_cache(torch.tensor([ids]))
    return model, ids, hooks


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_default_prompt_draws_all_five_figures():
    at = open_page(PAGE)
    assert_no_exception(at)
    specs = figures(at)
    assert len(specs) == 5
    assert len(specs[1]["frames"]) >= len(at.selectbox(key="rope_position").options)  # the walk covers the prompt


def test_arrows_are_hook_q_before_and_hook_q_rot_after(tiny):
    model, ids, hooks = tiny
    layer, head, m, i = model.cfg.n_layers - 1, model.cfg.n_heads - 1, 3, 2
    at = open_page(PAGE)
    at.selectbox(key="rope_layer").set_value(layer)
    at.selectbox(key="rope_head").set_value(head)
    at.selectbox(key="rope_position").set_value(m)
    at.slider(key="rope_pair").set_value(i).run()
    assert_no_exception(at)
    before, after = figures(at)[0]["data"][1:3]
    q = hooks[f"layers.{layer}.attention.hook_q"][0, m, head]
    q_rot = hooks[f"layers.{layer}.attention.hook_q_rot"][0, m, head]
    assert [before["x"][-1], before["y"][-1]] == pytest.approx(q[2 * i: 2 * i + 2].tolist(), abs=1e-6)
    assert [after["x"][-1], after["y"][-1]] == pytest.approx(q_rot[2 * i: 2 * i + 2].tolist(), abs=1e-6)


def test_proof_grid_contains_the_prompts_measured_dot_product(tiny):
    model, ids, hooks = tiny
    qpos, kpos, head = len(ids) - 1, 1, 1
    at = open_page(PAGE)
    at.selectbox(key="rope_qk_head").set_value(head)
    at.selectbox(key="rope_qpos").set_value(qpos)
    at.selectbox(key="rope_kpos").set_value(kpos).run()
    assert_no_exception(at)
    heatmap = figures(at)[3]["data"][0]
    kv_head = head // model.cfg.n_rep
    layer = at.selectbox(key="rope_qk_layer").value  # the page opens on a layer of its choosing
    attention = f"layers.{layer}.attention"
    measured = float(hooks[f"{attention}.hook_q_rot"][0, qpos, head] @ hooks[f"{attention}.hook_k_rot"][0, kpos, kv_head])
    z = torch.tensor(spec_array(heatmap["z"]))  # [m, n], sent packed as an array
    assert float(z[qpos, kpos]) == pytest.approx(measured, abs=1e-4)
    assert all((torch.diagonal(z, d) - torch.diagonal(z, d)[0]).abs().max() < 1e-4 for d in range(-5, 6))


def test_frequency_figure_switches_to_head_width_128():
    at = open_page(PAGE)
    at.radio(key="rope_freq_hd").set_value(128).run()
    assert_no_exception(at)
    assert len(figures(at)[2]["data"][0]["x"]) == 64  # 128 / 2 pairs


def test_a_one_token_prompt_works():
    at = open_page(PAGE, prompt="The")
    assert_no_exception(at)
    assert len(at.selectbox(key="rope_position").options) == 2  # BOS + one token
    assert len(at.get("plotly_chart")) == 5


def test_edge_prompts_never_show_a_traceback(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)


def test_german_formulas_write_decimal_commas():
    """The page's formulas once wrote "θ_i = 10,000^…" and "m θ = 6 × 0.5623 = 3.3738 rad" in German too."""
    english, german = open_page(PAGE), open_page(PAGE, lang="de")
    assert_no_exception(german)
    en = " ".join(f.body for f in english.get("latex"))
    de = " ".join(f.body for f in german.get("latex"))
    assert r"\theta_i = 10,000^" in en and r"\theta_i = 10\,000^" in de
    turn = re.search(r"\\times ([\d.]+) = ([\d.]+)\\ \\text\{rad\}", en)
    assert turn and rf"\times {turn[1].replace('.', '{,}')} = {turn[2].replace('.', '{,}')}\ \text{{rad}}" in de
