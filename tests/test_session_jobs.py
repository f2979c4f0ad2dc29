"""SessionJobs: one student holds at most one place in the model's queue, and starts a bounded number of jobs."""

import threading
import time

from llama_edu.serving import SessionJobs


def test_a_second_job_of_the_same_session_waits_for_the_first():
    jobs, order = SessionJobs(), []
    first_running, release = threading.Event(), threading.Event()

    def first():
        with jobs.job():
            order.append("first starts")
            first_running.set()
            release.wait(5)
            order.append("first ends")

    def second():
        with jobs.job():
            order.append("second starts")

    a = threading.Thread(target=first)
    a.start()
    first_running.wait(5)
    assert jobs.busy
    b = threading.Thread(target=second)
    b.start()
    time.sleep(0.2)
    assert order == ["first starts"]  # the second has not started beside the first
    release.set()
    a.join(5), b.join(5)
    assert order == ["first starts", "first ends", "second starts"] and not jobs.busy


def test_the_rate_is_bounded_and_recovers():
    jobs = SessionJobs(most=3, per=0.5)
    for _ in range(3):
        with jobs.job():
            pass
    assert 0 < jobs.wait_s() <= 0.5  # a fourth must wait
    start = time.monotonic()
    with jobs.job():
        pass
    assert time.monotonic() - start >= 0.3  # it waited for the oldest of the three to age out
    assert jobs.wait_s(now=time.monotonic() + 1.0) == 0


def test_two_sessions_do_not_wait_for_each_other():
    a, b = SessionJobs(), SessionJobs()
    with a.job():
        assert a.busy and not b.busy and b.wait_s() == 0
        with b.job():
            pass
