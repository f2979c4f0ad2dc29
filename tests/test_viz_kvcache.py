"""KV-cache memory arithmetic (against hand computation) and the timed decode (against llama_edu.generate)."""

import pytest
import torch

import llama_edu as le
from llama_edu.viz import kvcache

GIB = 1024 ** 3


def test_llama2_70b_cache_is_1_25_gib_per_4k_sequence_in_bf16_and_10_with_mha():
    p70 = le.PRESETS["llama-2-70b"]
    rows = kvcache.memory_rows({"70b": p70, "70b mha": kvcache.as_mha(p70)}, 4096, 1, 2)
    assert rows[0]["bytes"] == f"{2 * 80 * 8 * 128 * 4096 * 2:,}" and rows[0]["GiB"] == 1.25
    assert rows[1]["GiB"] == 10.0
    assert rows[0]["2 · layers · KV heads · head_dim · tokens · batch · bytes"] == "2 · 80 · 8 · 128 · 4,096 · 1 · 2"
    assert rows[0]["attention"] == "GQA (8 KV heads)" and rows[1]["attention"] == "MHA"


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


def test_context_lengths_are_powers_of_two_up_to_the_maximum():
    assert kvcache.context_lengths(4096) == [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    assert kvcache.context_lengths(100) == [16, 32, 64, 100]


def test_memory_figure_values_are_kv_cache_bytes():
    cfg = le.PRESETS["llama-3-8b"]
    fig = kvcache.memory_vs_context_figure({"8b": cfg}, batch=4, bytes_per_value=1)
    trace = fig.data[0]
    assert trace.x[-1] == 8192
    assert trace.y[-1] == pytest.approx(le.kv_cache_bytes(cfg, 8192, 4, 1) / GIB)
    assert fig.layout.xaxis.type == "log"


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
    with_cache, without_cache = kvcache.compare_decoding(gqa_model, prompt, 6, repeats=1)
    expected = list(le.generate(gqa_model, prompt, 6))
    assert with_cache.tokens == without_cache.tokens == expected
    assert len(set(expected)) > 1


def test_cache_grows_one_position_per_step_and_its_bytes_match_the_formula(gqa_model):
    cfg = gqa_model.cfg
    with_cache, without_cache = kvcache.compare_decoding(gqa_model, [1, 7, 30], 5, repeats=2)
    assert with_cache.tokens_processed == [3, 1, 1, 1, 1]
    assert without_cache.tokens_processed == [3, 4, 5, 6, 7]
    assert with_cache.seq_len == without_cache.seq_len == [3, 4, 5, 6, 7]
    assert with_cache.cache_shapes == [(1, cfg.n_kv_heads, t, cfg.head_dim) for t in (3, 4, 5, 6, 7)]
    assert with_cache.cache_bytes == [le.kv_cache_bytes(cfg, t, 1, 4) for t in (3, 4, 5, 6, 7)]
    assert all(ms > 0 for ms in with_cache.ms + without_cache.ms)


def test_compare_decoding_refuses_to_pass_the_context(gqa_model):
    with pytest.raises(ValueError, match="64"):
        kvcache.compare_decoding(gqa_model, [1] * 60, 10)


def test_repeat_to_length_keeps_bos_first():
    assert kvcache.repeat_to_length([1, 5, 6], 6) == [1, 5, 6, 5, 6, 5]
    assert kvcache.repeat_to_length([1], 3) == [1, 1, 1]


def test_timing_figure_plots_the_runs(gqa_model):
    with_cache, without_cache = kvcache.compare_decoding(gqa_model, [1, 7], 3, repeats=1)
    fig = kvcache.decode_timing_figure(with_cache, without_cache)
    assert list(fig.data[0].y) == without_cache.ms and list(fig.data[2].y) == with_cache.ms
    assert list(fig.data[3].y) == [2, 1, 1]
    rows = kvcache.cache_growth_rows(with_cache)
    assert rows[-1]["cache.keys[0][:, :, :t].shape"] == str([1, 2, 4, 8])
