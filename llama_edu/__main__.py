"""Command line: `python -m llama_edu {inspect, hooks, generate} ...`

    python -m llama_edu inspect --preset llama-2-70b         parameters, memory per dtype, KV cache per context
    python -m llama_edu hooks --prompt "The cat sat"         every hook's name and the shape it captured
    python -m llama_edu generate --prompt "Once upon a time"  streams the continuation
"""

from __future__ import annotations

import argparse
import sys
import time

import torch

from . import TINY_MODEL_DIR, i18n
from .checkpoints import CheckpointError, default_device, load_with_tokenizer, read_config
from .config import DTYPE_BYTES, PRESETS, ModelConfig, count_parameters, kv_cache_bytes, parameter_breakdown
from .generate import generate
from .memory import DTYPE_CHOICES, available_bytes, choose_dtype, estimate, requested_dtype, working_context


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.2f} {unit}"
        n /= 1024
    raise AssertionError


def human_count(n: int) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            return f"{n / scale:.2f}{suffix}"
    return str(n)


def table(rows: list[tuple], header: tuple) -> str:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for k, r in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def describe(cfg: ModelConfig) -> str:
    total = count_parameters(cfg)
    out = [f"model: {cfg.name}",
           table([(k, v) for k, v in [
               ("dim", cfg.dim), ("n_layers", cfg.n_layers), ("n_heads", cfg.n_heads),
               ("n_kv_heads", f"{cfg.n_kv_heads} ({cfg.attention_kind})"), ("head_dim", cfg.head_dim),
               ("hidden_dim (feed-forward)", cfg.hidden_dim), ("vocab_size", cfg.vocab_size),
               ("max_seq_len", cfg.max_seq_len), ("rope_theta", f"{cfg.rope_theta:g}"), ("norm_eps", cfg.norm_eps)]],
               ("config", "value")),
           "",
           table([(k, f"{v:,}", f"{100 * v / total:.1f}%") for k, v in parameter_breakdown(cfg).items()]
                 + [("total", f"{total:,}", "100.0%")], ("parameters", "count", "share")),
           "",
           table([(name, human_bytes(total * b)) for name, b in DTYPE_BYTES.items()], ("weights in", "memory")),
           ""]
    contexts = sorted({512, 2048, 4096, 8192, 32768, cfg.max_seq_len} & set(range(1, cfg.max_seq_len + 1)))
    out.append(f"KV cache, batch 1, bfloat16 (2 * {cfg.n_layers} layers * {cfg.n_kv_heads} KV heads * "
               f"{cfg.head_dim} * tokens * 2 bytes):")
    rows = []
    for n in contexts:
        mha = kv_cache_bytes(cfg.replace(n_kv_heads=cfg.n_heads), n)
        rows.append((f"{n:,}", human_bytes(kv_cache_bytes(cfg, n)), human_bytes(mha)))
    out.append(table(rows, ("context", f"this model ({cfg.attention_kind})", "if it were MHA")))
    out += ["", f"memory guard, bfloat16: the app and CLI run at most {working_context(cfg):,} tokens (llama_edu/memory.py)"]
    guard = [estimate(cfg, torch.device("cpu"), torch.bfloat16, n, available=None)
             for n in sorted({working_context(cfg), cfg.max_seq_len})]
    out.append(table([(f"{e.seq_len:,}", human_bytes(e.weights), human_bytes(e.kv_cache), human_bytes(e.activations),
                       human_bytes(e.rope_tables), human_bytes(e.total)) for e in guard],
                     ("tokens", "weights", "KV cache", "activations", "RoPE tables", "total")))
    return "\n".join(out)


def cmd_inspect(args) -> int:
    cfg = ModelConfig.from_preset(args.preset) if args.preset else read_config(args.model)
    print(describe(cfg))
    return 0


def chosen_dtype(args) -> torch.dtype:
    """--dtype, else LLAMA_EDU_DTYPE, else what suits the device and its free memory (llama_edu.memory.choose_dtype),
    said on stderr with the reason."""
    device = torch.device(args.device) if args.device else default_device()
    choice = choose_dtype(read_config(args.model), device, available_bytes(device), requested_dtype(args.dtype))
    why = "as asked (--dtype or LLAMA_EDU_DTYPE)" if choice.reason == "requested" else i18n.t(
        f"app.common.dtype_{choice.reason}", "en", need=(choice.float32_bytes or 0) / 2 ** 30,
        free=(choice.available or 0) / 2 ** 30)
    print(f"[{device.type}, {choice.name}: {why}]", file=sys.stderr)
    return choice.dtype


