"""Every page of the app on a full-size LLaMA-2-7B-shaped checkpoint (32 layers, random bfloat16 weights, 13.5 GB
written to a temporary folder), on this machine's CPU: per page, the first visit, a warm rerun and the server's
peak memory. A report, not a test: it needs ~16 GB of free memory and ~25 GB of disk, and takes ~15 minutes on
2 cores.

    python tools/full_size_7b.py [--keep DIR]      # --keep: write (or reuse) the checkpoint in DIR

Targets (issue 15): every page renders; peak memory at most 1.5x the weights; a warm rerun of every page except
Generation and the KV-cache demo within 3x the time of one forward pass over the prompt.

The pages run in this process through Streamlit's AppTest (the same script runs as in a browser session), so this
process is the server: its peak resident memory (VmHWM) is the server's. One forward pass is timed on the model the
app loaded, on the default prompt, median of 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "app"))

NAME = "llama-2-7b-full"
WARM_EXEMPT = {"generation", "kv_cache"}  # they bound their work on a slow device and say so


def vm(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))


def build(folder: Path) -> Path:
    import llama_edu as le
    from llama_edu.checkpoints import write_random_checkpoint

    target = folder / NAME
    if not (target / "config.json").is_file():
        start = time.perf_counter()
        cfg = le.ModelConfig.from_preset("llama-2-7b")
        write_random_checkpoint(cfg, target, tokenizer_files=[le.TINY_MODEL_DIR / "tokenizer.model"])
        print(f"wrote {NAME} in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


def forward_seconds(served, repeats: int = 3) -> float:
    import torch

    from app.common import DEFAULT_PROMPT

    ids = torch.tensor([served.tok.encode(DEFAULT_PROMPT)])
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            served.model(ids)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the checkpoint here (reused if it is there)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="llama_edu_7b_"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["LLAMA_EDU_MODELS"] = str(build(folder))
    os.environ.setdefault("LLAMA_EDU_CAPTURE_CACHE_MB", "1024")

    import llama_edu as le
    from apphelpers import open_page

    weights = le.count_parameters(le.ModelConfig.from_preset("llama-2-7b")) * 2
    pages = sorted(p.stem for p in (ROOT / "app" / "views").glob("*.py"))
    print(f"weights {weights / 2**30:.2f} GiB (bfloat16); process RSS before loading {vm('VmRSS') / 2**30:.2f} GiB",
          flush=True)
    rows, forward = [], None
    for page in pages:
        start = time.perf_counter()
        at = open_page(f"views/{page}.py", model_label=NAME, timeout=3600)
        first = time.perf_counter() - start
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        if forward is None:
            from app.common import LOADED

            forward = forward_seconds(next(iter(LOADED.values())))
            print(f"one forward pass over the default prompt: {forward:.2f} s", flush=True)
        warm = []
        for _ in range(3):
            start = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - start)
        row = dict(page=page, first=first, warm=statistics.median(warm), peak=vm("VmHWM"), problems=problems)
        rows.append(row)
        print(f"{page:14s} first {first:7.1f} s  warm rerun {row['warm']:6.2f} s ({row['warm'] / forward:4.1f}x a "
              f"forward)  peak {row['peak'] / 2**30:5.2f} GiB ({row['peak'] / weights:.2f}x the weights)"
              + (f"  PROBLEM {problems}" if problems else ""), flush=True)

    # The two pages that run the model on a click: one generation step, and the KV-cache demo (bounded on a CPU).
    clicks = {}
    for page, button in [("generation", "gen_next"), ("kv_cache", "kv_run")]:
        at = open_page(f"views/{page}.py", model_label=NAME, timeout=3600)
        start = time.perf_counter()
        at.button(key=button).click().run()
        clicks[page] = time.perf_counter() - start
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        print(f"{page}: a click on {button} took {clicks[page]:.1f} s" + (f"  PROBLEM {problems}" if problems else ""),
              flush=True)
        rows.append(dict(page=f"{page} (click)", first=clicks[page], warm=float("nan"), peak=vm("VmHWM"),
                         problems=problems))

    print("\n| page | first visit | warm rerun | warm / forward | server peak | peak / weights |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        warm = "—" if r["page"] not in pages else f"{r['warm']:.2f} s | {r['warm'] / forward:.1f}x"
        warm = "— | —" if warm == "—" else warm
        print(f"| {r['page']} | {r['first']:.1f} s | {warm} | {r['peak'] / 2**30:.2f} GiB | {r['peak'] / weights:.2f}x |")
    renders = all(not r["problems"] for r in rows)
    peak_ok = max(r["peak"] for r in rows) <= 1.5 * weights
    warm_ok = all(r["warm"] <= 3 * forward for r in rows if r["page"] in pages and r["page"] not in WARM_EXEMPT)
    print(f"\nforward pass {forward:.2f} s; every page renders: {renders}; peak <= 1.5x weights: {peak_ok}; "
          f"warm reruns <= 3x forward (except {', '.join(sorted(WARM_EXEMPT))}): {warm_ok}")


if __name__ == "__main__":
    main()
