"""Rotary position embeddings, seen from the hooks: one pair turning, the frequencies, q.k against the offset,
and the two pair orders (Meta's adjacent pairs, Hugging Face's halves).

The first half computes (rotations with the model's own apply_rope); the second half draws. All vectors here are
one head's vector [hd] taken from hook_q / hook_k (before RoPE) or hook_q_rot / hook_k_rot (after).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..checkpoints import meta_to_hf_qk
from ..i18n import t
from ..model import apply_rope, rope_angles, rope_frequencies
from .labels import number, plotly_text, token_labels  # noqa: F401 - pages use them through this module

FONT = dict(size=16)
BEFORE_COLOUR, AFTER_COLOUR = "#1f77b4", "#d62728"


# ---- computing -------------------------------------------------------------------------------------------------
def rotate_to_positions(x: torch.Tensor, n_positions: int, theta: float = 10000.0,
                        scaling: dict | None = None) -> torch.Tensor:
    """One head vector x [hd] (before RoPE), rotated as if it stood at each position 0..n_positions-1.   [P, hd]"""
    hd = x.shape[-1]
    cos, sin = rope_angles(hd, n_positions, theta, scaling)  # [P, hd/2] each, on the CPU
    # One vector: on the CPU in float32 whatever the model runs on (a bfloat16 GPU capture included).
    same_vector_everywhere = x.detach().float().cpu().reshape(1, 1, 1, hd).expand(1, n_positions, 1, hd)  # [1, P, 1, hd]
    return apply_rope(same_vector_everywhere, cos, sin)[0, :, 0]  # [P, hd]


def pair_angle(x: torch.Tensor, i: int) -> float:
    """Direction of pair i, (x[2i], x[2i+1]), in radians."""
    return math.atan2(float(x[2 * i + 1]), float(x[2 * i]))


def wrap_angle(angle: float) -> float:
    """The same angle in [-pi, pi): turning by 2*pi changes nothing."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


@dataclass
class PairTurn:
    """Pair i of one query at position m, before and after RoPE, and the turn between them."""
    before: tuple[float, float]  # (x_2i, x_2i+1) from hook_q
    after: tuple[float, float]  # the same pair from hook_q_rot
    frequency: float  # theta_i: radians per token
    angle: float  # m * theta_i: the turn RoPE applies (not wrapped)
    measured_turn: float  # the angle from `before` to `after`, wrapped into [-pi, pi)


def pair_turn(q: torch.Tensor, q_rot: torch.Tensor, m: int, i: int, theta: float = 10000.0,
              scaling: dict | None = None) -> PairTurn:
    """Read pair i at position m from one head's queries q, q_rot [T, hd] (hook_q and hook_q_rot)."""
    q, q_rot = q.detach().float().cpu(), q_rot.detach().float().cpu()  # a bfloat16 GPU capture included
    frequency = float(rope_frequencies(q.shape[-1], theta, scaling)[i])
    before = (float(q[m, 2 * i]), float(q[m, 2 * i + 1]))
    after = (float(q_rot[m, 2 * i]), float(q_rot[m, 2 * i + 1]))
    measured = wrap_angle(math.atan2(after[1], after[0]) - math.atan2(before[1], before[0]))
    return PairTurn(before, after, frequency, m * frequency, measured)


def relative_dot_products(q: torch.Tensor, k: torch.Tensor, n_positions: int, theta: float = 10000.0,
                          scaling: dict | None = None) -> torch.Tensor:
    """q.k with q rotated to every query position m and k to every key position n.   [m, n]

    RoPE's promise: the entry depends only on m - n, so every diagonal of this matrix is constant.
    """
    q_at = rotate_to_positions(q, n_positions, theta, scaling)  # [P, hd]
    k_at = rotate_to_positions(k, n_positions, theta, scaling)  # [P, hd]
    return q_at @ k_at.T


