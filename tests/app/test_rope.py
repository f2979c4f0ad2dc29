"""RoPE page: the arrows are the hook values, the proof grid matches the prompt's own q.k, every prompt survives."""

import json

import pytest
import torch
from apphelpers import assert_no_exception, open_page

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
    measured = float(hooks["layers.0.attention.hook_q_rot"][0, qpos, head] @ hooks["layers.0.attention.hook_k_rot"][0, kpos, kv_head])
    assert heatmap["z"][qpos][kpos] == pytest.approx(measured, abs=1e-4)
    z = torch.tensor(heatmap["z"])
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
