"""Evidence that a trained model learned: held-out bits per character, generations, next-token guesses, and
attention heads with a recognisable job. Writes REPORT.md, loss_curve.png and model_card.json (the figures the app's
"About this model" card shows) next to the checkpoint.

    python -m llama_edu.evaluate assets/tiny --data data/tiny
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

from .analysis import find_head_roles, measure_heads
from .checkpoints import load_model
from .generate import generate
from .tokenizer import load_tokenizer
from .training_words import training_words

# Everyday story sentences written by hand (names, numbers, questions, dialogue, weather, school, food, family):
# the English a class types, kept apart from the generator, which never reads this file. A model that only learned
# its own synthetic world scores far worse here than on its held-out stories.
EVERYDAY_SENTENCES = Path(__file__).resolve().parent / "eval_data" / "everyday_sentences.txt"

PROMPTS = ["The cat sat on the", "Once upon a time, there was a little", "Lily was sad because",
           '"Can I play too?" asked']


@torch.no_grad()
def bits_per_character(model, tok, texts: list[str]) -> float:
    """Total surprise of the text under the model, in bits, divided by its length in characters.

    Unlike loss per token, this does not depend on the tokenizer, so models with different vocabularies compare.
    """
    total_nats, total_chars = 0.0, 0
    for text in texts:
        ids = tok.encode(text, eos=True)[: model.cfg.max_seq_len]
        tokens = torch.tensor([ids], device=model.device)
        logits = model(tokens[:, :-1])  # predict tokens 1..n from their prefixes
        total_nats += F.cross_entropy(logits[0].float(), tokens[0, 1:], reduction="sum").item()
        total_chars += len(tok.decode(ids[1:]))  # the characters those tokens spell
    return total_nats / math.log(2) / total_chars


def everyday_sentences() -> list[str]:
    return [line for line in EVERYDAY_SENTENCES.read_text(encoding="utf-8").splitlines() if line.strip()]


@torch.no_grad()
def top_next_tokens(model, tok, prompt: str, k: int = 5) -> list[tuple[str, float]]:
    logits = model(torch.tensor([tok.encode(prompt)], device=model.device), last_only=True)[0, -1]
    probs = logits.float().softmax(-1)
    top = probs.topk(k)
    return [(tok.pieces([i])[0], float(p)) for p, i in zip(top.values, top.indices)]


def complete(model, tok, prompt: str, max_new_tokens: int = 40, **sampling) -> str:
    ids = tok.encode(prompt)
    new = []
    for t in generate(model, ids, max_new_tokens=max_new_tokens, stop_ids=[tok.eos_id], **sampling):
        if t == tok.eos_id:
            break
        new.append(t)
    return tok.decode(ids[1:] + new)


def plot_loss_curve(log: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = log["steps"]
    evals = log["evals"]
    tokens_per_step = log["config"]["batch_size"] * log["config"]["seq_len"]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.plot([s["step"] * tokens_per_step / 1e6 for s in steps], [s["loss"] for s in steps], lw=0.6, alpha=0.5,
            label="training batch loss")
    ax.plot([e["tokens"] / 1e6 for e in evals], [e["val_loss"] for e in evals], "o-", ms=3, label="validation loss")
    ax.set_xlabel("training tokens (millions)")
    ax.set_ylabel("cross-entropy (nats per token)")
    ax.set_title("The tiny LLaMA learning its corpus")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


MODEL_CARD = "model_card.json"
N_HELDOUT_STORIES = 400  # the first 400 stories of val.txt: the same held-out set as REPORT.md


def heldout_stories(data: Path, n: int = N_HELDOUT_STORIES) -> list[str]:
    return (Path(data) / "val.txt").read_text(encoding="utf-8").splitlines()[:n]


def model_card(checkpoint: Path, data: Path, model=None, tok=None) -> dict:
    """The figures of the app's "About this model" card, each measured here: training tokens (from
    training_log.json), distinct words of the training text (training_words.txt), and bits per character on the
    held-out stories (data/val.txt) and on the everyday sentences written by hand. None where a file is missing."""
    checkpoint = Path(checkpoint)
    model = model if model is not None else load_model(checkpoint, device="cpu", dtype="float32")
    tok = tok if tok is not None else load_tokenizer(checkpoint)
    log_path = checkpoint / "training_log.json"
    log = json.loads(log_path.read_text()) if log_path.is_file() else None
    known = training_words(checkpoint)
    everyday = everyday_sentences()
    heldout = heldout_stories(data) if (Path(data) / "val.txt").is_file() else None
    return {
        "training_tokens": log["evals"][-1]["tokens"] if log else None,
        "distinct_words": len(known) if known is not None else None,
        "heldout_bits_per_char": bits_per_character(model, tok, heldout) if heldout else None,
        "n_heldout_stories": len(heldout) if heldout else None,
        "everyday_bits_per_char": bits_per_character(model, tok, everyday),
        "n_everyday_sentences": len(everyday),
    }


def write_model_card(checkpoint: Path, data: Path, model=None, tok=None) -> dict:
    """model_card() measured and written next to the checkpoint (python -m llama_edu.evaluate writes it too)."""
    card = model_card(checkpoint, data, model, tok)
    (Path(checkpoint) / MODEL_CARD).write_text(json.dumps(card, indent=2) + "\n")
    return card


def read_model_card(checkpoint: Path) -> dict | None:
    """The figures write_model_card wrote next to the checkpoint; None where it has none, or one with a gap."""
    path = Path(checkpoint) / MODEL_CARD
    if not path.is_file():
        return None
    card = json.loads(path.read_text())
    return card if all(value is not None for value in card.values()) else None


def report(checkpoint: Path, data: Path) -> tuple[str, dict]:
    """(REPORT.md's text, the model card's figures): the model is loaded and each figure measured once, for both."""
    model = load_model(checkpoint, device="cpu", dtype="float32")
    tok = load_tokenizer(checkpoint)
    val_stories = heldout_stories(data)
    card = model_card(checkpoint, data, model, tok)
    lines = [f"# {checkpoint.name}: evidence it learned", ""]
    log_path = checkpoint / "training_log.json"
    if log_path.is_file():
        log = json.loads(log_path.read_text())
        plot_loss_curve(log, checkpoint / "loss_curve.png")
        last = log["evals"][-1]
        seconds = sum(log["config"]["batch_size"] * log["config"]["seq_len"] / max(s["tokens_per_s"], 1)
                      for s in log["steps"])
        lines += [f"Trained on {last['tokens']:,} tokens in {len(log['steps'])} steps (~{seconds / 60:.0f} min of "
                  f"training steps on {log.get('device', 'an unrecorded device')}); final training loss "
                  f"{last['train_loss']:.3f}, validation loss "
                  f"{last['val_loss']:.3f} nats/token. Curve: loss_curve.png.", ""]
    lines += [f"Held-out bits per character: **{card['heldout_bits_per_char']:.3f}** "
              f"({card['n_heldout_stories']} validation stories).", ""]
    lines += [f"Bits per character on {card['n_everyday_sentences']} everyday sentences written by hand "
              f"({EVERYDAY_SENTENCES.name}, never seen by the generator): **{card['everyday_bits_per_char']:.3f}**.",
              ""]

    lines += ["## Next token after \"The cat sat on the\"", "", "| token | probability |", "|---|---|"]
    lines += [f"| `{piece}` | {p:.3f} |" for piece, p in top_next_tokens(model, tok, "The cat sat on the")]
    lines += ["", "## Generations", ""]
    for prompt in PROMPTS:
        lines.append(f"- greedy: {complete(model, tok, prompt)!r}")
        lines.append(f"- sampled (T=0.8, top-p 0.9, seed 0): "
                     f"{complete(model, tok, prompt, temperature=0.8, top_p=0.9, seed=0)!r}")
    lines += ["", "## Attention heads with a job (measured from hook_pattern over the validation stories)", ""]
    measures = measure_heads(model, tok, val_stories[:100])
    for role in find_head_roles(measures):
        lines.append(f"- {role}")
    return "\n".join(lines) + "\n", card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--data", type=Path, default=Path("data/tiny"), help="directory with val.txt")
    args = parser.parse_args(argv)
    text, card = report(args.checkpoint, args.data)
    (args.checkpoint / "REPORT.md").write_text(text)
    (args.checkpoint / MODEL_CARD).write_text(json.dumps(card, indent=2) + "\n")
    print(text)
    print(json.dumps(card))


if __name__ == "__main__":
    main()
