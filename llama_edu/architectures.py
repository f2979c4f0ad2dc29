"""LLaMA next to GPT, BERT and T5: who may attend to whom, and what each is trained to predict, on one sentence.

    decoder-only     GPT, LLaMA   causal self-attention                 predict the next token at every position
    encoder-only     BERT         bidirectional self-attention          predict ~15% of tokens, hidden at random,
                                                                        and whether sentence B follows A (NSP)
    encoder-decoder  T5           encoder: bidirectional self-attention  predict the spans (~15% of tokens, mean
                                  decoder: causal self-attention +        length 3) the encoder's input lost
                                  cross-attention to the encoder

LLaMA's side is this repository's own code: its mask is llama_edu.model.causal_mask, its targets are cut by
llama_edu.train.get_batch. BERT's and T5's rules are small seeded re-implementations of the papers' recipes
(Devlin et al. 2019, arXiv 1810.04805, section 3.1; Raffel et al. 2020, arXiv 1910.10683, sections 3.1.4 and 3.3),
for comparison only: this repository trains neither model.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .model import causal_mask
from .train import get_batch


# ---- masks ------------------------------------------------------------------------------------------------------
def attention_masks(n_tokens: int) -> dict[str, torch.Tensor]:
    """The additive attention masks (0 = may attend, -inf = may not) of the three Transformer families, for one
    sequence of n_tokens. Rows are queries, columns keys, as in hook_scores.

        "decoder-only"     [T, T]    causal (GPT, LLaMA): llama_edu.model.causal_mask, what this model adds
        "encoder-only"     [T, T]    bidirectional (BERT): every token sees every token
        "encoder-decoder"  [2T, 2T]  T5, the same T tokens fed to the encoder (first T rows and columns) and to the
                                     decoder (last T): encoder self-attention bidirectional, decoder
                                     self-attention causal, decoder -> encoder cross-attention full, and the
                                     encoder never sees the decoder. In T5 these are separate attention sublayers
                                     (t5_attention_masks); one matrix shows who can read whom.
    """
    if n_tokens < 1:
        raise ValueError("needs at least one token")
    causal = causal_mask(n_tokens, n_tokens)  # [T, T]
    open_ = torch.zeros(n_tokens, n_tokens)  # [T, T]
    closed = torch.full((n_tokens, n_tokens), float("-inf"))  # [T, T]
    encoder_decoder = torch.cat([torch.cat([open_, closed], dim=1),  # encoder queries: encoder keys only
                                 torch.cat([open_, causal], dim=1)])  # decoder queries: cross + causal self
    return {"decoder-only": causal, "encoder-only": open_, "encoder-decoder": encoder_decoder}


def t5_attention_masks(n_encoder: int, n_decoder: int) -> dict[str, torch.Tensor]:
    """T5's three attention sublayers as additive masks (0 = may attend, -inf = may not); rows are queries.

        "encoder self-attention"  [Te, Te]  bidirectional: every input token sees every input token
        "decoder self-attention"  [Td, Td]  causal: llama_edu.model.causal_mask, as in LLaMA
        "cross-attention"         [Td, Te]  every decoder position reads every encoder position

    With Te = Td = T these are the blocks of attention_masks(T)["encoder-decoder"].
    """
    if n_encoder < 1 or n_decoder < 1:
        raise ValueError("needs at least one encoder and one decoder position")
    return {"encoder self-attention": torch.zeros(n_encoder, n_encoder),  # [Te, Te]
            "decoder self-attention": causal_mask(n_decoder, n_decoder),  # [Td, Td]
            "cross-attention": torch.zeros(n_decoder, n_encoder)}  # [Td, Te]


def largest_future_weight(cache: dict, n_layers: int) -> float:
    """The largest attention weight any head of any layer gave to a later token (a cell the causal mask forbids),
    read from the model's own hook_pattern. Exactly 0 when the mask the model ran is causal_mask."""
    largest = 0.0
    for layer in range(n_layers):
        pattern = cache[f"layers.{layer}.attention.hook_pattern"]  # [B, H, T, S]
        future = ~torch.isfinite(causal_mask(*pattern.shape[-2:], device=pattern.device))  # [T, S]
        if future.any():
            largest = max(largest, pattern[..., future].abs().max().item())
    return largest


