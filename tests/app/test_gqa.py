"""GQA page: the head-sharing diagram from the config, real keys per KV head, the paper's table, KV cache savings."""

import base64

import numpy as np
import plotly.io
import pytest
import torch
from apphelpers import assert_no_exception, open_page

import llama_edu as le
from llama_edu import interventions, papers
from llama_edu.i18n import t

PAGE = "views/gqa.py"


@pytest.fixture(scope="module")
def tiny():
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    ids = tok.encode("The cat sat on the mat")
    _, cache = model.run_with_cache(torch.tensor([ids]))
    return model, ids, cache


def figures(at) -> list:
    return [plotly.io.from_json(c.proto.spec) for c in at.get("plotly_chart")]


def array(value) -> np.ndarray:
    """A figure's data array: plotly sends numpy arrays packed as {"dtype", "bdata" (base64), "shape"}."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")])
    return np.array(value, dtype=float)


def test_diagram_shows_the_loaded_models_grouping_and_its_mha_mqa_variants(tiny):
    model, _, _ = tiny
    cfg = model.cfg
    at = open_page(PAGE)
    assert_no_exception(at)
    diagram = figures(at)[0]
    titles = [a.text for a in diagram.layout.annotations]
    assert titles[0].startswith(f"as configured: {cfg.attention_kind}, {cfg.n_heads} query heads share "
                                f"{cfg.n_kv_heads} KV heads")
    assert len(titles) == len({cfg.n_kv_heads, cfg.n_heads, 1})  # a variant equal to the model is not repeated
    lines = [t for t in diagram.data if t.mode == "lines" and t.xaxis == "x"]
    n_rep = cfg.n_heads // cfg.n_kv_heads
    assert [t.x[1] for t in lines] == [(h // n_rep) * n_rep + (n_rep - 1) / 2 for h in range(cfg.n_heads)]


def test_keys_and_patterns_come_from_the_selected_layer(tiny):
    model, ids, cache = tiny
    layer = model.cfg.n_layers - 1
    at = open_page(PAGE)
    at.selectbox(key="gqa_layer").set_value(layer).run()
    assert_no_exception(at)
    keys = figures(at)[1]
    assert len(keys.data) == model.cfg.n_kv_heads
    k = cache[f"layers.{layer}.attention.hook_k_rot"][0]  # [T, Hkv, hd]
    np.testing.assert_allclose(array(keys.data[-1].z), k[:, -1].numpy(), rtol=1e-5, atol=1e-6)
    grid = figures(at)[2]
    assert grid.layout.title.text.startswith(f"layer {layer}")
    last_head = [t for t in grid.data if t.coloraxis == "coloraxis"][-1]
    pattern = cache[f"layers.{layer}.attention.hook_pattern"][0, -1].numpy()
    np.testing.assert_allclose(np.nan_to_num(array(last_head.z)), pattern, rtol=1e-5, atol=1e-6)


def test_similarity_of_patterns_and_of_outputs_come_from_the_selected_layer(tiny):
    """Where heads look (patterns) and what they read (outputs, hook_z): the second is where sharing a KV head shows.
    Both captions quote the model's numbers for this layer and prompt."""
    model, _, cache = tiny
    layer = 1
    at = open_page(PAGE)
    at.selectbox(key="gqa_layer").set_value(layer).run()
    assert_no_exception(at)
    kv = model.cfg.n_kv_heads
    patterns = interventions.pattern_similarity(cache[f"layers.{layer}.attention.hook_pattern"][0])
    outputs = interventions.output_similarity(cache[f"layers.{layer}.attention.hook_z"][0])
    shown_patterns, shown_outputs = figures(at)[3:5]
    np.testing.assert_allclose(array(shown_patterns.data[0].z), patterns.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(array(shown_outputs.data[0].z), outputs.numpy(), rtol=1e-5, atol=1e-6)
    assert shown_outputs.data[0].zmin == -1 and shown_outputs.layout.title.text.startswith(f"layer {layer}:")
    captions = " ".join(c.value for c in at.caption)
    for measure, words in ((patterns, "**Where**"), (outputs, "**What**")):
        within, across = interventions.within_and_across_groups(measure, kv)
        assert f"same group **{within:.2f}**, in different groups **{across:.2f}**" in captions, words
        assert words in captions


def test_paper_table_and_memory_savings_are_shown():
    at = open_page(PAGE)
    tables = [df.value for df in at.dataframe]
    assert tables[0].to_dict("records") == [  # every row and column of the paper's Table 1, as the paper prints it
        {"model": r["model"], "time per sample (s)": f"{r['inference time (s)']:.2f}",
         "average score": f"{r['average score']:.1f}"} for r in papers.GQA_TABLE_1]
    quality = next(fig for fig in figures(at) if fig.layout.title.text == t("viz.attention.quality.title", "en"))
    assert list(quality.data[0].text) == [r["model"] for r in papers.GQA_TABLE_1]
    assert list(quality.data[0].x) == [r["inference time (s)"] for r in papers.GQA_TABLE_1]
    assert list(quality.data[0].y) == [r["average score"] for r in papers.GQA_TABLE_1]
    memory = tables[1].set_index("model")
    assert memory.loc["llama-2-70b", "as MHA (GiB)"] == "10.00"
    assert memory.loc["llama-2-70b", "as configured (GiB)"] == "1.25"
    assert memory.loc["llama-3-8b", "saved"] == "4×" and memory.loc["llama-2-7b", "saved"] == "1×"  # MHA: nothing saved
    assert "1.25 GiB instead of 10 GiB" in at.info[-1].value


def test_survives_edge_prompts(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)
    if not edge_prompt.strip():
        assert "empty" in at.warning[0].value
    else:
        assert len(at.get("plotly_chart")) == 7


def test_a_one_token_prompt_works():
    at = open_page(PAGE, prompt="cat")
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 7
