"""Logit lens, next-token summaries and generation figures, against the model's real logits and hand computation."""


import pytest
import torch

import llama_edu as le
from llama_edu.logit_lens import lens_hook_names, lens_logits, logit_lens
from llama_edu.viz import generation as viz

TOKENS = torch.tensor([[1, 5, 9, 5, 30, 2, 7]])


def test_last_layer_of_the_lens_is_the_models_output(small_model):
    logits, cache = small_model.run_with_cache(TOKENS)
    last = f"layers.{small_model.cfg.n_layers - 1}.hook_resid_post"
    assert torch.allclose(lens_logits(small_model, cache[last]), logits, atol=1e-5)
    lens = logit_lens(small_model, cache, k=3)
    assert torch.equal(lens.top_ids[-1], logits[0].topk(3).indices)
    assert torch.allclose(lens.top_probs[-1], logits[0].softmax(-1).topk(3).values, atol=1e-6)


def test_lens_has_the_embedding_and_every_layer(small_model):
    _, cache = small_model.run_with_cache(TOKENS)
    lens = logit_lens(small_model, cache, k=4)
    n = small_model.cfg.n_layers
    assert lens.stages == ["embedding"] + [f"layer {i}" for i in range(n)]
    assert lens.hook_names == lens_hook_names(n)
    assert lens.top_ids.shape == (n + 1, TOKENS.shape[1], 4)
    assert (lens.top_probs[..., :-1] >= lens.top_probs[..., 1:]).all()
    # the embedding row is the output layer read straight off the (normalised) embeddings
    expected = small_model.output(small_model.norm(cache["hook_embed"]))[0].softmax(-1).max(-1)
    assert torch.allclose(lens.top_probs[0, :, 0], expected.values, atol=1e-6)


def test_lens_names_the_missing_hook(small_model):
    _, cache = small_model.run_with_cache(TOKENS, names_filter="hook_embed")
    with pytest.raises(KeyError, match="layers.0.hook_resid_post"):
        logit_lens(small_model, cache)


def test_bars_rank_by_the_model_and_show_both_distributions():
    logits = torch.tensor([0.0, 3.0, 1.0, 2.0, -1.0])
    model_probs = logits.softmax(-1)
    sampling = le.next_token_probs(logits, temperature=0.5, top_k=2)
    names = {0: "<s>", 1: "▁cat", 2: "a", 3: "b", 4: "c"}
    fig = viz.next_token_figure(model_probs, sampling, names.get, top=3)
    assert list(fig.data[0].y) == ["▁cat  (1)", "b  (3)", "a  (2)"]
    assert list(fig.data[0].x) == pytest.approx([float(model_probs[i]) for i in (1, 3, 2)])
    assert list(fig.data[1].x) == pytest.approx([float(sampling[i]) for i in (1, 3, 2)])
    assert fig.data[1].x[2] == 0.0  # cut by top-k
    fig = viz.next_token_figure(model_probs, model_probs, names.get, top=5)
    assert "&lt;s&gt;  (0)" in fig.data[0].y


def test_continuation_is_escaped_and_highlights_the_newest_token():
    out = viz.continuation_html("a <b> prompt", ["▁<script>", "x"])
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;" in out
    assert out.count("font-weight: 700") == 1 and out.rindex("font-weight: 700") < out.rindex(">x<")


def test_lens_figure_colours_cells_by_the_top_probability(small_model):
    _, cache = small_model.run_with_cache(TOKENS)
    lens = logit_lens(small_model, cache)
    pieces = [f"t{i}" for i in TOKENS[0].tolist()]
    fig = viz.logit_lens_figure(lens, pieces, lambda i: f"<{i}>")
    heat = fig.data[0]
    assert torch.allclose(torch.tensor(heat.z), lens.top_probs[..., 0])
    assert list(heat.y) == lens.stages and heat.x[0] == "0:t1"
    assert heat.text[0][0] == f"&lt;{int(lens.top_ids[0, 0, 0])}&gt;"
    assert "actually follows: t5" in heat.customdata[0][0]
    assert viz.logit_lens_figure(lens, pieces, str, show_text=False).data[0].texttemplate is None