# ---- GPT / LLaMA: the next token at every position ----------------------------------------------------------------
def next_token_targets(ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """(inputs, targets) of one training window holding exactly these ids, cut by the training code itself
    (llama_edu.train.get_batch): the target at position t is the token at t + 1."""
    if len(ids) < 2:
        raise ValueError("needs at least two tokens: one input and the token that follows it")
    tokens = np.asarray(ids, dtype=np.int64)
    inputs, targets = get_batch(tokens, np.array([0]), 1, len(ids) - 1, torch.Generator().manual_seed(0))
    return inputs[0].tolist(), targets[0].tolist()


@dataclass(frozen=True)
class NextTokenScores:
    """How the model did on each target of next_token_targets, from its logits for the window."""
    targets: list[int]
    probabilities: list[float]  # p(target | tokens up to t)
    losses: list[float]  # -ln p: the cross-entropy at each position
    top_ids: list[int]  # the model's own most likely next token at each position

    @property
    def mean_loss(self) -> float:
        """What llama_edu.train.language_model_loss returns for this window: the mean over positions."""
        return float(np.mean(self.losses))


def score_next_tokens(logits: torch.Tensor, ids: Sequence[int]) -> NextTokenScores:
    """logits [T, V] for the prompt ids (T of them) -> the model's score on every next-token target."""
    _, targets = next_token_targets(ids)
    scored = logits[:len(targets)].float()  # [T-1, V]: the last position has no target in the window
    target_ids = torch.tensor(targets, device=scored.device)
    losses = F.cross_entropy(scored, target_ids, reduction="none")  # [T-1]
    return NextTokenScores(targets=targets, probabilities=torch.exp(-losses).tolist(), losses=losses.tolist(),
                           top_ids=scored.argmax(-1).tolist())


# ---- BERT: masked language modelling --------------------------------------------------------------------------------
BERT_MASK_RATE = 0.15  # share of tokens picked for prediction
BERT_SPLIT = {"mask": 0.8, "random": 0.1, "keep": 0.1}  # what happens to a picked token
MASK = "[MASK]"


@dataclass(frozen=True)
class MaskedLM:
    """One masked-LM training example: what the encoder reads and what it must predict, position by position."""
    tokens: list  # the original sequence
    inputs: list  # what the encoder reads: picked tokens replaced by [MASK] or a random token, or kept
    actions: list  # per position: "mask", "random", "keep" (picked) or None (not picked)

    @property
    def targets(self) -> list:
        """The original token where a prediction is scored, None elsewhere (those positions add nothing to the loss)."""
        return [tok if action else None for tok, action in zip(self.tokens, self.actions)]

    @property
    def picked(self) -> list[int]:
        return [i for i, action in enumerate(self.actions) if action]


def masked_lm(tokens: Sequence, vocabulary: Sequence, *, seed: int = 0, rate: float = BERT_MASK_RATE,
              special: Sequence[int] = ()) -> MaskedLM:
    """BERT's rule: pick round(rate * n) of the n ordinary tokens (at least one), never the special positions
    ([CLS], [SEP]); replace each picked token by [MASK] with probability 0.8, by a random token of `vocabulary`
    with probability 0.1, and leave it unchanged with probability 0.1. The model predicts the original token at
    every picked position, whichever of the three happened to it."""
    rng = random.Random(seed)
    protected = set(special)
    candidates = [i for i in range(len(tokens)) if i not in protected]
    n_picked = min(len(candidates), max(1, round(rate * len(candidates)))) if candidates else 0
    inputs, actions = list(tokens), [None] * len(tokens)
    for i in sorted(rng.sample(candidates, n_picked)):
        draw = rng.random()
        if draw < BERT_SPLIT["mask"]:
            actions[i], inputs[i] = "mask", MASK
        elif draw < BERT_SPLIT["mask"] + BERT_SPLIT["random"]:
            actions[i], inputs[i] = "random", vocabulary[rng.randrange(len(vocabulary))]
        else:
            actions[i] = "keep"
    return MaskedLM(tokens=list(tokens), inputs=inputs, actions=actions)


# ---- T5: span corruption ------------------------------------------------------------------------------------------
T5_NOISE_DENSITY = 0.15  # share of tokens dropped
T5_MEAN_SPAN = 3.0  # mean length of a dropped span
T5_DECODER_START = "<pad>"  # T5 starts its decoder with the padding token


def sentinel(i: int) -> str:
    """T5's i-th sentinel token, as its vocabulary names it (the paper's figures write <X>, <Y>, <Z>)."""
    return f"<extra_id_{i}>"


@dataclass(frozen=True)
class SpanCorruption:
    """One span-corruption training example."""
    tokens: list  # the original sequence
    spans: list[tuple[int, int]]  # the dropped spans, [start, end) in `tokens`, in order
    inputs: list  # what the encoder reads: the kept tokens, one sentinel in place of each dropped span
    targets: list  # what the decoder writes: each sentinel followed by the tokens it hides, then one more sentinel

    @property
    def decoder_inputs(self) -> list:
        """What the decoder reads while writing `targets`: the targets shifted right by one (teacher forcing, as in
        LLaMA), after T5's start token."""
        return [T5_DECODER_START] + self.targets[:-1]


def _random_lengths(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split into `parts` lengths of at least 1, every such split equally likely."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


def span_corruption(tokens: Sequence, *, seed: int = 0, noise_density: float = T5_NOISE_DENSITY,
                    mean_span: float = T5_MEAN_SPAN) -> SpanCorruption:
    """T5's objective on `tokens`: drop round(density * n) tokens (at least 1, never all) in round(dropped / mean_span)
    spans (at least 1) of random lengths, at random places that keep the spans apart. The counts follow T5's
    preprocessing; the places are drawn anywhere in the sentence, as in the paper's figure (T5's own code always
    starts with a kept token and ends with a dropped one)."""
    rng = random.Random(seed)
    n = len(tokens)
    n_noise = min(max(round(noise_density * n), 1), n - 1) if n >= 2 else 0
    n_spans = max(round(n_noise / mean_span), 1) if n_noise else 0
    lengths = _random_lengths(rng, n_noise, n_spans) if n_spans else []
    # The n - n_noise kept tokens leave n - n_noise + 1 gaps (before, between, after); each span takes its own gap.
    gaps = sorted(rng.sample(range(n - n_noise + 1), n_spans))
    spans, inputs, targets, kept = [], [], [], 0
    for i, (gap, length) in enumerate(zip(gaps, lengths)):
        start = gap + sum(lengths[:i])  # kept tokens before this gap, plus the dropped tokens of earlier spans
        inputs += list(tokens[kept:start]) + [sentinel(i)]
        targets += [sentinel(i)] + list(tokens[start:start + length])
        spans.append((start, start + length))
        kept = start + length
    inputs += list(tokens[kept:])
    targets.append(sentinel(n_spans))
    return SpanCorruption(tokens=list(tokens), spans=spans, inputs=inputs, targets=targets)


def fill_spans(inputs: Sequence, targets: Sequence) -> list:
    """The original sequence back from a span-corruption pair: each sentinel in `inputs` replaced by the tokens that
    follow the same sentinel in `targets`."""
    sentinels = {sentinel(i) for i in range(len(targets))}
    hidden, current = {}, None
    for tok in targets:
        if tok in sentinels:
            current = hidden.setdefault(tok, [])
        elif current is not None:
            current.append(tok)
    out = []
    for tok in inputs:
        out += hidden[tok] if tok in hidden else [tok]
    return out
