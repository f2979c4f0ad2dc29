"""Figures of how a model is evaluated: a multiple-choice item's options scored token by token under the three
rules, a small benchmark zero-shot and few-shot, each token's surprise in a text, what one bits-per-character figure
looks like as perplexity under different tokenizers, and what contamination does to scores.

The numbers come from llama_edu.likelihood (and the model card, llama_edu.evaluate); this module only draws them.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import t
from ..likelihood import RULES, BenchmarkResult, Item, OptionScore, TextSurprise
from . import palette
from .labels import localized_figure, number, plotly_text, token_labels

FONT = {"size": 15}
PICKED, OTHER, RIGHT, WRONG, MEAN = palette.ORANGE, palette.SKY_BLUE, palette.RIGHT, palette.WRONG, palette.GREY
# An option's tokens, segment after segment: blue and sky blue in turn (neighbours differ in lightness); the hover
# names each token.
TOKEN_COLOURS = [palette.BLUE, palette.SKY_BLUE]
RIGHT_MARK, WRONG_MARK = "✓", "✗"  # the benchmark's cells say right or wrong in text too, not only in colour


def rule_name(rule: str, *, lang: str = "en") -> str:
    """ "total", "per token", "per character" in the reader's language."""
    return t(f"evaluation.viz.rule.{rule}", lang)


@localized_figure
def option_scores_figure(scores: list[OptionScore], answer: int, *, lang: str = "en") -> go.Figure:
    """Each option's log-probability under the three rules, side by side: the total as the sum of its tokens'
    log-probabilities (one segment per token), then divided by its tokens and by its characters. The option each
    rule picks is orange; the right one is marked ✓."""
    labels = [plotly_text(s.text.strip()) + (" ✓" if i == answer else "") for i, s in enumerate(scores)]
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[rule_name(rule, lang=lang) for rule in RULES])
    # The total, token by token: segment j of every bar is the option's token j.
    for j in range(max(len(s.token_logprobs) for s in scores)):
        xs = [s.token_logprobs[j] if j < len(s.token_logprobs) else 0.0 for s in scores]
        pieces = [plotly_text(s.pieces[j]) if j < len(s.pieces) else "" for s in scores]
        fig.add_trace(go.Bar(
            y=labels, x=xs, orientation="h", marker_color=TOKEN_COLOURS[j % len(TOKEN_COLOURS)], showlegend=False,
            customdata=pieces, hovertemplate=t("evaluation.viz.token_hover", lang, piece="%{customdata}",
                                               logprob="%{x:.2f}") + "<extra></extra>"), row=1, col=1)
    for col, rule in enumerate(RULES, start=1):
        values = [s.score(rule) for s in scores]
        picked = values.index(max(values))
        text = [number(v, ".2f", lang=lang) for v in values]
        if col == 1:  # the sums, written after the stacked segments
            fig.add_trace(go.Scatter(y=labels, x=values, mode="markers+text", text=text, textposition="middle left",
                                     marker={"color": [PICKED if i == picked else palette.BLACK
                                                       for i in range(len(values))],
                                             "size": 12, "symbol": "line-ns-open", "line": {"width": 3}},
                                     showlegend=False, hoverinfo="skip"), row=1, col=1)
            continue
        fig.add_trace(go.Bar(y=labels, x=values, orientation="h", text=text, textposition="auto",
                             marker_color=[PICKED if i == picked else OTHER for i in range(len(values))],
                             showlegend=False, hovertemplate="%{y}: %{x:.3f}<extra></extra>"), row=1, col=col)
    for col, rule in enumerate(RULES, start=1):  # room on the left for the most negative value's label
        fig.update_xaxes(range=[1.35 * min(s.score(rule) for s in scores), 0], row=1, col=col)
    fig.update_layout(barmode="relative", font=FONT, height=160 + 70 * len(scores),
                      title=t("evaluation.viz.scores_title", lang), margin={"t": 110})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("evaluation.viz.logprob_axis", lang), row=1, col=1)
    fig.update_xaxes(title=t("evaluation.viz.per_token_axis", lang), row=1, col=2)
    fig.update_xaxes(title=t("evaluation.viz.per_character_axis", lang), row=1, col=3)
    return fig


def _short(question: str, limit: int = 34) -> str:
    return question if len(question) <= limit else "…" + question[-(limit - 1):]


