"""Attention across layers page: the rollout and the per-head measures drawn from the model's own hooks, on the
prompt's tokens, in both languages, for every edge prompt; its elements twice on one screen without key clashes."""

import numpy as np
import plotly.io
import pytest
import torch
from apphelpers import assert_no_exception, open_elements, open_page, shown, spec_array

import llama_edu as le
from llama_edu.analysis import find_head_roles, layer_head_measures, subject_scores
from llama_edu.rollout import attention_rollout, patterns_from_cache
from llama_edu.viz.labels import token_labels

PAGE = "views/layers.py"
DEFAULT_PROMPT = "The cat sat on the mat"
N_CHARTS = 4  # rollout beside raw attention, one position's flow, token 0's share vs uniform, the measures grid


@pytest.fixture(scope="module")
def tiny():
    """The shipped model and the default prompt's capture, computed here as the reference."""
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    ids = tok.encode(DEFAULT_PROMPT)
    _, cache = model.run_with_cache(torch.tensor([ids]))
    return model, tok, ids, cache


def charts(at) -> list:
    return [plotly.io.from_json(c.proto.spec) for c in at.get("plotly_chart")]


def chart(at, title_part: str):
    for fig in charts(at):
        if title_part in (fig.layout.title.text or ""):
            return fig
    raise AssertionError(f"no chart titled with {title_part!r}")


def lower_triangle(z: np.ndarray) -> np.ndarray:
    return z[np.tril_indices(z.shape[0])]


def test_default_prompt_shows_every_section(tiny):
    model, _, _, cache = tiny
    share = attention_rollout(patterns_from_cache(cache, model.cfg.n_layers))[-1, 0, -1, 0]  # last position <- <s>
    at = open_page(PAGE)
    assert_no_exception(at)
    assert at.title[0].value == "Attention across layers"
    assert len(at.get("plotly_chart")) == N_CHARTS
    assert len(at.latex) == 1
    assert "`<s>`" in at.info[-1].value and f"{share:.2f}" in shown(at.info[-1].value)  # the measured share


def test_rollout_figure_is_the_rollout_of_the_hooks_on_the_prompts_tokens(tiny):
    model, tok, ids, cache = tiny
    expected = attention_rollout(patterns_from_cache(cache, model.cfg.n_layers))[:, 0]  # [L, T, T]
    labels = token_labels(tok.pieces(ids))
    at = open_page(PAGE)
    fig = chart(at, "Attention rollout after layer 5")
    rollout_trace, raw_trace = fig.data
    assert list(rollout_trace.x) == labels and list(rollout_trace.y) == labels and labels[0] == "0:&lt;s&gt;"
    np.testing.assert_allclose(lower_triangle(spec_array(rollout_trace.z)), lower_triangle(expected[-1].numpy()),
                               rtol=1e-5, atol=1e-6)
    raw = cache[f"layers.{model.cfg.n_layers - 1}.attention.hook_pattern"][0].mean(0).numpy()
    np.testing.assert_allclose(lower_triangle(spec_array(raw_trace.z)), lower_triangle(raw), rtol=1e-5, atol=1e-6)
    assert np.isnan(spec_array(rollout_trace.z)[np.triu_indices(len(ids), 1)]).all()  # the future stays empty

    at.slider(key="layers_layer").set_value(0).run()
    at.selectbox(key="layers_raw_head").set_value(6).run()
    assert_no_exception(at)
    rollout_trace, raw_trace = chart(at, "Attention rollout after layer 0").data
    np.testing.assert_allclose(lower_triangle(spec_array(rollout_trace.z)), lower_triangle(expected[0].numpy()),
                               rtol=1e-5, atol=1e-6)
    head = cache[f"layers.{model.cfg.n_layers - 1}.attention.hook_pattern"][0, 6].numpy()
    np.testing.assert_allclose(lower_triangle(spec_array(raw_trace.z)), lower_triangle(head), rtol=1e-5, atol=1e-6)


