"""KV-cache figures and tables: the calculator's rows (against hand computation), the memory chart (against
config.kv_cache_bytes) and the timing chart (against the runs it is given). The arithmetic and the timed decode
themselves are tested in test_kvcache.py."""

import pytest

import llama_edu as le
from llama_edu import kvcache as kv
from llama_edu.kvcache import DecodeRun
from llama_edu.viz import kvcache

GIB = 1024 ** 3


def test_llama2_70b_cache_is_1_25_gib_per_4k_sequence_in_bf16_and_10_with_mha():
    p70 = le.PRESETS["llama-2-70b"]
    rows = kvcache.memory_rows({"70b": p70, "70b mha": kv.as_mha(p70)}, 4096, 1, 2)
    assert rows[0]["bytes"] == 2 * 80 * 8 * 128 * 4096 * 2 and rows[0]["gib"] == 1.25
    assert rows[1]["gib"] == 10.0 and rows[0]["per_token_kib"] == 2 * 80 * 8 * 128 * 2 / 1024 == 320
    assert rows[0]["kv_cache_formula"] == "2 · 80 · 8 · 128 · 4,096 · 1 · 2"
    assert rows[0]["attention"] == "GQA (8 KV heads)" and rows[1]["attention"] == "MHA"
    german = kvcache.memory_rows({"70b": p70}, 4096, 1, 2, lang="de")[0]
    assert german["kv_cache_formula"] == "2 · 80 · 8 · 128 · 4.096 · 1 · 2"  # the factors as German writes them
    assert german["attention"] == "GQA (8 KV-Heads)" and german["gib"] == 1.25  # the number itself stays raw


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


def test_timing_figure_plots_the_runs():
    """Runs as compare_decoding returns them for a 2-token prompt and 3 new tokens (2 KV heads of width 8)."""
    with_cache = DecodeRun(tokens=[5, 9, 5], ms=[0.8, 0.3, 0.35], tokens_processed=[2, 1, 1], seq_len=[2, 3, 4],
                           cache_shapes=[(1, 2, t, 8) for t in (2, 3, 4)], cache_bytes=[512, 768, 1024])
    without_cache = DecodeRun(tokens=[5, 9, 5], ms=[0.7, 0.9, 1.1], tokens_processed=[2, 3, 4], seq_len=[2, 3, 4],
                              cache_shapes=[()] * 3, cache_bytes=[0] * 3)
    fig = kvcache.decode_timing_figure(with_cache, without_cache)
    assert list(fig.data[0].y) == without_cache.ms and list(fig.data[2].y) == with_cache.ms
    assert list(fig.data[3].y) == [2, 1, 1]
    rows = kvcache.cache_growth_rows(with_cache)
    assert rows[-1]["cache_keys_shape"] == str([1, 2, 4, 8])
    assert [r["cache_nbytes"] for r in rows] == with_cache.cache_bytes
