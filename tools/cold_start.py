"""Measure the app's cold start: from launching `streamlit run app/main.py` to the Overview's last element drawn in a
headless browser that was already running. A report, not a test (machines are noisy): run it on a quiet machine.

    python tools/cold_start.py              # 3 starts, prints each and the median
    python tools/cold_start.py --runs 5
    python tools/cold_start.py -- --server.fileWatcherType auto     # options for streamlit run

Each run: Debian's chromium is started first (through Playwright, the PyPI package; never `playwright install`),
then the clock starts and a fresh server process is launched on a free loopback port; the browser asks for the
page until the server answers, then waits until the Overview's last element (its "What to notice" box) is on the
page and every Plotly chart on it has drawn its SVG. The server is stopped before the next run. Python's bytecode
caches and the operating system's file cache are warm after the first start, as they are on a teacher's laptop
from the second start on: the first run is often the slowest, hence the median.

Each start prints when the server answered, when the page title was drawn and when the last element was, and the
CPU seconds the server process used until then (Linux): on a machine shared with other work the wall clock
varies by a factor of two, the server's CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STREAMLIT = Path(sys.executable).with_name("streamlit")

# True once the Overview's last element (the notice box, drawn after every table and figure) is on the page and
# every Plotly chart has drawn. The notice's words are the English ones of app.common.notice.
DRAWN = """(notice) => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stAlert"]')]
        .some(a => a.innerText.includes(notice))
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].length > 0
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))"""


def notice_words() -> str:
    """The first words of every page's "What to notice" box, in English ("What to notice.")."""
    from llama_edu.i18n import t

    return t("app.common.notice", "en").split("{")[0].replace("*", "").strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far; None where /proc is not there (not Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_start(browser, notice: str, timeout_s: float, extra: list[str]) -> tuple[float, float | None]:
    """Seconds from launching the server to the Overview fully drawn in a new tab of the running browser, and the
    CPU seconds the server used until then (less sensitive than the wall clock to other work on the machine)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    start = time.perf_counter()
    server = subprocess.Popen(
        [str(STREAMLIT), "run", "app/main.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false", *extra],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:  # the browser asks until the server answers
            try:
                page.goto(url, timeout=5_000, wait_until="commit")
                break
            except Exception:  # noqa: BLE001 - connection refused while the server starts
                if time.perf_counter() - start > timeout_s:
                    raise TimeoutError("the server did not answer") from None
                if server.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {server.returncode}") from None
                time.sleep(0.05)
        answered, answered_cpu = time.perf_counter() - start, cpu_seconds(server.pid)
        page.wait_for_selector("h1", timeout=timeout_s * 1000)
        titled = time.perf_counter() - start
        page.wait_for_function(DRAWN, arg=notice, polling=50, timeout=timeout_s * 1000)
        drawn = time.perf_counter() - start
        print(f"  server answered {answered:.2f} s (its CPU {answered_cpu or float('nan'):.2f} s), page title drawn "
              f"{titled:.2f} s, last element {drawn:.2f} s", flush=True)
        return drawn, cpu_seconds(server.pid)
    finally:
        context.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120, help="seconds one start may take")
    parser.add_argument("streamlit_options", nargs="*", help="passed on to streamlit run (after --)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    notice = notice_words()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        times, cpu = [], []
        for run in range(args.runs):
            wall, server_cpu = one_start(browser, notice, args.timeout, args.streamlit_options)
            times.append(wall)
            cpu.append(server_cpu)
            print(f"start {run + 1}: {wall:.2f} s (server CPU {server_cpu or float('nan'):.2f} s)", flush=True)
        browser.close()
    print(f"cold start, median of {len(times)}: {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f})")
    if None not in cpu:
        print(f"server CPU until drawn, median: {statistics.median(cpu):.2f} s")


if __name__ == "__main__":
    main()
