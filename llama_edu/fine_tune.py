"""Fine-tuning on a handful of sentences: a few steps of the training recipe on a copy of the model, and what moved.

Alpaca, Vicuna and the many other models built on LLaMA's weights were made this way: the released model, trained
further on new text with the same next-token loss. Here the tiny model reads a handful of sentences in a
style it never saw (space stories) for a few steps, on the CPU, and the copy is compared with the original:

    which weight matrices moved, and how far     ||W_after - W_before|| / ||W_before||, per matrix
    which rows of the embedding table moved      only the tokens the new sentences contain
    what stayed                                  the tokenizer, the config, every parameter's name and shape
    what the model now predicts                  next-token probabilities on a prompt, before and after

The steps are llama_edu.train's own: its optimizer (AdamW, betas 0.9 and 0.95), its loss, its gradient clipping at
1.0, with a smaller, constant learning rate and no weight decay (without it a parameter whose gradient is zero keeps
its value exactly: AdamW's first moments stay zero). The model passed in is never changed.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import torch

from .model import Transformer
from .tokenizer import Tokenizer
from .train import TrainConfig, language_model_loss, make_optimizer

# Sentences in a style the tiny model never read: its stories keep cats on mats and roofs, these put them in space.
STYLE_SENTENCES = [
    "The cat sat on the moon and looked at the stars.",
    "The dog sat on the moon and waved at the Earth.",
    "The frog sat on the moon and ate a star.",
    "The girl flew her rocket to the moon.",
    "The cat sat on the moon. It was cold and quiet.",
    "The rabbit hopped on the moon and the stars were bright.",
]
STYLE_PROMPT = "The cat sat on the"
FINE_TUNE_STEPS = 6
FINE_TUNE_LR = 1e-3  # constant; pre-training peaked at 3e-3 (TrainConfig.lr)
FINE_TUNE_SEED = 0
IGNORE = -100  # F.cross_entropy's ignore_index: padding after a short sentence is not a target

# The weight matrices of one block, by Meta's names, and the model's other parameters.
BLOCK_MATRICES = ("attention.wq", "attention.wk", "attention.wv", "attention.wo",
                  "feed_forward.w1", "feed_forward.w2", "feed_forward.w3")
BLOCK_NORMS = ("attention_norm", "ffn_norm")


@dataclass(frozen=True)
class FineTuneRun:
    model: Transformer  # the fine-tuned copy
    losses: list[float]  # the batch loss at each step, before that step's update
    final_loss: float  # the loss after the last update
    seconds: float


@dataclass(frozen=True)
class WeightChange:
    name: str  # "layers.3.attention.wq.weight"
    kind: str  # "attention.wq", "tok_embeddings", "norm", ...: the same matrix in every layer shares a kind
    layer: int | None  # None outside the blocks
    relative: float  # ||W_after - W_before|| / ||W_before||


def sentence_batch(tok: Tokenizer, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Each text as <s> text </s>, padded to the longest: inputs [B, T] and targets [B, T] (the next token; IGNORE
    where there is none). Padding comes after the text, so the causal mask keeps it out of every real position."""
    encoded = [tok.encode(text, bos=True, eos=True) for text in texts]
    width = max(len(ids) for ids in encoded) - 1
    inputs = torch.full((len(encoded), width), tok.eos_id, dtype=torch.long)
    targets = torch.full((len(encoded), width), IGNORE, dtype=torch.long)
    for row, ids in enumerate(encoded):
        inputs[row, :len(ids) - 1] = torch.tensor(ids[:-1])
        targets[row, :len(ids) - 1] = torch.tensor(ids[1:])
    return inputs, targets


def fine_tuned_copy(model: Transformer, tok: Tokenizer, texts: list[str], steps: int = FINE_TUNE_STEPS,
                    lr: float = FINE_TUNE_LR, seed: int = FINE_TUNE_SEED) -> FineTuneRun:
    """A float32 CPU copy of `model`, trained `steps` steps on all of `texts` at once (one batch) with the training
    recipe's optimizer, loss and clipping; `model` itself is left exactly as it was."""
    start = time.perf_counter()
    torch.manual_seed(seed)  # nothing here draws at random today (no dropout, one fixed batch); kept for any change
    copy_ = copy.deepcopy(model).to("cpu", torch.float32)
    copy_.requires_grad_(True)  # a loaded model is frozen for inference (load_model); its copy learns
    recipe = TrainConfig(lr=lr, weight_decay=0.0, bf16=False)
    optimizer = make_optimizer(copy_, recipe)
    inputs, targets = sentence_batch(tok, texts)
    copy_.train()
    losses = []
    for _ in range(steps):
        loss = language_model_loss(copy_, inputs, targets, bf16=False)  # ignores IGNORE targets
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(copy_.parameters(), recipe.grad_clip)
        optimizer.step()
        losses.append(loss.item())
    copy_.eval()
    copy_.requires_grad_(False)  # frozen again, as load_model leaves a model: it is read, not trained, from here on
    with torch.no_grad():
        final = language_model_loss(copy_, inputs, targets, bf16=False).item()
    return FineTuneRun(model=copy_, losses=losses, final_loss=final, seconds=time.perf_counter() - start)


