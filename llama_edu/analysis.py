"""Measuring what attention heads do, from the hooks: the numbers behind "this head looks at the previous token".

For one attention pattern [H, T, T] (query rows, key columns; rows sum to 1) each head gets:
    entropy           how spread out its attention is, in bits (0 = all on one token)
    mean_distance     how far back it looks on average, in tokens
    first_token       share of attention on position 0 (the BOS token: the "attention sink")
    previous_token    share on the token just before the query
    self_token        share on the query's own position
Averages run over query positions 1..T-1: at position 0 every head must attend to itself. At position 1 the
previous token *is* the first token, so a weight there counts for both: on a 7-token prompt that is one row in six,
on a story of hundreds of tokens it is negligible. Entropy is in bits (log base 2); a query at position i that
spreads evenly over the i + 1 tokens it may see has log2(i + 1) bits, so the average grows with the text's length.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import torch

MEASURES = ("entropy", "mean_distance", "first_token", "previous_token", "self_token")


def head_measures(pattern: torch.Tensor) -> dict[str, torch.Tensor]:
    """pattern [H, T, T] -> {measure: [H]}, averaged over query positions 1..T-1."""
    H, T, S = pattern.shape
    if T < 2:
        raise ValueError("head measures need at least two positions")
    if S != T:  # with a KV cache the query rows would not be positions 0..T-1 and the offsets below would be wrong
        raise ValueError(f"head measures need a square pattern (no KV cache), got {T} queries and {S} keys")
    p = pattern.float()[:, 1:, :]  # [H, T-1, S]: drop query 0, which can only see itself
    queries = torch.arange(1, T, device=p.device)  # absolute positions of the kept rows (no KV cache: S = T)
    keys = torch.arange(S, device=p.device)
    distance = (queries[:, None] - keys[None, :]).clamp(min=0).float()  # [T-1, S]
    entropy = -(p * torch.log2(p.clamp_min(1e-12))).sum(-1)  # [H, T-1]
    return {
        "entropy": entropy.mean(-1),
        "mean_distance": (p * distance).sum(-1).mean(-1),
        "first_token": p[:, :, 0].mean(-1),
        "previous_token": p[:, torch.arange(T - 1), queries - 1].mean(-1),
        "self_token": p[:, torch.arange(T - 1), queries].mean(-1),
    }


def layer_head_measures(patterns) -> dict[str, torch.Tensor]:
    """head_measures of every layer, stacked.   L patterns [H, T, T] (or a tensor [L, H, T, T]) -> {measure: [L, H]}"""
    per_layer = [head_measures(p) for p in patterns]
    return {m: torch.stack([layer[m].cpu() for layer in per_layer]) for m in MEASURES}


# Probe sentences for "the noun a verb belongs to": the subject sits several tokens before its verb, so a head
# that scores here is not just a previous-token head.
_SUBJECTS = ["cat", "dog", "bird", "girl", "boy", "rabbit", "duck", "bear"]
_DETOURS = ["in the garden", "with the red hat", "from the big farm", "near the old tree"]
_VERBS = ["sat", "ran", "jumped", "slept", "laughed", "sang", "smiled", "played"]


def subject_verb_probes() -> list[tuple[str, str, str]]:
    """(sentence, subject word, verb word) triples like ("The cat in the garden sat down.", "cat", "sat")."""
    probes = []
    for i, (subject, detour) in enumerate(itertools.product(_SUBJECTS, _DETOURS)):
        verb = _VERBS[i % len(_VERBS)]
        probes.append((f"The {subject} {detour} {verb} down.", subject, verb))
    return probes


def word_token_positions(tok, text: str, word: str) -> tuple[int, int]:
    """(first, last) token position of the first whole-word occurrence of word in text; BOS, where the tokenizer
    adds one, is position 0."""
    ids = tok.encode(text)
    first = tok.bos_count  # the text's first token
    # Where each token's text ends, from decoding ever longer prefixes (works for byte pieces and "▁" alike).
    ends = [len(tok.decode(ids[first:i + 1])) for i in range(first, len(ids))]
    starts = [0] + ends[:-1]
    match = re.search(rf"\b{re.escape(word)}\b", tok.decode(ids[first:]))
    if match is None:
        raise ValueError(f"{word!r} not found in {text!r}")
    covering = [first + i for i, (a, b) in enumerate(zip(starts, ends)) if a < match.end() and b > match.start()]
    return covering[0], covering[-1]


@dataclass
class HeadRole:
    layer: int
    head: int
    role: str
    score: float  # the measure behind the role, e.g. 0.93 of attention on the previous token

    def __str__(self) -> str:
        return f"L{self.layer}H{self.head}: {self.role} ({self.score:.2f})"


ROLE_MEASURES = {"previous token": "previous_token", "first token (attention sink)": "first_token",
                 "own token": "self_token", "subject of the verb": "subject_of_verb"}


@torch.no_grad()
def measure_heads(model, tok, texts: list[str]) -> dict[str, torch.Tensor]:
    """Every head's measures averaged over texts, plus attention from each probe verb to its subject.
    Returns {measure: [n_layers, n_heads]}."""
    result = pattern_measures(model, tok, texts)
    result["subject_of_verb"] = subject_of_verb(model, tok)
    return result


def batched_patterns(model, id_lists: list[list[int]]) -> list[list[torch.Tensor]]:
    """Every layer's attention pattern for each of several token lists, from one batched run: the lists are padded on
    the right, which a causal model's earlier positions never see, and each is cut back to its own length. One run
    of 32 short sentences reads the weights once, not 32 times (what a 7B on a CPU spends its time on).
    -> per list, per layer, [H, n, n]"""
    names = [f"layers.{i}.attention.hook_pattern" for i in range(model.cfg.n_layers)]
    lengths = [len(ids) for ids in id_lists]
    tokens = torch.tensor([ids + [0] * (max(lengths) - len(ids)) for ids in id_lists], device=model.device)
    # last_only: the logits of one position, not of all ~300 (with a vocabulary of 128,256 those would be most of
    # the run's work on a CPU); the patterns are the same.
    _, cache = model.run_with_cache(tokens, names_filter=names, last_only=True)
    return [[cache[name][b, :, :n, :n] for name in names] for b, n in enumerate(lengths)]


@torch.no_grad()
def pattern_measures(model, tok, texts: list[str]) -> dict[str, torch.Tensor]:
    """Every head's MEASURES averaged over texts (no probe sentences).   -> {measure: [n_layers, n_heads]}"""
    L, H = model.cfg.n_layers, model.cfg.n_heads
    totals = {m: torch.zeros(L, H) for m in MEASURES}
    for patterns in batched_patterns(model, [tok.encode(text)[: model.cfg.max_seq_len] for text in texts]):
        for m, value in layer_head_measures(patterns).items():
            totals[m] += value
    return {m: t / len(texts) for m, t in totals.items()}


