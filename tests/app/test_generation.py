"""Generation page: bars from stored logits (no model run on a slider), one token per click, the logit lens."""

import json

import pytest
import torch
from apphelpers import assert_no_exception, open_page

import llama_edu as le
from llama_edu.logit_lens import logit_lens

PAGE = "views/generation.py"


@pytest.fixture(scope="module")
def tiny():
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    return model, tok, tok.encode("The cat sat on the mat")


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def new_ids(at, key: str) -> list[int]:
    """The tokens the page has generated after the prompt (its llama_edu.Decoding)."""
    decoding = at.session_state[f"{key}_decoding"]
    return [] if decoding is None else decoding.new_ids


def summary(at) -> str:
    return next(md.value for md in at.markdown if "can still be drawn" in md.value)


def test_default_prompt_shows_the_bars_and_the_lens():
    at = open_page(PAGE)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 2


def test_bars_are_next_token_probs_of_the_prompts_last_logits(tiny):
    model, tok, ids = tiny
    at = open_page(PAGE)
    at.slider(key="gen_temperature").set_value(0.7)
    at.slider(key="gen_top_k").set_value(5).run()
    logits = model(torch.tensor([ids]))[0, -1]
    expected = le.next_token_probs(logits, 0.7, 5, None)
    bars = figures(at)[0]["data"][1]
    top = logits.topk(15).indices.tolist()
    assert bars["x"] == pytest.approx([float(expected[i]) for i in top], abs=1e-5)
    assert summary(at).startswith(f"5 of {model.cfg.vocab_size:,} tokens")


def test_temperature_zero_leaves_one_candidate_and_zero_entropy():
    at = open_page(PAGE)
    at.slider(key="gen_temperature").set_value(0.0).run()
    assert summary(at).startswith("1 of ") and "entropy 0.00 bits" in summary(at)


def test_sliders_do_not_run_the_model(monkeypatch):
    at = open_page(PAGE)  # the capture is now cached
    calls = []
    original = le.Transformer.forward
    monkeypatch.setattr(le.Transformer, "forward", lambda self, *a, **kw: calls.append(1) or original(self, *a, **kw))
    at.slider(key="gen_temperature").set_value(1.5)
    at.slider(key="gen_top_p").set_value(0.5).run()
    assert_no_exception(at)
    assert calls == []
    at.button(key="gen_next").click().run()  # the extended sequence does need a forward pass: the probe sees it
    assert calls


def test_next_token_appends_a_seeded_token_and_reset_clears(tiny):
    model, tok, ids = tiny
    at = open_page(PAGE)
    at.button(key="gen_next").click().run()
    at.button(key="gen_next").click().run()
    new = new_ids(at, "gen")
    assert len(new) == 2
    again = open_page(PAGE)
    again.button(key="gen_next").click().run()
    again.button(key="gen_next").click().run()
    assert new_ids(again, "gen") == new  # same seed, same tokens
    # the bars now describe the extended sequence
    logits = model(torch.tensor([ids + new]))[0, -1]
    bars = figures(at)[0]["data"][0]
    assert bars["x"] == pytest.approx(logits.softmax(-1).topk(15).values.tolist(), abs=1e-5)
    at.button(key="gen_reset").click().run()
    assert new_ids(at, "gen") == []


def test_greedy_clicks_follow_generate(tiny):
    model, tok, ids = tiny
    at = open_page(PAGE)
    at.slider(key="gen_temperature").set_value(0.0).run()
    for _ in range(3):
        at.button(key="gen_next").click().run()
    assert new_ids(at, "gen") == list(le.generate(model, ids, 3))


@pytest.mark.parametrize("seed, temperature, top_k, top_p", [(7, 0.9, 20, 0.9), (0, 1.3, 0, 1.0), (123, 0.6, 3, 0.5)])
def test_seeded_sampling_clicks_are_exactly_what_generate_gives(tiny, seed, temperature, top_k, top_p):
    # The page used to draw each click with its own per-token seed, so a sampled text differed from
    # generate(seed=...); it now steps the very Decoding that generate() loops over.
    model, tok, ids = tiny
    at = open_page(PAGE)
    at.number_input(key="gen_seed").set_value(seed)
    at.slider(key="gen_temperature").set_value(temperature)
    at.slider(key="gen_top_k").set_value(top_k)
    at.slider(key="gen_top_p").set_value(top_p).run()
    for _ in range(6):
        at.button(key="gen_next").click().run()
    assert_no_exception(at)
    expected = list(le.generate(model, ids, 6, temperature=temperature, top_k=top_k or None, top_p=top_p, seed=seed))
    assert new_ids(at, "gen") == expected
    assert f"with seed {seed}" in at.caption[-1].value or any(f"with seed {seed}" in c.value for c in at.caption)


def test_a_new_seed_starts_the_text_again(tiny):
    at = open_page(PAGE)
    at.button(key="gen_next").click().run()
    at.number_input(key="gen_seed").set_value(5).run()
    assert new_ids(at, "gen") == []


def test_lens_heatmap_is_the_logit_lens_of_the_prompt(tiny):
    model, tok, ids = tiny
    _, hooks = model.run_with_cache(torch.tensor([ids]))
    lens = logit_lens(model, hooks)
    heat = figures(open_page(PAGE))[1]["data"][0]
    assert torch.allclose(torch.tensor(heat["z"]), lens.top_probs[..., 0], atol=1e-5)
    assert heat["y"] == lens.stages


def test_a_one_token_prompt_works():
    at = open_page(PAGE, prompt="The")
    at.button(key="gen_next").click().run()
    assert_no_exception(at)
    assert len(new_ids(at, "gen")) == 1


def test_edge_prompts_never_show_a_traceback(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)
