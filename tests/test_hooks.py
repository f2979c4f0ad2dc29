"""Hooks: every intermediate value by name, belonging to the call that captured it."""

import threading

import pytest
import torch
import torch.nn.functional as F

import llama_edu as le
from helpers import SMALL_CONFIGS, random_model

PER_LAYER = ["hook_resid_pre", "attention_norm.hook_in", "attention_norm.hook_rms", "attention_norm.hook_out",
             "attention.hook_q", "attention.hook_k", "attention.hook_v", "attention.hook_q_rot",
             "attention.hook_k_rot", "attention.hook_scores", "attention.hook_pattern", "attention.hook_z",
             "attention.hook_out", "hook_resid_mid", "ffn_norm.hook_in", "ffn_norm.hook_rms", "ffn_norm.hook_out",
             "feed_forward.hook_gate", "feed_forward.hook_act", "feed_forward.hook_up", "feed_forward.hook_hidden",
             "feed_forward.hook_out", "hook_resid_post"]


def test_every_required_hook_exists_and_is_captured_with_its_shape(small_model, tokens):
    cfg = small_model.cfg
    names = small_model.hook_names()
    for i in range(cfg.n_layers):
        for leaf in PER_LAYER:
            assert f"layers.{i}.{leaf}" in names
    assert {"hook_embed", "norm.hook_out", "hook_logits"} <= set(names)

    _, cache = small_model.run_with_cache(tokens)
    assert set(cache) == set(names)
    B, T = tokens.shape
    a = "layers.1.attention."
    assert cache[a + "hook_q"].shape == (B, T, cfg.n_heads, cfg.head_dim)
    assert cache[a + "hook_k_rot"].shape == (B, T, cfg.n_kv_heads, cfg.head_dim)
    assert cache[a + "hook_pattern"].shape == (B, cfg.n_heads, T, T)
    assert cache["layers.0.feed_forward.hook_gate"].shape == (B, T, cfg.hidden_dim)
    assert cache["layers.0.attention_norm.hook_rms"].shape == (B, T, 1)
    assert cache["hook_logits"].shape == (B, T, cfg.vocab_size)
    # every declared shape names as many axes as the tensor has
    for name, shape in small_model.hook_shapes().items():
        assert shape.split("]")[0].count(",") + 1 == cache[name].ndim, name


def test_attention_pattern_is_causal_and_rows_sum_to_one(small_model, tokens):
    _, cache = small_model.run_with_cache(tokens, names_filter=r"hook_(pattern|scores)$")
    for i in range(small_model.cfg.n_layers):
        pattern = cache[f"layers.{i}.attention.hook_pattern"]
        assert torch.allclose(pattern.sum(-1), torch.ones(pattern.shape[:-1]), atol=1e-5)
        future = torch.ones(pattern.shape[-2:], dtype=torch.bool).triu(1)
        assert (pattern[..., future] == 0).all()
        assert torch.isinf(cache[f"layers.{i}.attention.hook_scores"][..., future]).all()


def test_hook_values_obey_the_formulas_they_name(small_model, tokens):
    _, c = small_model.run_with_cache(tokens)
    layer = small_model.layers[0]
    x = c["layers.0.attention_norm.hook_in"]
    assert torch.allclose(c["layers.0.attention_norm.hook_rms"], (x.pow(2).mean(-1, keepdim=True) + 1e-5).sqrt())
    assert torch.allclose(c["layers.0.attention_norm.hook_out"],
                          c["layers.0.attention_norm.hook_normalized"] * layer.attention_norm.weight)
    f = "layers.0.feed_forward."
    assert torch.allclose(c[f + "hook_act"], F.silu(c[f + "hook_gate"]))
    assert torch.allclose(c[f + "hook_hidden"], c[f + "hook_act"] * c[f + "hook_up"])
    assert torch.allclose(c["layers.0.hook_resid_mid"], c["layers.0.hook_resid_pre"] + c["layers.0.attention.hook_out"])
    assert torch.allclose(c["layers.0.hook_resid_post"], c["layers.0.hook_resid_mid"] + c[f + "hook_out"], atol=1e-6)
    assert torch.allclose(c["layers.0.hook_resid_pre"], c["hook_embed"])
    # softmax of the scores is the pattern
    assert torch.allclose(c["layers.1.attention.hook_scores"].softmax(-1), c["layers.1.attention.hook_pattern"])


