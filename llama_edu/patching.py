"""Two prompts side by side, and activation patching: which layers and heads carry the difference between them.

The student changes one word ("The cat sat on the mat" -> "The dog sat on the mat"). The first run is the *clean*
one, the second the *corrupted* one. Comparing them shows where the change spreads; patching shows where it matters:
run the corrupted prompt again, but copy one activation (one layer's residual stream at one position, or one head's
output) from the clean run into it, and measure how much of the clean run's prediction comes back. An activation
whose copy brings the prediction back carries the difference. (Vig et al., "Causal Mediation Analysis for
Interpreting Neural NLP" (2020); Meng et al., "Locating and Editing Factual Associations in GPT" (2022), who call
it causal tracing; Heimersheim & Nanda, "How to use and interpret activation patching" (2024).)

    compare_runs          both runs: residual stream per layer, attention patterns, next-token distributions
    logit_difference_metric   the metric: how much of the clean prediction a patched run restores (0 .. 1)
    run_patched           logits of runs of one prompt with activations copied in from another run
    patch_layers          layer x position map: one site (residual stream, attention or feed-forward output) at a time
    patch_heads           layer x head map: one head's output (its slice of hook_z) at every position at a time
    one_word_changed      the second prompt a page starts from: one word of the first swapped ("cat" -> "dog")

Patching needs both prompts to have the same number of tokens: an activation is copied to the same position.
Hooks belong to the call (hooks.py): the shared model is never changed, and the runs of one map go through the
model in batches, one patch per row.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from .config import ModelConfig, count_parameters
from .interventions import NextTokenChange, compare_next_token
from .model import Transformer

# Where a patch can copy from, per layer: the hook names (model.py), and what each holds.
SITES = {
    "resid_pre": "layers.{layer}.hook_resid_pre",  # the residual stream entering the block   [B, T, D]
    "attn_out": "layers.{layer}.attention.hook_out",  # what the block's attention adds to it  [B, T, D]
    "mlp_out": "layers.{layer}.feed_forward.hook_out",  # what its feed-forward adds to it     [B, T, D]
    "z": "layers.{layer}.attention.hook_z",  # every head's weighted values, before wo          [B, T, H, hd]
}
LAYER_SITES = ("resid_pre", "attn_out", "mlp_out")  # what patch_layers patches, one position at a time

# Work one map may cost, in parameters x tokens (one forward pass of T tokens through P parameters costs about P * T
# multiply-adds): 3e10 covers every cell of the shipped tiny model (6.3 M parameters, 6 layers x 8 heads) up to 28
# tokens, a fifth of a second there; a 7B gets MIN_RUNS, seconds on a GPU, a minute in bfloat16 on a laptop CPU.
WORK_BUDGET = 3e10
MIN_RUNS = 4  # however large the model: a map with fewer measured cells shows too little
MAX_BATCH_TOKENS = 1024  # tokens per batched forward pass (rows x positions): bounds its memory and its time
# Every forward pass runs inside `with turn():`. The app passes its model queue's take (llama_edu/serving.py: Turns),
# so that other students' runs go between the batches of a map instead of waiting for all of it.
Turn = Callable[[], contextlib.AbstractContextManager]
MIN_LOGIT_DIFFERENCE = 1e-3  # nats: clean and corrupted logit differences closer than this leave nothing to restore


class UnequalLengths(ValueError):
    """Patching copies an activation to the same position of the other run: the prompts need the same number of
    tokens."""

    def __init__(self, clean_tokens: int, corrupt_tokens: int):
        self.clean_tokens, self.corrupt_tokens = clean_tokens, corrupt_tokens
        super().__init__(f"activation patching needs two prompts of the same length in tokens: the clean prompt has "
                         f"{clean_tokens}, the corrupted one {corrupt_tokens}")


class NothingToRestore(ValueError):
    """The two runs give the same logit difference between the answer tokens: a patch has nothing to bring back."""


def check_lengths(clean_ids: Sequence[int], corrupt_ids: Sequence[int]) -> None:
    """Raise UnequalLengths (with both lengths) unless the two prompts have the same number of tokens."""
    if len(clean_ids) != len(corrupt_ids):
        raise UnequalLengths(len(clean_ids), len(corrupt_ids))


def affordable_runs(cfg: ModelConfig, n_tokens: int, budget: float = WORK_BUDGET) -> int:
    """How many patched forward passes of n_tokens one map may run: WORK_BUDGET / (parameters x tokens), at least
    MIN_RUNS. 677 for the tiny model on 7 tokens (its 42 cells of layer x position and 48 heads need 90), 4 for a 7B."""
    return max(MIN_RUNS, int(budget // (count_parameters(cfg) * max(n_tokens, 1))))


# ---- the two runs side by side ----------------------------------------------------------------------------------
@dataclass
class Comparison:
    """Two runs of the model, on the clean and the corrupted prompt (tensors in float32, on the CPU)."""
    clean_ids: list[int]
    corrupt_ids: list[int]
    # The residual stream after the embedding (row 0) and after each layer (row i + 1), at each position:
    # the length of the clean vector, and of the difference clean - corrupted. [L + 1, T]; None when the prompts'
    # lengths differ (positions do not line up).
    clean_norm: torch.Tensor | None
    difference_norm: torch.Tensor | None
    # The same at the last position, which holds the prediction; defined for any two lengths.   [L + 1]
    last_clean_norm: torch.Tensor
    last_difference_norm: torch.Tensor
    clean_patterns: list[torch.Tensor]  # hook_pattern per layer, [H, T, T]
    corrupt_patterns: list[torch.Tensor]  # [H, S, S]
    clean_logits: torch.Tensor  # the last position's logits [V]
    corrupt_logits: torch.Tensor  # [V]
    next_token: NextTokenChange  # before = the clean run, after = the corrupted run

    @property
    def same_length(self) -> bool:
        return len(self.clean_ids) == len(self.corrupt_ids)

    @property
    def changed_positions(self) -> list[int]:
        """Positions whose tokens differ (of the common length; the extra tokens of the longer prompt too)."""
        common = min(len(self.clean_ids), len(self.corrupt_ids))
        extra = list(range(common, max(len(self.clean_ids), len(self.corrupt_ids))))
        return [i for i in range(common) if self.clean_ids[i] != self.corrupt_ids[i]] + extra

    @property
    def relative_difference(self) -> torch.Tensor | None:
        """|clean - corrupted| / |clean| per layer and position: 0 = the same vector, about 1.4 = two unrelated
        vectors of the same length. Comparable across layers, where the stream's length grows.   [L + 1, T]"""
        if self.difference_norm is None:
            return None
        return self.difference_norm / self.clean_norm.clamp_min(1e-12)

    @property
    def last_relative_difference(self) -> torch.Tensor:
        return self.last_difference_norm / self.last_clean_norm.clamp_min(1e-12)

    @property
    def attention_change(self) -> torch.Tensor | None:
        """How far each head's attention moved: the total variation distance between its clean and corrupted rows
        (half the sum of |p - q| over the keys: 0 = the same weights, 1 = no overlap), averaged over the queries.
        [L, H]; None when the lengths differ."""
        if not self.same_length:
            return None
        return torch.stack([0.5 * (p - q).abs().sum(-1).mean(-1)
                            for p, q in zip(self.clean_patterns, self.corrupt_patterns)])


