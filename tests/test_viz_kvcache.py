"""KV-cache figures and tables: the calculator's rows (against hand computation), the memory chart (against
config.kv_cache_bytes) and the timing chart (against the runs it is given). The arithmetic and the timed decode
themselves are tested in test_kvcache.py."""

import math

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


def _runs():
    """Runs as compare_decoding returns them for a 2-token prompt and 3 new tokens (2 KV heads of width 8), 3 tries
    a step; one try of the cached path's step 1 was slowed down by other work."""
    with_cache, without_cache = DecodeRun(), DecodeRun()
    for k, (cached, full) in enumerate([([0.8, 0.9, 0.7], [0.7, 0.8, 0.6]), ([0.3, 9.0, 0.2], [0.9, 1.0, 0.9]),
                                        ([0.35, 0.3, 0.4], [1.1, 1.2, 1.0])]):
        t = 2 + k
        with_cache.add_step(5, cached, 2 if k == 0 else 1, t, 100 + k, (1, 2, t, 8), 256 * t)
        without_cache.add_step(5, full, t, t, 200 * t)
    return with_cache, without_cache


def test_timing_figure_plots_each_steps_median_with_its_fastest_and_slowest_try():
    with_cache, without_cache = _runs()
    fig = kvcache.decode_timing_figure(with_cache, without_cache)
    assert list(fig.data[0].y) == pytest.approx([0.7, 0.9, 1.1]) and list(fig.data[2].y) == [0.8, 0.3, 0.35]
    bars = fig.data[2].error_y
    assert list(bars.array) == pytest.approx([0.1, 8.7, 0.05]) and list(bars.arrayminus) == pytest.approx(
        [0.1, 0.1, 0.05])
    assert list(fig.data[3].y) == [2, 1, 1] and list(fig.data[3].customdata) == [100, 101, 102]
    # The axis follows the medians, so the 9 ms try does not squash the curves; its bar runs off the top.
    assert fig.layout.yaxis.range[1] == pytest.approx(1.5 * 1.1)
    assert "median of 3 tries" in fig.layout.yaxis.title.text


def test_work_rows_count_the_last_step_and_time_one_token_by_medians():
    with_cache, without_cache = _runs()
    cached, full = kvcache.decode_work_rows(with_cache, without_cache)
    assert (cached["positions_per_step"], full["positions_per_step"]) == (1, 4)
    assert (cached["million_multiply_adds"], full["million_multiply_adds"]) == (102 / 1e6, 800 / 1e6)
    # Steps 1 and 2 (step 0 is the prompt's pass): medians 0.3 and 0.35, whatever the 9 ms try did.
    assert cached["median_ms"] == pytest.approx(0.325)
    assert full["median_ms"] == pytest.approx(1.0)
    rows = kvcache.cache_growth_rows(with_cache)
    assert rows[-1]["cache_keys_shape"] == str([1, 2, 4, 8])
    assert [r["cache_nbytes"] for r in rows] == with_cache.cache_bytes


@pytest.mark.parametrize("lang", ["en", "de"])
def test_memory_chart_ticks_are_powers_of_two_in_units(lang):
    """A log axis left to plotly labels its minor ticks "2 5 2 5"; these say what each tick is."""
    configs = {n: le.PRESETS[n] for n in ("llama-2-7b", "llama-3.1-8b", "tiny")}
    fig = kvcache.memory_vs_context_figure(configs, batch=1, bytes_per_value=2, lang=lang)
    x, y = fig.layout.xaxis, fig.layout.yaxis
    # 16 to 128K tokens: every 4x, from 16 to 256K, and the axis ends at labelled ticks.
    assert list(x.ticktext) == ["16", "64", "256", "1K", "4K", "16K", "64K", "256K"]
    assert list(x.tickvals) == [2 ** p for p in range(4, 19, 2)]
    assert list(x.range) == pytest.approx([math.log10(16), math.log10(2 ** 18)])
    # From tiny's 24 KiB at 16 tokens to Llama 3.1 8B's 16 GiB at 128K tokens (bfloat16): every 32x.
    assert list(y.ticktext) == ["1 KiB", "32 KiB", "1 MiB", "32 MiB", "1 GiB", "32 GiB"]
    assert [v * GIB for v in y.tickvals] == [2 ** p for p in (10, 15, 20, 25, 30, 35)]
    assert len(set(x.ticktext)) == len(x.ticktext) and len(set(y.ticktext)) == len(y.ticktext)


def test_power_of_two_ticks_never_show_more_than_asked():
    for high in (2 ** 5, 2 ** 12, 2 ** 20, 2 ** 40):
        values, _ = kvcache.power_of_two_ticks(1, high, kvcache.BYTE_UNITS, max_ticks=8)
        assert 2 <= len(values) <= 8 and values[0] <= 1 and values[-1] >= high
    assert kvcache.power_of_two_ticks(512, 2048, kvcache.BYTE_UNITS)[1] == ["512 B", "1 KiB", "2 KiB"]
    assert kvcache.power_of_two_ticks(1536, 2 ** 21, kvcache.TOKEN_UNITS)[1] == [
        "1K", "4K", "16K", "64K", "256K", "1M", "4M"]
