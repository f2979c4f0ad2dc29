"""A fresh server, several students at once on its first visits: one opens the KV-cache demo (a table: the first
import of pandas) while others open the Attention page (plotly validating figures). plotly looks for pandas in
sys.modules without importing it, and saw it half-imported: every Attention page open at that moment failed. Run in
a fresh interpreter, where nothing has imported pandas yet."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, threading
sys.path[:0] = ["tests/app", "tests"]
assert "pandas" not in sys.modules
from apphelpers import open_page

results = {}

def kv():
    at = open_page("views/kv_cache.py", timeout=180)
    at.button(key="kv_run").click().run(timeout=180)
    results["kv"] = len(at.exception)

def attention(i):
    results[i] = len(open_page("views/attention.py", prompt=f"The frog {i} sat on the mat", timeout=180).exception)

threads = [threading.Thread(target=kv)] + [threading.Thread(target=attention, args=(i,)) for i in range(3)]
[t.start() for t in threads]
[t.join() for t in threads]
print(sorted(results.items(), key=str))
assert results == {"kv": 0, 0: 0, 1: 0, 2: 0}, results
"""


def test_first_visits_at_once_in_a_fresh_server_raise_nothing():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
