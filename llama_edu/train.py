"""Train a tiny LLaMA with LLaMA's own recipe, at toy scale.

    python -m llama_edu.train --out assets/tiny            # the shipped model (about 30 min on 2 CPU cores)
    python -m llama_edu.train --out runs/tiny-v1 --corpus-version 1 --data data/tiny-v1   # the first tiny model
    python -m llama_edu.train --out runs/toy --quick       # a toy in under two minutes
    python -m llama_edu.train --out assets/tiny --resume   # continue an interrupted run

The recipe (Touvron et al. 2023, section 2.4), scaled down:
    AdamW, beta1 = 0.9, beta2 = 0.95, weight decay 0.1 (on matrices, not on the norms' gains)
    learning rate: linear warmup, then a cosine decay to 10% of the peak
    gradient clipping at norm 1.0
    next-token cross-entropy on stories packed into fixed-length sequences

Steps: write the corpus (llama_edu.corpus) -> train a SentencePiece tokenizer on it -> tokenize -> train ->
save a Hugging Face layout checkpoint (config.json, model.safetensors, tokenizer.model) that both llama_edu
and transformers load, with training_log.json and training_words.txt (the training text's words) next to it.
Everything is seeded: the same command gives the same model.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from .checkpoints import save_model
from .config import ModelConfig
from .corpus import write_corpus
from .model import Transformer
from .tokenizer import Tokenizer, load_tokenizer, train_tokenizer
from .training_words import write_training_words


@dataclass
class TrainConfig:
    out: str = "assets/tiny"
    data: str = "data/tiny-v2"  # corpus, tokenizer and token arrays (regenerated from the seed when missing)
    seed: int = 0
    corpus_version: int = 2  # llama_edu.corpus.VERSIONS; 1 is the story world alone (the first shipped model)
    corpus_chars: int = 24_000_000
    vocab_size: int = 4096
    preset: str = "tiny"
    batch_size: int = 16
    seq_len: int = 256
    steps: int = 2000  # 8.2M tokens: about 30 minutes on 2 CPU cores (measured 4,560 tokens/s with bf16 autocast)
    warmup_steps: int = 100
    lr: float = 3e-3  # peak; small models tolerate (and need) larger rates than 7B's 3e-4
    min_lr_ratio: float = 0.1  # LLaMA: the cosine ends at 10% of the peak
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    eval_every: int = 100
    eval_batches: int = 8
    # Copies of the model along the run, in bfloat16, in <out>/history/step-NNNNN (for watching it learn).
    snapshot_steps: str = "50,200,600,1200"
    bf16: bool = True  # autocast matrix products to bfloat16: ~1.6x faster on CPUs with AMX/AVX512-BF16
    device: str = "auto"  # "cpu", "cuda" or "auto" (cuda when there is a GPU)
    quick: bool = False

    @classmethod
    def quick_config(cls, **changes) -> "TrainConfig":
        """A toy that trains in well under two minutes: small corpus, small vocabulary, a few hundred steps."""
        base = dict(corpus_chars=1_500_000, vocab_size=512, batch_size=8, seq_len=128, steps=150, warmup_steps=15,
                    eval_every=50, eval_batches=4, snapshot_steps="", quick=True)
        return cls(**{**base, **changes})

    def model_config(self) -> ModelConfig:
        cfg = ModelConfig.from_preset(self.preset).replace(vocab_size=self.vocab_size, name="tiny")
        if self.quick:
            cfg = cfg.replace(dim=128, n_layers=2, n_heads=4, n_kv_heads=2, max_seq_len=self.seq_len, name="toy")
        return cfg


# ---- data -----------------------------------------------------------------------------------------------------
def prepare_data(tc: TrainConfig) -> tuple[Tokenizer, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Corpus -> tokenizer -> one long token array per split, plus where each story starts in it."""
    data = Path(tc.data)
    data.mkdir(parents=True, exist_ok=True)
    recipe = {"corpus_version": tc.corpus_version, "seed": tc.seed, "corpus_chars": tc.corpus_chars}
    made = data / "corpus.json"
    if made.is_file() and json.loads(made.read_text()) != recipe:
        raise ValueError(f"{data} holds a corpus made with {json.loads(made.read_text())}, not {recipe}: "
                         "give another --data folder")
    if not (data / "val.txt").is_file():
        write_corpus(data, n_chars=tc.corpus_chars, seed=tc.seed, version=tc.corpus_version)
        made.write_text(json.dumps(recipe))
    if not (data / "tokenizer.model").is_file():
        train_tokenizer(data / "train.txt", data / "tokenizer", vocab_size=tc.vocab_size, seed=tc.seed)
    tok = load_tokenizer(data / "tokenizer.model")
    tokens, starts = {}, {}
    for split in ("train", "val"):
        cached = data / f"{split}.tokens.npz"
        if not cached.is_file():
            stories = (data / f"{split}.txt").read_text(encoding="utf-8").splitlines()
            # Every story is <s> story </s>: the model learns that a story begins after BOS and ends with EOS.
            encoded = [[tok.bos_id] + ids + [tok.eos_id] for ids in tok.sp.encode(stories)]
            lengths = np.array([len(e) for e in encoded])
            np.savez(cached, tokens=np.concatenate(encoded).astype(np.uint16),
                     starts=np.concatenate([[0], np.cumsum(lengths)[:-1]]))
        arrays = np.load(cached)
        tokens[split], starts[split] = arrays["tokens"], arrays["starts"]
    return tok, tokens, starts


