"""One KV cache used every way at once: a prefill, chunked prefills, single-token steps, steps at a position tensor
(what a CUDA graph replays) and plain cached forwards, in any order, must give what the full forward gives at every
position, with hooks listening or not. A decode step used to leave its position and mask on the cache: a plain
forward after it was off by up to 9.9 in the logits, and one of two tokens raised IndexError."""

import pytest
import torch

from helpers import SMALL_CONFIGS, random_model
from llama_edu.hooks import active_hooks

TEXT = [1, 17, 5, 42, 9, 7, 33, 2, 61, 11, 4, 90, 3, 8]
# Chunk sizes, and "p" for one token at a position tensor: every kind after every other kind.
MIXES = {
    "prefill then steps": [5, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    "position step, then a plain forward": [4, "p", 1, "p", 2, "p", 3, 1],
    "position step, then two tokens": [3, "p", 2, "p", "p", 2, 4],
    "chunked prefill": [2, 3, 4, 5],
    "one token at a time": [1] * 14,
    "position steps from the start": ["p", "p", 3, "p", 1, 4, "p", "p", 1],
}


def run_mix(model, mix, cache):
    """Logits [1, len(TEXT), V] gathered from the calls of `mix` on `cache`."""
    pieces, done = [], 0
    for chunk in mix:
        if chunk == "p":
            position = torch.tensor([cache.length])
            pieces.append(model(torch.tensor([TEXT[done:done + 1]]), cache=cache, positions=position))
            done += 1
        else:
            pieces.append(model(torch.tensor([TEXT[done:done + chunk]]), cache=cache))
            done += chunk
    assert done == len(TEXT) == cache.length
    return torch.cat(pieces, dim=1)


@pytest.mark.parametrize("kind", list(SMALL_CONFIGS))
@pytest.mark.parametrize("mix", list(MIXES))
def test_any_mix_of_calls_on_one_cache_equals_the_full_forward(kind, mix):
    model = random_model(SMALL_CONFIGS[kind], seed=4)
    with torch.inference_mode():
        full = model(torch.tensor([TEXT]))  # [1, T, V]
        got = run_mix(model, MIXES[mix], model.new_kv_cache(max_len=len(TEXT) + 2))
    # float32 matrix products of other shapes sum in another order: measured up to 1.2e-5 apart on logits up to
    # 6 in size (2e-6 of the largest), the same for the plain prefill-then-steps loop. The bug was 9.9.
    torch.testing.assert_close(got, full, atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("mix", ["chunked prefill", "position step, then a plain forward"])
def test_the_explicit_attention_path_with_a_cache_equals_the_full_capture(mix):
    # Hooks listening: every layer takes attend(), the path the figures are drawn from, also with a cache.
    model = random_model(SMALL_CONFIGS["gqa"], seed=5)
    with torch.inference_mode():
        full, full_hooks = model.run_with_cache(torch.tensor([TEXT]))
        patterns = []
        hook = "layers.1.attention.hook_pattern"

        def keep(x, name):
            patterns.append(x.clone())

        with active_hooks([(hook, keep)], model.hook_names()):
            got = run_mix(model, MIXES[mix], model.new_kv_cache(max_len=len(TEXT)))
    torch.testing.assert_close(got, full, atol=2e-5, rtol=1e-5)
    # Each call's pattern rows are the full pattern's rows for its positions, over the keys it holds: the stored
    # ones for a plain call, the whole buffer for a position step (slots not written yet get no weight).
    row = 0
    for pattern in patterns:
        T, S = pattern.shape[2], pattern.shape[3]
        expected = full_hooks[hook][:, :, row:row + T]  # [1, H, T, len(TEXT)]
        n = min(S, expected.shape[-1])
        torch.testing.assert_close(pattern[..., :n], expected[..., :n], atol=1e-5, rtol=1e-5)
        assert torch.all(pattern[..., n:] == 0) and torch.all(expected[..., n:] == 0)
        row += T
    assert row == len(TEXT)


def test_a_full_cache_says_so_and_keeps_what_it_holds():
    model = random_model(SMALL_CONFIGS["mqa"], seed=6)
    cache = model.new_kv_cache(max_len=5)
    with torch.inference_mode():
        model(torch.tensor([TEXT[:4]]), cache=cache)
        with pytest.raises(ValueError, match="KV cache is full: 6 tokens do not fit in 5"):
            model(torch.tensor([TEXT[4:6]]), cache=cache)
        assert cache.length == 4
        last = model(torch.tensor([TEXT[4:5]]), cache=cache)  # the one token that fits still goes in
        torch.testing.assert_close(last[0, -1], model(torch.tensor([TEXT[:5]]))[0, -1], atol=2e-5, rtol=1e-5)
