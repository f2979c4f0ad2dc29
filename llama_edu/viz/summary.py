"""One sentence under every figure, computed from its data: for screen readers (to them a chart is a picture with
no words) and for the back row of a lecture hall.

A figure function that knows what its figure means writes its own sentence into the figure with `with_summary`
(kept in fig.layout.meta["summary"], so it travels with the figure into caches and exports), from the numbers it
drew and in its language: "Layer 3, head 0 mostly looks at the previous token (0.71 of its attention on average)".
Every other figure gets `summarise`'s generic sentence, read off its traces: a heatmap's largest cells by row and
column label, the largest bars, where a line starts and ends and which way it goes, the titles of its panels.
app/common.py's show_figure writes the sentence under each figure it shows.

The sentences are plain text: token pieces and labels are the characters they are (a page escapes the sentence for
markdown; plotly's markup in labels is undone here). Nothing here runs a model: a sentence costs about a millisecond.

The habits of a head are llama_edu.analysis's measures (head_measures: the share of attention on the first, the
previous and the own token, and the entropy), the same numbers the Layers page shows and find_head_roles ranks;
this module only puts words on them.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from .. import analysis
from ..i18n import number, t

SUMMARY_KEY = "summary"  # fig.layout.meta[SUMMARY_KEY]: a figure's own sentence

# A head "mostly looks at" a token when more than half of its attention goes there, on average over its queries
# (analysis.head_measures averages over query positions 1..T-1). Below that, two habits together that hold SPLIT of
# it are named as a split; a head whose entropy reaches SPREAD of an even spread's "spreads its attention out".
MOSTLY = 0.5
SPLIT = 0.6
SPREAD = 0.6
# The shares behind analysis.ROLE_MEASURES' roles that one pattern measures: previous, first (the sink), own token.
HABITS = tuple(m for m in analysis.ROLE_MEASURES.values() if m in analysis.MEASURES)
TOP_CELLS = 3  # how many cells, bars or lines a generic sentence names


# ---- a figure's own sentence ------------------------------------------------------------------------------------
def with_summary(fig: go.Figure, sentence: str) -> go.Figure:
    """fig with `sentence` as its summary (in layout.meta, beside anything else kept there); returns fig."""
    meta = fig.layout.meta
    fig.update_layout(meta={**(meta if isinstance(meta, dict) else {}), SUMMARY_KEY: sentence})
    return fig


def summary_of(fig: go.Figure) -> str | None:
    """The sentence a figure function wrote into the figure, if any."""
    meta = fig.layout.meta
    return meta.get(SUMMARY_KEY) if isinstance(meta, dict) else None


def summarise(fig: go.Figure, lang: str = "en") -> str:
    """One sentence saying what `fig` shows: its own (with_summary), else one read off its data (never empty)."""
    own = summary_of(fig)
    if own:
        return own
    try:
        return generic_summary(fig, lang)
    except (ValueError, TypeError, IndexError, KeyError):  # data of a shape no reader here expects: say less
        title = fig.layout.title.text if fig.layout.title else None
        return plain(title) or t("summary.generic.figure", lang)


# ---- words and numbers ------------------------------------------------------------------------------------------
_TAG = re.compile(r"<[^>]*>")


def plain(text) -> str:
    """A plotly label or title as the characters it shows: tags gone (<br> a space), entities read."""
    if text is None:
        return ""
    text = re.sub(r"<br\s*/?>", " ", str(text), flags=re.IGNORECASE)
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def quoted(text: str, lang: str = "en") -> str:
    """A token or label (plain text, see `plain`) in the language's quotation marks: “on” / „on“."""
    return t("summary.quote", lang, text=text)


def amount(value: float, lang: str = "en") -> str:
    """A number for a sentence: three significant digits or so, thousands separated, written the language's way."""
    size = abs(value)
    if size >= 1000:
        spec = ",.0f"
    elif size >= 100:
        spec = ".0f"
    elif size >= 10:
        spec = ".1f"
    elif size >= 0.01 or size == 0:
        spec = ".2f"
    else:
        spec = ".2g"  # 0.0078, 1.9e-05
    return number(value, spec, lang=lang)