def test_flow_shows_the_chosen_positions_row_after_every_layer(tiny):
    model, tok, ids, cache = tiny
    expected = attention_rollout(patterns_from_cache(cache, model.cfg.n_layers))[:, 0]
    at = open_page(PAGE)
    at.selectbox(key="layers_flow_query").set_value(3).run()
    assert_no_exception(at)
    flow = chart(at, "Where position 3:").data[0]
    assert list(flow.x) == token_labels(tok.pieces(ids))[:4]
    np.testing.assert_allclose(spec_array(flow.z), expected[:, 3, :4].numpy(), rtol=1e-5, atol=1e-6)


def test_measures_grid_shows_every_layer_and_head_and_frames_the_previous_token_head(tiny):
    model, tok, _, cache = tiny
    measures = layer_head_measures([cache[f"layers.{i}.attention.hook_pattern"][0] for i in range(model.cfg.n_layers)])
    at = open_page(PAGE)
    grid = chart(at, "Every head in every layer")
    heatmaps = [trace for trace in grid.data if trace.type == "heatmap"]
    assert len(heatmaps) == 6  # five measures on the prompt, verb -> subject on the probe sentences
    np.testing.assert_allclose(spec_array(heatmaps[0].z), measures["entropy"].numpy(), rtol=1e-5)
    np.testing.assert_allclose(spec_array(heatmaps[3].z), measures["previous_token"].numpy(), rtol=1e-5)
    frames = {shape.name for shape in grid.layout.shapes}
    roles = find_head_roles({**measures, **subject_scores(model, tok)})
    assert {r.role for r in roles} >= {"previous token", "subject of the verb"}  # the jobs the lessons rely on
    assert {f"L{r.layer}H{r.head}: {r.role}" for r in roles} <= frames
    caption = next(shown(c.value) for c in at.caption if c.value.startswith("Heads with a job"))
    assert all(f"L{r.layer}H{r.head} {r.role}" in caption for r in roles if r.role == "previous token")


def test_german_page_uses_german_words_and_decimal_commas(tiny):
    model, _, _, cache = tiny
    share = attention_rollout(patterns_from_cache(cache, model.cfg.n_layers))[-1, 0, -1, 0]
    at = open_page(PAGE, lang="de")
    assert_no_exception(at)
    assert at.title[0].value == "Attention über die Schichten"
    assert f"{share:.2f}".replace(".", ",") in shown(at.info[-1].value)
    assert "Schicht" in chart(at, "Attention Rollout nach Schicht").layout.title.text


def test_a_one_word_prompt_works():
    at = open_page(PAGE, prompt="cat")
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == N_CHARTS
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([tok.encode("cat")]))
    expected = attention_rollout(patterns_from_cache(cache, model.cfg.n_layers))[-1, 0]  # [2, 2]
    rollout_trace = chart(at, "Attention rollout after layer 5").data[0]
    np.testing.assert_allclose(lower_triangle(spec_array(rollout_trace.z)), lower_triangle(expected.numpy()),
                               rtol=1e-5, atol=1e-6)


def test_survives_edge_prompts(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)
    if not edge_prompt.strip():
        assert "empty" in at.warning[0].value
    else:
        assert len(at.get("plotly_chart")) == N_CHARTS
        fig = charts(at)[0]
        assert fig.data[0].y[0] == "0:&lt;s&gt;"  # the prompt's own tokens label the rollout


@pytest.mark.parametrize("name, n_charts", [("attention_rollout", 1), ("rollout_flow", 2), ("head_measures_grid", 1)])
def test_element_renders_twice_on_one_screen(name, n_charts):
    at = open_elements("layers", name)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 2 * n_charts


def test_rollout_copies_keep_their_own_layer():
    at = open_elements("layers", "attention_rollout")
    at.slider(key="second_layer").set_value(1).run()
    assert_no_exception(at)
    assert at.slider(key="first_layer").value == 5
    titles = [fig.layout.title.text for fig in charts(at)]
    assert [title.split(" of ")[0] for title in titles] == ["Attention rollout after layer 5",
                                                             "Attention rollout after layer 1"]
