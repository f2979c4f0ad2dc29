"""A classroom: many students at once, each with their own prompt, against the real class server.

    python tools/classroom_load.py                       # 30 students at once, 10 rounds: 300 sessions
    python tools/classroom_load.py --students 4 --rounds 2
    python tools/classroom_load.py --same-prompt         # the whole class on the teacher's prompt
    python tools/classroom_load.py --replicas 0          # one plain `streamlit run`, no balancer

By default the students go through tools/classroom_server.py: two app replicas behind HAProxy, each student kept
on one replica by the balancer's cookie (which this tool, like a browser, sends back with its websocket).

Each simulated student speaks Streamlit's own protocol over a websocket, as a browser tab does: it opens the
Attention page, types its prompt into the sidebar, and reads back the heatmap the server drew. The heatmap must
be this student's: its token labels are this prompt's tokens and its weights equal the head the page opens on (the
model's strongest previous-token head, llama_edu.analysis.previous_token_head, found here the same way) of the model
run here on the same prompt (cross-talk between sessions would show another prompt). Every round opens `--students`
sessions at once; between rounds the server's resident memory is read from /proc.

Reports p50/p95 of the page latency (from typing the prompt to the page's last element) and the server's memory
after every round, and exits non-zero if any student saw a wrong map, got an error, or memory kept growing
over the second half of the run. Loopback only: it starts its own servers on 127.0.0.1 and talks to nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import statistics
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

import llama_edu as le
from llama_edu.analysis import previous_token_head
from llama_edu.prompts import prepare_prompt
from llama_edu.viz.labels import token_labels

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classroom_server import COOKIE, classroom  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE = "attention"  # url path of app/views/attention.py in app/main.py
ANIMALS = ["cat", "dog", "bird", "fox", "girl", "boy", "king", "frog", "owl", "bear"]
VERBS = ["sat", "ran", "slept", "jumped", "waited", "sang"]
PLACES = ["mat", "hill", "roof", "bed", "road", "box"]


TEMPLATES = ["The {a} {v} on the {p}", "A {a} {v} by the {p}", "The old {a} {v} near the {p}"]


def prompts(n: int) -> list[str]:
    """n different prompts (up to 1,080), in the tiny model's vocabulary."""
    all_prompts = [t.format(a=a, v=v, p=p) for t in TEMPLATES for p in PLACES for v in VERBS for a in ANIMALS]
    if n > len(all_prompts):
        raise SystemExit(f"at most {len(all_prompts)} different prompts")
    return all_prompts[:n]


@dataclass
class Visit:
    prompt: str
    latency_s: float = 0.0
    error: str = ""
    heatmap: dict | None = None  # the first trace of weights in the layer/head heatmap
    exceptions: list[str] = field(default_factory=list)
    replica: str = ""  # the replica the balancer's cookie names ("" without a balancer)


async def run_script(ws, widgets=(), page: str = PAGE, pressed: str = "", query: str = "") -> tuple[list[ForwardMsg], float]:
    """Ask the server to (re)run the page, as a browser does on load and after a widget change (a text typed into a
    widget, a button pressed); collect every message until the run finishes. query: the URL's query string (a
    link's ?class=CODE). Returns (messages, seconds)."""
    msg = BackMsg()
    msg.rerun_script.page_name = page
    msg.rerun_script.query_string = query
    for widget_id, text in widgets:
        state = msg.rerun_script.widget_states.widgets.add()
        state.id, state.string_value = widget_id, text
    if pressed:
        state = msg.rerun_script.widget_states.widgets.add()
        state.id, state.trigger_value = pressed, True
    start = time.perf_counter()
    await ws.send(msg.SerializeToString())
    received = []
    while True:
        fwd = ForwardMsg()
        fwd.ParseFromString(await ws.recv())
        received.append(fwd)
        # A run stopped early for a rerun is followed by that rerun: wait for the run that finishes.
        if fwd.WhichOneof("type") == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return received, time.perf_counter() - start


def elements(messages: list[ForwardMsg], kind: str):
    for m in messages:
        if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element":
            el = m.delta.new_element
            if el.WhichOneof("type") == kind:
                yield getattr(el, kind)


