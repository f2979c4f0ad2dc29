"""Fair turns on the shared model, seen from two students' sessions at once (two AppTests in one process share the
loaded model and its queue, as thirty browser tabs on one server do).

A student who presses the KV-cache demo holds the model one try at a time (one pass with the cache and one without):
a second student who opens the Attention page meanwhile is served between two of them and finishes long before the
demo does. The load tool checks
the same through the real server and balancer (tools/classroom_load.py --kv-pressers)."""

import threading
import time

from apphelpers import assert_no_exception, open_page

import llama_edu as le
from app import common
from llama_edu import kvcache, serving

N_NEW = 8  # demo steps: 8 new tokens after a 248-token prompt, each step of both paths timed 5 times


def test_a_demo_holds_the_model_one_try_at_a_time_and_a_page_goes_between(monkeypatch):
    turns: list[tuple[int, float, float]] = []  # (thread, start, end) of every turn in the model's queue
    take = serving.Turns.take

    def recorded(self):
        class Recorded:
            def __enter__(inner):
                inner.held = take(self)
                inner.held.__enter__()
                inner.start = time.perf_counter()

            def __exit__(inner, *exc):
                if self is not demos_queue():  # the demos' own queue (one demo at a time) is not the model's
                    turns.append((threading.get_ident(), inner.start, time.perf_counter()))
                return inner.held.__exit__(*exc)
        return Recorded()

    def demos_queue():
        return next(served for (path, *_), served in common.LOADED.items() if path == str(le.TINY_MODEL_DIR)).demos

    demo = open_page("views/kv_cache.py")
    demo.slider(key="kv_n_new").set_value(N_NEW)
    student = open_page("views/attention.py")  # opened once: the model is loaded, the default prompt's page cached
    monkeypatch.setattr(serving.Turns, "take", recorded)

    finished = {}

    def press():
        demo.button(key="kv_run").click().run(timeout=300)
        finished["demo"] = time.perf_counter()

    presser = threading.Thread(target=press)
    presser.start()
    while not turns:  # the demo's first step has run
        time.sleep(0.01)
    # A prompt no other test has used: a result already cached in this process would cost the page no model job.
    student.sidebar.text_area[0].input(f"The owl sang {time.time_ns() % 10**9} times on the roof").run(timeout=120)
    finished["student"] = time.perf_counter()
    presser.join()

    assert_no_exception(demo)
    assert_no_exception(student)
    by_thread: dict[int, list[tuple[float, float]]] = {}
    for thread, start, end in turns:
        by_thread.setdefault(thread, []).append((start, end))
    demo_turns = by_thread.pop(next(t for t, _, _ in turns))  # the first turn taken was the demo's
    student_turns = [turn for spans in by_thread.values() for turn in spans]
    # One turn per try of each step, never a step or the whole demo at once: between them the queue serves others.
    assert len(demo_turns) == N_NEW * kvcache.DEMO_TRIES
    assert student_turns, "the student's page ran no model job"
    assert min(start for start, _ in student_turns) < demo_turns[-1][0]  # served between two of the demo's steps
    assert finished["student"] < finished["demo"]
    # The wait a turn of the demo can cause: one try, ~0.1 s on 2 busy cores for the tiny model (a step of five
    # tries took 0.3-0.6 s). The bound is loose for a busy machine; a whole step per turn would break the count.
    assert max(end - start for start, end in demo_turns) < 1.0