def listed(items: Sequence[str], lang: str = "en") -> str:
    """ "a, b and c" (German "a, b und c")."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return t("summary.list.and", lang, items=", ".join(items[:-1]), last=items[-1])


def _numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().float().cpu().numpy()
    return np.asarray(_decoded(x), dtype=float)


def _decoded(value):
    """A trace's array as plotly keeps it after a round trip through to_dict (readable() makes one): numpy arrays
    become {"dtype": "f8", "bdata": base64, "shape": "3, 4"}. Anything else is returned as it is."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return flat.reshape([int(n) for n in str(shape).split(",")]) if shape else flat
    if isinstance(value, (list, tuple)) and any(isinstance(v, dict) and "bdata" in v for v in value):
        return [_decoded(v) for v in value]
    return value


# ---- attention heads ----------------------------------------------------------------------------------------------
@dataclass
class Habit:
    """What one head does, in analysis.head_measures' numbers."""
    kind: str  # one of HABITS (the head mostly looks there), or "split", "spread", "elsewhere"
    best: str  # the habit of HABITS with the largest share
    share: float  # its share
    other: str  # the habit with the second largest share
    other_share: float
    bits: float  # mean entropy
    even_bits: float  # the mean entropy of an even spread over the tokens each query may see


def even_spread_bits(n_tokens: int) -> float:
    """The mean entropy, over queries 1..T-1, of a head spreading evenly over the i + 1 tokens query i may see."""
    return float(np.mean(np.log2(np.arange(2, n_tokens + 1)))) if n_tokens > 1 else 0.0


def head_habits(pattern, *, window: bool = False) -> list[Habit]:
    """The habit of each head of pattern [H, T, T] (square, causal, rows summing to 1). window: the pattern is a
    window of a longer prompt (its first key is not the first token), so no head is called a sink."""
    p = torch.as_tensor(_numpy(pattern))
    measures = analysis.head_measures(p)
    even = even_spread_bits(p.shape[-1])
    habits = []
    for h in range(p.shape[0]):
        ranked = sorted(((float(measures[m][h]), m) for m in HABITS if not (window and m == "first_token")),
                        reverse=True)
        (share, best), (other_share, other) = ranked[0], ranked[1]
        bits = float(measures["entropy"][h])
        if share >= MOSTLY:
            kind = best
        elif share + other_share >= SPLIT:
            kind = "split"
        elif bits >= SPREAD * even:
            kind = "spread"
        else:
            kind = "elsewhere"
        habits.append(Habit(kind, best, share, other, other_share, bits, even))
    return habits


def head_name(layer: int | None, head: int | None, lang: str = "en") -> str:
    return (t("summary.head.named", lang, layer=layer, head=head) if layer is not None and head is not None
            else t("summary.head.this", lang))


def is_window(pattern: np.ndarray) -> bool:
    """A pattern [..., T, T] whose rows do not sum to 1: a window of a longer prompt, keys before it cut off."""
    return not np.allclose(np.nansum(pattern, axis=-1), 1.0, atol=1e-3)


def head_sentence(pattern, labels: Sequence[str], *, layer: int | None = None, head: int | None = None,
                  lang: str = "en") -> str:
    """One head's pattern [T, T] in words: "Layer 3, head 0 mostly looks at the previous token (0.71 of its
    attention on average)". In a window of a longer prompt (rows not summing to 1) no sink is named: the window's
    first key is not the first token."""
    z = _numpy(pattern)
    if z.ndim != 2 or z.shape[0] != z.shape[1] or z.shape[0] < 2:
        return ""
    habit = head_habits(z[None], window=is_window(z))[0]
    name = head_name(layer, head, lang)
    if habit.kind in HABITS:
        return t("summary.head.mostly", lang, head=name, habit=t(f"summary.habit.{habit.kind}", lang),
                 share=number(habit.share, ".2f", lang=lang))
    if habit.kind == "split":
        return t("summary.head.split", lang, head=name, habit=t(f"summary.between.{habit.best}", lang),
                 share=number(habit.share, ".2f", lang=lang), other=t(f"summary.between.{habit.other}", lang),
                 other_share=number(habit.other_share, ".2f", lang=lang))
    if habit.kind == "spread":
        return t("summary.head.spread", lang, head=name, bits=number(habit.bits, ".1f", lang=lang),
                 even=number(habit.even_bits, ".1f", lang=lang))
    lower = np.where(np.tri(*z.shape, dtype=bool), z, np.nan)[1:]  # queries 1.. (query 0 can only see itself)
    i, j = np.unravel_index(np.nanargmax(lower), lower.shape)
    return t("summary.head.elsewhere", lang, head=name, weight=number(float(lower[i, j]), ".2f", lang=lang),
             query=quoted(plain(labels[i + 1]), lang), key=quoted(plain(labels[j]), lang))


