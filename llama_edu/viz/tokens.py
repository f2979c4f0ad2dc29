"""Tokens and their embedding vectors as HTML and figures: what the model actually receives.

Rows and tensors in (llama_edu.tokenizer.token_rows; hook_embed [T, D], measured by llama_edu.embeddings); HTML
strings and plotly figures out.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from ..embeddings import cosine_similarity_matrix, vector_lengths
from ..i18n import t
from ..literal import for_html
from ..tokenizer import WORD_START
from . import palette
from .labels import localized_figure, plotly_text, position_labels, token_labels  # noqa: F401 - pages use them through this module

FONT = dict(size=16)  # readable on a classroom projector
SIGNED = palette.colorscale(palette.DIVERGING)  # embedding entries and cosines around 0


def classroom_style(fig: go.Figure, height: int | None = None) -> go.Figure:
    """Fonts readable on a projector (ticks >= 14 px). Colours and background are left to Streamlit's theme."""
    fig.update_layout(font=FONT, title_font_size=18, legend_font_size=14, hoverlabel_font_size=14,
                      margin=dict(l=10, r=10, t=70, b=50))
    fig.update_xaxes(tickfont_size=14, title_font_size=15)
    fig.update_yaxes(tickfont_size=14, title_font_size=15)
    fig.update_annotations(font_size=15)  # subplot titles
    if height is not None:
        fig.update_layout(height=height)
    return fig


def as_numpy(t: torch.Tensor) -> np.ndarray:
    """float32 numpy copy of a capture (which may be bfloat16 and on a GPU)."""
    return t.detach().float().cpu().numpy()


# ---- the token table ---------------------------------------------------------------------------------------------
# llama_edu.tokenizer.token_kind's kinds -> viz.yaml keys. BOS and EOS are names, the same in every language.
_KIND_KEYS = {"byte": "byte", "unknown": "unknown", "word start": "word_start", "inside a word": "inside_word",
              "special": "special"}


def kind_name(kind: str, *, lang: str = "en") -> str:
    """One of llama_edu.tokenizer.token_kind's kinds in words of the language."""
    return t(f"viz.tokens.kind.{_KIND_KEYS[kind]}", lang) if kind in _KIND_KEYS else kind


# Translucent colours: readable on Streamlit's light and dark themes alike. Blue (ordinary pieces) and vermillion
# (bytes) from palette.py; the kinds also differ in their border (dashed, thick, thin), not only in colour.
def _chip(colour: str, fill: float, border: str, line: float) -> str:
    return f"background: {palette.rgba(colour, fill)}; border: {border} {palette.rgba(colour, line)};"


_SPECIAL = _chip("#808080", 0.25, "2px dashed", 0.9)
_BYTE = _chip(palette.VERMILLION, 0.22, "2px solid", 0.9)
_CHIP_STYLE = {
    "BOS": _SPECIAL, "EOS": _SPECIAL, "special": _SPECIAL,  # <|eot_id|> ...
    "byte": _BYTE, "unknown": _BYTE,
    "word start": _chip(palette.BLUE, 0.2, "1px solid", 0.8),
    "inside a word": _chip(palette.BLUE, 0.1, "1px solid", 0.5),
}
WORD_START_COLOUR = palette.BLUE  # the ▁ mark, in bold


def token_chips_html(rows: list[dict], *, lang: str = "en") -> str:
    """The prompt as a row of chips: piece on top ("▁" highlighted as the word-start mark), id below."""
    chips = []
    for row in rows:
        piece = for_html(row["piece"])
        piece = piece.replace(WORD_START, f'<b style="color: {WORD_START_COLOUR};">{WORD_START}</b>')
        tip = for_html(t("viz.tokens.chip_tip", lang, position=row["position"], id=row["id"],
                          kind=kind_name(row["kind"], lang=lang)))
        chips.append(
            f'<span title="{tip}" style="display: inline-block; margin: 3px; padding: 4px 8px; border-radius: 8px; '
            f'font-size: 1.125em; text-align: center; {_CHIP_STYLE[row["kind"]]}">'
            f'<span style="font-family: monospace; white-space: pre;">{piece}</span><br>'
            # In em, so presenter mode's larger page type reaches the chips: the id at 16 px, 20 px in presenter mode
            f'<span style="font-size: 0.9em; opacity: 0.8;">{row["id"]}</span></span>')
    return '<div style="line-height: 1.2;">' + "".join(chips) + "</div>"