@localized_figure
def benchmark_figure(items: tuple[Item, ...] | list[Item], results: list[BenchmarkResult], *,
                     lang: str = "en") -> go.Figure:
    """Every item (rows) under every rule, zero-shot and few-shot (columns): green and ✓ where the rule picks the
    right option, vermillion and ✗ where not, each cell naming the option picked. Each column's header counts its
    right answers."""
    columns, z, text = [], [], []
    for result in results:
        for rule in RULES:
            columns.append(t("evaluation.viz.benchmark_column", lang, shots=result.n_shots,
                             rule=rule_name(rule, lang=lang), right=result.right(rule, items), n=len(items)))
    for row, item in enumerate(items):
        z.append([float(result.picks[rule][row] == item.answer) for result in results for rule in RULES])
        text.append([f"{RIGHT_MARK if result.picks[rule][row] == item.answer else WRONG_MARK} "
                     + plotly_text(item.options[result.picks[rule][row]].strip()) for result in results
                     for rule in RULES])
    rows = [plotly_text(_short(item.question)) + " …" for item in items]
    fig = go.Figure(go.Heatmap(z=z, x=columns, y=rows, text=text, texttemplate="%{text}", zmin=0, zmax=1,
                               colorscale=[[0, WRONG], [1, RIGHT]], showscale=False, xgap=3, ygap=3,
                               hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=0)
    fig.update_layout(font=FONT, height=150 + 48 * len(items), margin={"t": 150},
                      title=t("evaluation.viz.benchmark_title", lang, chance=number(len(items) / 3, ".1f", lang=lang),
                              n=len(items)))
    return fig


@localized_figure
def token_losses_figure(surprise: TextSurprise, first: int = 1, *, lang: str = "en") -> go.Figure:
    """Each predicted token's loss (-ln p, nats) as a bar, the mean as a dashed line; the title gives the
    perplexity, exp(mean). `first`: the position of the first predicted token (1 after BOS)."""
    labels = token_labels(surprise.pieces, first)
    fig = go.Figure(go.Bar(x=labels, y=surprise.losses, marker_color=palette.BLUE, showlegend=False,
                           text=[number(v, ".2f", lang=lang) for v in surprise.losses], textposition="outside",
                           customdata=[number(math.exp(-v), ".3f", lang=lang) for v in surprise.losses],
                           hovertemplate=t("evaluation.viz.loss_hover", lang, loss="%{y:.2f}", p="%{customdata}")
                           + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=[labels[0], labels[-1]], y=[surprise.mean_loss] * 2, mode="lines",
                             line={"color": MEAN, "dash": "dash"}, hoverinfo="skip",
                             name=t("evaluation.viz.mean_loss", lang,
                                    loss=number(surprise.mean_loss, ".2f", lang=lang))))
    fig.update_yaxes(title=t("evaluation.viz.loss_axis", lang), rangemode="tozero")
    fig.update_xaxes(tickangle=-45 if len(labels) > 8 else 0)
    fig.update_layout(font=FONT, height=420, legend={"orientation": "h", "y": 1.12},
                      title=t("evaluation.viz.losses_title", lang,
                              perplexity=number(surprise.perplexity, ",.2f", lang=lang)))
    return fig


@localized_figure
def tokenizer_perplexity_figure(bits_per_character: float, tokenizers: dict[str, float], *,
                                lang: str = "en") -> go.Figure:
    """One text's bits per character, shown as the per-token perplexity it would be under tokenizers that cut
    tokens of different lengths: `tokenizers` maps a label to its characters per token."""
    labels = [plotly_text(label) for label in tokenizers]
    values = [2 ** (bits_per_character * cpt) for cpt in tokenizers.values()]
    hover = [t("evaluation.viz.tokenizer_hover", lang, cpt=number(cpt, ".2f", lang=lang),
               bits=number(bits_per_character * cpt, ".2f", lang=lang)) for cpt in tokenizers.values()]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=palette.BLUE, customdata=hover,
                           text=[number(v, ",.2f", lang=lang) for v in values], textposition="outside",
                           hovertemplate="%{x}<br>%{customdata}<extra></extra>"))
    fig.update_yaxes(title=t("evaluation.viz.perplexity_axis", lang), rangemode="tozero")
    fig.update_layout(font=FONT, height=420, title=t("evaluation.viz.tokenizer_title", lang,
                                                     bpc=number(bits_per_character, ".3f", lang=lang)))
    return fig


@localized_figure
def heldout_figure(card: dict, *, lang: str = "en") -> go.Figure:
    """The model card's bits per character on its three test sets: held-out stories of its own corpus, the everyday
    sentences its corpus drafts were chosen against, and the second set, never used to choose anything."""
    keys = ["heldout_bits_per_char", "everyday_bits_per_char", "confirm_bits_per_char"]
    counts = [card["n_heldout_stories"], card["n_everyday_sentences"], card["n_confirm_sentences"]]
    labels = [t(f"evaluation.viz.set.{key}", lang, n=number(n, ",", lang=lang)) for key, n in zip(keys, counts)]
    values = [card[key] for key in keys]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=[palette.BLUISH_GREEN, palette.ORANGE, palette.VERMILLION],
                           text=[number(v, ".3f", lang=lang) for v in values], textposition="outside",
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_yaxes(title=t("evaluation.viz.bpc_axis", lang), rangemode="tozero")
    fig.update_layout(font=FONT, height=420, title=t("evaluation.viz.heldout_title", lang))
    return fig


@localized_figure
def leak_figure(before: dict[str, int], after: dict[str, int], n_each: dict[str, int], *,
                lang: str = "en") -> go.Figure:
    """Right answers before and after the leaked items were trained on, for the leaked half and the clean half
    (keys "leaked", "clean")."""
    halves = ["leaked", "clean"]
    labels = [t(f"evaluation.viz.half.{half}", lang, n=n_each[half]) for half in halves]
    fig = go.Figure([
        go.Bar(x=labels, y=[before[h] for h in halves], name=t("evaluation.viz.before_leak", lang),
               marker_color=OTHER, text=[before[h] for h in halves], textposition="outside"),
        go.Bar(x=labels, y=[after[h] for h in halves], name=t("evaluation.viz.after_leak", lang),
               marker_color=PICKED, text=[after[h] for h in halves], textposition="outside"),
    ])
    fig.update_yaxes(title=t("evaluation.viz.right_axis", lang), range=[0, max(n_each.values()) + 1], dtick=1)
    fig.update_layout(barmode="group", font=FONT, height=420, legend={"orientation": "h", "y": -0.15},
                      title=t("evaluation.viz.leak_title", lang))
    return fig