def cmd_hooks(args) -> int:
    # load_with_tokenizer refuses a tokenizer the model cannot embed
    model, tok = load_with_tokenizer(args.model, device=args.device, dtype=chosen_dtype(args))
    ids = tok.encode(args.prompt)
    _, cache = model.run_with_cache(torch.tensor([ids], device=model.device))
    print(f"prompt: {args.prompt!r} -> {len(ids)} tokens {tok.pieces(ids)}\n")
    shapes = model.hook_shapes()
    print(table([(n, str(list(cache[n].shape)), shapes[n]) for n in model.hook_names()],
                ("hook", "captured shape", "declared")))
    return 0


def cmd_generate(args) -> int:
    # load_model's memory check is for working_context tokens (512); a longer run is checked here, once the
    # weights are in: its KV cache and activations against what is still free
    model, tok = load_with_tokenizer(args.model, device=args.device, dtype=chosen_dtype(args))
    ids = tok.encode(args.prompt)
    max_new = min(args.max_new_tokens, model.cfg.max_seq_len - len(ids))
    if len(ids) + max_new > working_context(model.cfg):
        run = estimate(model.cfg, model.device, model.dtype, len(ids) + max_new)
        if run.available is not None and run.working > run.available:
            raise MemoryError(f"{len(ids) + max_new:,} tokens need about {run.working / 2 ** 30:.1f} GiB for the KV "
                              f"cache and activations, but only {run.available / 2 ** 30:.1f} GiB is free")
    print(args.prompt, end="", flush=True)
    new: list[int] = []
    shown = ""
    start = time.perf_counter()
    for token in generate(model, ids, max_new, args.temperature, args.top_k, args.top_p,
                          use_cache=not args.no_cache, seed=args.seed, stop_ids=tok.eos_ids):
        if token in tok.eos_ids:
            break
        new.append(token)
        # Decode the whole continuation each time: a character split over several byte tokens appears whole.
        text = tok.decode(ids[tok.bos_count:] + new)[len(tok.decode(ids[tok.bos_count:])):]
        if not text.endswith("\ufffd"):
            print(text[len(shown):], end="", flush=True)
            shown = text
    seconds = time.perf_counter() - start
    print(f"\n\n[{len(new)} tokens in {seconds:.2f} s, {len(new) / max(seconds, 1e-9):.1f} tokens/s, "
          f"{'with' if not args.no_cache else 'without'} KV cache]", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llama_edu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="config, parameter counts, memory per dtype, KV cache per context")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--preset", choices=list(PRESETS))
    source.add_argument("--model", default=str(TINY_MODEL_DIR), help="checkpoint directory (HF or Meta layout)")
    p.set_defaults(func=cmd_inspect)

    for name, func, help_text in [("hooks", cmd_hooks, "every hook name and the shape it captures for a prompt"),
                                  ("generate", cmd_generate, "stream a continuation of a prompt")]:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--model", default=str(TINY_MODEL_DIR), help="checkpoint directory (HF or Meta layout)")
        p.add_argument("--prompt", default="The cat sat on the mat")
        p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
        p.add_argument("--dtype", choices=DTYPE_CHOICES, default=None,
                       help="default: $LLAMA_EDU_DTYPE, else auto: bfloat16 on a GPU that has it, float16 on one "
                            "that does not, float32 on a CPU where it fits, else bfloat16")
        p.set_defaults(func=func)
        if name == "generate":
            p.add_argument("--max-new-tokens", type=int, default=60)
            p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy")
            p.add_argument("--top-k", type=int, default=None)
            p.add_argument("--top-p", type=float, default=None)
            p.add_argument("--seed", type=int, default=None)
            p.add_argument("--no-cache", action="store_true", help="re-run the whole sequence for every token")

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CheckpointError, ValueError, FileNotFoundError, MemoryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