def _stream_names(n_layers: int) -> list[str]:
    return ["hook_embed"] + [f"layers.{i}.hook_resid_post" for i in range(n_layers)]


@torch.no_grad()
def compare_runs(model: Transformer, clean_ids: Sequence[int], corrupt_ids: Sequence[int], k: int = 8, *,
                 turn: Turn = contextlib.nullcontext) -> Comparison:
    """Run both prompts once (any lengths) and compare: the residual stream per layer, every layer's attention and
    the next-token distribution (the top k tokens of either run, compare_next_token)."""
    L = model.cfg.n_layers
    stream = _stream_names(L)
    patterns = [f"layers.{i}.attention.hook_pattern" for i in range(L)]
    captured = []
    for ids in (clean_ids, corrupt_ids):
        with turn():
            logits, cache = model.run_with_cache(torch.tensor([list(ids)], device=model.device),
                                                 names_filter=stream + patterns)
        residual = torch.stack([cache[name][0].float().cpu() for name in stream])  # [L + 1, T, D]
        captured.append((logits[0, -1].float().cpu(), residual, [cache[n][0].float().cpu() for n in patterns]))
    (clean_logits, clean_stream, clean_patterns), (corrupt_logits, corrupt_stream, corrupt_patterns) = captured
    same = len(clean_ids) == len(corrupt_ids)
    return Comparison(
        clean_ids=list(clean_ids), corrupt_ids=list(corrupt_ids),
        clean_norm=clean_stream.norm(dim=-1) if same else None,
        difference_norm=(clean_stream - corrupt_stream).norm(dim=-1) if same else None,
        last_clean_norm=clean_stream[:, -1].norm(dim=-1),
        last_difference_norm=(clean_stream[:, -1] - corrupt_stream[:, -1]).norm(dim=-1),
        clean_patterns=clean_patterns, corrupt_patterns=corrupt_patterns,
        clean_logits=clean_logits, corrupt_logits=corrupt_logits,
        next_token=compare_next_token(clean_logits, corrupt_logits, k=k))


