"""Sharing one model: device turns are served in arrival order, and the capture cache stays within its bytes."""

import threading
import time

import torch

from llama_edu.serving import ResultCache, Turns, nbytes


def test_turns_are_served_first_come_first_served():
    turns, order, started = Turns(), [], []
    hold = threading.Event()

    def student(name):
        started.append(name)
        with turns.take():
            order.append(name)
            if name == 0:
                hold.wait(5)  # the first student holds the device while the others queue up

    threads = [threading.Thread(target=student, args=(0,))]
    threads[0].start()
    while turns.waiting < 1:
        time.sleep(0.001)
    for name in range(1, 6):  # arrive one after another, each queued before the next arrives
        threads.append(threading.Thread(target=student, args=(name,)))
        threads[-1].start()
        while turns.waiting < name + 1:
            time.sleep(0.001)
    hold.set()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4, 5]
    assert turns.waiting == 0


def test_a_turn_is_given_back_when_the_call_fails():
    turns = Turns()
    try:
        with turns.take():
            raise RuntimeError("out of memory")
    except RuntimeError:
        pass
    with turns.take():  # would wait forever if the failed call had kept its turn
        assert turns.waiting == 1


def test_a_loop_of_calls_cannot_jump_the_queue():
    """Student A generates many tokens, one turn per token; B's single call must not wait for all of A's."""
    turns, log = Turns(), []
    b_queued = threading.Event()

    def a():
        for i in range(50):
            with turns.take():
                log.append("a")
                if i == 0:
                    b_queued.wait(5)
                    while turns.waiting < 2:
                        time.sleep(0.001)

    def b():
        b_queued.set()
        with turns.take():
            log.append("b")

    ta = threading.Thread(target=a)
    ta.start()
    while not log:
        time.sleep(0.001)
    tb = threading.Thread(target=b)
    tb.start()
    ta.join(5), tb.join(5)
    assert log.index("b") == 1  # served right after A's first token


def test_result_cache_is_bounded_by_bytes_and_drops_the_least_recently_used():
    one_kb = lambda: (torch.zeros(256), {"h": torch.zeros(0)})  # 1024 bytes  # noqa: E731
    cache = ResultCache(budget_bytes=3 * 1024)
    for key in "abc":
        cache.get(key, one_kb)
    cache.get("a", lambda: 1 / 0)  # a hit: not recomputed, and now the most recently used
    cache.get("d", one_kb)  # over budget: "b" (least recently used) goes
    assert cache.bytes == 3 * 1024 and len(cache) == 3
    calls = []
    cache.get("b", lambda: calls.append(1) or one_kb())
    assert calls == [1]  # b had been dropped
    cache.get("a", lambda: 1 / 0)  # still cached (it was used after "c")


def test_a_value_bigger_than_the_budget_is_returned_but_not_kept():
    cache = ResultCache(budget_bytes=100)
    value = cache.get("big", lambda: torch.zeros(1000))
    assert value.shape == (1000,) and len(cache) == 0 and cache.bytes == 0
    assert nbytes({"x": [torch.zeros(2, dtype=torch.bfloat16), (torch.zeros(3),)]}) == 4 + 12
    assert nbytes(("<html>", b"ab")) == 6 + 2


def test_a_dataclass_of_tensors_is_counted():
    from llama_edu.logit_lens import logit_lens
    from helpers import SMALL_CONFIGS, random_model

    model = random_model(SMALL_CONFIGS["gqa"])
    _, hooks = model.run_with_cache(torch.tensor([[1, 2, 3]]))
    lens = logit_lens(model, hooks, k=3)
    tensors = [v for v in vars(lens).values() if isinstance(v, torch.Tensor)]
    names = lens.stages + lens.hook_names
    assert tensors and nbytes(lens) == sum(t.element_size() * t.nelement() for t in tensors) + sum(map(len, names))
