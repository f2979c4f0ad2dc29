"""Watch it learn: the shipped tiny model at the checkpoints saved along the run that trained it.

    python -m llama_edu.history          # prints what each checkpoint predicts and how its previous-token head scores

`python -m llama_edu.train` saved bfloat16 copies of the model at the steps training_log.json lists as "snapshots"
(assets/tiny/history/step-00050, ...); the last point of the run is the shipped model itself. For each checkpoint
this module measures what assets/tiny/REPORT.md measures at the end, with the same functions:

    loss                 training batch loss at the step and validation loss where one was evaluated, read from
                         training_log.json (never recomputed)
    next token           llama_edu.evaluate.top_next_tokens after "The cat sat on the", over the whole vocabulary,
                         so "▁mat" has a rank even where it is far from the top five
    previous-token head  llama_edu.analysis.pattern_measures over held-out texts, find_head_roles for the strongest

REPORT measures heads over the first 100 held-out texts (6,699 tokens): 8.7 s of CPU time per checkpoint (one thread,
measured), 43 s for the history. The history uses the first HEAD_TEXTS of those same texts (1,541 tokens): 1.5 s per
checkpoint, about 5 s of waiting for the server's first visitor on 2 quiet cores. It names the same strongest head at
the end, L4H0, with 0.40 where REPORT prints 0.39 (0.403 vs 0.393; tests/test_history.py measures both and holds the
difference to HEAD_SCORE_TOLERANCE). Pass n_texts=N_REPORT_TEXTS to measure_history for REPORT's own figure.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from . import TINY_MODEL_DIR, load_model, load_tokenizer
from .analysis import HeadRole, find_head_roles, head_measures, pattern_measures
from .evaluate import top_next_tokens
from .quantise import heldout_texts

HISTORY_FOLDER = "history"  # <checkpoint>/history/step-NNNNN, as llama_edu.train saves them
PROMPT = "The cat sat on the"  # REPORT.md's next-token prompt (llama_edu.evaluate.report)
WATCHED = "▁mat"  # the piece REPORT's targets look for in the top five
TOP_K = 5  # REPORT's table
N_REPORT_TEXTS = 100  # REPORT's heads: the first 100 held-out texts (evaluate.report: val_stories[:100])
HEAD_TEXTS = 20  # the history's: the first 20 of them, a fifth of the tokens (see the module's docstring)
HEAD_SCORE_TOLERANCE = 0.015  # how far the history's final score may lie from REPORT's (measured: 0.010)


@dataclass(frozen=True)
class Checkpoint:
    step: int
    path: Path  # a checkpoint folder load_model reads
    tokens: int  # training tokens seen by this step
    final: bool  # the shipped model, not a snapshot


def training_log(model_dir: Path = TINY_MODEL_DIR) -> dict:
    return json.loads((Path(model_dir) / "training_log.json").read_text())


def checkpoints(model_dir: Path = TINY_MODEL_DIR, log: dict | None = None) -> list[Checkpoint]:
    """The snapshots training_log.json lists, then the final model, in order of their steps. A snapshot whose
    folder is missing is left out (a checkout without the history still has the final model)."""
    model_dir = Path(model_dir)
    log = log if log is not None else training_log(model_dir)
    per_step = log["config"]["batch_size"] * log["config"]["seq_len"]
    found = [Checkpoint(step, model_dir / HISTORY_FOLDER / f"step-{step:05d}", step * per_step, False)
             for step in log.get("snapshots", [])]
    found = [c for c in found if (c.path / "config.json").is_file()]
    last = log["steps"][-1]["step"]
    return found + [Checkpoint(last, model_dir, last * per_step, True)]


@dataclass(frozen=True)
class StepLoss:
    step: int
    train: float  # the loss of that step's training batch, as logged
    validation: float | None  # the validation loss evaluated at that step; None where none was (every eval_every)
    first: float  # the first step's training loss: where the run started
    uniform: float  # ln(vocabulary size): the loss of a model that gives every token the same chance
    eval_every: int  # steps between validation losses


def losses_at(log: dict, step: int) -> StepLoss:
    """The losses training_log.json holds for `step` (KeyError for a step the run did not reach)."""
    train = {s["step"]: s["loss"] for s in log["steps"]}
    validation = {e["step"]: e["val_loss"] for e in log["evals"]}
    vocab = log["model"]["vocab_size"]
    return StepLoss(step, train[step], validation.get(step), log["steps"][0]["loss"], math.log(vocab),
                    log["config"]["eval_every"])


def load_checkpoint(checkpoint: Checkpoint):
    """(model, tokenizer) on the CPU in float32, as REPORT loads the final model (snapshots are stored in bfloat16)."""
    return load_model(checkpoint.path, device="cpu", dtype="float32"), load_tokenizer(checkpoint.path)


@dataclass(frozen=True)
class Prediction:
    """The next-token distribution after a prompt, every piece of the vocabulary ranked, likeliest first."""
    prompt: str
    ranked: tuple[tuple[str, float], ...]

    def top(self, k: int = TOP_K) -> list[tuple[str, float]]:
        return list(self.ranked[:k])

    def rank(self, piece: str = WATCHED) -> int:
        """1 for the likeliest piece."""
        return next(i for i, (p, _) in enumerate(self.ranked, start=1) if p == piece)

    def probability(self, piece: str = WATCHED) -> float:
        return self.ranked[self.rank(piece) - 1][1]


def next_token_prediction(model, tok, prompt: str = PROMPT) -> Prediction:
    """evaluate.top_next_tokens (REPORT's table) asked for the whole vocabulary. prompt: at most the model's context."""
    return Prediction(prompt, tuple(top_next_tokens(model, tok, prompt, k=model.cfg.vocab_size)))


def head_texts(n: int = HEAD_TEXTS) -> list[str]:
    """The first n of REPORT's held-out texts (val.txt's first lines, rebuilt from the corpus seed)."""
    return heldout_texts(n)


def previous_token_scores(model, tok, texts: list[str]) -> torch.Tensor:
    """Each head's share of attention on the token just before the query, averaged over texts (analysis, as REPORT
    measures it).   -> [n_layers, n_heads]"""
    return pattern_measures(model, tok, texts)["previous_token"]


def strongest_head(scores: torch.Tensor) -> HeadRole:
    """The head with the highest previous-token score, as find_head_roles names it in REPORT."""
    return find_head_roles({"previous_token": scores}, threshold=0.0)[0]


def uniform_previous_token(tok, texts: list[str], max_seq_len: int) -> float:
    """The previous-token score of a head that spreads its attention evenly over every token it may see, on the same
    texts (analysis.head_measures of that pattern): what a head with no habit scores."""
    total = 0.0
    for text in texts:
        n = min(len(tok.encode(text)), max_seq_len)
        even = torch.tril(torch.ones(n, n))
        total += float(head_measures((even / even.sum(-1, keepdim=True))[None])["previous_token"][0])
    return total / len(texts)


@dataclass(frozen=True)
class Measured:
    """What the history shows of one checkpoint."""
    checkpoint: Checkpoint
    loss: StepLoss
    prediction: Prediction  # after PROMPT
    previous_token: torch.Tensor  # [n_layers, n_heads] over the head texts
    head: HeadRole  # the strongest previous-token head

    @property
    def step(self) -> int:
        return self.checkpoint.step


def measure(checkpoint: Checkpoint, log: dict, texts: list[str], model=None, tok=None) -> Measured:
    """Every measurement of one checkpoint (loaded here unless model and tok are given)."""
    if model is None:
        model, tok = load_checkpoint(checkpoint)
    scores = previous_token_scores(model, tok, texts)
    return Measured(checkpoint, losses_at(log, checkpoint.step), next_token_prediction(model, tok), scores,
                    strongest_head(scores))


# ---- the whole history -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class History:
    """Every checkpoint of the run measured, in order of their steps, on the same head texts."""
    log: dict  # training_log.json
    measured: tuple[Measured, ...]
    uniform_head: float  # uniform_previous_token on the head texts
    n_texts: int  # head texts
    n_tokens: int  # their tokens (BOS included), as the model read them
    report_tokens: int  # the tokens of REPORT's N_REPORT_TEXTS texts, counted the same way

    @property
    def steps(self) -> list[int]:
        return [m.step for m in self.measured]

    def at(self, step: int) -> Measured:
        return next(m for m in self.measured if m.step == step)

    @property
    def lead(self) -> HeadRole:
        """The strongest previous-token head at the end of the run."""
        return self.measured[-1].head

    def head_line(self, layer: int, head: int) -> list[float]:
        """One head's previous-token score at each checkpoint."""
        return [float(m.previous_token[layer, head]) for m in self.measured]

    def top_score(self) -> float:
        """The highest previous-token score of any head at any step: the top of every step's colour scale."""
        return max(m.head.score for m in self.measured)

    def notes(self, step: int) -> dict[str, list[tuple[str, dict]]]:
        """The sentences that explain one step, as (key of history.yaml, values) per section ("loss", "next",
        "heads"): which sentence is said depends on the measurements, and every number in it is one of them (a
        tuple of numbers is a sequence along the steps)."""
        return {"loss": _loss_notes(self, step), "next": _next_notes(self, step), "heads": _head_notes(self, step)}