@torch.no_grad()
def subject_of_verb(model, tok) -> torch.Tensor:
    """Attention from each probe sentence's verb to the last token of its subject, averaged.   -> [n_layers, n_heads]"""
    probes = subject_verb_probes()
    places = [(word_token_positions(tok, sentence, verb)[0], word_token_positions(tok, sentence, noun)[1])
              for sentence, noun, verb in probes]  # (verb position, subject position)
    patterns = batched_patterns(model, [tok.encode(sentence) for sentence, _, _ in probes])
    subject = torch.zeros(model.cfg.n_layers, model.cfg.n_heads)
    for (verb_pos, noun_pos), layers in zip(places, patterns):
        for i, pattern in enumerate(layers):
            subject[i] += pattern[:, verb_pos, noun_pos].float().cpu()
    return subject / len(probes)


def find_head_roles(measures: dict[str, torch.Tensor], threshold: float = 0.2) -> list[HeadRole]:
    """The strongest heads for each job (at most 3 per role, each above threshold), strongest first; a role whose
    measure is missing from `measures` is skipped.

    Averages over every position dilute jobs that only some tokens trigger (a verb looking at its subject), so
    scores well below 1 can still mark a head that does the job sharply where it applies."""
    roles = []
    for role, measure in ROLE_MEASURES.items():
        if measure not in measures:  # e.g. one prompt's measures, without the probe sentences' subject_of_verb
            continue
        values = measures[measure]
        ranked = sorted(((float(values[l, h]), l, h) for l in range(values.shape[0]) for h in range(values.shape[1])),
                        reverse=True)
        roles += [HeadRole(l, h, role, v) for v, l, h in ranked[:3] if v >= threshold]
    return roles


def probe_sentences() -> list[str]:
    """The probe sentences alone ("The cat in the garden sat down.", ...): short everyday text any model here reads."""
    return [sentence for sentence, _, _ in subject_verb_probes()]


@torch.no_grad()
def previous_token_head(model, tok, texts: list[str] | None = None) -> HeadRole:
    """The strongest previous-token head: find_head_roles' first "previous token" head, measured over texts
    (default: the 32 probe sentences).

    The app opens its head pickers on this head, because a head that looks one token back is the clearest sight of
    a head with a job. It is measured over sentences, not one prompt: on a six-token prompt the sinks score too,
    since at position 1 the previous token is the first token (on "The cat sat on the mat" L2H0 leads, a head that
    mostly looks at `<s>`). Over the probe sentences the tiny model's is L3H0 (tests/test_analysis.py).
    """
    measures = pattern_measures(model, tok, texts or probe_sentences())
    roles = find_head_roles({"previous_token": measures["previous_token"]}, threshold=0.0)
    return roles[0]