# ---- the metric -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogitDifference:
    """The normalised logit difference: how much of the clean run's prediction a patched run restores.

        LD(run)   = logit[clean answer] - logit[corrupted answer]        at the last position
        restored  = (LD(patched) - LD(corrupted)) / (LD(clean) - LD(corrupted))

    1 = the patched run prefers the clean answer over the corrupted one exactly as much as the clean run did (the
    patch carried all of the difference); 0 = no effect (as the corrupted run); below 0 or above 1 = the patch
    overshoots. A logit difference equals the difference of the two log-probabilities (softmax shifts every logit
    of a run alike), so it compares the two answers and ignores every other token.

    The answers: the clean answer is the clean run's most likely next token; the corrupted answer the corrupted
    run's, where the two differ. Where both runs predict the same token ("." after "The cat/dog sat on the mat"),
    the corrupted answer is the token whose probability the change of prompt raised the most ("," there): the token
    the corrupted prompt pushes the prediction towards.
    """
    clean_answer: int
    corrupt_answer: int
    clean: float  # LD of the clean run
    corrupt: float  # LD of the corrupted run

    def difference(self, logits: torch.Tensor) -> torch.Tensor:
        """LD of last-position logits [..., V] -> [...]"""
        return logits[..., self.clean_answer].float() - logits[..., self.corrupt_answer].float()

    def __call__(self, logits: torch.Tensor) -> torch.Tensor:
        """restored share of last-position logits [..., V] -> [...]"""
        return (self.difference(logits) - self.corrupt) / (self.clean - self.corrupt)


def answer_tokens(clean_logits: torch.Tensor, corrupt_logits: torch.Tensor) -> tuple[int, int]:
    """(clean answer, corrupted answer) of two last-position logits [V], as LogitDifference explains."""
    clean_answer, corrupt_top = int(clean_logits.argmax()), int(corrupt_logits.argmax())
    if corrupt_top != clean_answer:
        return clean_answer, corrupt_top
    rise = corrupt_logits.float().softmax(-1) - clean_logits.float().softmax(-1)  # [V]
    rise[clean_answer] = float("-inf")
    if rise.numel() < 2:  # a vocabulary of one token: nothing to compare
        raise NothingToRestore("the vocabulary has only one token")
    return clean_answer, int(rise.argmax())


