"""llama_edu.kvcache: the KV-cache memory arithmetic (against hand computation) and the timed decode with and without
the cache (against llama_edu.generate and config.kv_cache_bytes)."""

import sys

import pytest
import torch

import llama_edu as le
from llama_edu import kvcache

GIB = 1024 ** 3


# ---- memory ----------------------------------------------------------------------------------------------------
def test_as_mha_gives_every_query_head_its_own_kv_head():
    p70 = le.PRESETS["llama-2-70b"]
    mha = kvcache.as_mha(p70)
    assert (mha.n_heads, mha.n_kv_heads, mha.head_dim, mha.n_layers) == (64, 64, 128, 80)
    assert le.kv_cache_bytes(mha, 4096) == 2 * 80 * 64 * 128 * 4096 * 2 == 10 * GIB


def test_kv_cache_rows_by_hand():
    rows = {r["model"]: r for r in kvcache.kv_cache_rows({n: le.PRESETS[n] for n in ["llama-2-7b", "llama-2-70b",
                                                                                   "llama-3.1-405b"]}, 4096)}
    # 2 (K and V) * layers * KV heads * head_dim * tokens * 2 bytes (bfloat16)
    assert rows["llama-2-70b"]["as_configured_gib"] == 2 * 80 * 8 * 128 * 4096 * 2 / GIB == 1.25
    assert rows["llama-2-70b"]["as_mha_gib"] == 10.0 and rows["llama-2-70b"]["saved"] == 64 / 8
    assert rows["llama-2-7b"]["as_mha_gib"] == rows["llama-2-7b"]["as_configured_gib"] == 2.0
    assert rows["llama-2-7b"]["saved"] == 1  # MHA already: nothing saved
    assert rows["llama-3.1-405b"]["saved"] == 128 / 8


def test_slide_formula_gives_40960_gib_and_overcounts_by_heads_times_group_size():
    p70 = le.PRESETS["llama-2-70b"]
    slide = kvcache.slide_formula_bytes(64, 80, 64, 8192, 4096, 2)
    assert slide == 40960 * GIB
    per_width, per_sharing = kvcache.slide_overcount(p70)
    assert (per_width, per_sharing) == (64, 8)
    assert slide // (per_width * per_sharing) == le.kv_cache_bytes(p70, 4096, 64, 2) == 80 * GIB


def test_slide_correction_for_llama2_70b_batch_64():
    fix = kvcache.slide_correction(le.PRESETS["llama-2-70b"], batch=64, context=4096, bytes_per_value=2)
    assert fix.slide_bytes == 64 * 80 * 64 * 8192 * 4096 * 2 * 2 == 40960 * GIB
    assert (fix.per_width, fix.per_sharing) == (64, 8)
    assert fix.correct_batch_bytes == 80 * GIB and fix.correct_one_bytes == 2 * 80 * 8 * 128 * 4096 * 2
    assert fix.mha_one_bytes == 10 * GIB


# ---- timing ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gqa_model():
    torch.manual_seed(0)
    cfg = le.ModelConfig(dim=64, n_layers=2, n_heads=8, n_kv_heads=2, vocab_size=96, multiple_of=16, max_seq_len=64)
    model = le.Transformer(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3)  # far from uniform, so greedy picks differ from step to step
    return model


def test_both_paths_generate_what_generate_does(gqa_model):
    prompt = [1, 7, 30, 4]
    with_cache, without_cache = kvcache.compare_decoding(gqa_model, prompt, 6, tries=1)
    expected = list(le.generate(gqa_model, prompt, 6))
    assert with_cache.tokens == without_cache.tokens == expected
    assert len(set(expected)) > 1


@pytest.mark.parametrize("tries", [1, 3])
def test_repeated_tries_choose_the_same_tokens_as_one_try(gqa_model, tries):
    """Every try of a cached step runs on its own copy of the cache, so trying a step again changes nothing."""
    prompt = [1, 7, 30, 4]
    with_cache, _ = kvcache.compare_decoding(gqa_model, prompt, 6, tries=tries)
    assert with_cache.tokens == list(le.generate(gqa_model, prompt, 6))
    assert with_cache.seq_len == [4, 5, 6, 7, 8, 9]