def _heads(numbers: list[int], lang: str) -> str:
    if len(numbers) == 1:
        return t("summary.heads.one", lang, head=numbers[0])
    return t("summary.heads.list", lang, heads=listed([str(n) for n in numbers], lang))


def heads_sentence(pattern, *, first_head: int = 0, lang: str = "en") -> str:
    """A layer's heads [H, T, T] grouped by habit: "What these 8 heads mostly look at: the previous token, head 1;
    the first token, heads 0, 2 and 5; no single one of them, heads 3, 4, 6 and 7." first_head: the number of the
    first."""
    z = _numpy(pattern)
    if z.ndim != 3 or z.shape[1] != z.shape[2] or z.shape[1] < 2:
        return ""
    groups: dict[str, list[int]] = {}
    for h, habit in enumerate(head_habits(z, window=is_window(z))):
        groups.setdefault(habit.kind if habit.kind in HABITS else "other", []).append(first_head + h)
    order = [*HABITS, "other"]
    parts = [t(f"summary.heads.group.{kind}", lang, heads=_heads(groups[kind], lang)) for kind in order
             if kind in groups]
    return t("summary.heads.sentence", lang, n=z.shape[0], groups="; ".join(parts))


def sink_sentence(share, lang: str = "en") -> str:
    """Layer x head shares of attention on the first token [L, H] in words: how many heads put more than half there,
    and the strongest."""
    z = _numpy(share)
    layer, head = np.unravel_index(np.nanargmax(z), z.shape)
    return t("summary.sink.sentence", lang, count=int((z > MOSTLY).sum()), n=z.size, layer=int(layer), head=int(head),
             share=number(float(z[layer, head]), ".2f", lang=lang))


# ---- next-token probabilities ---------------------------------------------------------------------------------------
def next_token_sentence(model_probs, sampling_probs, ids: Sequence[int], piece: Callable[[int], str],
                        lang: str = "en") -> str:
    """The three likeliest next tokens (ids, ranked by the model) and what sampling leaves of them."""
    probs, sampled = _numpy(model_probs), _numpy(sampling_probs)
    ids = list(ids)[:3]
    if len(ids) < 3:
        return ""
    names = [quoted(piece(i), lang) for i in ids]
    sentence = t("summary.next.sentence", lang, first=names[0], p=number(float(probs[ids[0]]), ".2f", lang=lang),
                 second=names[1], p2=number(float(probs[ids[1]]), ".2f", lang=lang), third=names[2],
                 p3=number(float(probs[ids[2]]), ".2f", lang=lang))
    if not np.allclose(probs, sampled):
        sentence += " " + t("summary.next.sampling", lang, first=names[0],
                            p=number(float(sampled[ids[0]]), ".2f", lang=lang),
                            n=number(int((sampled > 0).sum()), ",", lang=lang))
    return sentence


def ablation_sentence(tokens: Sequence[str], before: Sequence[float], after: Sequence[float], lang: str = "en") -> str:
    """Which next token an ablation moves most, from what to what."""
    if not tokens:
        return ""
    i = int(np.argmax(np.abs(np.asarray(after, dtype=float) - np.asarray(before, dtype=float))))
    return t("summary.ablation.sentence", lang, token=quoted(plain(tokens[i]), lang),
             before=number(before[i], ".2f", lang=lang), after=number(after[i], ".2f", lang=lang))


# ---- by layer: the logit lens and the residual stream's size ---------------------------------------------------------
_LAYER_HOOK = re.compile(r"layers\.(\d+)\.hook_resid_post")