def logit_difference_metric(clean_logits: torch.Tensor, corrupt_logits: torch.Tensor,
                            answers: tuple[int, int] | None = None) -> LogitDifference:
    """The normalised logit difference for these two runs' last-position logits [V] (answers chosen by
    answer_tokens unless given). NothingToRestore where both runs give the two answers the same logit difference
    (within MIN_LOGIT_DIFFERENCE): identical prompts, or a change the prediction does not notice."""
    clean_answer, corrupt_answer = answers or answer_tokens(clean_logits, corrupt_logits)
    clean = float(clean_logits[clean_answer] - clean_logits[corrupt_answer])
    corrupt = float(corrupt_logits[clean_answer] - corrupt_logits[corrupt_answer])
    if not abs(clean - corrupt) >= MIN_LOGIT_DIFFERENCE:  # also catches NaN
        raise NothingToRestore(f"both runs give the answer tokens the same logit difference ({clean:.4f} and "
                               f"{corrupt:.4f}): a patch has nothing to restore")
    return LogitDifference(clean_answer, corrupt_answer, clean, corrupt)


# ---- patched runs -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Patch:
    """Copy `site` of `layer` from the source run: at one position (None: every position), and for site "z" one
    head's slice (None: every head)."""
    layer: int
    site: str = "resid_pre"
    position: int | None = None
    head: int | None = None

    @property
    def hook(self) -> str:
        return SITES[self.site].format(layer=self.layer)


def _check_patch(patch: Patch, cfg: ModelConfig, n_tokens: int) -> None:
    if patch.site not in SITES:
        raise ValueError(f"no site {patch.site!r}; patching knows {', '.join(SITES)}")
    if not 0 <= patch.layer < cfg.n_layers:
        raise ValueError(f"no layer {patch.layer}: the model has {cfg.n_layers}")
    if patch.position is not None and not 0 <= patch.position < n_tokens:
        raise ValueError(f"no position {patch.position} in a prompt of {n_tokens} tokens")
    if patch.head is not None and (patch.site != "z" or not 0 <= patch.head < cfg.n_heads):
        raise ValueError(f"no head {patch.head} at site {patch.site!r} of a model with {cfg.n_heads} heads "
                         f"(heads are patched at site 'z')")


def _copy_in(source: torch.Tensor, patches: list[tuple[int, Patch]]):
    """A hook that writes the source run's values [1, T, ...] into rows of the batch, one patch per row."""
    def hook(x: torch.Tensor, name: str) -> torch.Tensor:
        x = x.clone()  # the tensor may be shared with a capture: never change it in place
        for row, patch in patches:
            where = slice(None) if patch.position is None else patch.position
            if patch.head is None:
                x[row, where] = source[0, where].to(x.dtype)
            else:
                x[row, where, patch.head] = source[0, where, patch.head].to(x.dtype)
        return x
    return hook