def wavelengths(head_dim: int, theta: float = 10000.0, scaling: dict | None = None) -> torch.Tensor:
    """Tokens per full turn of each pair, 2*pi / theta_i.   [hd/2]"""
    return 2 * math.pi / rope_frequencies(head_dim, theta, scaling)


def compared_bases(model_theta: float, *, lang: str = "en") -> dict[str, float]:
    """The two published RoPE bases, and this model's own if it is neither: label -> base."""
    def theta(base: float) -> str:
        return f"θ = {number(base, ',.0f', lang=lang)}"

    bases = {f"{theta(10000.0)} (LLaMA 1, 2)": 10000.0, f"{theta(500000.0)} (Llama 3)": 500000.0}
    if model_theta not in bases.values():
        bases[f"{theta(model_theta)} ({t('viz.rope.this_model', lang)})"] = model_theta
    return bases


def diagonal_spread(matrix: torch.Tensor) -> float:
    """Largest (max - min) along any diagonal: 0 for a matrix whose entries depend only on row - column."""
    n = matrix.shape[0]
    return max(float(d.max() - d.min()) for d in (torch.diagonal(matrix, offset) for offset in range(-n + 1, n)))


def hf_row_order(head_dim: int) -> list[int]:
    """Row r of one head in a Hugging Face checkpoint is Meta's row hf_row_order(hd)[r] (from meta_to_hf_qk)."""
    meta_rows = torch.arange(head_dim, dtype=torch.float32)[:, None]  # [hd, 1]: each row holds its own index
    return [int(r) for r in meta_to_hf_qk(meta_rows, n_heads=1)[:, 0]]


def pair_order_rows(head_dim: int) -> list[dict]:
    """Per rotation pair i: the two dimensions it turns in Meta's layout and in Hugging Face's."""
    half = head_dim // 2
    return [{"pair i": i, "Meta dims (x_2i, x_2i+1)": f"({2 * i}, {2 * i + 1})",
             "HF dims (x_i, x_i+hd/2)": f"({i}, {i + half})"} for i in range(half)]