def lens_sentence(top_ids, top_probs, hook_names: Sequence[str], position_label: str, piece: Callable[[int], str],
                  lang: str = "en") -> str:
    """The logit lens [stages, T, k] at its last position: the final top token, the stage from which it stays on top,
    and what the embedding alone predicts."""
    ids = np.asarray(top_ids)[:, -1, 0]  # [stages]: the top token at the last position, stage by stage
    final = ids[-1]
    stage = len(ids) - 1
    while stage > 0 and ids[stage - 1] == final:
        stage -= 1
    values = dict(position=quoted(plain(position_label), lang), token=quoted(piece(int(final)), lang),
                  p=number(float(np.asarray(top_probs)[-1, -1, 0]), ".2f", lang=lang))
    if stage == 0:
        return t("summary.lens.from_start", lang, **values)
    layer = _LAYER_HOOK.fullmatch(hook_names[stage])
    where = t("summary.lens.stage.layer", lang, layer=int(layer.group(1))) if layer else hook_names[stage]
    return t("summary.lens.sentence", lang, **values, stage=where, first=quoted(piece(int(ids[0])), lang))


def rms_sentence(series: dict[str, Sequence[float]], lang: str = "en") -> str:
    """Lines of a size by layer, the first the residual stream's: how much it grows; where the others stay.
    series: {name in the language: values by layer}"""
    if not series:
        return ""
    (name, values), *others = series.items()
    if len(values) < 2:
        return ""
    start, end = float(values[0]), float(values[-1])
    if end >= start and start > 0:
        sentence = t("summary.rms.sentence", lang, name=plain(name), start=amount(start, lang), end=amount(end, lang),
                     factor=amount(end / start, lang))
    else:
        sentence = t("summary.rms.shrinks", lang, name=plain(name), start=amount(start, lang), end=amount(end, lang))
    rest = [float(v) for _, vs in others for v in vs]
    if rest:
        sentence += " " + t("summary.rms.others", lang, low=amount(min(rest), lang), high=amount(max(rest), lang))
    return sentence


# ---- norms --------------------------------------------------------------------------------------------------------
def _rms(x) -> float:
    v = _numpy(x)
    return float(np.sqrt(np.mean(v ** 2)))


def norm_steps_sentence(x_in, normalized, gain, out, lang: str = "en") -> str:
    """One RMSNorm's steps for one token: RMS(x), the RMS after dividing, the gain's range, the output's RMS."""
    g = _numpy(gain)
    return t("summary.norm.steps", lang, rms=amount(_rms(x_in), lang), unit=amount(_rms(normalized), lang),
             low=amount(float(g.min()), lang), high=amount(float(g.max()), lang), out=amount(_rms(out), lang))


def shift_scale_sentence(changes: dict[str, float], lang: str = "en") -> str:
    """llama_edu.normalization.output_changes in words: how far a shift and scale move each norm's output."""
    return t("summary.norm.shift_scale", lang, rms=amount(changes["rms"], lang), layer=amount(changes["layer"], lang))


# ---- RoPE -----------------------------------------------------------------------------------------------------------
def turn_sentence(before: tuple[float, float], after: tuple[float, float], angle: float, lang: str = "en") -> str:
    """One pair turned by RoPE: by how much, and that its length stays. angle: in radians, wrapped to (-π, π]."""
    return t("summary.rope.turn", lang, angle=number(angle, "+.2f", lang=lang),
             degrees=number(math.degrees(angle), "+.0f", lang=lang), after=amount(math.hypot(*after), lang),
             before=amount(math.hypot(*before), lang))


def positions_sentence(pair: int, frequency: float, n_positions: int, lang: str = "en") -> str:
    """Pair i placed at positions 0..P-1: its speed, its wavelength and the turns over the positions shown."""
    turns = (n_positions - 1) * frequency / (2 * math.pi)
    return t("summary.rope.positions", lang, pair=pair, frequency=amount(frequency, lang),
             wavelength=amount(2 * math.pi / frequency, lang), turns=amount(turns, lang), n=n_positions)


def frequencies_sentence(slowest: dict[str, float], lang: str = "en") -> str:
    """slowest: {a base's label: the tokens its slowest pair needs for a full turn}."""
    return t("summary.rope.frequencies", lang, slowest=listed(
        [t("summary.rope.slowest_base", lang, n=number(n, ",.0f", lang=lang), base=plain(label))
         for label, n in slowest.items()], lang))


