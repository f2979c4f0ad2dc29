"""Timing a computation honestly on a shared machine: several tries, the median as the answer, the spread shown.

A CPU shared with other students and other jobs only ever adds time: one try in five may take ten times as long
because the operating system gave its core to someone else. So every timed demo of the app

- runs each computation once untimed first (the first call allocates memory and picks kernels),
- times several tries, alternating the computations it compares so a burst of load hits all of them alike,
- reports the median of the tries (one slow try does not move it) with the fastest and slowest try beside it,
- on a CPU, runs on one thread: with two threads, each operation waits for the slower one, so a single busy core
  stalls every step; one thread measures the work, not the waiting. torch keeps the thread count per thread
  (OpenMP), and the count is restored afterwards, so other students' runs keep theirs.

Speed-ups are ratios of medians, never of totals or means: a total is as large as its largest spike.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Spread:
    """Several tries of one measurement, in ms: the median is the answer, min and max show how noisy it was."""
    median: float
    low: float  # the fastest try
    high: float  # the slowest try
    tries: int

    @classmethod
    def of(cls, samples: list[float]) -> Spread:
        if not samples:
            raise ValueError("no tries to summarise")
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))


def speedup(slow: Spread, fast: Spread) -> float:
    """How many times faster `fast` is than `slow`: the ratio of their medians."""
    return slow.median / fast.median


@contextlib.contextmanager
def one_cpu_thread(device: torch.device | str = "cpu"):
    """Run the block on one torch thread when it runs on the CPU (see the module docstring); nothing on a GPU."""
    if torch.device(device).type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def sync(device: torch.device | str) -> None:
    """Wait for the GPU: its work is asynchronous, and the clock must not stop before the work does."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def timed_ms(fn, device: torch.device | str = "cpu"):
    """(fn(), its wall time in ms)."""
    sync(device)
    start = time.perf_counter()
    out = fn()
    sync(device)
    return out, (time.perf_counter() - start) * 1000