def rotate_half_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Hugging Face's RoPE: x * cos + rotate_half(x) * sin, pairing dimension i with i + hd/2.

    x [B, T, heads, hd] in HF row order; cos, sin [T, hd/2] as returned by rope_angles.
    """
    cos = torch.cat([cos, cos], dim=-1)[:, None, :]  # [T, 1, hd]
    sin = torch.cat([sin, sin], dim=-1)[:, None, :]
    first, second = x.float().chunk(2, dim=-1)
    rotated_half = torch.cat([-second, first], dim=-1)
    return x.float() * cos + rotated_half * sin


def hf_layout_difference(q: torch.Tensor, q_rot: torch.Tensor, theta: float = 10000.0,
                         scaling: dict | None = None) -> float:
    """Largest |difference| between Meta's rotated q (the hook) and HF's rotate_half applied to the same q
    stored in HF row order, mapped back to Meta order. q, q_rot [B, T, heads, hd]. About 1e-6 = the same."""
    q, q_rot = q.detach().float().cpu(), q_rot.detach().float().cpu()
    T, hd = q.shape[1], q.shape[-1]
    order = hf_row_order(hd)
    cos, sin = rope_angles(hd, T, theta, scaling)
    hf_rotated = rotate_half_rope(q[..., order], cos, sin)  # [B, T, heads, hd] in HF order
    back_in_meta_order = torch.empty_like(hf_rotated)
    back_in_meta_order[..., order] = hf_rotated
    return float((back_in_meta_order - q_rot).abs().max())


# ---- drawing -------------------------------------------------------------------------------------------------------
def _square_plane(fig: go.Figure, radius: float) -> None:
    lim = 1.25 * radius if radius > 0 else 1.0
    fig.update_xaxes(range=[-lim, lim], zeroline=True, title="x<sub>2i</sub>")
    fig.update_yaxes(range=[-lim, lim], zeroline=True, scaleanchor="x", scaleratio=1, title="x<sub>2i+1</sub>")


def _circle(radius: float, lang: str = "en") -> go.Scatter:
    """The circle every rotation of the pair stays on: RoPE turns a pair, it never stretches it."""
    angles = torch.linspace(0, 2 * math.pi, 121)
    return go.Scatter(x=(radius * angles.cos()).tolist(), y=(radius * angles.sin()).tolist(), mode="lines",
                      name=t("viz.rope.circle", lang), line=dict(dash="dot", width=1, color="gray"), hoverinfo="skip")


def pair_rotation_figure(before: tuple[float, float], after: tuple[float, float], angle: float,
                         title: str = "", *, lang: str = "en") -> go.Figure:
    """One pair before RoPE and after it, as arrows from the origin, with the turn between them.
    The caller's title is shown as the characters it is (escaped for plotly here)."""
    radius = math.hypot(*before)
    fig = go.Figure([_circle(radius, lang)])
    for (x, y), name, colour in ((before, t("viz.rope.before", lang), BEFORE_COLOUR),
                                 (after, t("viz.rope.after", lang), AFTER_COLOUR)):
        fig.add_trace(go.Scatter(x=[0, x], y=[0, y], mode="lines+markers", name=name,
                                 line=dict(color=colour, width=4), marker=dict(size=[0, 12], color=colour),
                                 hovertemplate=f"{name}<br>x<sub>2i</sub> = %{{x:.4f}}<br>"
                                               "x<sub>2i+1</sub> = %{y:.4f}<extra></extra>"))
    # The arc from the old direction to the new one, drawn at 60% of the radius, turning the way RoPE turns.
    start = math.atan2(before[1], before[0])
    arc = torch.linspace(start, start + wrap_angle(angle), 60)
    fig.add_trace(go.Scatter(x=(0.6 * radius * arc.cos()).tolist(), y=(0.6 * radius * arc.sin()).tolist(),
                             mode="lines",
                             name=t("viz.rope.turn", lang, angle=number(wrap_angle(angle), "+.3f", lang=lang)),
                             line=dict(color="orange", width=3), hoverinfo="skip"))
    _square_plane(fig, radius)
    fig.update_layout(title=plotly_text(title), font=FONT, height=520, legend=dict(orientation="h", y=-0.18))
    return fig