def relative_sentence(dots, lang: str = "en") -> str:
    """q·k [m, n] for every pair of positions: how little one offset's values differ, and the largest value's offset."""
    z = _numpy(dots)
    P = z.shape[0]
    spread = max(float(np.ptp(np.diagonal(z, offset=-d))) for d in range(-(P - 1), P))  # diagonal -d: m - n = d
    m, n = np.unravel_index(np.argmax(z), z.shape)
    return t("summary.rope.relative", lang, spread=amount(spread, lang), value=amount(float(z[m, n]), lang),
             offset=int(m - n))


# ---- any figure -----------------------------------------------------------------------------------------------------
_SCALE_TRACES = {"heatmap", "contour", "histogram2d"}


def generic_summary(fig: go.Figure, lang: str = "en") -> str:
    """A sentence read off any figure's data: the titles of its panels, then what its main traces show (a heatmap's
    largest cells, the largest bars, where lines go, the range of points)."""
    traces = [trace for trace in fig.data if getattr(trace, "visible", True) is not False]
    sentences = []
    panels = _panel_titles(fig)
    if len({getattr(trace, "xaxis", None) or "x" for trace in traces}) > 1 and panels:
        shown = [quoted(title, lang) for title in panels[:4]]
        if len(panels) > 4:
            shown.append(t("summary.generic.and_more", lang, n=len(panels) - 4))
        sentences.append(t("summary.generic.panels", lang, n=len(panels), titles="; ".join(shown)))
        first_axis = getattr(traces[0], "xaxis", None) or "x"
        traces = [trace for trace in traces if (getattr(trace, "xaxis", None) or "x") == first_axis]
        title = panels[0]  # what the first panel's values are, where its traces do not say
    else:
        title = plain(fig.layout.title.text) if fig.layout.title and fig.layout.title.text else ""
    for describe in (_heatmap_sentence, _bars_sentence, _lines_sentence, _points_sentence):
        sentence = describe(traces, fig, title, lang)
        if sentence:
            sentences.append(sentence)
            break
    if not sentences:
        sentences.append(title or t("summary.generic.figure", lang))
    return " ".join(sentences)


def _panel_titles(fig: go.Figure) -> list[str]:
    """make_subplots' titles: annotations on the paper, anchored at their bottom, above a panel."""
    return [plain(a.text) for a in fig.layout.annotations or ()
            if a.text and a.xref == "paper" and a.yref == "paper" and a.yanchor == "bottom" and a.showarrow is False]


def _labels(values, n: int, lang: str = "en") -> list[str]:
    """n labels along an axis: the trace's categories (two-level ones joined; numbers written the language's way),
    or positions 0..n-1."""
    values = _decoded(values)
    if values is None or len(values) == 0:
        return [str(i) for i in range(n)]
    values = list(values)
    if len(values) == 2 and all(isinstance(v, (list, tuple, np.ndarray)) and len(v) == n for v in values):
        return [f"{plain(a)} {plain(b)}" for a, b in zip(*values)]  # multicategory: (group, item)

    def label(value) -> str:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            return plain(value)
        return number(int(value), ",", lang=lang) if float(value).is_integer() else amount(float(value), lang)

    return [label(v) for v in values[:n]] + [str(i) for i in range(len(values), n)]


def _what(trace, fig: go.Figure, title: str, lang: str) -> str | None:
    """What a trace's values are: its name, its colour bar's title, the figure's title; None if nothing says."""
    bar_title = None
    if getattr(trace, "coloraxis", None):
        axis = fig.layout[trace.coloraxis]
        bar_title = axis.colorbar.title.text if axis and axis.colorbar and axis.colorbar.title else None
    elif hasattr(trace, "colorbar") and trace.colorbar and trace.colorbar.title:
        bar_title = trace.colorbar.title.text
    for text in (getattr(trace, "name", None), bar_title, title):
        if text and plain(text):
            return plain(text)
    return None


def _say(key: str, what: str | None, lang: str, **values) -> str:
    """A generic sentence about `what`, or its form without a subject when nothing names the values."""
    if what is None:
        return t(f"{key}_unnamed", lang, **values)
    return t(key, lang, what=what, **values)


