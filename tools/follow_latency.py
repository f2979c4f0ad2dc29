"""How long a teacher's push takes to reach a following student's screen, in two real browsers on one server.

    python tools/follow_latency.py

Starts `streamlit run app/main.py` on a free loopback port with its own class store and a teacher's secret, opens
the Teach page in one browser (Debian's chromium, driven by playwright) and the class's link in another, then
pushes five pages one after the other and times each from the click on "Show it to the class" to the new page's
heading on the student's screen (the follower's bar polls every 2 s; the page then draws as for any visit).
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
env = {**os.environ, "LLAMA_EDU_TEACHER_SECRET": "correct horse battery staple",
       "LLAMA_EDU_CLASS_STORE": f"sqlite:///{tempfile.mkdtemp()}/c.sqlite3"}
proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"), "--server.port",
                         str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
try:
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2); break
        except OSError: time.sleep(0.5)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        T = b.new_context(viewport={"width": 1280, "height": 720}).new_page()
        S = b.new_context(viewport={"width": 1280, "height": 720}).new_page()
        T.goto(f"http://127.0.0.1:{port}/teach")
        T.wait_for_selector("input[type=password]", timeout=60000)
        T.locator("input[type=password]").fill("correct horse battery staple")
        T.get_by_role("button", name="Sign in").click(); T.wait_for_timeout(3000)
        T.get_by_role("button", name="Start a class").click(); T.wait_for_timeout(4000)
        code = T.locator("div.class-code").first.inner_text().replace(" ", "")
        S.goto(f"http://127.0.0.1:{port}/?class={code}"); S.wait_for_timeout(6000)
        pages = [("RoPE", "RoPE: rotary"), ("Tokens", "Tokens: what"), ("Overview", "LLaMA, from the inside"),
                 ("RMSNorm vs LayerNorm", "RMSNorm"), ("Attention", "Attention")] * 1
        times = []
        for name, heading in pages:
            sel = T.locator("[data-testid=stMain] [data-testid=stSelectbox]").nth(0)
            sel.click(); T.wait_for_timeout(400)
            T.get_by_role("option", name=name, exact=True).click(); T.wait_for_timeout(2500)
            start = time.perf_counter()
            T.get_by_role("button", name="Show it to the class").click()
            S.wait_for_function(f"() => [...document.querySelectorAll('h1')].some(h => h.innerText.startsWith({heading!r}))"
                                "", timeout=30000, polling=50)
            times.append(time.perf_counter() - start)
            print(f"{name}: {times[-1]:.2f} s", flush=True)
            S.wait_for_timeout(1500)
        print(f"push -> student's page: median {statistics.median(times):.2f} s, max {max(times):.2f} s")
        b.close()
finally:
    proc.terminate()