def rotation_over_positions_figure(rotated: torch.Tensor, i: int, n_prompt: int, frequency: float, *,
                                   lang: str = "en") -> go.Figure:
    """Pair i of one vector placed at positions 0..P-1 (rotated [P, hd], from rotate_to_positions), as an
    animation: plotly's own play button and slider move m, so nothing reruns on the server."""
    tips = rotated[:, 2 * i: 2 * i + 2].float().cpu()  # [P, 2]
    P = tips.shape[0]
    radius = float(tips[0].norm())
    xs, ys = tips[:, 0].tolist(), tips[:, 1].tolist()
    inside, beyond = t("viz.rope.in_prompt", lang), t("viz.rope.beyond_prompt", lang)
    where = [inside if m < n_prompt else beyond for m in range(P)]
    # Every position's tip, drawn once (faint, with hover); each frame only moves the trail and the arrow.
    every_tip = go.Scatter(x=xs, y=ys, mode="markers", name=t("viz.rope.every_tip", lang),
                           marker=dict(size=8, color=list(range(P)), colorscale="Viridis", opacity=0.35),
                           customdata=list(zip(range(P), where)),
                           hovertemplate="m = %{customdata[0]} (%{customdata[1]})<br>(%{x:.3f}, %{y:.3f})<extra></extra>")

    def trail(m: int) -> dict:
        return dict(type="scatter", x=xs[:m + 1], y=ys[:m + 1], mode="lines+markers", hoverinfo="skip",
                    line=dict(color="orange", width=2), marker=dict(size=7, color="orange"))

    def arrow(m: int) -> dict:
        return dict(type="scatter", x=[0, xs[m]], y=[0, ys[m]], mode="lines+markers+text", hoverinfo="skip",
                    line=dict(color=AFTER_COLOUR, width=4), marker=dict(size=[0, 12], color=AFTER_COLOUR),
                    text=["", f"m·θ = {m * frequency:.2f} rad"], textposition="top center", textfont=dict(size=16))

    fig = go.Figure([_circle(radius, lang), every_tip, trail(0), arrow(0)])
    # Two small traces per frame and no per-frame layout: plotly validates every frame, and a rerun should stay fast.
    fig.frames = [dict(data=[trail(m), arrow(m)], traces=[2, 3], name=str(m)) for m in range(P)]
    title = t("viz.rope.animation.title", lang, i=i, frequency=number(frequency, ".4g", lang=lang),
              tokens=number(2 * math.pi / frequency, ",.1f", lang=lang))
    fig.update_layout(
        title=title, font=FONT, height=560, showlegend=False,
        updatemenus=[dict(type="buttons", x=0, y=-0.08, xanchor="left", showactive=False, buttons=[
            dict(label=t("viz.rope.animation.play", lang), method="animate",
                 args=[None, dict(frame=dict(duration=250, redraw=True), fromcurrent=True, mode="immediate")]),
            dict(label=t("viz.rope.animation.pause", lang), method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=0, x=0.18, len=0.82, y=-0.04, currentvalue=dict(prefix="m = "), steps=[
            dict(method="animate", label=str(m), args=[[str(m)], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
            for m in range(P)])])
    _square_plane(fig, radius)
    return fig


def frequencies_figure(head_dim: int, thetas: dict[str, float], contexts: dict[str, int], *,
                       lang: str = "en") -> go.Figure:
    """theta_i = base^(-2i/hd) and the wavelength 2*pi/theta_i (tokens per full turn) for each base, log scale.
    The bases' and contexts' labels are the caller's (compared_bases(lang=...) for the bases)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        t("viz.rope.frequencies.theta", lang), t("viz.rope.frequencies.wavelength", lang)))
    theta_hover = t("viz.rope.frequencies.theta_hover", lang, pair="%{x}", theta="%{y:.3g}")
    wavelength_hover = t("viz.rope.frequencies.wavelength_hover", lang, pair="%{x}", n="%{y:,.0f}")
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    pairs = list(range(head_dim // 2))
    for (label, theta), colour in zip(thetas.items(), colours):
        freqs = rope_frequencies(head_dim, theta)  # [hd/2]
        fig.add_trace(go.Scatter(x=pairs, y=freqs.tolist(), mode="lines+markers", name=label, legendgroup=label,
                                 line=dict(color=colour), hovertemplate=theta_hover),
                      row=1, col=1)
        fig.add_trace(go.Scatter(x=pairs, y=(2 * math.pi / freqs).tolist(), mode="lines+markers", name=label,
                                 legendgroup=label, showlegend=False, line=dict(color=colour),
                                 hovertemplate=wavelength_hover), row=1, col=2)
    # Context lengths as dotted lines (traces, not shapes: a shape on a log axis wants log10 coordinates).
    for label, n in contexts.items():
        # The line's label is a caption on the plot (language's separators); the hover keeps plotly's format.
        fig.add_trace(go.Scatter(x=[pairs[0], pairs[-1]], y=[n, n], mode="lines+text", name=label,
                                 line=dict(dash="dot", color="gray"),
                                 text=[f"{label}: {number(n, ',', lang=lang)}", ""],
                                 textposition="top right", showlegend=False,
                                 hovertemplate=t("viz.rope.frequencies.context_hover", lang, label=label, n=f"{n:,}")
                                               + "<extra></extra>"), row=1, col=2)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_xaxes(title=t("viz.rope.frequencies.x", lang))
    fig.update_layout(font=FONT, height=480, legend=dict(orientation="h", y=-0.2))
    return fig


def relative_dot_figure(dots: torch.Tensor, measured: tuple[int, int, float] | None = None, *,
                        lang: str = "en") -> go.Figure:
    """Left: q.k for every (query position m, key position n), constant along each diagonal.
    Right: the same numbers against the offset m - n: every position pair with that offset lands on one value.
    measured = (m, n, value) from the prompt's own hooks, drawn as a marker on both."""
    P = dots.shape[0]
    z = dots.float().cpu()
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.2,
                        subplot_titles=(t("viz.rope.dots.matrix", lang), t("viz.rope.dots.offsets", lang)))
    fig.add_trace(go.Heatmap(z=z.tolist(), x=list(range(P)), y=list(range(P)), colorscale="RdBu", zmid=0,
                             colorbar=dict(x=0.41, thickness=15, title="q·k"),
                             hovertemplate="m = %{y}, n = %{x}<br>m − n = %{customdata}<br>q·k = %{z:.4f}<extra></extra>",
                             customdata=[[m - n for n in range(P)] for m in range(P)]), row=1, col=1)
    offsets = [m - n for m in range(P) for n in range(P)]
    fig.add_trace(go.Scatter(x=offsets, y=z.flatten().tolist(), mode="markers", name=t("viz.rope.dots.all", lang),
                             marker=dict(size=6, opacity=0.5), showlegend=False,
                             hovertemplate="m − n = %{x}<br>q·k = %{y:.4f}<extra></extra>"), row=1, col=2)
    if measured is not None:
        m, n, value = measured
        measured_name = t("viz.rope.dots.measured", lang)
        fig.add_trace(go.Scatter(x=[n], y=[m], mode="markers", name=measured_name,
                                 marker=dict(symbol="circle-open", size=18, color="#2ca02c", line=dict(width=4)),
                                 hovertemplate=f"hook_q_rot·hook_k_rot = {value:.4f}<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=[m - n], y=[value], mode="markers", name=measured_name,
                                 showlegend=False, marker=dict(symbol="star", size=16, color="orange"),
                                 hovertemplate=f"hook_q_rot·hook_k_rot = {value:.4f}<extra></extra>"), row=1, col=2)
    fig.update_yaxes(title=t("viz.rope.dots.query_position", lang), autorange="reversed", row=1, col=1)
    fig.update_xaxes(title=t("viz.rope.dots.key_position", lang), row=1, col=1)
    fig.update_xaxes(title=t("viz.rope.dots.offset", lang), row=1, col=2)
    fig.update_yaxes(title="q·k", row=1, col=2)
    fig.update_layout(font=FONT, height=520, legend=dict(orientation="h", y=-0.2))
    return fig


def pair_order_figure(head_dim: int, *, lang: str = "en") -> go.Figure:
    """The rows of one head's wq (or wk), in Meta's order and in a Hugging Face checkpoint's order.
    Each cell shows which Meta row sits there; its colour is the rotation pair that row belongs to."""
    half = head_dim // 2
    hf = hf_row_order(head_dim)
    meta = list(range(head_dim))
    rows = [meta, hf]
    fig = go.Figure(go.Heatmap(
        z=[[r // 2 for r in row] for row in rows], x=list(range(head_dim)), y=["Meta / llama_edu", "Hugging Face"],
        text=[[str(r) for r in row] for row in rows], texttemplate="%{text}" if head_dim <= 64 else None,
        textfont=dict(size=14), colorscale="Turbo", colorbar=dict(title=t("viz.rope.pairs.colorbar", lang)),
        xgap=2, ygap=6,
        customdata=[[t("viz.rope.pairs.partner", lang, pair=r // 2, row=r ^ 1) for r in row] for row in rows],
        hovertemplate=t("viz.rope.pairs.hover", lang, layout="%{y}", row="%{x}", meta="%{text}")
                      + "<br>%{customdata}<extra></extra>"))
    fig.update_xaxes(title=t("viz.rope.pairs.x", lang, last=head_dim - 1, half=half))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(font=FONT, height=300, margin=dict(t=30))
    return fig