def decode(array) -> np.ndarray:
    """Plotly's typed arrays ({"dtype", "bdata", "shape"}) or plain lists, as numpy."""
    if isinstance(array, dict):
        shape = [int(s) for s in str(array["shape"]).split(",")]
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).reshape(shape)
    return np.asarray(array, dtype=float)


def page_cookie(http_url: str) -> str:
    """What a browser gets with the page itself: behind the balancer, the cookie that names this student's replica
    (sent back with the websocket, as a browser does, so that the session stays on one replica)."""
    with urllib.request.urlopen(http_url + "/", timeout=60) as response:
        return "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])


async def visit(http_url: str, prompt: str) -> Visit:
    result = Visit(prompt)
    try:
        cookie = await asyncio.to_thread(page_cookie, http_url)
        result.replica = next((c.split("=", 1)[1] for c in cookie.split("; ") if c.startswith(COOKIE + "=")), "")
        url = http_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=2 ** 27, open_timeout=60,
                                      additional_headers={"Cookie": cookie} if cookie else None) as ws:
            first, _ = await run_script(ws)
            prompt_box = next(elements(first, "text_area"), None)
            if prompt_box is None:
                kinds = sorted({m.delta.new_element.WhichOneof("type") for m in first
                                if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"})
                statuses = [m.script_finished for m in first if m.WhichOneof("type") == "script_finished"]
                raise RuntimeError(f"no prompt box in the first run (finished {statuses}; elements {kinds})")
            messages, result.latency_s = await run_script(ws, [(prompt_box.id, prompt)])
            result.exceptions = [e.message for e in elements(messages, "exception")]
            for chart in elements(messages, "plotly_chart"):
                fig = json.loads(chart.spec)
                weights = [t for t in fig["data"] if t.get("type") == "heatmap" and t.get("zmax") == 1]
                if weights and "head" in json.dumps(fig.get("layout", {}).get("title", "")):
                    result.heatmap = weights[0]
                    break
    except Exception as err:  # one student's failure is reported, not fatal to the run
        result.error = f"{type(err).__name__}: {err}"
    return result


KV_PAGE, KV_BUTTON = "kv_cache", "kv_run"  # the KV-cache page's demo button (app/elements/kvcache.py)


async def press_kv_demo(http_url: str) -> Visit:
    """A student who opens the KV-cache page and presses its demo: the longest job a student can start on the tiny
    model (8 new tokens after 248, each step of both paths timed 5 times)."""
    result = Visit(KV_BUTTON)
    try:
        cookie = await asyncio.to_thread(page_cookie, http_url)
        url = http_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=2 ** 27, open_timeout=60,
                                      additional_headers={"Cookie": cookie} if cookie else None) as ws:
            first, _ = await run_script(ws, page=KV_PAGE)
            button = next(b for b in elements(first, "button") if KV_BUTTON in b.id)
            messages, result.latency_s = await run_script(ws, page=KV_PAGE, pressed=button.id)
            result.exceptions = [e.message for e in elements(messages, "exception")]
    except Exception as err:  # noqa: BLE001 - reported, not fatal
        result.error = f"{type(err).__name__}: {err}"
    return result


class Reference:
    """What each student should see: the model run here, in this process, on the same prompt."""

    def __init__(self) -> None:
        self.model = le.load_model(le.TINY_MODEL_DIR, device="cpu", dtype="float32")
        self.tok = le.load_tokenizer(le.TINY_MODEL_DIR)
        role = previous_token_head(self.model, self.tok)  # where the page's heatmap opens (app.common)
        self.layer, self.head = role.layer, role.head

    def check(self, v: Visit) -> str:
        """"" if the student saw their own, correct map; else what was wrong."""
        if v.error or v.exceptions:
            return v.error or f"exception on the page: {v.exceptions[0][:200]}"
        if v.heatmap is None:
            return "no attention heatmap on the page"
        ids = prepare_prompt(self.tok, v.prompt, 64).ids
        if list(v.heatmap["x"]) != token_labels(self.tok.pieces(ids)):
            return f"labels {v.heatmap['x']} are not this prompt's tokens"
        name = f"layers.{self.layer}.attention.hook_pattern"
        _, cache = self.model.run_with_cache(torch.tensor([ids]), names_filter=[name])
        expected = cache[name][0, self.head].numpy()  # [T, T]
        seen = decode(v.heatmap["z"]).astype(np.float64)
        lower = np.tril(np.ones_like(expected, dtype=bool))
        if seen.shape != expected.shape or not np.allclose(seen[lower], expected[lower], atol=1e-5):
            return f"weights differ from layer {self.layer}, head {self.head} on this prompt"
        return ""


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) the process has used so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14 and 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    """`streamlit run` on loopback; its log goes to a file (a pipe nobody reads would fill and stall the server)."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not answer its health check within 90 s")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def run_round(url: str, round_prompts: list[str], kv_pressers: int = 0) -> list[Visit]:
    """Every student at once: kv_pressers of them press the KV-cache demo, the others open the Attention page."""
    return list(await asyncio.gather(*[press_kv_demo(url) for _ in range(kv_pressers)],
                                     *(visit(url, p) for p in round_prompts)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=30, help="sessions open at once (1..60)")
    ap.add_argument("--rounds", type=int, default=10, help="rounds of students, each with new prompts (1..12)")
    ap.add_argument("--max-growth-mb", type=float, default=64.0,
                    help="fail if the server's memory grows more than this over the second half of the rounds")
    ap.add_argument("--timeout", type=float, default=900, help="give up after this many seconds in all")
    ap.add_argument("--kv-pressers", type=int, default=0,
                    help="of the students, this many press the KV-cache demo while the others open the Attention "
                         "page (their latency is reported apart)")
    ap.add_argument("--same-prompt", action="store_true",
                    help="every student of a round types the same prompt (the teacher's), a new one each round")
    ap.add_argument("--replicas", type=int, default=2,
                    help="app replicas behind HAProxy (tools/classroom_server.py); 0: one plain streamlit server")
    args = ap.parse_args(argv)
    if not 0 <= args.kv_pressers < args.students:
        ap.error("--kv-pressers must be 0 or more and fewer than --students")
    if not (1 <= args.students <= 60 and 1 <= args.rounds <= 12):
        ap.error("--students must be 1..60 and --rounds 1..12: this is a bounded test, not a stress tool")

    torch.set_num_threads(1)  # leave the cores to the server being measured
    reference = Reference()
    if args.same_prompt:  # one prompt per round, typed by everyone
        all_prompts = [p for p in prompts(args.rounds) for _ in range(args.students)]
    else:
        all_prompts = prompts(args.students * args.rounds)
    with ExitStack() as stack:
        if args.replicas:
            failed = []
            room = stack.enter_context(classroom(args.replicas, keep_logs=lambda: bool(failed)))
            url, pids, log = room.url, room.pids, room.folder / "replica0.log"
            print(f"{args.replicas} replicas (pids {', '.join(map(str, pids))}) behind HAProxy at {url}")
        else:
            port = free_port()
            log = Path(tempfile.mkdtemp(prefix="classroom_load_")) / "server.log"
            server = stack.enter_context(running(start_server(port, log)))
            url, pids = f"http://127.0.0.1:{port}", [server.pid]
            print(f"one server, pid {server.pid}, on {url}")
        code = _rounds(args, reference, all_prompts, url, pids, log)
        if code and args.replicas:
            failed.append(code)  # keep the replicas' logs
        return code


@contextmanager
def running(server: subprocess.Popen):
    try:
        yield server
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _rounds(args, reference: Reference, all_prompts: list[str], url: str, pids: list[int], log: Path) -> int:
    visits: list[Visit] = []
    presses: list[Visit] = []  # students who pressed the KV-cache demo
    memory = [sum(rss_bytes(pid) for pid in pids)]
    cpu = [sum(cpu_seconds(pid) for pid in pids)]  # after each round
    started = time.time()
    print(f"server RSS at start {memory[0] / 2**20:.0f} MiB")
    for r in range(args.rounds):
        if time.time() - started > args.timeout:
            print(f"stopping after {r} rounds: --timeout {args.timeout:.0f} s reached")
            break
        batch = all_prompts[r * args.students:(r + 1) * args.students][:args.students - args.kv_pressers]
        t0 = time.perf_counter()
        results = asyncio.run(run_round(url, batch, args.kv_pressers))
        pressed, results = results[:args.kv_pressers], results[args.kv_pressers:]
        presses += pressed
        visits += results
        memory.append(sum(rss_bytes(pid) for pid in pids))
        cpu.append(sum(cpu_seconds(pid) for pid in pids))
        lat = [v.latency_s for v in results if not v.error]
        bad = sum(1 for v in results if reference.check(v))
        print(f"round {r + 1:2d}: {len(results)} students in {time.perf_counter() - t0:5.1f} s, "
              f"latency p50 {percentile(lat, 50):5.2f} s p95 {percentile(lat, 95):5.2f} s, "
              f"wrong or failed {bad}, server RSS {memory[-1] / 2**20:6.0f} MiB"
              + (f"; {len(pressed)} KV-demo presses p50 {percentile([v.latency_s for v in pressed], 50):5.2f} s"
                 if pressed else ""))

    problems = [(v.prompt, reference.check(v)) for v in visits]
    problems += [("KV-cache demo", v.error or v.exceptions[0][:200]) for v in presses if v.error or v.exceptions]
    problems = [(p, why) for p, why in problems if why]
    if args.replicas:  # every student must have been given a replica: without the cookie a session is not sticky
        problems += [(v.prompt, "the balancer set no replica cookie") for v in visits if not v.replica and not v.error]
    lat = [v.latency_s for v in visits if not v.error]
    # CPU per visit over the rounds after the first: the first also starts the replicas' Python, loads the model
    # and fills the caches every later round shares (the default prompt's page, the probe sentences).
    warm_visits = len(visits) - min(len(visits), args.students - args.kv_pressers)
    # Growth over the second half, each end averaged over three readings: RSS moves by tens of MB from round to
    # round as sessions come and go (Streamlit keeps a closed session for 2 minutes, for reconnecting).
    half = len(memory) // 2
    growth = (statistics.mean(memory[-3:]) - statistics.mean(memory[max(half - 1, 0):half + 2])) / 2**20
    print(f"\n{len(visits)} sessions, {len(visits) - len(problems)} saw their own correct attention map; "
          f"page latency p50 {percentile(lat, 50):.2f} s, p95 {percentile(lat, 95):.2f} s, max {max(lat, default=0):.2f} s")
    print(f"server RSS: start {memory[0] / 2**20:.0f} MiB, peak {max(memory) / 2**20:.0f} MiB, "
          f"end {memory[-1] / 2**20:.0f} MiB; growth over the second half of the rounds {growth:+.0f} MiB "
          f"(means of three readings) "
          f"(limit {args.max_growth_mb:.0f})")
    if not presses and warm_visits:  # a demo's CPU would be counted with the visits
        print(f"server CPU per visit: {1000 * (cpu[-1] - cpu[1]) / warm_visits:.0f} ms (the replicas' user + "
              f"system time over rounds 2-{len(cpu) - 1}, divided by their {warm_visits} visits; a visit opens the "
              f"page and types a prompt)")
    if presses:
        done = [v.latency_s for v in presses if not v.error]
        print(f"{len(presses)} KV-cache demo presses beside them: p50 {percentile(done, 50):.2f} s, "
              f"p95 {percentile(done, 95):.2f} s (the page openers' latency above is what the demo cost the others)")
        # Fair: a student opening a page waits behind a try of a demo, never for a whole demo.
        if lat and done and max(lat) >= percentile(done, 50):
            problems.append(("KV-cache demo", f"a page opener waited {max(lat):.2f} s, as long as a whole demo "
                                              f"({percentile(done, 50):.2f} s)"))
    if args.replicas:
        per_replica = {name: sum(v.replica == name for v in visits) for name in sorted({v.replica for v in visits})}
        print("students per replica (the balancer's cookie): "
              + ", ".join(f"{name or 'none'} {n}" for name, n in per_replica.items()))
    for prompt, why in problems[:10]:
        print(f"  {prompt!r}: {why}")
    if problems:
        print(f"server log ({log}), last lines:\n" + "\n".join(log.read_text().splitlines()[-30:]))
        if args.replicas:
            print(f"(every replica's log is kept in {log.parent})")
    ok = not problems and growth <= args.max_growth_mb
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