def _heatmap_sentence(traces, fig, title, lang) -> str:
    for trace in traces:
        if trace.type not in _SCALE_TRACES or trace.z is None:
            continue
        z = np.array(_decoded(trace.z), dtype=float)
        if z.ndim != 2 or not np.isfinite(z).any():
            continue
        finite = z[np.isfinite(z)]
        if finite.min() == finite.max():
            continue  # one value everywhere: a mask drawn under the values, not the values
        rows, columns = _labels(trace.y, z.shape[0], lang), _labels(trace.x, z.shape[1], lang)
        what = _what(trace, fig, title, lang)
        values = np.unique(finite)
        if len(values) == 2:  # two kinds of cell (a mask): how many of each
            count = int((z == values[1]).sum())
            return _say("summary.generic.two_values", what, lang, count=number(count, ",", lang=lang),
                        n=number(finite.size, ",", lang=lang), high=amount(float(values[1]), lang),
                        rest=number(finite.size - count, ",", lang=lang), low=amount(float(values[0]), lang))
        shown = np.isfinite(z)
        if z.shape[0] == z.shape[1] and rows == columns:
            # A map of the same things against each other (similarity): each pair once, not with itself.
            shown &= ~np.tri(*z.shape, dtype=bool) if np.allclose(z, z.T, equal_nan=True) else ~np.eye(*z.shape,
                                                                                                     dtype=bool)

        def cells(order) -> str:
            found = [np.unravel_index(k, z.shape) for k in order[:TOP_CELLS]]
            return listed([t("summary.generic.cell", lang, value=amount(float(z[i, j]), lang),
                             row=quoted(rows[i], lang), column=quoted(columns[j], lang)) for i, j in found], lang)

        if not shown.any():
            shown = np.isfinite(z)
        high = np.where(shown, z, -np.inf).ravel()
        sentence = _say("summary.generic.heatmap", what, lang,
                        cells=cells(np.argsort(-high, kind="stable")[:min(TOP_CELLS, int(shown.sum()))]))
        if finite.min() < 0 < finite.max() and abs(finite.min()) >= 0.25 * finite.max():
            low = np.where(shown & (z < 0), z, np.inf).ravel()
            n_low = min(TOP_CELLS - 1, int(np.isfinite(low).sum()))
            sentence += " " + t("summary.generic.heatmap_negative", lang,
                                cells=cells(np.argsort(low, kind="stable")[:n_low]))
        return sentence
    return ""


def _numbers(values) -> np.ndarray | None:
    if values is None:
        return None
    try:
        array = np.array(_decoded(values), dtype=float)
    except (TypeError, ValueError):
        return None
    return array if array.ndim == 1 and np.isfinite(array).any() else None


def _bars_sentence(traces, fig, title, lang) -> str:
    parts = []
    for trace in [trace for trace in traces if trace.type == "bar"][:TOP_CELLS]:
        horizontal = trace.orientation == "h"
        values = _numbers(trace.x if horizontal else trace.y)
        if values is None:
            continue
        labels = _labels(trace.y if horizontal else trace.x, len(values), lang)
        order = np.argsort(-np.where(np.isfinite(values), values, -np.inf), kind="stable")[:TOP_CELLS]
        bars = listed([t("summary.generic.bar", lang, label=quoted(labels[i], lang), value=amount(values[i], lang))
                       for i in order], lang)
        parts.append(_say("summary.generic.bars", _what(trace, fig, title, lang), lang, bars=bars))
    return " ".join(parts)


def _lines_sentence(traces, fig, title, lang) -> str:
    lines = [trace for trace in traces if trace.type == "scatter" and "lines" in (trace.mode or "")
             and _numbers(trace.y) is not None and len(_numbers(trace.y)) > 2]
    parts = []
    for trace in lines[:TOP_CELLS]:
        y = _numbers(trace.y)
        x = _labels(trace.x, len(y), lang)
        kept = np.flatnonzero(np.isfinite(y))
        first, last = kept[0], kept[-1]
        start, end = float(y[first]), float(y[last])
        span = float(np.nanmax(y) - np.nanmin(y)) or 1.0
        key = ("summary.generic.line_flat" if abs(end - start) < 0.05 * span and abs(end - start) < 0.05 * abs(start)
               else "summary.generic.line_up" if end > start else "summary.generic.line_down")
        parts.append(_say(key, _what(trace, fig, title, lang), lang, start=amount(start, lang),
                          end=amount(end, lang), x0=x[first], x1=x[last]))
    return " ".join(parts)


