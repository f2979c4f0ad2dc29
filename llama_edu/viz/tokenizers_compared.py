"""Two tokenizers compared as figures: tokens of parallel English and German sentences, characters per token against
the number of pieces, and what the vocabulary matrices cost each preset.

The numbers are llama_edu.tokenizers_compared's; this module only draws and words them. The pieces themselves are
drawn as chips by llama_edu.viz.tokens.token_chips_html.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n import t
from ..tokenizers_compared import VocabularyCost
from . import palette
from .labels import localized_figure, number, plotly_text

FONT = dict(size=16)
SENTENCEPIECE_COLOUR, BYTE_LEVEL_COLOUR = palette.BLUE, palette.VERMILLION


@localized_figure
def languages_figure(counts: dict[str, list[tuple[int, int]]], *, lang: str = "en") -> go.Figure:
    """Tokens of each sentence pair under each tokenizer: counts {tokenizer name: [(English, German), ...]}, one bar
    group per pair and language."""
    n = len(next(iter(counts.values())))
    english, german = t("tokenizers_compared.viz.english", lang), t("tokenizers_compared.viz.german", lang)
    x = [[t("tokenizers_compared.viz.pair", lang, n=i + 1) for i in range(n) for _ in (0, 1)],
         [language for _ in range(n) for language in (english, german)]]
    fig = go.Figure([go.Bar(x=x, y=[c for pair in pairs for c in pair], name=plotly_text(name), marker_color=colour,
                            text=[c for pair in pairs for c in pair], textposition="outside",
                            hovertemplate="%{x}: %{y}<extra></extra>")
                     for colour, (name, pairs) in zip((SENTENCEPIECE_COLOUR, BYTE_LEVEL_COLOUR), counts.items())])
    fig.update_yaxes(title=t("tokenizers_compared.viz.tokens_axis", lang), rangemode="tozero")
    fig.update_layout(barmode="group", font=FONT, height=460, legend=dict(orientation="h", y=-0.25),
                      title=t("tokenizers_compared.viz.languages_title", lang),
                      uniformtext=dict(minsize=14, mode="show"))
    return fig


@localized_figure
def vocabulary_sweep_figure(byte_level: dict[int, float], sentencepiece: tuple[int, float], *,
                            lang: str = "en") -> go.Figure:
    """Characters per token on held-out text against the number of pieces: the byte-level BPE at each size
    {pieces: characters per token}, and the SentencePiece tokenizer as one point (its pieces, its figure)."""
    sizes = list(byte_level)
    fig = go.Figure(go.Scatter(x=sizes, y=list(byte_level.values()), mode="lines+markers+text",
                               name=t("tokenizers_compared.viz.byte_level", lang),
                               marker=dict(size=10, color=BYTE_LEVEL_COLOUR), line=dict(color=BYTE_LEVEL_COLOUR),
                               text=[number(v, ".2f", lang=lang) for v in byte_level.values()],
                               textposition="top left", hovertemplate="%{x:,}: %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[sentencepiece[0]], y=[sentencepiece[1]], mode="markers",
                             name=t("tokenizers_compared.viz.sentencepiece", lang),
                             marker=dict(size=16, symbol="diamond-open", color=SENTENCEPIECE_COLOUR, line_width=3),
                             hovertemplate="%{x:,}: %{y:.3f}<extra></extra>"))
    fig.update_xaxes(type="log", title=t("tokenizers_compared.viz.pieces_axis", lang), tickvals=sizes,
                     ticktext=[number(s, ",", lang=lang) for s in sizes])
    fig.update_yaxes(title=t("tokenizers_compared.viz.characters_axis", lang), rangemode="tozero")
    fig.update_layout(font=FONT, height=440, legend=dict(orientation="h", y=-0.25),
                      title=t("tokenizers_compared.viz.sweep_title", lang))
    return fig


@localized_figure
def vocabulary_cost_figure(costs: dict[str, VocabularyCost], *, lang: str = "en") -> go.Figure:
    """The share of each model's parameters in its vocabulary matrices (embedding table and output layer), labelled
    with the share; the hover adds the vocabulary's size."""
    names = [plotly_text(name) for name in costs]
    shares = [c.share for c in costs.values()]
    fig = go.Figure(go.Bar(x=names, y=shares, name=t("tokenizers_compared.viz.vocabulary_part", lang),
                           marker_color=BYTE_LEVEL_COLOUR, text=[number(s, ".1%", lang=lang) for s in shares],
                           textposition="outside",
                           customdata=[number(c.vocab_size, ",", lang=lang) for c in costs.values()],
                           hovertemplate="%{x}: %{y:.1%} (%{customdata})<extra></extra>", showlegend=False))
    fig.update_yaxes(title=t("tokenizers_compared.viz.share_axis", lang), tickformat=".0%",
                     range=[0, 1.2 * max(shares)])
    fig.update_layout(font=FONT, height=440, title=t("tokenizers_compared.viz.cost_title", lang),
                      uniformtext=dict(minsize=14, mode="show"))
    return fig
