"""The whole model at a glance: a block diagram with parameter counts, and the LLaMA family side by side."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import plotly.graph_objects as go
import torch

from ..config import PRESETS, TRAINING_TOKENS, ModelConfig, count_parameters, parameter_breakdown
from ..generate import next_token_probs
from ..i18n import t
from . import palette, summary
from .labels import localized_figure, number

# One colour per part of parameter_breakdown, told apart at a glance (tests/test_viz_overview.py measures how far apart
# they are: two purples once made tok_embeddings and output look like one part). The block diagram uses the same.
# Okabe-Ito (palette.py), and the bars carry their names in the legend and the boxes their names in text.
COMPONENT_COLOURS = {"tok_embeddings": palette.REDDISH_PURPLE, "attention": palette.BLUE,
                     "feed_forward": palette.ORANGE, "norms": palette.BLUISH_GREEN, "output": "#4d4d4d"}
TOKENS_GREY = palette.LIGHT_GREY


BOX_HALF, ADD_HALF = 0.32, 0.17  # half the height of a box and of a ⊕ marker in the block diagram, in y units
RESIDUAL_COLOUR = palette.VERMILLION


def human(n: float, *, lang: str = "en") -> str:
    """6.74B, 131.07M ...: short counts. German names the scales itself (B is a "Milliarde", not a "Billion")."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            return t(f"viz.overview.scale.{suffix}", lang, n=number(n / scale, ".2f", lang=lang))
    return f"{n:.0f}"


@localized_figure
def block_diagram(cfg: ModelConfig, *, lang: str = "en") -> go.Figure:
    """Boxes for the forward pass, bottom to top, each labelled with its parameters for this config.
    Module names (tok_embeddings, attention_norm, output...) are the model's code names, the same in every
    language; the words around them and the numbers' separators follow `lang`."""
    d, f = cfg.dim, cfg.hidden_dim
    parts = parameter_breakdown(cfg)  # whole model; the diagram labels one layer's share
    attn, ffn = parts["attention"] // cfg.n_layers, parts["feed_forward"] // cfg.n_layers

    def n(value: float) -> str:  # a count with thousands separators
        return number(value, ",", lang=lang)

    def size(value: float) -> str:  # a parameter count, short
        return human(value, lang=lang)

    gain = t("viz.overview.gain", lang, d=n(d))
    colour = COMPONENT_COLOURS
    # (label, detail, y, colour, half its height): the boxes on the main line, bottom to top
    boxes = [
        (t("viz.overview.tokens", lang), t("viz.overview.tokens_detail", lang, vocab=n(cfg.vocab_size)),
         0, TOKENS_GREY, BOX_HALF),
        ("tok_embeddings", t("viz.overview.embeddings_detail", lang, vocab=n(cfg.vocab_size), d=n(d),
                             size=size(cfg.vocab_size * d)), 1, colour["tok_embeddings"], BOX_HALF),
        ("attention_norm (RMSNorm)", gain, 2.25, colour["norms"], BOX_HALF),
        (t("viz.overview.attention", lang, kind=cfg.attention_kind),
         t("viz.overview.attention_detail", lang, size=size(attn), heads=cfg.n_heads, kv=cfg.n_kv_heads,
           hd=cfg.head_dim), 3.25, colour["attention"], 0.45),  # two lines of detail
        ("ffn_norm (RMSNorm)", gain, 4.85, colour["norms"], BOX_HALF),
        ("feed_forward: SwiGLU", f"w1, w3: {n(d)} -> {n(f)}; w2: {n(f)} -> {n(d)}: {size(ffn)}", 5.85,
         colour["feed_forward"], BOX_HALF),
        ("norm (RMSNorm)", gain, 7.6, colour["norms"], BOX_HALF),
        ("output", t("viz.overview.output_detail", lang, d=n(d), vocab=n(cfg.vocab_size),
                     size=size(cfg.vocab_size * d)), 8.6, colour["output"], BOX_HALF),
    ]
    fig = go.Figure()
    x0, x1 = 0.0, 5.0  # the boxes; right of them the residual lines and their labels (a narrow column too)
    main = (x0 + x1) / 2  # the residual stream: the line every arrow of the forward pass runs along
    for label, detail, y, fill, half in boxes:
        top = y + half - BOX_HALF  # a taller box keeps its label as far from its top, its detail fills the rest
        ink = palette.text_on(fill)  # black on the light fills (orange, green, purple), white on blue and dark grey
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y - half, y1=y + half, fillcolor=fill,
                      line=dict(width=0), layer="below")
        fig.add_annotation(x=main, y=top + 0.1, text=f"<b>{label}</b>", showarrow=False,
                           font=dict(size=16, color=ink))
        fig.add_annotation(x=main, y=(top + y - half) / 2 - 0.05 if half > BOX_HALF else y - 0.15, text=detail,
                           showarrow=False, font=dict(size=12, color=ink))
    # The residual connections: each branches off the main line below its sublayer, runs past it on the right and
    # comes back into a ⊕ ON the main line above it, where the sublayer's output is added to what went round.
    # (branch y, add y, label): x + attention(norm(x)), then h + ffn(norm(h)).
    residual = t("viz.overview.residual", lang)
    adds = [(1.6, 3.95, f"{residual}<br>x + attention(norm(x))"), (4.3, 6.55, f"{residual}<br>h + ffn(norm(h))")]
    side = x1 + 0.45
    for branch, add, label in adds:
        fig.add_shape(type="path", path=f"M {main},{branch} L {side},{branch} L {side},{add}",
                      line=dict(color=RESIDUAL_COLOUR, width=3))
        fig.add_annotation(x=main + 0.16, y=add, ax=side, ay=add, xref="x", yref="y", axref="x", ayref="y", text="",
                           showarrow=True, arrowhead=2, arrowwidth=3, arrowcolor=RESIDUAL_COLOUR)
        fig.add_annotation(x=side + 0.15, y=(branch + add) / 2, text=label, showarrow=False, xanchor="left",
                           align="left", font=dict(size=12, color=RESIDUAL_COLOUR))
    fig.add_trace(go.Scatter(x=[main] * 2, y=[a[0] for a in adds], mode="markers", hoverinfo="skip",
                             marker=dict(size=9, color=RESIDUAL_COLOUR)))  # where each branch leaves the main line
    fig.add_trace(go.Scatter(x=[main] * 2, y=[a[1] for a in adds], mode="markers", hoverinfo="skip",
                             marker=dict(symbol="circle-cross", size=20, color="white",
                                         line=dict(color=RESIDUAL_COLOUR, width=2.5))))  # ⊕
    # arrows along the main line: box to box, and into and out of each ⊕
    stops = sorted([(y, half) for _, _, y, _, half in boxes] + [(add, ADD_HALF) for _, add, _ in adds])
    for (lower, lower_half), (upper, upper_half) in itertools.pairwise(stops):
        fig.add_annotation(x=main, y=upper - upper_half - 0.01, ax=main, ay=lower + lower_half + 0.01, xref="x",
                           yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=2,
                           arrowcolor="#888", text="")
    # the repeated block
    fig.add_shape(type="rect", x0=-0.3, x1=x1 + 3.2, y0=1.45, y1=6.8, line=dict(color="#888", dash="dash", width=2))
    fig.add_annotation(x=x1 + 3.2, y=7.05, xanchor="right", text=f"<b>{t('viz.overview.layers', lang, n=cfg.n_layers)}</b>",
                       showarrow=False, font=dict(size=16))
    fig.update_xaxes(visible=False, range=[-0.4, x1 + 3.3])
    fig.update_yaxes(visible=False, range=[-0.5, 9.1])
    fig.update_layout(height=620, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
                      title=t("viz.overview.title", lang, name=cfg.name, n=n(count_parameters(cfg))))
    return summary.with_summary(fig, summary.block_sentence(
        cfg.n_layers, size(parts["tok_embeddings"]), size(attn), size(ffn),
        size(parts["output"] or parts["tok_embeddings"]), lang=lang))


