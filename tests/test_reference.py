"""The model against the reference: transformers' LlamaForCausalLM on the same weights, within 1e-4 in float32."""

import pytest
import torch
from safetensors.torch import load_file

import llama_edu as le
from helpers import SMALL_CONFIGS, hf_reference, random_model

TOL = 1e-4


@pytest.fixture(params=["hf", "meta", "meta-2-shards"])
def layout(request):
    return request.param


@pytest.fixture(params=list(SMALL_CONFIGS))
def pair(request, layout, tmp_path):
    """(llama_edu model loaded from `layout`, transformers model loaded from the HF export of the same weights)."""
    original = random_model(SMALL_CONFIGS[request.param], seed=3)
    le.save_model(original, tmp_path / "hf")
    if layout == "hf":
        ours = le.load_model(tmp_path / "hf")
    else:
        shards = 2 if layout == "meta-2-shards" else 1
        ours = le.load_model(le.save_meta_checkpoint(original, tmp_path / "meta", n_shards=shards))
    return ours, hf_reference(tmp_path / "hf")


def test_logits_and_attention_match_transformers(pair, tokens):
    ours, ref = pair
    logits, cache = ours.run_with_cache(tokens)
    with torch.no_grad():
        expected = ref(tokens, output_attentions=True)
    assert (logits - expected.logits).abs().max() < TOL
    for i, ref_pattern in enumerate(expected.attentions):
        assert (cache[f"layers.{i}.attention.hook_pattern"] - ref_pattern).abs().max() < TOL
    # the hidden state after each block is the residual stream transformers reports
    with torch.no_grad():
        hidden = ref(tokens, output_hidden_states=True).hidden_states
    for i in range(ours.cfg.n_layers - 1):
        assert (cache[f"layers.{i}.hook_resid_post"] - hidden[i + 1]).abs().max() < TOL


def test_plain_forward_matches_transformers(pair, tokens):
    ours, ref = pair
    with torch.no_grad():
        assert (ours(tokens) - ref(tokens).logits).abs().max() < TOL


def test_greedy_tokens_match_transformers_with_and_without_cache(pair):
    ours, ref = pair
    prompt = [1, 17, 42, 5]
    with_cache = list(le.generate(ours, prompt, max_new_tokens=12, temperature=0.0, use_cache=True))
    without_cache = list(le.generate(ours, prompt, max_new_tokens=12, temperature=0.0, use_cache=False))
    with torch.no_grad():
        expected = ref.generate(torch.tensor([prompt]), max_new_tokens=12, do_sample=False,
                                eos_token_id=None, pad_token_id=0)[0, len(prompt):].tolist()
    assert with_cache == without_cache == expected


def test_bfloat16_model_stays_close_to_float32(tmp_path, tokens):
    original = random_model(SMALL_CONFIGS["gqa"], seed=4, std=0.1)
    le.save_model(original, tmp_path)
    full = le.load_model(tmp_path, dtype="float32")
    half = le.load_model(tmp_path, dtype="bfloat16")
    assert half.dtype == torch.bfloat16
    with torch.no_grad():
        diff = (full(tokens) - half(tokens)).abs().max()
    assert diff < 0.1  # bfloat16 keeps ~3 significant digits


def test_llama_3_2_style_checkpoint_matches_transformers(tmp_path):
    """Llama 3.1 / 3.2's differences, in a small model: RoPE scaled the "llama3" way (here with an original context
    of 16 positions, so that the scaling changes the 48 positions run) and tied input and output embeddings
    (3.2's 1B and 3B), GQA and base 500,000. Hugging Face layout, as Meta publishes 3.2 there."""
    cfg = SMALL_CONFIGS["gqa"].replace(
        tie_word_embeddings=True, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                "high_freq_factor": 4.0, "original_max_position_embeddings": 16})
    original = random_model(cfg, seed=5)
    ours = le.load_model(le.save_model(original, tmp_path / "hf"))
    ref = hf_reference(tmp_path / "hf")
    assert ref.config.tie_word_embeddings and ref.config.rope_parameters["rope_type"] == "llama3"
    assert "lm_head.weight" not in load_file(tmp_path / "hf" / "model.safetensors")  # tied: stored once
    tokens = torch.randint(0, cfg.vocab_size, (1, 48), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert (ours(tokens) - ref(tokens).logits).abs().max() < TOL
    unscaled = random_model(cfg.replace(rope_scaling=None), seed=5)
    with torch.no_grad():  # the scaling matters at these positions: without it the logits differ
        assert (unscaled(tokens) - ref(tokens).logits).abs().max() > 100 * TOL