def test_explicit_attention_equals_fused_kernel(small_model, tokens):
    with torch.no_grad():
        fused = small_model(tokens)
    explicit, _ = small_model.run_with_cache(tokens, names_filter=["hook_logits"])
    assert (fused - explicit).abs().max() < 1e-5


def test_names_filter_selects_hooks(small_model, tokens):
    _, cache = small_model.run_with_cache(tokens, names_filter=lambda n: n.endswith("hook_pattern"))
    assert set(cache) == {f"layers.{i}.attention.hook_pattern" for i in range(small_model.cfg.n_layers)}
    _, cache = small_model.run_with_cache(tokens, names_filter=["hook_embed"])
    assert list(cache) == ["hook_embed"]
    with pytest.raises(KeyError, match="no hook point named"):
        small_model.run_with_cache(tokens, names_filter=["layers.0.attention.hook_nonsense"])


def test_zeroing_a_head_changes_only_what_follows_it(small_model, tokens):
    def zero_head_0(z, name):
        z = z.clone()
        z[:, :, 0] = 0
        return z

    with torch.no_grad():
        clean = small_model(tokens)
    ablated, cache = small_model.run_with_cache(tokens, fwd_hooks=[("layers.1.attention.hook_z", zero_head_0)])
    assert (cache["layers.1.attention.hook_z"][:, :, 0] == 0).all()
    assert not torch.allclose(clean, ablated)
    _, clean_cache = small_model.run_with_cache(tokens)
    assert torch.equal(cache["layers.1.hook_resid_pre"], clean_cache["layers.1.hook_resid_pre"])  # upstream untouched
    with torch.no_grad():
        assert torch.equal(small_model(tokens), clean)  # and nothing is left on the model afterwards


def test_no_hook_is_left_after_an_exception(small_model, tokens):
    def explode(x, name):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        small_model.run_with_hooks(tokens, fwd_hooks=[("hook_embed", explode)])
    with torch.no_grad():
        small_model(tokens)  # would raise if the hook were still listening
    with pytest.raises(KeyError):
        small_model.run_with_hooks(tokens, fwd_hooks=[("no.such.hook", explode)])


def test_concurrent_captures_each_get_their_own_results():
    model = random_model(SMALL_CONFIGS["gqa"], seed=7)
    prompts = [torch.randint(0, 96, (1, 5 + i % 7), generator=torch.Generator().manual_seed(i)) for i in range(16)]
    expected = [model.run_with_cache(p)[1]["layers.1.attention.hook_pattern"] for p in prompts]
    results: dict[int, torch.Tensor] = {}
    errors = []
    barrier = threading.Barrier(8)

    def student(i):
        try:
            barrier.wait() if i < 8 else None
            for _ in range(5):
                _, cache = model.run_with_cache(prompts[i], names_filter=r"hook_pattern$")
                results[i] = cache["layers.1.attention.hook_pattern"]
                with torch.no_grad():
                    model(prompts[i])  # a plain forward on the same model at the same time captures nothing
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, pattern in enumerate(expected):
        assert torch.equal(results[i], pattern)


def test_kv_cache_belongs_to_the_call_not_the_model(small_model):
    prompt = torch.tensor([[1, 2, 3, 4]])
    cache = small_model.new_kv_cache(max_len=8)
    with torch.no_grad():
        full = small_model(torch.tensor([[1, 2, 3, 4, 5]]))
        small_model(prompt, cache=cache)
        step = small_model(torch.tensor([[5]]), cache=cache)
    assert cache.length == 5
    assert (step[0, -1] - full[0, -1]).abs().max() < 1e-5
    assert not any(isinstance(v, le.KVCache) for v in vars(small_model).values())


def test_layernorm_matches_torch_and_rmsnorm_ignores_only_scale():
    x = torch.randn(3, 5, 16)
    ln = le.LayerNorm(16)
    with torch.no_grad():
        ln.weight.normal_()
        ln.bias.normal_()
        assert torch.allclose(ln(x), F.layer_norm(x, (16,), ln.weight, ln.bias, eps=1e-5), atol=1e-6)
    rms = le.RMSNorm(16, eps=1e-12)
    with torch.no_grad():
        assert torch.allclose(rms(3 * x), rms(x), atol=1e-5)  # both remove a scale
        assert torch.allclose(ln(3 * x), ln(x), atol=1e-4)
        assert torch.allclose(ln(x + 2), ln(x), atol=1e-4)  # only LayerNorm removes a shift
        assert not torch.allclose(rms(x + 2), rms(x), atol=1e-2)