# ---- embeddings --------------------------------------------------------------------------------------------------
@localized_figure
def embedding_heatmap(embed: torch.Tensor, pieces: list[str], *, first: int = 0, lang: str = "en") -> go.Figure:
    """Tokens (rows) x dimensions (columns) of hook_embed for one prompt.   embed: [T, D]
    first: the position of pieces[0] (for a window of the prompt; also in the two figures below)."""
    z = as_numpy(embed)
    limit = float(np.abs(z).max()) or 1.0
    value = t("viz.label.value", lang)
    hover = "<br>".join([t("viz.hover.token", lang, token="%{y}"), t("viz.hover.dimension", lang, dim="%{x}"),
                         f"{value} %{{z:.4f}}"])
    fig = go.Figure(go.Heatmap(
        z=z, y=token_labels(pieces, first), x=list(range(z.shape[1])), colorscale=SIGNED, zmid=0, zmin=-limit, zmax=limit,
        colorbar=dict(title=value), hovertemplate=hover + "<extra></extra>"))
    fig.update_layout(title=t("viz.tokens.embedding.title", lang), xaxis_title=t("viz.axis.dimension", lang),
                      yaxis=dict(autorange="reversed", type="category", title=t("viz.axis.token", lang)))
    return classroom_style(fig, height=min(1400, max(340, 120 + 28 * z.shape[0])))


@localized_figure
def embedding_norms_bar(embed: torch.Tensor, pieces: list[str], *, first: int = 0, lang: str = "en") -> go.Figure:
    """Length ||e|| of each token's embedding vector.   embed: [T, D]"""
    norms = vector_lengths(embed)  # [T]
    hover = t("viz.hover.token", lang, token="%{x}") + "<br>" + t("viz.tokens.norms.hover", lang, value="%{y:.4f}")
    fig = go.Figure(go.Bar(x=token_labels(pieces, first), y=norms, marker_color=palette.BLUE,
                           hovertemplate=hover + "<extra></extra>"))
    fig.update_layout(title=t("viz.tokens.norms.title", lang), yaxis_title=t("viz.tokens.norms.y", lang),
                      xaxis=dict(type="category", title=t("viz.axis.token", lang), tickangle=-45))
    return classroom_style(fig, height=420)


@localized_figure
def cosine_similarity_heatmap(embed: torch.Tensor, pieces: list[str], *, first: int = 0,
                              lang: str = "en") -> go.Figure:
    """Cosine similarity between every pair of the prompt's embedding vectors.   embed: [T, D]"""
    labels = token_labels(pieces, first)
    hover = t("viz.hover.versus", lang, a="%{y}", b="%{x}") + "<br>" + \
        t("viz.tokens.cosine.hover", lang, value="%{z:.3f}")
    fig = go.Figure(go.Heatmap(
        z=cosine_similarity_matrix(embed), x=labels, y=labels, colorscale=SIGNED, zmid=0, zmin=-1, zmax=1,
        colorbar=dict(title="cos"), hovertemplate=hover + "<extra></extra>"))
    fig.update_layout(title=t("viz.tokens.cosine.title", lang), xaxis=dict(type="category", tickangle=-45),
                      yaxis=dict(type="category", autorange="reversed"))
    return classroom_style(fig, height=min(900, max(420, 160 + 30 * len(labels))))
