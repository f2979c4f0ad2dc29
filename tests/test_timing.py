"""llama_edu.timing: a median with its spread, speed-ups as ratios of medians, one CPU thread that is given back."""

import pytest
import torch

from llama_edu import timing


def test_spread_is_the_median_and_the_fastest_and_slowest_try():
    spread = timing.Spread.of([5.0, 430.0, 4.0, 6.0, 5.5])
    assert (spread.median, spread.low, spread.high, spread.tries) == (5.5, 4.0, 430.0, 5)
    with pytest.raises(ValueError):
        timing.Spread.of([])


def test_speedup_divides_medians_so_a_spike_does_not_move_it():
    slow, fast = timing.Spread.of([40, 41, 39]), timing.Spread.of([5, 5, 400])
    assert timing.speedup(slow, fast) == 8  # the mean of fast (136.7 ms) would say 0.3x


def test_one_cpu_thread_is_given_back_even_after_an_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError), timing.one_cpu_thread():
        assert torch.get_num_threads() == 1
        raise RuntimeError
    assert torch.get_num_threads() == before
    with timing.one_cpu_thread("meta"):  # not the CPU: nothing changes
        assert torch.get_num_threads() == before


def test_timed_ms_returns_the_result_and_a_time():
    out, ms = timing.timed_ms(lambda: 42)
    assert out == 42 and ms >= 0