def measure_history(model_dir: Path = TINY_MODEL_DIR, n_texts: int = HEAD_TEXTS, measure_checkpoint=None) -> History:
    """Every checkpoint of the run in model_dir, measured. measure_checkpoint(checkpoint, log, texts) -> Measured:
    default measure(); the app passes one that keeps each loaded checkpoint for the server."""
    log, texts = training_log(model_dir), head_texts(n_texts)
    measured = tuple((measure_checkpoint or measure)(c, log, texts) for c in checkpoints(model_dir, log))
    tok = load_tokenizer(model_dir)
    context = log["model"]["max_seq_len"]

    def tokens(some: list[str]) -> int:
        return sum(min(len(tok.encode(text)), context) for text in some)

    return History(log, measured, uniform_previous_token(tok, texts, context), len(texts), tokens(texts),
                   tokens(head_texts(N_REPORT_TEXTS)))


def _loss_notes(history: History, step: int) -> list[tuple[str, dict]]:
    at, final = history.at(step), history.measured[-1]
    loss = at.loss
    notes = [("note.loss", dict(step=step, steps=final.step, tokens=at.checkpoint.tokens, loss=loss.train,
                                first=loss.first, vocab=history.log["model"]["vocab_size"], uniform=loss.uniform))]
    if loss.validation is not None:
        notes.append(("note.validation", dict(validation=loss.validation)))
    else:
        notes.append(("note.no_validation", dict(every=loss.eval_every)))
    if at.checkpoint.final:
        half = (loss.first + loss.train) / 2
        half_step = next(s["step"] for s in history.log["steps"] if s["loss"] <= half)
        notes.append(("note.loss_half", dict(step=half_step, share=half_step / final.step)))
    else:
        notes.append(("note.loss_share", dict(share=(loss.first - loss.train) / (loss.first - final.loss.train),
                                              final=final.loss.train)))
    return notes