@torch.inference_mode()
def run_patched(model: Transformer, ids: Sequence[int], source: dict[str, torch.Tensor], patches: Sequence[Patch],
                *, last_only: bool = False, batch_size: int | None = None,
                turn: Turn = contextlib.nullcontext) -> torch.Tensor:
    """Logits (float32) of len(patches) runs of `ids`, run i with patches[i] copied in from `source` (a capture of
    another run of as many tokens, {hook name: [1, T, ...]}, e.g. run_with_cache's).   [N, T, V], or [N, 1, V]
    with last_only. Runs go through the model batch_size at a time (default: MAX_BATCH_TOKENS // T rows), each batch
    inside `with turn():`."""
    T = len(ids)
    for patch in patches:
        _check_patch(patch, model.cfg, T)
        if patch.hook not in source:
            raise KeyError(f"the source run holds no {patch.hook!r}")
        if source[patch.hook].shape[1] != T:
            raise UnequalLengths(source[patch.hook].shape[1], T)
    batch_size = batch_size or max(1, MAX_BATCH_TOKENS // max(T, 1))
    out = []
    for first in range(0, len(patches), batch_size):
        batch = list(enumerate(patches[first:first + batch_size]))
        by_hook: dict[str, list[tuple[int, Patch]]] = {}
        for row, patch in batch:
            by_hook.setdefault(patch.hook, []).append((row, patch))
        hooks = [(name, _copy_in(source[name], rows)) for name, rows in by_hook.items()]
        tokens = torch.tensor([list(ids)] * len(batch), device=model.device)
        with turn():
            out.append(model.run_with_hooks(tokens, fwd_hooks=hooks, last_only=last_only).float())
    if not out:
        return torch.zeros(0, 1 if last_only else T, model.cfg.vocab_size)
    return torch.cat(out)


# ---- the maps ---------------------------------------------------------------------------------------------------
@dataclass
class PatchMap:
    """What each patch restored (metric of the patched run; LogitDifference: 1 = all of it, 0 = nothing), by layer
    and position (patch_layers) or by layer and head (patch_heads)."""
    effect: torch.Tensor  # [L, T] or [L, H], float32 on the CPU; NaN where the budget left a patch unrun
    site: str  # what was copied: "resid_pre", "attn_out", "mlp_out", or "z" (one head's output)
    metric: Callable[[torch.Tensor], torch.Tensor]  # LogitDifference unless the caller gave another
    n_runs: int  # patched forward passes run
    n_cells: int  # patches the map has: the rest (effect NaN) were left out to keep within the budget
    n_same: int  # patches whose clean and corrupted activations are equal: effect 0 without a run

    @property
    def measured(self) -> torch.Tensor:
        return ~self.effect.isnan()

    @property
    def complete(self) -> bool:
        return bool(self.measured.all())

    def strongest(self) -> tuple[int, int, float]:
        """(layer, column, effect) of the measured cell with the largest effect."""
        values = self.effect.nan_to_num(float("-inf"))
        index = int(values.argmax())
        layer, column = divmod(index, values.shape[1])
        return layer, column, float(self.effect[layer, column])


def _both_runs(model: Transformer, clean_ids, corrupt_ids, names: list[str], turn: Turn):
    """(clean last logits [V], corrupted last logits [V], clean capture, corrupted capture) from one batch of two."""
    check_lengths(clean_ids, corrupt_ids)
    tokens = torch.tensor([list(clean_ids), list(corrupt_ids)], device=model.device)
    with turn():
        logits, cache = model.run_with_cache(tokens, names_filter=names)
    clean = {name: value[:1] for name, value in cache.items()}
    corrupt = {name: value[1:] for name, value in cache.items()}
    return logits[0, -1].float().cpu(), logits[1, -1].float().cpu(), clean, corrupt


def _measure(model, corrupt_ids, clean, corrupt, cells: dict[tuple[int, int], Patch], shape, metric, max_runs,
             priority: Callable[[Patch], float], turn: Turn) -> tuple[torch.Tensor, int, int]:
    """Run the patches of `cells` {(row, column) of the map: Patch} (at most max_runs of them, those of the highest
    priority first) and fill the map. A patch whose activation is the same in both runs changes nothing: 0, no run.
    Returns (effect [shape], runs, patches with equal activations)."""
    effect = torch.full(shape, float("nan"))
    to_run = {}
    for cell, patch in cells.items():
        if torch.equal(_selected(clean[patch.hook], patch), _selected(corrupt[patch.hook], patch)):
            effect[cell] = 0.0
        else:
            to_run[cell] = patch
    n_same = len(cells) - len(to_run)
    if len(to_run) > max_runs:
        kept = sorted(to_run, key=lambda cell: -priority(to_run[cell]))[:max_runs]
        to_run = {cell: to_run[cell] for cell in sorted(kept)}
    if to_run:
        logits = run_patched(model, corrupt_ids, clean, list(to_run.values()), last_only=True, turn=turn)[:, -1]
        values = metric(logits.cpu()).float()
        for cell, value in zip(to_run, values):
            effect[cell] = value
    return effect, len(to_run), n_same


def _selected(x: torch.Tensor, patch: Patch) -> torch.Tensor:
    """The part of a capture [1, T, ...] that the patch copies."""
    where = slice(None) if patch.position is None else patch.position
    return x[0, where] if patch.head is None else x[0, where, patch.head]


@torch.inference_mode()
def patch_layers(model: Transformer, clean_ids: Sequence[int], corrupt_ids: Sequence[int],
                 metric: Callable[[torch.Tensor], torch.Tensor] | None = None, *, site: str = "resid_pre",
                 max_runs: int | None = None, turn: Turn = contextlib.nullcontext) -> PatchMap:
    """Layer x position map: for every layer and position, run the corrupted prompt with `site` of that layer at that
    position copied from the clean run, and measure the metric (default: logit_difference_metric of the two runs).

    site "resid_pre" copies the residual stream entering the layer: at layer 0 that is the token's embedding, so the
    changed position's cell there restores everything (1) and every other cell of layer 0 nothing. Positions before
    the first changed token hold the same values in both runs (attention looks only back): 0, without a run.
    At most max_runs patched runs (default affordable_runs); beyond it, the cells whose clean and corrupted values
    differ the most are run and the rest left NaN. UnequalLengths when the prompts' lengths differ. Every forward
    pass runs inside `with turn():` (see Turn)."""
    if site not in LAYER_SITES:
        raise ValueError(f"patch_layers patches one of {', '.join(LAYER_SITES)}, not {site!r}")
    L, T = model.cfg.n_layers, len(clean_ids)
    names = [SITES[site].format(layer=layer) for layer in range(L)]
    clean_logits, corrupt_logits, clean, corrupt = _both_runs(model, clean_ids, corrupt_ids, names, turn)
    metric = metric or logit_difference_metric(clean_logits, corrupt_logits)
    cells = {(layer, pos): Patch(layer, site, position=pos) for layer in range(L) for pos in range(T)}

    def priority(patch: Patch) -> float:
        return float((_selected(clean[patch.hook], patch) - _selected(corrupt[patch.hook], patch)).float().norm())

    max_runs = affordable_runs(model.cfg, T) if max_runs is None else max_runs
    effect, runs, same = _measure(model, corrupt_ids, clean, corrupt, cells, (L, T), metric, max_runs, priority,
                                   turn)
    return PatchMap(effect=effect, site=site, metric=metric, n_runs=runs, n_cells=len(cells), n_same=same)


@torch.inference_mode()
def patch_heads(model: Transformer, clean_ids: Sequence[int], corrupt_ids: Sequence[int],
                metric: Callable[[torch.Tensor], torch.Tensor] | None = None, *,
                max_runs: int | None = None, turn: Turn = contextlib.nullcontext) -> PatchMap:
    """Layer x head map: for every head, run the corrupted prompt with that head's output (its slice of hook_z, the
    weighted values before wo mixes the heads) copied from the clean run at every position, and measure the metric
    (default: logit_difference_metric of the two runs).

    At most max_runs patched runs (default affordable_runs: all 48 heads of the tiny model, 4 of a 7B's 1,024);
    beyond it, the heads whose write into the residual stream (wo times hook_z, summed over positions) differs most
    between the runs are run and the rest left NaN. UnequalLengths when the prompts' lengths differ. Every forward
    pass runs inside `with turn():` (see Turn)."""
    cfg = model.cfg
    L, H, T = cfg.n_layers, cfg.n_heads, len(clean_ids)
    names = [SITES["z"].format(layer=layer) for layer in range(L)]
    clean_logits, corrupt_logits, clean, corrupt = _both_runs(model, clean_ids, corrupt_ids, names, turn)
    metric = metric or logit_difference_metric(clean_logits, corrupt_logits)
    cells = {(layer, head): Patch(layer, "z", head=head) for layer in range(L) for head in range(H)}

    @functools.cache
    def writes(layer: int) -> torch.Tensor:
        """How differently each head of the layer writes into the stream: |wo_h (z_clean - z_corrupt)|.   [H]"""
        name = SITES["z"].format(layer=layer)
        change = (clean[name][0] - corrupt[name][0]).float()  # [T, H, hd]
        wo = model.layers[layer].attention.wo.weight.view(cfg.dim, H, cfg.head_dim)  # [D, H, hd]
        return torch.stack([(change[:, h] @ wo[:, h].float().T).norm() for h in range(H)]).cpu()

    def priority(patch: Patch) -> float:  # only asked when the budget cannot run every head
        return float(writes(patch.layer)[patch.head])

    max_runs = affordable_runs(cfg, T) if max_runs is None else max_runs
    effect, runs, same = _measure(model, corrupt_ids, clean, corrupt, cells, (L, H), metric, max_runs, priority,
                                   turn)
    return PatchMap(effect=effect, site="z", metric=metric, n_runs=runs, n_cells=len(cells), n_same=same)


# ---- the second prompt ------------------------------------------------------------------------------------------
# Pairs of words that swap into each other, each one piece after a space in the shipped tiny model's vocabulary, so
# that the swapped prompt keeps its number of tokens (which patching needs).
SWAPS = [("cat", "dog"), ("boy", "girl"), ("he", "she"), ("his", "her"), ("man", "woman"), ("big", "small"),
         ("king", "queen"), ("sun", "moon"), ("day", "night"), ("happy", "sad"), ("red", "blue"), ("mom", "dad"),
         ("bird", "fish"), ("mat", "hat"), ("Tom", "Ben"), ("Lily", "Anna"), ("grandmother", "grandfather"),
         ("sister", "brother"), ("aunt", "uncle"), ("my", "your"), ("morning", "evening"), ("bread", "cake"),
         ("school", "park"), ("teacher", "doctor"), ("house", "garden"), ("up", "down"), ("old", "new"),
         ("hot", "cold"), ("apple", "pear"), ("car", "bus"), ("milk", "tea"), ("ran", "walked"), ("ate", "drank"),
         ("Mr", "Mrs"), ("book", "ball"), ("summer", "winter"), ("rain", "snow"), ("we", "they")]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]  # each to the next
