"""Long prompts: the Generation page runs the prompt whole (up to the context less room for new tokens) and goes on
from its end; token-by-token figures show a window of tokens the student moves (app.common.token_window)."""

import json
import re

import numpy as np
import pytest
import torch
from apphelpers import assert_no_exception, open_page, spec_array

import llama_edu as le
from app.common import TOKEN_WINDOW
from app.elements.generation import NEW_TOKEN_ROOM
from llama_edu.viz.labels import token_labels

STORY = "The cat sat on the mat. The dog ran to the park and found a red ball. "


@pytest.fixture(scope="module")
def tiny():
    return le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)


def prompt_of(tok, n_tokens: int) -> tuple[str, list[int]]:
    """A text of the tiny model's words that tokenizes to exactly n_tokens ids (BOS included), and those ids."""
    ids = tok.encode(STORY * 60)
    text = tok.decode(ids[1:n_tokens])
    ids = tok.encode(text)
    assert len(ids) == n_tokens
    return text, ids


def window_sliders(at) -> list[str]:
    return [s.key for s in at.slider if s.key and s.key.endswith("_window")]


def pattern_heatmap(at) -> tuple[int, int, dict]:
    """(layer, head, the weights trace) of the one-head heatmap: the figure whose title names the picked layer and
    head (the page opens on a head of its choosing)."""
    layer, head = at.selectbox(key="attn_layer").value, at.selectbox(key="attn_head").value
    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        if f"layer {layer}, head {head}" in json.dumps(fig["layout"].get("title", "")):
            return layer, head, next(trace for trace in fig["data"] if trace.get("zmax") == 1)
    raise AssertionError(f"no heatmap of layer {layer}, head {head}")


# ---- Generation: the prompt is not cut at a view's limit -------------------------------------------------------
def test_a_200_token_prompt_is_run_whole_and_generation_goes_on_from_its_end(tiny):
    model, tok = tiny
    text, ids = prompt_of(tok, 200)
    at = open_page("views/generation.py", text, timeout=300)
    assert_no_exception(at)
    assert not [box.value for box in at.info if "tokens;" in box.value]  # no truncation note
    limit = model.cfg.max_seq_len - NEW_TOKEN_ROOM
    assert any(f"The prompt is 200 tokens and may be up to {limit}" in c.value for c in at.caption)
    at.button(key="gen_next").click().run()
    decoding = at.session_state["gen_decoding"]
    assert decoding.ids[:200] == ids and len(decoding.new_ids) == 1  # the prompt whole, then the new token
    expected = model(torch.tensor([ids]))[0, -1]  # the bars after one token differ; the first token's logits do not
    assert decoding.new_ids[0] in expected.topk(model.cfg.vocab_size // 2).indices.tolist()


def test_a_prompt_past_the_generation_limit_is_cut_with_room_left_for_new_tokens(tiny):
    model, tok = tiny
    text, _ = prompt_of(tok, 240)
    at = open_page("views/generation.py", text, timeout=300)
    assert_no_exception(at)
    limit = model.cfg.max_seq_len - NEW_TOKEN_ROOM
    assert any(f"the first {limit} are used" in box.value for box in at.info)
    assert len(at.session_state["gen_decoding"].ids) == limit


# ---- Attention: a window of tokens -----------------------------------------------------------------------------
def test_a_short_prompt_shows_every_token_and_no_window_slider():
    at = open_page("views/attention.py", "The cat sat on the mat")
    assert_no_exception(at)
    assert window_sliders(at) == []
    assert not [c.value for c in at.caption if "Showing tokens" in c.value]


def test_a_long_prompt_shows_a_window_slider_and_says_which_tokens_are_shown(tiny):
    _, tok = tiny
    text, ids = prompt_of(tok, 83)
    at = open_page("views/attention.py", text, timeout=300)
    assert_no_exception(at)
    assert "attn_pattern_window" in window_sliders(at)
    assert any("Showing tokens 0–23 of 83" in c.value for c in at.caption)
    assert pattern_heatmap(at)[2]["x"] == token_labels(tok.pieces(ids))[:24]


def test_moving_the_window_changes_the_heatmaps_tokens_and_weights(tiny):
    model, tok = tiny
    text, ids = prompt_of(tok, 83)
    at = open_page("views/attention.py", text, timeout=300)
    at.slider(key="attn_pattern_window").set_value(17).run()
    assert_no_exception(at)
    layer, head, heatmap = pattern_heatmap(at)
    assert heatmap["x"] == token_labels(tok.pieces(ids))[17:41]
    assert any("Showing tokens 17–40 of 83" in c.value for c in at.caption)
    assert any("Keys before token 17 are outside the window" in c.value for c in at.caption)
    _, cache = model.run_with_cache(torch.tensor([ids]))
    expected = cache[f"layers.{layer}.attention.hook_pattern"][0, head, 17:41, 17:41].numpy()  # [24, 24]
    seen = spec_array(heatmap["z"]).astype(float)
    lower = np.tril(np.ones_like(expected, dtype=bool))
    assert np.allclose(seen[lower], expected[lower], atol=1e-5)


def test_german_says_which_tokens_are_shown(tiny):
    _, tok = tiny
    text, _ = prompt_of(tok, 83)
    at = open_page("views/attention.py", text, timeout=300, lang="de")
    assert_no_exception(at)
    assert any("Gezeigt werden die Tokens 0–23 von 83" in c.value for c in at.caption)


# ---- every page: no token axis longer than the window ----------------------------------------------------------
POSITION_LABEL = re.compile(r"^(enc |dec )?\d+:")  # viz.labels.token_labels: "17:▁cat"; the T5 panels add enc/dec


def token_axis_lengths(at) -> list[int]:
    """For every trace of every figure, how many token labels its x and y axes hold."""
    lengths = []
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            for axis in ("x", "y"):
                values = trace.get(axis)
                if isinstance(values, list) and values and all(isinstance(v, str) and POSITION_LABEL.match(v)
                                                                for v in values):
                    lengths.append(len(set(values)))
    return lengths


@pytest.mark.parametrize("page", ["attention", "tokens", "layers", "gqa", "generation", "architectures"])
def test_no_figure_labels_more_tokens_than_the_window(tiny, page):
    _, tok = tiny
    text, _ = prompt_of(tok, 250)
    at = open_page(f"views/{page}.py", text, timeout=300)
    assert_no_exception(at)
    lengths = token_axis_lengths(at)
    assert lengths and max(lengths) <= TOKEN_WINDOW, lengths
    assert window_sliders(at)