def _points_sentence(traces, fig, title, lang) -> str:
    for trace in traces:
        if trace.type != "scatter":
            continue
        y = _numbers(trace.y)
        if y is None:
            continue
        return _say("summary.generic.points", _what(trace, fig, title, lang), lang, n=number(len(y), ",", lang=lang),
                    low=amount(float(np.nanmin(y)), lang), high=amount(float(np.nanmax(y)), lang))
    return ""


# ---- the model at a glance, masks, measures by layer and head -------------------------------------------------------
def block_sentence(n_layers: int, embed: str, attn: str, ffn: str, output: str, lang: str = "en") -> str:
    """The block diagram bottom to top, with the parameter counts the boxes carry (written by the caller)."""
    return t("summary.block.sentence", lang, n=n_layers, embed=embed, attn=attn, ffn=ffn, output=output)


def shares_sentence(shares: dict[str, dict[str, float]], embedding: str = "tok_embeddings", lang: str = "en") -> str:
    """shares: {model: {part: share of its parameters}}. The part that is largest most often, and the embedding
    table's largest and smallest share."""
    if not shares:
        return ""
    largest = [max(parts, key=parts.get) for parts in shares.values()]
    part = max(sorted(set(largest)), key=largest.count)
    by_embedding = sorted(shares, key=lambda model: shares[model].get(embedding, 0.0))
    most, least = by_embedding[-1], by_embedding[0]
    return t("summary.shares.sentence", lang, part=part, count=largest.count(part), n=len(shares),
             most=number(shares[most].get(embedding, 0.0), ".1%", lang=lang), most_model=quoted(most, lang),
             least=number(shares[least].get(embedding, 0.0), ".1%", lang=lang), least_model=quoted(least, lang))


def causal_mask_sentence(mask, lang: str = "en") -> str:
    """An additive mask [T, S] (0 allowed, −∞ masked): how many cells each."""
    m = _numpy(mask)
    allowed = int(np.isfinite(m).sum())
    return t("summary.mask.causal", lang, allowed=number(allowed, ",", lang=lang), cells=number(m.size, ",", lang=lang),
             masked=number(m.size - allowed, ",", lang=lang))


def mask_comparison_sentence(masks: dict, lang: str = "en") -> str:
    """llama_edu.architectures.attention_masks' decoder-only and encoder-decoder masks: the cells each allows."""
    causal, both = _numpy(masks["decoder-only"]), _numpy(masks["encoder-decoder"])
    return t("summary.mask.compare", lang, causal=number(int(np.isfinite(causal).sum()), ",", lang=lang),
             cells=number(causal.size, ",", lang=lang), both=number(int(np.isfinite(both).sum()), ",", lang=lang),
             both_cells=number(both.size, ",", lang=lang))


def pair_order_sentence(head_dim: int, lang: str = "en") -> str:
    return t("summary.rope.pair_order", lang, pairs=head_dim // 2)


def jobs_sentence(measures: dict, role_names: dict[str, str], lang: str = "en") -> str:
    """The strongest head of each measure in role_names ({measure: its role in words}) that `measures` holds
    ({measure: [L, H]}, analysis.layer_head_measures or measure_heads)."""
    jobs = []
    for measure, role in role_names.items():
        if measure not in measures:
            continue
        z = _numpy(measures[measure])
        layer, head = np.unravel_index(np.nanargmax(z), z.shape)
        jobs.append(t("summary.grid.job", lang, role=role, layer=int(layer), head=int(head),
                      value=number(float(z[layer, head]), ".2f", lang=lang)))
    return t("summary.grid.sentence", lang, jobs="; ".join(jobs)) if jobs else ""


def sharing_sentence(n_heads: int, variants: dict[str, int], lang: str = "en") -> str:
    """{a panel's title: its KV heads} of gqa_diagram, whose titles say how the query heads share KV heads."""
    return t("summary.gqa.sentence", lang, n=n_heads, panels="; ".join(plain(name) for name in variants))