_SWAP = ({a.lower(): b for a, b in SWAPS} | {b.lower(): a for a, b in SWAPS}
         | {day.lower(): DAYS[(i + 1) % 7] for i, day in enumerate(DAYS)})
# A text with none of those words gets one of its words replaced by one of these (the last word first), the first
# that keeps the number of tokens when they can be counted.
STAND_INS = ["dog", "cat", "ball", "book", "tree", "house"]
_WORD = re.compile(r"[^\W\d_]+")  # a run of letters


def _same_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if like[0].isupper() else word


def one_word_changed(text: str, count_tokens: Callable[[str], int] | None = None) -> str:
    """The text with one word swapped for its partner in SWAPS ("The cat sat on the mat" -> "The dog sat on the
    mat"), the first such word of the text, case kept. count_tokens (e.g. lambda s: len(tok.encode(s))): prefer the
    first swap that keeps the number of tokens. A text with no word of SWAPS (or none that keeps the count) gets one
    word replaced by a stand-in (STAND_INS; without count_tokens: its last word by "dog", by "cat" where it is
    "dog"); a text without letters is returned as it is."""
    words = list(_WORD.finditer(text))
    options = []
    for match in words:
        partner = _SWAP.get(match.group().lower())
        if partner is not None:
            options.append((match, _same_case(partner, match.group())))
    for match in reversed(words):  # fallbacks, after every swap
        options += [(match, word) for word in STAND_INS if word != match.group().lower()]
    changed = [text[:m.start()] + new + text[m.end():] for m, new in options]
    if count_tokens is not None:
        n = count_tokens(text)
        for candidate in changed:
            if count_tokens(candidate) == n:
                return candidate
    return changed[0] if changed else text

