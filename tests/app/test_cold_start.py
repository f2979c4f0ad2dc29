"""The page a class opens first starts fast: its first run, in a fresh process, imports only what it draws with.

What it must not import, and why it once did: render() imported every element module (and with them bertviz,
the training corpus, ...); a model built on the meta device imported torch's compiler (torch._dynamo, ~1.5 s).
transformers is the tests' reference and is never imported by the app. tools/cold_start.py measures the time.
"""

import json
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app" / "main.py"
NOT_FOR_THE_OVERVIEW = ["transformers", "torch._dynamo", "bertviz", "IPython", "matplotlib", "scipy",
                        "app.elements.attention", "app.elements.architectures", "llama_edu.train", "llama_edu.lessons"]

FIRST_RUN = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
assert not at.exception, [e.value for e in at.exception]
print(json.dumps(sorted(sys.modules)))
"""


def test_the_overviews_first_run_imports_only_what_it_draws_with():
    done = subprocess.run([sys.executable, "-c", FIRST_RUN, str(APP)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "app.elements.overview" in modules  # the check looks at a real first run of the Overview
    assert not modules & set(NOT_FOR_THE_OVERVIEW)