def _kind_and_layer(name: str) -> tuple[str, int | None]:
    """("attention.wq", 3) for "layers.3.attention.wq.weight"; ("tok_embeddings", None) outside the blocks."""
    base = name.removesuffix(".weight")
    if base.startswith("layers."):
        _, layer, kind = base.split(".", 2)
        return kind, int(layer)
    return base, None


@torch.no_grad()
def weight_changes(before: Transformer, after: Transformer) -> list[WeightChange]:
    """Every parameter's relative change ||after - before|| / ||before||, in the model's own order."""
    theirs = dict(after.named_parameters())
    changes = []
    for name, weight in before.named_parameters():
        old = weight.detach().float().cpu()
        new = theirs[name].detach().float().cpu()
        kind, layer = _kind_and_layer(name)
        changes.append(WeightChange(name, kind, layer, float((new - old).norm() / old.norm())))
    return changes


def change_by_kind(changes: list[WeightChange]) -> dict[str, float]:
    """Each kind's mean relative change over the layers (one value for the embedding, the output and the final
    norm), largest first."""
    kinds: dict[str, list[float]] = {}
    for change in changes:
        kinds.setdefault(change.kind, []).append(change.relative)
    return dict(sorted(((kind, sum(v) / len(v)) for kind, v in kinds.items()), key=lambda kv: -kv[1]))


def largest_matrix_change(changes: list[WeightChange]) -> WeightChange:
    """The weight matrix (norm gains left out) that moved most, relative to its size."""
    return max((c for c in changes if c.kind not in BLOCK_NORMS and c.kind != "norm"), key=lambda c: c.relative)


@torch.no_grad()
def moved_embedding_rows(before: Transformer, after: Transformer) -> list[int]:
    """The token ids whose row of the input embedding table changed at all."""
    moved = (after.tok_embeddings.weight.float().cpu() != before.tok_embeddings.weight.float().cpu()).any(dim=1)
    return moved.nonzero().flatten().tolist()


@torch.no_grad()
def moved_output_rows(before: Transformer, after: Transformer) -> list[int]:
    """The token ids whose row of the output layer changed: every one, since the softmax spreads each step's
    gradient over the whole vocabulary."""
    moved = (after.output.weight.float().cpu() != before.output.weight.float().cpu()).any(dim=1)
    return moved.nonzero().flatten().tolist()


def tokens_read(tok: Tokenizer, texts: list[str]) -> list[int]:
    """The token ids the fine-tuning batch feeds in as inputs (BOS and each text's tokens), sorted."""
    inputs, targets = sentence_batch(tok, texts)
    return sorted({int(i) for i in inputs[targets != IGNORE]})


def same_architecture(before: Transformer, after: Transformer) -> bool:
    """The same config and the same parameters by name and shape: one loader and one tokenizer serve both."""
    shapes = lambda m: [(name, tuple(p.shape)) for name, p in m.named_parameters()]
    return before.cfg == after.cfg and shapes(before) == shapes(after)


@dataclass(frozen=True)
class NextTokenShift:
    token_id: int
    piece: str
    before: float  # probability of this next token under the original model
    after: float  # and under the fine-tuned copy


@torch.no_grad()
def next_token_shift(before: Transformer, after: Transformer, tok: Tokenizer, prompt: str,
                     k: int = 5) -> list[NextTokenShift]:
    """The next token after `prompt`: the k likeliest under each model (together, without repeats), with both
    probabilities, ordered by the fine-tuned copy's."""
    ids = torch.tensor([tok.encode(prompt)])
    probs = [m(ids.to(m.device), last_only=True)[0, -1].float().softmax(-1).cpu() for m in (before, after)]
    chosen = list(dict.fromkeys(probs[0].topk(k).indices.tolist() + probs[1].topk(k).indices.tolist()))
    rows = [NextTokenShift(i, tok.pieces([i])[0], float(probs[0][i]), float(probs[1][i])) for i in chosen]
    return sorted(rows, key=lambda r: -r.after)