def write_training_corpus(config: dict, folder) -> dict:
    """The corpus a training run used, written again into folder from the config its training_log.json records
    (runs from before corpus versions existed used version 1)."""
    return write_corpus(folder, n_chars=config["corpus_chars"], seed=config["seed"],
                        version=config.get("corpus_version", 1))


def get_batch(tokens: np.ndarray, starts: np.ndarray, batch_size: int, seq_len: int,
              generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """batch_size windows of seq_len + 1 tokens, each starting at a story's BOS (as every prompt does).
    A window runs on into the next stories when one ends early. Returns inputs and targets [B, seq_len]."""
    usable = starts[starts + seq_len + 1 <= len(tokens)]
    picks = usable[torch.randint(len(usable), (batch_size,), generator=generator).numpy()]
    windows = torch.from_numpy(np.stack([tokens[s:s + seq_len + 1] for s in picks]).astype(np.int64))
    return windows[:, :-1], windows[:, 1:]


# ---- the recipe ------------------------------------------------------------------------------------------------
def init_weights(model: Transformer, seed: int) -> None:
    """Normal(0, 0.02) everywhere, gains at 1; the two projections that write into the residual stream (wo, w2)
    are scaled down by sqrt(2 * n_layers) so the stream's variance does not grow with depth (GPT-2's trick)."""
    gen = torch.Generator().manual_seed(seed)
    residual_std = 0.02 / math.sqrt(2 * model.cfg.n_layers)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                p.fill_(1.0)
            else:
                std = residual_std if name.endswith(("wo.weight", "w2.weight")) else 0.02
                p.copy_(torch.randn(p.shape, generator=gen) * std)


def make_optimizer(model: Transformer, tc: TrainConfig) -> torch.optim.AdamW:
    matrices = [p for p in model.parameters() if p.ndim >= 2]
    gains = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.AdamW([{"params": matrices, "weight_decay": tc.weight_decay},
                              {"params": gains, "weight_decay": 0.0}],
                             lr=tc.lr, betas=(tc.beta1, tc.beta2), eps=1e-8)


def learning_rate(step: int, tc: TrainConfig) -> float:
    """Linear warmup to the peak, then cosine decay to min_lr_ratio * peak at the last step."""
    if step < tc.warmup_steps:
        return tc.lr * (step + 1) / tc.warmup_steps
    progress = min(1.0, (step - tc.warmup_steps) / max(1, tc.steps - tc.warmup_steps))
    floor = tc.lr * tc.min_lr_ratio
    return floor + (tc.lr - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def language_model_loss(model: Transformer, inputs: torch.Tensor, targets: torch.Tensor, bf16: bool) -> torch.Tensor:
    inputs, targets = inputs.to(model.device), targets.to(model.device)
    with torch.autocast(model.device.type, dtype=torch.bfloat16, enabled=bf16):
        logits = model(inputs)  # [B, T, V]
    return F.cross_entropy(logits.float().flatten(0, 1), targets.flatten())


@torch.no_grad()
def validation_loss(model: Transformer, tokens, starts, tc: TrainConfig) -> float:
    gen = torch.Generator().manual_seed(tc.seed + 12345)  # the same validation windows at every evaluation
    model.eval()
    losses = [language_model_loss(model, *get_batch(tokens, starts, tc.batch_size, tc.seq_len, gen), tc.bf16).item()
              for _ in range(tc.eval_batches)]
    model.train()
    return float(np.mean(losses))


# ---- the loop --------------------------------------------------------------------------------------------------
STATE_FILE = "training_state.pt"


def train(tc: TrainConfig, resume: bool = False, progress: bool = True, stop_after: int | None = None) -> dict:
    """Run the recipe; returns the log. stop_after=N saves the training state after step N and returns early
    (what an interruption leaves behind): train(..., resume=True) then continues exactly where it stopped."""
    torch.manual_seed(tc.seed)
    tok, tokens, starts = prepare_data(tc)
    cfg = tc.model_config().replace(vocab_size=tok.vocab_size)
    model = Transformer(cfg)
    init_weights(model, tc.seed)  # on the CPU, so the starting point is the same whatever the device
    device = torch.device(tc.device if tc.device != "auto" else "cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    optimizer = make_optimizer(model, tc)
    out = Path(tc.out)
    out.mkdir(parents=True, exist_ok=True)
    state_path = Path(tc.data) / f"{out.name}-{STATE_FILE}"
    log = {"config": dataclasses.asdict(tc), "model": dataclasses.asdict(cfg), "steps": [], "evals": []}
    start_step = 0
    if resume and state_path.is_file():
        state = torch.load(state_path, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_step, log = state["step"], json.loads(state["log"])

    model.train()
    snapshots = {int(s) for s in tc.snapshot_steps.split(",") if s.strip()}
    log["snapshots"] = sorted(snapshots)
    tokens_per_step = tc.batch_size * tc.seq_len
    bar = tqdm(range(start_step, tc.steps), initial=start_step, total=tc.steps, disable=not progress,
               desc="training", unit="step", dynamic_ncols=True, mininterval=1.0 if os.isatty(2) else 30.0)
    window_start, window_tokens = time.perf_counter(), 0
    for step in bar:
        loss, grad_norm = train_step(model, optimizer, tokens, starts, step, tc)

        window_tokens += tokens_per_step
        tokens_per_second = window_tokens / (time.perf_counter() - window_start)
        log["steps"].append({"step": step + 1, "loss": round(loss.item(), 4), "lr": optimizer.param_groups[0]["lr"],
                             "grad_norm": round(float(grad_norm), 4), "tokens_per_s": round(tokens_per_second)})
        bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{optimizer.param_groups[0]['lr']:.2e}",
                        tok_s=f"{tokens_per_second:,.0f}", refresh=False)  # redrawn at the bar's own pace
        last = step + 1 == tc.steps
        if (step + 1) % tc.eval_every == 0 or last:
            val = validation_loss(model, tokens["val"], starts["val"], tc)
            log["evals"].append({"step": step + 1, "tokens": (step + 1) * tokens_per_step, "val_loss": round(val, 4),
                                 "train_loss": round(float(np.mean([s["loss"] for s in log["steps"][-tc.eval_every:]])), 4)})
            bar.write(f"step {step + 1}: train loss {log['evals'][-1]['train_loss']:.3f}, validation loss {val:.3f}")
            _save_state(state_path, model, optimizer, step + 1, log)
            window_start, window_tokens = time.perf_counter(), 0
        if step + 1 in snapshots:
            _save_snapshot(model, out / "history" / f"step-{step + 1:05d}", tok)
        if stop_after is not None and step + 1 >= stop_after:
            _save_state(state_path, model, optimizer, step + 1, log)
            return log

    model.eval()
    log["device"] = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    save_model(model, out, tokenizer_file=tok.path)
    (out / "training_log.json").write_text(json.dumps(log))
    # The words of the training text, so the app can point at a prompt's words the model never saw.
    write_training_words(Path(tc.data) / "train.txt", out)
    return log


def train_step(model: Transformer, optimizer, tokens: dict, starts: dict, step: int, tc: TrainConfig):
    """One optimiser step (0-based `step`): the schedule's learning rate, the step's batch, the loss, clipping.
    Returns (loss, gradient norm before clipping). The class training (llama_edu/class_training.py) runs this too."""
    for group in optimizer.param_groups:
        group["lr"] = learning_rate(step, tc)
    # The batch depends only on (seed, step): a resumed run sees exactly the batches it would have seen.
    gen = torch.Generator().manual_seed(tc.seed * 1_000_003 + step)
    inputs, targets = get_batch(tokens["train"], starts["train"], tc.batch_size, tc.seq_len, gen)
    loss = language_model_loss(model, inputs, targets, tc.bf16)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
    optimizer.step()
    return loss, grad_norm


def _save_snapshot(model: Transformer, folder: Path, tok: Tokenizer) -> None:
    """The model as it is now, in bfloat16 (half the bytes; a replay of training shows it, it is not trained on)."""
    copy = Transformer(model.cfg).to(torch.bfloat16)
    copy.load_state_dict({k: v.detach().to("cpu", torch.bfloat16) for k, v in model.state_dict().items()})
    save_model(copy, folder, tokenizer_file=tok.path)


def _save_state(path: Path, model, optimizer, step: int, log: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "log": json.dumps(log)}, tmp)
    os.replace(tmp, path)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a toy model in under two minutes")
    parser.add_argument("--resume", action="store_true", help="continue from the last saved training state")
    for field in dataclasses.fields(TrainConfig):
        if field.name in ("quick",):
            continue
        flag = "--" + field.name.replace("_", "-")
        if field.type in ("bool", bool):
            parser.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes"), default=None)
        else:
            kind = {"int": int, "float": float, "str": str}[str(field.type)]
            parser.add_argument(flag, type=kind, default=None)
    args = vars(parser.parse_args(argv))
    quick, resume = args.pop("quick"), args.pop("resume")
    changes = {k: v for k, v in args.items() if v is not None}
    tc = TrainConfig.quick_config(**changes) if quick else TrainConfig(**changes)
    if quick and "data" not in changes:
        tc.data = str(Path(tc.data).with_name(Path(tc.data).name + "-quick"))
    log = train(tc, resume=resume)
    final = log["evals"][-1]
    print(f"saved {tc.out}: validation loss {final['val_loss']:.3f} after {final['tokens']:,} tokens")


if __name__ == "__main__":
    main()
