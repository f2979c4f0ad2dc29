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
    """(sentence, subject word, verb word) triples like ("The cat in the garden sat down.", "cat", "sat").

    Every one starts "The <subject>": the subject is always the first noun, at position 2 (after `<s>` and "The").
    A head that looks from the verb at position 2, or at the first noun, scores here like a subject head; for that
    see moved_subject_probes."""
    probes = []
    for i, (subject, detour) in enumerate(itertools.product(_SUBJECTS, _DETOURS)):
        verb = _VERBS[i % len(_VERBS)]
        probes.append((f"The {subject} {detour} {verb} down.", subject, verb))
    return probes


# The same subjects, detours and verbs, moved behind an opening that names another noun first (the "first noun": a
# person or the rain, at position 2 or 3), so the subject sits at position 5, 6, 7 or 9 and is never the first noun.
# Verb and subject are as far apart as in subject_verb_probes (4 or 5 tokens): only the subject's place changes.
_OPENINGS = [("The boy said the", "boy"), ("The girl saw that the", "girl"), ("After the rain stopped, the", "rain"),
             ("While the man read a book, the", "man")]
_MOVED_SUBJECTS = ["cat", "dog", "bird", "rabbit"]  # the first four of _SUBJECTS that no opening names


def moved_subject_probes() -> list[tuple[str, str, str, str]]:
    """(sentence, subject, verb, first noun) like ("The girl saw that the dog from the big farm sang.", "dog", "sang",
    "girl"): 4 openings x 4 subjects, each opening and each subject with every detour once."""
    probes = []
    for i, (opening, first_noun) in enumerate(_OPENINGS):
        for j, subject in enumerate(_MOVED_SUBJECTS):
            detour, verb = _DETOURS[(i + j) % len(_DETOURS)], _VERBS[(i * len(_MOVED_SUBJECTS) + j) % len(_VERBS)]
            probes.append((f"{opening} {subject} {detour} {verb}.", subject, verb, first_noun))
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
# A role whose measure a simpler habit can fake, and the measures of those habits on the same sentences (the
# controls): a head has the role only if its measure beats each control that `measures` holds by CONTROL_MARGIN.
ROLE_CONTROLS = {"subject of the verb": ("first_noun", "token_before_verb")}
CONTROL_MARGIN = 0.2


@torch.no_grad()
def measure_heads(model, tok, texts: list[str]) -> dict[str, torch.Tensor]:
    """Every head's measures averaged over texts, plus attention from each probe verb to its subject and to the
    subject's controls (subject_scores).   Returns {measure: [n_layers, n_heads]}."""
    return pattern_measures(model, tok, texts) | subject_scores(model, tok)


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


def _mean_attention(model, tok, sentences: list[str], places: list[tuple[int, list[int]]]) -> list[torch.Tensor]:
    """For each sentence a query position and key positions: the attention from the query to each key, averaged over
    the sentences, from one batched run.   -> one [n_layers, n_heads] per key slot"""
    patterns = batched_patterns(model, [tok.encode(sentence) for sentence in sentences])
    totals = [torch.zeros(model.cfg.n_layers, model.cfg.n_heads) for _ in places[0][1]]
    for (query, keys), layers in zip(places, patterns):
        for i, pattern in enumerate(layers):  # [H, T, T]
            for total, key in zip(totals, keys):
                total[i] += pattern[:, query, key].float().cpu()
    return [total / len(sentences) for total in totals]


@torch.no_grad()
def subject_scores(model, tok, probes: list[tuple[str, str, str, str]] | None = None) -> dict[str, torch.Tensor]:
    """Attention from each probe's verb (its first token) to its subject (the subject's last token), and to what a
    head with a simpler habit would look at instead, averaged over probes (default: moved_subject_probes), from one
    batched run.   -> {measure: [n_layers, n_heads]} for
        subject_of_verb     the subject
        first_noun          the sentence's first noun (its last token): where subject_verb_probes put the subject,
                            at position 2; in the moved probes another noun, at position 2 or 3
        token_before_verb   the token just before the verb (in the probes the last noun of the detour, "garden")
    first_noun and token_before_verb are the controls (ROLE_CONTROLS): a head that looks at position 2, at the
    first noun or one token back scores there, not only on subject_of_verb. find_head_roles names a subject head
    only if its subject score beats both controls by CONTROL_MARGIN. (In subject_verb_probes the first noun is the
    subject: there the first_noun control equals the subject score, and no head can pass it.)"""
    probes = probes or moved_subject_probes()
    places = []
    for sentence, subject, verb, first_noun in probes:
        verb_pos = word_token_positions(tok, sentence, verb)[0]
        places.append((verb_pos, [word_token_positions(tok, sentence, subject)[1],
                                  word_token_positions(tok, sentence, first_noun)[1], verb_pos - 1]))
    scores = _mean_attention(model, tok, [sentence for sentence, *_ in probes], places)
    return dict(zip(("subject_of_verb", "first_noun", "token_before_verb"), scores))


@torch.no_grad()
def subject_of_verb(model, tok, probes: list[tuple] | None = None) -> torch.Tensor:
    """Attention from each probe's verb (its first token) to the last token of its subject, averaged.
    -> [n_layers, n_heads]

    probes: (sentence, subject, verb, ...) tuples; by default moved_subject_probes, where the subject is not the
    first noun. (In subject_verb_probes it always is: there a head that looks at position 2 scores as well.)"""
    probes = probes or moved_subject_probes()
    places = [(word_token_positions(tok, sentence, verb)[0], [word_token_positions(tok, sentence, subject)[1]])
              for sentence, subject, verb, *_ in probes]
    return _mean_attention(model, tok, [sentence for sentence, *_ in probes], places)[0]


def find_head_roles(measures: dict[str, torch.Tensor], threshold: float = 0.2) -> list[HeadRole]:
    """The strongest heads for each job (at most 3 per role, each above threshold), strongest first; a role whose
    measure is missing from `measures` is skipped. Where `measures` also holds the role's controls (ROLE_CONTROLS: for
    the subject, verb -> first noun and verb -> the token before it), a head needs a measure at least CONTROL_MARGIN
    above each of them.

    Averages over every position dilute jobs that only some tokens trigger (a verb looking at its subject), so
    scores well below 1 can still mark a head that does the job sharply where it applies."""
    roles = []
    for role, measure in ROLE_MEASURES.items():
        if measure not in measures:  # e.g. one prompt's measures, without the probe sentences' subject_of_verb
            continue
        values = measures[measure]
        beats = torch.ones_like(values, dtype=torch.bool)
        for control in ROLE_CONTROLS.get(role, ()):
            if control in measures:
                beats &= values - measures[control] >= CONTROL_MARGIN
        ranked = sorted(((float(values[l, h]), l, h) for l in range(values.shape[0]) for h in range(values.shape[1])
                         if beats[l, h]), reverse=True)
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