def _next_notes(history: History, step: int) -> list[tuple[str, dict]]:
    prediction = history.at(step).prediction
    (piece, p), rank = prediction.ranked[0], prediction.rank()
    notes = [("note.top_guess", dict(prompt=prediction.prompt, piece=piece, p=p, k=TOP_K,
                                     top=sum(q for _, q in prediction.top())))]
    if rank == 1:
        notes.append(("note.mat_first", dict(watched=WATCHED, p=prediction.probability())))
    elif rank <= TOP_K:
        notes.append(("note.mat_top", dict(watched=WATCHED, rank=rank, p=prediction.probability(), k=TOP_K)))
    else:
        notes.append(("note.mat_far", dict(watched=WATCHED, rank=rank, p=prediction.probability(),
                                           vocab=len(prediction.ranked), k=TOP_K)))
    ranks = tuple(m.prediction.rank() for m in history.measured)  # the page writes them joined by arrows
    entered = next((m.step for m in history.measured if m.prediction.rank() <= TOP_K), None)
    notes.append(("note.mat_ranks", dict(ranks=ranks, k=TOP_K)) if entered is None else
                 ("note.mat_entered", dict(ranks=ranks, step=entered, k=TOP_K)))
    return notes


def _head_notes(history: History, step: int) -> list[tuple[str, dict]]:
    at, lead = history.at(step), history.lead
    notes = [("note.head", dict(head=f"L{at.head.layer}H{at.head.head}", score=at.head.score,
                                uniform=history.uniform_head, times=at.head.score / history.uniform_head))]
    if (at.head.layer, at.head.head) != (lead.layer, lead.head):
        notes.append(("note.head_other", dict(head=f"L{lead.layer}H{lead.head}",
                                              score=float(at.previous_token[lead.layer, lead.head]))))
    line = history.head_line(lead.layer, lead.head)
    if len(line) > 1:
        i = max(range(len(line) - 1), key=lambda j: line[j + 1] - line[j])
        notes.append(("note.head_rise", dict(head=f"L{lead.layer}H{lead.head}", start=history.measured[i].step,
                                             end=history.measured[i + 1].step, before=line[i], after=line[i + 1])))
    return notes


def main() -> None:
    history = measure_history()
    print(f"previous-token scores over the first {history.n_texts} held-out texts ({history.n_tokens:,} tokens); "
          f"a head that spreads its attention evenly scores {history.uniform_head:.3f}")
    for m in history.measured:
        top = ", ".join(f"{piece} {p:.3f}" for piece, p in m.prediction.top())
        print(f"step {m.step:5d}  loss {m.loss.train:.3f}  {top}  ({WATCHED} rank {m.prediction.rank()})  {m.head}")


if __name__ == "__main__":
    main()
