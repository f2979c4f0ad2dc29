"""Figures and tables for LLaMA vs GPT, BERT and T5: T5's three attention masks, and each family's training targets
on the student's tokens, as rows for st.dataframe. Words come from llama_edu/strings/arch.yaml ("arch.*").

The decoder-only / encoder-only / encoder-decoder comparison on one sentence is
llama_edu.viz.attention.mask_comparison_figure; this module adds T5's sublayers with their own shapes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..architectures import MaskedLM, NextTokenScores, SpanCorruption, sentinel, t5_attention_masks
from ..i18n import t
from ..papers import COMMON_SENSE_BENCHMARKS, GQA_TABLE_1, Comparison, Source
from .attention import FONT, _mask_trace  # the same two-colour mask cells as every other mask figure
from .labels import localized_figure, number, token_labels

# Where each sublayer sits in the figure: as the blocks of one (Te + Td) x (Te + Td) "who reads whom" matrix, so
# panels in one row share their queries and panels in one column share their keys.
#     encoder self-attention [Te, Te]   (the encoder never reads the decoder: no panel)
#     cross-attention        [Td, Te]   decoder self-attention [Td, Td]
T5_PANELS = {"encoder self-attention": (1, 1), "cross-attention": (2, 1), "decoder self-attention": (2, 2)}
_PANEL_KEYS = {"encoder self-attention": "encoder_self", "decoder self-attention": "decoder_self",
               "cross-attention": "cross"}


@localized_figure
def t5_masks_figure(encoder_pieces: list[str], decoder_pieces: list[str], *, lang: str = "en") -> go.Figure:
    """T5's encoder self-attention [Te, Te], cross-attention [Td, Te] and decoder self-attention [Td, Td]: rows are
    the positions that look (queries), columns the positions looked at (keys)."""
    enc, dec = token_labels(encoder_pieces), token_labels(decoder_pieces)
    masks = t5_attention_masks(len(enc), len(dec))
    fig = make_subplots(rows=2, cols=2, specs=[[{}, None], [{}, {}]], row_heights=[len(enc), len(dec)],
                        column_widths=[len(enc), len(dec)], horizontal_spacing=0.04, vertical_spacing=0.1,
                        subplot_titles=[t(f"arch.viz.t5.{_PANEL_KEYS[p]}", lang) for p in T5_PANELS])
    show = max(len(enc), len(dec)) <= 24
    for panel, (row, col) in T5_PANELS.items():
        x, y = (enc if col == 1 else dec), (enc if row == 1 else dec)  # keys, queries
        mask = masks[panel].numpy()
        parts = np.full(mask.shape, t(f"arch.viz.t5.{_PANEL_KEYS[panel]}", lang), dtype=object)
        fig.add_trace(_mask_trace(mask, x, y, parts, lang=lang), row, col)
        # Labels and titles on the outer edges only: a row shares its queries, a column its keys.
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=x, tickangle=-45,
                         showticklabels=show and row == 2,
                         title=t(f"arch.viz.t5.x_{'encoder' if col == 1 else 'decoder'}", lang) if row == 2 else None,
                         row=row, col=col)
        fig.update_yaxes(type="category", categoryorder="array", categoryarray=y, autorange="reversed",
                         showticklabels=show and col == 1,
                         title=t(f"arch.viz.t5.y_{'encoder' if row == 1 else 'decoder'}", lang) if col == 1 else None,
                         row=row, col=col)
    fig.update_layout(font=FONT, height=260 + 26 * min(len(enc) + len(dec), 48), margin=dict(t=110),
                      title=t("arch.viz.t5.title", lang))
    return fig


# ---- training targets as table rows ----------------------------------------------------------------------------
# Keys: llama_edu/strings/columns.yaml, where app/text.py's table() finds each column's name and number format.
def next_token_rows(pieces: list[str], scores: NextTokenScores, piece_of: Callable[[int], str]) -> list[dict]:
    """One row per position of the prompt that has a next token: what the model reads, what it must predict, and
    how the loaded model scored it."""
    return [{"position": i, "reads": pieces[i], "target": piece_of(target), "p_target": p, "loss": loss,
             "top_guess": piece_of(top)}
            for i, (target, p, loss, top) in enumerate(zip(scores.targets, scores.probabilities, scores.losses,
                                                            scores.top_ids))]


def masked_lm_rows(example: MaskedLM, *, lang: str = "en") -> list[dict]:
    """One row per position: the token, what happened to it (in the reader's language), what the encoder reads,
    what is predicted there."""
    return [{"position": i, "token": tok, "picked": t(f"arch.action.{action or 'none'}", lang), "reads": read,
             "target": tok if action else ""}
            for i, (tok, action, read) in enumerate(zip(example.tokens, example.actions, example.inputs))]


def span_rows(example: SpanCorruption) -> list[dict]:
    """One row per dropped span: its sentinel, the positions it covered and the tokens the decoder must write."""
    return [{"sentinel": sentinel(k), "positions": f"{start}–{end - 1}" if end - start > 1 else f"{start}",
             "hidden": " ".join(example.tokens[start:end])}
            for k, (start, end) in enumerate(example.spans)]


# ---- the papers' tables ----------------------------------------------------------------------------------------
NOT_REPORTED = "–"  # the paper prints a dash where it reports no number
BENCHMARK_COLUMNS = {name: name.lower().replace("-", "_") for name in COMMON_SENSE_BENCHMARKS}  # "ARC-e" -> "arc_e"


def _score(value: float | None) -> float | str:
    return NOT_REPORTED if value is None else value


def benchmark_rows(table: list[dict]) -> list[dict]:
    """LLaMA Table 3 rows: the model, its size as the paper writes it ("175B"), and its score on each benchmark."""
    return [{"model": row["model"], "parameters": row["parameters"],
             **{BENCHMARK_COLUMNS[b]: _score(row[b]) for b in COMMON_SENSE_BENCHMARKS}} for row in table]


def gqa_rows(table: list[dict] = GQA_TABLE_1) -> list[dict]:
    """GQA Table 1: each model's time per sample (s) and average score."""
    return [{"model": r["model"], "inference_time_s": _score(r["inference time (s)"]),
             "average_score": _score(r["average score"])} for r in table]


def source_line(source: Source, *, lang: str = "en") -> str:
    """ "Source: Touvron et al. (2023), “LLaMA: ...”, arXiv:2302.13971, Table 3." in the reader's language."""
    return t("arch.source", lang, authors=source.authors, year=source.year, title=source.title,
             arxiv=source.arxiv, table=source.table)


def comparison_sentence(comparison: Comparison, *, lang: str = "en") -> str:
    """ "LLaMA 13B scores higher than GPT-3 175B on 5 of the 7 benchmarks both report (lower on PIQA, OBQA)." """
    lower = (t("arch.compare.lower", lang, names=", ".join(comparison.lower)) if comparison.lower
             else t("arch.compare.never_lower", lang))
    return t("arch.compare.sentence", lang, model=comparison.model, other=comparison.other,
             higher=number(len(comparison.higher), lang=lang), both=number(comparison.reported_by_both, lang=lang),
             lower=lower)