@localized_figure
def parameter_shares(configs: dict[str, ModelConfig], *, lang: str = "en") -> go.Figure:
    """Stacked 100% bars: where each model's parameters sit (embeddings matter in small models only).
    The components are parameter_breakdown's names for the model's modules, the same in every language."""
    fig = go.Figure()
    names = list(configs)
    for component, colour in COMPONENT_COLOURS.items():
        shares, counts = [], []
        for name in names:
            parts = parameter_breakdown(configs[name])
            shares.append(100 * parts[component] / sum(parts.values()))
            counts.append(parts[component])
        fig.add_bar(y=names, x=shares, name=component, orientation="h", marker_color=colour,
                    customdata=counts, hovertemplate="%{y}: " + component + " %{customdata:,} (%{x:.1f}%)<extra></extra>")
    # The legend sits above the plot area, its bottom edge on the area's top (yanchor="bottom"): over the bars it
    # would hide the first one, "this model". Its entries read left to right in the bars' order.
    fig.update_layout(barmode="stack", height=80 + 36 * len(names), xaxis_title=t("viz.overview.shares.x", lang),
                      font=dict(size=14), margin=dict(l=10, r=30, t=40, b=40),  # r: room for the tick "100"
                      legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", traceorder="normal"))
    fig.update_xaxes(range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    breakdowns = {name: parameter_breakdown(configs[name]) for name in names}
    shares = {name: {part: n / sum(parts.values()) for part, n in parts.items()} for name, parts in breakdowns.items()}
    return summary.with_summary(fig, summary.shares_sentence(shares, lang=lang))


def family_rows(names: list[str] | None = None) -> list[dict]:
    """One row per preset: the numbers that changed from LLaMA 1 to 2 to 3, straight from ModelConfig (parameters in
    billions, training tokens in trillions, "" where unknown). Keys: llama_edu/strings/columns.yaml."""
    rows = []
    for name in names or [n for n in PRESETS if n != "tiny"]:
        cfg = PRESETS[name]
        tokens = TRAINING_TOKENS.get(name)
        rows.append({
            "model": name,
            "parameters_billions": count_parameters(cfg) / 1e9,
            "layers": cfg.n_layers,
            "dim": cfg.dim,
            "query_heads": cfg.n_heads,
            "kv_heads": cfg.n_kv_heads,
            "attention": cfg.attention_kind,
            "context": cfg.max_seq_len,
            "vocabulary": cfg.vocab_size,
            "rope_theta": cfg.rope_theta,
            "training_tokens_trillions": tokens / 1e12 if tokens else "",
        })
    return rows


def parameter_rows(cfg: ModelConfig) -> list[dict]:
    """One row per component of parameter_breakdown: its count and its share of the whole model (a fraction)."""
    parts = parameter_breakdown(cfg)
    total = sum(parts.values())
    return [{"component": name, "parameters": n, "share": n / total} for name, n in parts.items()]


def top_token_rows(last_logits: torch.Tensor, piece: Callable[[int], str], k: int = 5) -> list[dict]:
    """The k most likely next tokens for logits [V], with their probabilities at temperature 1."""
    top = next_token_probs(last_logits).topk(min(k, last_logits.shape[-1]))  # the model's distribution [V]
    return [{"token": piece(int(i)), "probability": float(p)} for p, i in zip(top.values, top.indices)]
