"""Thirty students answer the teacher's question in the same second, through the class server (app replicas behind
HAProxy, tools/classroom_server.py), and the class's counts must be exactly right.

    python tools/class_answers_load.py                  # 30 students, 10 of them change their answer once
    python tools/class_answers_load.py --students 4 --changers 2

The tool starts the class server on loopback with its own class store (one SQLite file, shared by the replicas),
starts a class and asks lesson 7's first quiz question there (the teacher's page does the same through its buttons:
tests/app/test_class.py). Each student is a browser: it keeps its token in the cookie the app set on its first
visit (llama_edu_student) and the balancer's replica cookie, opens the class's link (?class=CODE) over Streamlit's
websocket, picks an option and presses "Send my answer"; a changer then picks another and sends again. The counts
the store holds must equal, option by option, the students' last answers: each browser once, a second answer
replacing the first, no answer lost between replicas. Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classroom_load import elements, page_cookie, percentile, run_script  # noqa: E402
from classroom_server import COOKIE, classroom  # noqa: E402

from llama_edu.classroom import ClassStore  # noqa: E402
from llama_edu.lessons import load_lessons  # noqa: E402

BROWSER_COOKIE = "llama_edu_student"  # app/classroom.py


async def student(url: str, code: str, question_id: int, options: list[str], choices: list[int]) -> dict:
    """One browser: join by the class's link, then send each of `choices` in turn. Returns what happened."""
    token = secrets.token_urlsafe(18)
    result = {"token": token, "sent": [], "latency_s": [], "error": "", "replica": ""}
    try:
        cookie = await asyncio.to_thread(page_cookie, url)
        result["replica"] = next((c.split("=", 1)[1] for c in cookie.split("; ") if c.startswith(COOKIE + "=")), "")
        cookie = "; ".join(filter(None, [cookie, f"{BROWSER_COOKIE}={token}"]))
        async with websockets.connect(url.replace("http://", "ws://", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                      max_size=2 ** 27, open_timeout=60, additional_headers={"Cookie": cookie}) as ws:
            first, _ = await run_script(ws, page="", query=f"class={code}")
            key = f"class_answer_{code}_{question_id}"
            radio = next((r for r in elements(first, "radio") if key in r.id), None)
            send = next((b for b in elements(first, "button") if f"{key}_send" in b.id), None)
            if radio is None or send is None:
                raise RuntimeError("the question was not shown after joining by the link")
            for choice in choices:
                messages, seconds = await run_script(ws, [(radio.id, options[choice])], page="", pressed=send.id)
                problems = [e.message for e in elements(messages, "exception")]
                if problems:
                    raise RuntimeError(problems[0][:200])
                result["sent"].append(choice)
                result["latency_s"].append(seconds)
    except Exception as err:  # one student's failure is reported, not fatal to the run
        result["error"] = f"{type(err).__name__}: {err}"
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=30, help="students answering at once (1..60)")
    ap.add_argument("--changers", type=int, default=10, help="of them, how many change their answer once")
    ap.add_argument("--replicas", type=int, default=2, help="app replicas behind HAProxy (1..8)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not (1 <= args.students <= 60 and 0 <= args.changers <= args.students and 1 <= args.replicas <= 8):
        ap.error("--students 1..60, --changers 0..students, --replicas 1..8: a bounded test, not a stress tool")
    rng = random.Random(args.seed)
    quiz = next(lesson for lesson in load_lessons() if lesson.id == "attention").quiz[0]
    options = list(quiz.options)
    plans = [[rng.randrange(len(options))] for _ in range(args.students)]
    for plan in plans[:args.changers]:
        plan.append((plan[0] + 1 + rng.randrange(len(options) - 1)) % len(options))

    folder = Path(tempfile.mkdtemp(prefix="class_answers_"))
    url = f"sqlite:///{folder / 'classes.sqlite3'}"
    store = ClassStore(url)
    code = store.start_class()
    question = store.ask(code, "quiz", quiz.question, options, answer=quiz.answer, extra={"lesson": "attention", "quiz": 0})
    with classroom(args.replicas, env={"LLAMA_EDU_CLASS_STORE": url}) as room:
        print(f"{args.replicas} replicas behind HAProxy at {room.url}; class {code}; {args.students} students, "
              f"{args.changers} of them change their answer")

        async def everyone():
            return await asyncio.gather(*(student(room.url, code, question.id, options, plan) for plan in plans))

        started = time.perf_counter()
        results = asyncio.run(everyone())
        took = time.perf_counter() - started
    counts = store.counts(code, question.id)
    expected = Counter(plan[-1] for plan, r in zip(plans, results) if r["sent"] == plan)
    expected = [expected.get(i, 0) for i in range(len(options))]
    failed = [r["error"] for r in results if r["error"]]
    latencies = [s for r in results for s in r["latency_s"]]
    print(f"all answered in {took:.1f} s; an answer took p50 {percentile(latencies, 50):.2f} s, "
          f"p95 {percentile(latencies, 95):.2f} s")
    print(f"counts in the store: {counts}; the students' last answers: {expected}")
    per_replica = Counter(r["replica"] or "none" for r in results)
    print("students per replica: " + ", ".join(f"{name} {n}" for name, n in sorted(per_replica.items())))
    for error in failed[:5]:
        print("  " + error)
    ok = not failed and counts == expected and sum(counts) == args.students
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