def test_cache_grows_one_position_per_step_and_its_bytes_match_the_formula(gqa_model):
    cfg = gqa_model.cfg
    with_cache, without_cache = kvcache.compare_decoding(gqa_model, [1, 7, 30], 5, tries=2)
    assert with_cache.tokens_processed == [3, 1, 1, 1, 1]
    assert without_cache.tokens_processed == [3, 4, 5, 6, 7]
    assert with_cache.seq_len == without_cache.seq_len == [3, 4, 5, 6, 7]
    assert with_cache.cache_shapes == [(1, cfg.n_kv_heads, t, cfg.head_dim) for t in (3, 4, 5, 6, 7)]
    assert with_cache.cache_bytes == [le.kv_cache_bytes(cfg, t, 1, 4) for t in (3, 4, 5, 6, 7)]
    assert all(ms > 0 for ms in with_cache.ms + without_cache.ms)
    assert [len(tries) for tries in with_cache.tries_ms + without_cache.tries_ms] == [2] * 10
    assert with_cache.multiply_adds == [kvcache.forward_multiply_adds(cfg, 3, 3)] + [
        kvcache.forward_multiply_adds(cfg, 1, t) for t in (4, 5, 6, 7)]
    assert without_cache.multiply_adds == [kvcache.forward_multiply_adds(cfg, t, t) for t in (3, 4, 5, 6, 7)]


def test_compare_decoding_never_sets_the_cache_length_itself(gqa_model, monkeypatch):
    """Only the model advances cache.length (STYLE.md: one place advances a counter): the demo times copies of the
    cache instead of rewinding it."""
    writers = []
    original_setattr = le.KVCache.__setattr__

    def recording_setattr(cache, name, value):
        if name == "length":
            writers.append(sys._getframe(1).f_code.co_name)  # the function that set it
        original_setattr(cache, name, value)

    monkeypatch.setattr(le.KVCache, "__setattr__", recording_setattr)
    kvcache.compare_decoding(gqa_model, [1, 7, 30], 3, tries=2)
    assert set(writers) == {"__init__", "forward"}


def test_compare_decoding_refuses_to_pass_the_context(gqa_model):
    with pytest.raises(ValueError, match="64"):
        kvcache.compare_decoding(gqa_model, [1] * 60, 10)


def test_decode_steps_hands_back_both_runs_after_every_step(gqa_model):
    """The app runs each step as its own call in the model's queue; the last step's runs are compare_decoding's."""
    steps = kvcache.decode_steps(gqa_model, [1, 7, 30], 4, tries=1)
    lengths = [(len(w.tokens), len(wo.tokens)) for w, wo in steps]
    assert lengths == [(1, 1), (2, 2), (3, 3), (4, 4)]
    with_cache, _ = kvcache.compare_decoding(gqa_model, [1, 7, 30], 4, tries=1)
    assert with_cache.tokens == list(le.generate(gqa_model, [1, 7, 30], 4))


def test_each_try_pauses_between_tries_and_chooses_the_same_tokens(gqa_model):
    """each_try=True: a None between two tries of a step (the app lets others use the model there), the runs after
    a step's last try, and the same tokens and work as one call per step."""
    calls = list(kvcache.decode_steps(gqa_model, [1, 7, 30], 3, tries=3, each_try=True))
    assert [c is None for c in calls] == [True, True, False] * 3
    with_cache, without_cache = calls[-1]
    assert all(len(tries) == 3 for tries in with_cache.tries_ms + without_cache.tries_ms)
    reference = kvcache.compare_decoding(gqa_model, [1, 7, 30], 3, tries=1)
    assert (with_cache.tokens, without_cache.tokens) == (reference[0].tokens, reference[1].tokens)
    assert with_cache.tokens_processed == reference[0].tokens_processed


def test_timing_leaves_the_callers_thread_count_as_it_was(gqa_model):
    before = torch.get_num_threads()
    kvcache.compare_decoding(gqa_model, [1, 7, 30], 2, tries=1)
    assert torch.get_num_threads() == before


