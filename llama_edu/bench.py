"""Side-by-side speed: llama_edu vs transformers' LlamaForCausalLM on the same weights, in one run.

    python -m llama_edu.bench                      # the shipped tiny model (random weights if not trained yet)
    python -m llama_edu.bench --model DIR          # any checkpoint directory
    python -m llama_edu.bench --preset llama-2-7b --layers 2 --dtype bfloat16     # a 7B-shaped slice

Machines are noisy, so the numbers that matter are the ratios: both implementations are timed alternately,
repeat after repeat, and the medians are compared. transformers is only the yardstick here (a test dependency).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from . import TINY_MODEL_DIR
from .checkpoints import as_dtype, load_model, write_random_checkpoint
from .config import ModelConfig
from .generate import generate


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()  # GPU work is asynchronous: wait for it before reading the clock


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        _sync()
        start = time.perf_counter()
        fn()
        _sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _alternate(fns: dict, repeats: int, rounds: int = 5) -> dict[str, float]:
    """Median time of each function, run in alternating rounds so drift in machine load hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()  # warm-up
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(_median_seconds(fn, repeats))
    return {name: statistics.median(s) for name, s in samples.items()}


def run(checkpoint: Path, dtype: torch.dtype, prompt_len: int, new_tokens: int, repeats: int,
        device: str = "cpu") -> list[tuple]:
    from transformers import LlamaForCausalLM
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    ours = load_model(checkpoint, device=device, dtype=dtype)
    ref = LlamaForCausalLM.from_pretrained(checkpoint, dtype=dtype).to(device).eval()  # default attention: sdpa
    vocab = ours.cfg.vocab_size
    tokens = torch.randint(3, vocab, (1, prompt_len), generator=torch.Generator().manual_seed(0)).to(device)
    short = tokens[:, :8]
    rows = []

    with torch.inference_mode():
        for label, x in ((f"forward, {short.shape[1]} tokens", short), (f"forward, {prompt_len} tokens", tokens)):
            t = _alternate({"ours": lambda: ours(x), "ref": lambda: ref(x).logits}, repeats)
            rows.append((label, t["ours"] * 1e3, t["ref"] * 1e3, "ms"))

    prompt = short[0].tolist()
    mask = torch.ones_like(short)

    def ours_decode():
        list(generate(ours, prompt, max_new_tokens=new_tokens, temperature=0.0, use_cache=True))

    def ref_decode():
        ref.generate(short, attention_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                     do_sample=False, pad_token_id=0, eos_token_id=None)

    decoders = {"ours": ours_decode, "ref": ref_decode}
    if ours.device.type == "cuda":  # generate() replays a CUDA graph per step there; time the plain loop too
        decoders["ours_eager"] = lambda: list(generate(ours, prompt, max_new_tokens=new_tokens, temperature=0.0,
                                                       use_cache=True, cuda_graph=False))
    t = _alternate(decoders, max(1, repeats // 10), rounds=3)
    rows.append((f"greedy decode, {new_tokens} tokens", new_tokens / t["ours"], new_tokens / t["ref"], "tokens/s"))
    if "ours_eager" in t:
        rows.append(("  same, without the CUDA graph", new_tokens / t["ours_eager"], new_tokens / t["ref"],
                     "tokens/s"))

    with torch.inference_mode():
        t = _alternate({"plain": lambda: ours(short), "capture": lambda: ours.run_with_cache(short)}, repeats)
    rows.append(("full capture / plain forward (ours)", t["capture"] * 1e3, t["plain"] * 1e3, "ms"))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: assets/tiny)")
    parser.add_argument("--preset", default=None, help="benchmark random weights of this preset's shape")
    parser.add_argument("--layers", type=int, default=None, help="keep only this many layers of the preset")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--prompt-len", type=int, default=128)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dtype = as_dtype(args.dtype)

    with tempfile.TemporaryDirectory() as tmp:
        if args.preset or args.model is None and not (TINY_MODEL_DIR / "config.json").is_file():
            cfg = ModelConfig.from_preset(args.preset or "tiny")
            if args.layers:
                cfg = cfg.replace(n_layers=args.layers)
            checkpoint = write_random_checkpoint(cfg, Path(tmp), dtype)
            source = f"random weights, {cfg.name} shape, {cfg.n_layers} layers"
        else:
            checkpoint = args.model or TINY_MODEL_DIR
            source = str(checkpoint)
        rows = run(checkpoint, dtype, args.prompt_len, args.new_tokens, args.repeats, args.device)

    where = torch.cuda.get_device_name() if args.device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"llama_edu vs transformers LlamaForCausalLM: {source}, {args.dtype}, {where}, torch {torch.__version__}")
    print(f"{'measure':<40} {'llama_edu':>12} {'transformers':>13} {'unit':>9} {'speed-up':>9}")
    for label, ours, ref, unit in rows:
        if label.startswith("full capture"):
            print(f"{label:<40} {ours:>12.3f} {ref:>13.3f} {unit:>9} {'capture costs ' + f'{ours / ref:.2f}x':>9}")
            continue
        speedup = ours / ref if unit == "tokens/s" else ref / ours
        print(f"{label:<40} {ours:>12.3f} {ref:>13.3f} {unit:>9} {speedup:>8.2f}x")


if __name__ == "__main__":
    main()
