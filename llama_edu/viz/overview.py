"""The whole model at a glance: a block diagram with parameter counts, and the LLaMA family side by side."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import torch

from ..config import PRESETS, TRAINING_TOKENS, ModelConfig, count_parameters, parameter_breakdown
from ..generate import next_token_probs
from ..i18n import t
from .labels import localized_figure, number

COMPONENT_COLOURS = {"tok_embeddings": "#8c6bb1", "attention": "#2b8cbe", "feed_forward": "#e6550d",
                     "norms": "#31a354", "output": "#756bb1"}


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
    # (label, detail, y, colour, inside the repeated block?)
    boxes = [
        (t("viz.overview.tokens", lang), t("viz.overview.tokens_detail", lang, vocab=n(cfg.vocab_size)),
         0, "#bdbdbd", False),
        ("tok_embeddings", t("viz.overview.embeddings_detail", lang, vocab=n(cfg.vocab_size), d=n(d),
                             size=size(cfg.vocab_size * d)), 1, "#8c6bb1", False),
        ("attention_norm (RMSNorm)", gain, 2, "#31a354", True),
        (t("viz.overview.attention", lang, kind=cfg.attention_kind),
         t("viz.overview.attention_detail", lang, size=size(attn), heads=cfg.n_heads, kv=cfg.n_kv_heads,
           hd=cfg.head_dim), 3, "#2b8cbe", True),
        ("ffn_norm (RMSNorm)", gain, 4.2, "#31a354", True),
        ("feed_forward: SwiGLU", f"w1, w3: {n(d)} -> {n(f)}; w2: {n(f)} -> {n(d)}: {size(ffn)}", 5.2, "#e6550d", True),
        ("norm (RMSNorm)", gain, 6.6, "#31a354", False),
        ("output", t("viz.overview.output_detail", lang, d=n(d), vocab=n(cfg.vocab_size),
                     size=size(cfg.vocab_size * d)), 7.6, "#756bb1", False),
    ]
    fig = go.Figure()
    x0, x1 = 0.0, 6.0
    for label, detail, y, colour, _ in boxes:
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y - 0.32, y1=y + 0.32, fillcolor=colour, opacity=0.85,
                      line=dict(width=0), layer="below")
        fig.add_annotation(x=(x0 + x1) / 2, y=y + 0.1, text=f"<b>{label}</b>", showarrow=False,
                           font=dict(size=16, color="white"))
        fig.add_annotation(x=(x0 + x1) / 2, y=y - 0.15, text=detail, showarrow=False, font=dict(size=12, color="white"))
    # arrows between consecutive boxes
    ys = [b[2] for b in boxes]
    for lower, upper in zip(ys, ys[1:]):
        fig.add_annotation(x=3, y=upper - 0.33, ax=3, ay=lower + 0.33, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=2, arrowwidth=2, arrowcolor="#888", text="")
    # the repeated block and its two residual connections
    fig.add_shape(type="rect", x0=-0.4, x1=x1 + 2.6, y0=1.55, y1=5.65, line=dict(color="#888", dash="dash", width=2))
    fig.add_annotation(x=x1 + 1.6, y=5.9, text=f"<b>{t('viz.overview.layers', lang, n=cfg.n_layers)}</b>",
                       showarrow=False, font=dict(size=16))
    for start, end in ((1.55, 3.6), (3.6, 5.65)):
        fig.add_shape(type="line", x0=x1 + 0.6, x1=x1 + 0.6, y0=start + 0.05, y1=end - 0.1,
                      line=dict(color="#d62728", width=3))
        fig.add_annotation(x=x1 + 0.6, y=end - 0.25, text="⊕", showarrow=False, font=dict(size=22, color="#d62728"))
    residual = t("viz.overview.residual", lang)
    fig.add_annotation(x=x1 + 1.6, y=2.6, text=f"{residual}<br>x + attention(norm(x))", showarrow=False,
                       font=dict(size=12, color="#d62728"))
    fig.add_annotation(x=x1 + 1.6, y=4.7, text=f"{residual}<br>h + ffn(norm(h))", showarrow=False,
                       font=dict(size=12, color="#d62728"))
    fig.update_xaxes(visible=False, range=[-0.6, x1 + 2.8])
    fig.update_yaxes(visible=False, range=[-0.5, 8.1])  # the block label sits just above the dashed box
    fig.update_layout(height=620, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
                      title=t("viz.overview.title", lang, name=cfg.name, n=n(count_parameters(cfg))))
    return fig


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
    fig.update_layout(barmode="stack", height=80 + 36 * len(names), xaxis_title=t("viz.overview.shares.x", lang),
                      font=dict(size=14), legend=dict(orientation="h", y=1.1), margin=dict(l=10, r=10, t=40, b=40))
    fig.update_yaxes(autorange="reversed")
    return fig


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