# ---- work: counted, not measured ----------------------------------------------------------------------------------
def test_multiply_adds_of_the_tiny_model_by_hand():
    """The shipped model's shape: D=256, H=8, Hkv=2, hd=32, F=704, 6 layers, V=4096."""
    cfg = le.read_config(le.TINY_MODEL_DIR)
    assert (cfg.dim, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim, cfg.hidden_dim, cfg.n_layers, cfg.vocab_size) == (
        256, 8, 2, 32, 704, 6, 4096)
    per_position = 256 * 256 + 2 * 256 * 64 + 256 * 256 + 3 * 256 * 704  # wq, wk + wv, wo, w1 + w3 + w2
    assert per_position == 704_512
    logits = 256 * 4096
    # With the cache: 1 new position attends over 240 keys: q k^T and pattern @ v, 8 heads of 32.
    cached = 6 * (per_position + 2 * 8 * 32 * 1 * 240) + logits
    assert kvcache.forward_multiply_adds(cfg, 1, 240) == cached == 6_012_928
    # Without: all 240 positions again, and the whole [240, 240] score matrix per head.
    full = 6 * (240 * per_position + 2 * 8 * 32 * 240 * 240) + logits
    assert kvcache.forward_multiply_adds(cfg, 240, 240) == full == 1_192_493_056


def _run(tries_per_step: list[list[float]]) -> kvcache.DecodeRun:
    run = kvcache.DecodeRun()
    for k, tries in enumerate(tries_per_step):
        run.add_step(token=5, tries_ms=tries, processed=1, seq_len=10 + k, multiply_adds=1)
    return run


def test_speedup_is_the_ratio_of_medians_so_a_spike_does_not_decide_it():
    """Measured on the tester's CPU: both curves ~10 ms with single tries of 230-435 ms. A ratio of sums (or means)
    follows the spikes; the ratio of medians does not."""
    steady_with = _run([[40, 41, 39]] + [[5, 5, 5]] * 6)  # step 0: the prompt, the same work on both paths
    steady_without = _run([[40, 41, 39]] + [[40, 40, 40]] * 6)
    assert kvcache.decode_speedup(steady_with, steady_without) == 8
    spiky_with = _run([[40, 41, 39]] + [[5, 400, 5], [5, 5, 5], [435, 5, 5], [5, 5, 5], [5, 5, 230], [5, 5, 5]])
    assert kvcache.decode_speedup(spiky_with, steady_without) == 8
    sums = sum(map(sum, steady_without.tries_ms[1:])) / sum(map(sum, spiky_with.tries_ms[1:]))
    assert sums < 2  # what the old "sum of the steps" would have said
    # A whole step slowed down (every try) moves one step's median, not the median over the steps.
    slow_step = _run([[40, 41, 39]] + [[300, 310, 305]] + [[5, 5, 5]] * 5)
    assert kvcache.decode_speedup(slow_step, steady_without) == 8


def test_per_token_leaves_out_the_prompts_pass_and_needs_a_decode_step():
    run = _run([[90, 90, 90], [5, 6, 7], [6, 7, 8]])
    spread = run.per_token()
    assert (spread.median, spread.low, spread.high) == (6.5, 6, 7)  # the steps' medians 6 and 7
    with pytest.raises(ValueError, match="2 steps"):
        _run([[90, 90, 90]]).per_token()


def test_demo_prompt_ends_the_sequence_at_the_tiny_models_context():
    cfg = le.read_config(le.TINY_MODEL_DIR)
    assert kvcache.demo_prompt_length(cfg, 10) + 10 == min(cfg.max_seq_len, kvcache.DEMO_MAX_CONTEXT) == 256
    assert kvcache.demo_prompt_length(le.PRESETS["llama-2-7b"], 10) == 246


def test_repeat_to_length_keeps_bos_first():
    assert kvcache.repeat_to_length([1, 5, 6], 6) == [1, 5, 6, 5, 6, 5]
    assert kvcache.repeat_to_length([1], 3) == [1, 1, 1]


def test_the_demo_is_bounded_for_a_large_model_on_a_cpu_only():
    """A 7B on a CPU takes seconds per pass: the demo runs a short sequence once per step there, the full one on a
    GPU and for the tiny model."""
    big, tiny = le.PRESETS["llama-2-7b"], le.PRESETS["tiny"]
    assert kvcache.demo_plan(big, "cpu") == kvcache.DemoPlan(48, 4, 1, bounded=True)
    assert kvcache.demo_plan(big, "cuda") == kvcache.DemoPlan(256, 16, kvcache.DEMO_TRIES, bounded=False)
    assert not kvcache.demo_plan(tiny, "cpu").bounded
    assert kvcache.demo_prompt_length(big, 4, 48) == 44
