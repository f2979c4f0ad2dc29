"""Sharing one model between many students: whose turn it is on the device, and which results to keep.

A classroom server loads a model once and every student's session calls it from its own thread. Two things
need care there, and neither belongs in the model itself (which keeps no state between calls):

  Turns.         Model runs on one device are served one at a time, first come, first served. A plain lock
                 lets the thread that just released it take it straight back, so a student generating forty
                 tokens in a loop could hold the GPU while others wait; a ticket queue cannot be jumped.
  SessionJobs.   Each student holds at most one place in that queue, and starts a bounded number of jobs a
                 minute: nobody can fill the queue by clicking fast or by a script.
  ResultCache.   What pages compute from the model (a full capture, an ablation, bertviz's HTML), kept per
                 model under a key of everything the result depends on. A full capture (every hook for one
                 prompt) of a 7B model is hundreds of MB, of the tiny model about a MB: the cache is bounded by
                 bytes, not by a count, and drops the least recently used.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from contextlib import contextmanager

import torch


class Turns:
    """A first-in-first-out lock: `with turns.take(): model(...)` waits until every earlier caller is done."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    @contextmanager
    def take(self):
        with self._changed:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._changed.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._changed:
                self._serving += 1
                self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """Callers queued or running now (what a page can show as "3 students ahead of you")."""
        with self._changed:
            return self._next_ticket - self._serving


class SessionJobs:
    """What one student may ask of the shared model: one job in flight at a time (a second waits for the first
    instead of taking a second place in the queue: a student clicking fast holds one place, not ten), and at most
    `most` jobs in any `per` seconds (a page visit with a new prompt runs a few; a script clicking in a loop would
    run hundreds). Cached results cost no job. Thread-safe; one per session."""

    def __init__(self, most: int = 20, per: float = 10.0) -> None:
        self.most, self.per = most, per
        self._in_flight = threading.Lock()
        self._started: deque[float] = deque()
        self._times = threading.Lock()

    def wait_s(self, now: float | None = None) -> float:
        """Seconds until this session may start another job (0: now)."""
        now = time.monotonic() if now is None else now
        with self._times:
            while self._started and now - self._started[0] >= self.per:
                self._started.popleft()
            return 0.0 if len(self._started) < self.most else self.per - (now - self._started[0])

    @property
    def busy(self) -> bool:
        """Whether a job of this session is running (or waiting for its turn) now."""
        return self._in_flight.locked()

    @contextmanager
    def job(self):
        """Run the body as this session's one job: first wait until its previous job is done and the rate allows."""
        with self._in_flight:
            while (wait := self.wait_s()) > 0:
                time.sleep(min(wait, 0.5))
            with self._times:
                self._started.append(time.monotonic())
            yield


FIGURE_BYTES_PER_JSON_BYTE = 8


def nbytes(value) -> int:
    """Bytes held by the tensors and strings in a (nested) tuple, list, dict or dataclass."""
    if isinstance(value, torch.Tensor):
        return value.element_size() * value.nelement()
    if isinstance(value, (str, bytes)):
        return len(value)  # bertviz's HTML is a few hundred kB of text
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return sum(nbytes(v) for v in value)
    if type(value).__module__.startswith("plotly."):  # a figure
        import plotly.io

        # Its Python objects, from the size of its JSON: an 8-token heatmap is 10 kB of JSON and 73 kB of objects
        # (tracemalloc, 50 figures), so eight times the JSON.
        return FIGURE_BYTES_PER_JSON_BYTE * len(plotly.io.to_json(value, validate=False))
    return 0


class ResultCache:
    """Least-recently-used results, bounded by the bytes of their tensors and strings. Thread-safe; values are
    shared, so callers must only read them. The key names everything a result depends on (what was computed, the
    prompt's ids, the options, the language where words appear): a result is never shared by callers who should
    see different ones. `get(key, compute)` runs `compute` outside the lock: two students with different prompts
    compute at once (and on the same prompt, at worst twice)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def get(self, key: Hashable, compute: Callable[[], object]):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        value = compute()
        self.put(key, value)
        return value

    def put(self, key: Hashable, value: object) -> None:
        """Keep value under key (unless one is there already or it is larger than the budget)."""
        size = nbytes(value)
        with self._lock:
            if key not in self._items and size <= self.budget:
                self._items[key] = (value, size)
                self.bytes += size
                while self.bytes > self.budget:
                    _, (_, dropped) = self._items.popitem(last=False)
                    self.bytes -= dropped

    def __len__(self) -> int:
        return len(self._items)
