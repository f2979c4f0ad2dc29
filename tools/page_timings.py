"""Measure each app page's warm rerun time and the first run in a fresh process, as a report (not a test: machines
are noisy). The cold start as a student sees it, server launch to a drawn page in a browser: tools/cold_start.py.

    python tools/page_timings.py

Warm rerun: AppTest, default prompt, median of 5 reruns after a first run (the model and its capture cached).
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "app"))
from apphelpers import open_page  # noqa: E402

PAGES = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "app" / "views").glob("*.py"))


def main() -> None:
    start = time.perf_counter()
    open_page("views/overview.py")
    print(f"first run in a fresh process (imports, model load, capture): {time.perf_counter() - start:.2f} s")
    for page in PAGES:
        at = open_page(f"views/{page}.py")
        times = []
        for _ in range(5):
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
        print(f"{page:12s} warm rerun median {statistics.median(times) * 1000:5.0f} ms, max {max(times) * 1000:5.0f} ms")


if __name__ == "__main__":
    main()
