"""The shipped tiny model: it loads, agrees with transformers, generates reproducibly, and knows its corpus."""

import pytest
import torch

import llama_edu as le
from helpers import hf_reference

TINY = le.TINY_MODEL_DIR


@pytest.fixture(scope="module")
def model():
    return le.load_model(TINY)


@pytest.fixture(scope="module")
def tok():
    return le.load_tokenizer(TINY)


def test_shipped_model_is_the_gqa_tiny_preset(model, tok):
    cfg = model.cfg
    preset = le.ModelConfig.from_preset("tiny")
    assert (cfg.dim, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.vocab_size) == \
        (preset.dim, preset.n_layers, preset.n_heads, preset.n_kv_heads, preset.vocab_size)
    assert cfg.n_kv_heads < cfg.n_heads  # grouped-query attention, so the GQA lesson shows a real case
    assert tok.vocab_size == cfg.vocab_size
    # The model's own files; its training history (history/) has a budget of its own (tests/test_training_history.py).
    size = sum(f.stat().st_size for f in TINY.iterdir() if f.is_file())
    assert 20 * 2**20 < size < 30 * 2**20


def test_shipped_model_matches_transformers(model, tok):
    ids = torch.tensor([tok.encode("The cat sat on the mat. Then the dog ran to the park!")])
    logits, cache = model.run_with_cache(ids)
    with torch.no_grad():
        expected = hf_reference(TINY)(ids, output_attentions=True)
    assert (logits - expected.logits).abs().max() < 1e-4
    assert (cache["layers.5.attention.hook_pattern"] - expected.attentions[5]).abs().max() < 1e-4


def test_tokenizer_round_trips_any_text_and_agrees_with_transformers(tok):
    from transformers import LlamaTokenizer

    for text in ["The cat sat on the mat.", "Emoji 🦙 and  two spaces", "Grüße, שלום, 你好\tand a tab"]:
        assert tok.decode(tok.encode(text)) == text
    ref = LlamaTokenizer.from_pretrained(str(TINY), add_bos_token=True, legacy=True)
    text = "The cat sat on the mat. \"Can I play too?\" asked Tom."
    assert ref(text)["input_ids"] == tok.encode(text)


def test_seeded_generation_is_reproducible(model, tok):
    prompt = tok.encode("Once upon a time")
    run = lambda: list(le.generate(model, prompt, max_new_tokens=25, temperature=0.9, top_p=0.95, seed=7))  # noqa: E731
    assert run() == run()


def test_it_learned_that_cats_sit_on_mats(model, tok):
    logits = model(torch.tensor([tok.encode("The cat sat on the")]), last_only=True)[0, -1]
    top5 = tok.pieces(logits.topk(5).indices.tolist())
    assert "▁mat" in top5
    greedy = list(le.generate(model, tok.encode("Once upon a time, there was a little"), max_new_tokens=12))
    text = tok.decode(greedy)
    assert any(word in text for word in ("girl", "boy", "dog", "cat", "bird", "named"))
