"""Rotary position embeddings as figures: one pair turning, the frequencies, q.k against the offset, and the two
pair orders (Meta's adjacent pairs, Hugging Face's halves).

The rotations and measurements are llama_edu.rotary's (done with the model's own apply_rope); this module only
draws them.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..i18n import t
from ..model import rope_frequencies
from ..rotary import hf_row_order, wrap_angle
from . import palette, summary
from .labels import localized_figure, number, plotly_text, token_labels  # noqa: F401 - pages use them through this module

FONT = dict(size=16)
ANGLE_CORNER = 1.2  # the animation's angle label sits at (-1.2 r, 1.2 r), inside the plane's ±1.25 r, off the circle
BEFORE_COLOUR, AFTER_COLOUR = palette.BLUE, palette.VERMILLION
CIRCLE_COLOUR = palette.GREY
POSITIONS = palette.colorscale(palette.SEQUENTIAL)  # position m (the tips) and the pair index (the row orders)
SIGNED = palette.colorscale(palette.DIVERGING)  # q·k around 0
TURN_COLOUR = palette.ORANGE  # the arc of the turn, the trail of the tip, the measured q·k (a star)
MEASURED_COLOUR = palette.BLUISH_GREEN  # the measured q·k on the matrix (an open circle)
BASE_COLOURS = [palette.BLUE, palette.VERMILLION, palette.BLUISH_GREEN, palette.REDDISH_PURPLE]  # one per RoPE base


# ---- labels and rows -------------------------------------------------------------------------------------------
def compared_bases(model_theta: float, *, lang: str = "en") -> dict[str, float]:
    """The two published RoPE bases, and this model's own if it is neither: label -> base."""
    def theta(base: float) -> str:
        return f"θ = {number(base, ',.0f', lang=lang)}"

    bases = {f"{theta(10000.0)} (LLaMA 1, 2)": 10000.0, f"{theta(500000.0)} (Llama 3)": 500000.0}
    if model_theta not in bases.values():
        bases[f"{theta(model_theta)} ({t('viz.rope.this_model', lang)})"] = model_theta
    return bases


def pair_order_rows(head_dim: int) -> list[dict]:
    """Per rotation pair i: the two dimensions it turns in Meta's layout and in Hugging Face's."""
    half = head_dim // 2
    return [{"pair": i, "meta_dims": f"({2 * i}, {2 * i + 1})", "hf_dims": f"({i}, {i + half})"} for i in range(half)]


# ---- drawing -------------------------------------------------------------------------------------------------------
def _square_plane(fig: go.Figure, radius: float) -> None:
    lim = 1.25 * radius if radius > 0 else 1.0
    fig.update_xaxes(range=[-lim, lim], zeroline=True, title="x<sub>2i</sub>")
    fig.update_yaxes(range=[-lim, lim], zeroline=True, scaleanchor="x", scaleratio=1, title="x<sub>2i+1</sub>")


def _circle(radius: float, lang: str = "en") -> go.Scatter:
    """The circle every rotation of the pair stays on: RoPE turns a pair, it never stretches it."""
    angles = torch.linspace(0, 2 * math.pi, 121)
    return go.Scatter(x=(radius * angles.cos()).tolist(), y=(radius * angles.sin()).tolist(), mode="lines",
                      name=t("viz.rope.circle", lang), line=dict(dash="dot", width=1, color=CIRCLE_COLOUR),
                      hoverinfo="skip")


@localized_figure
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
                             line=dict(color=TURN_COLOUR, width=3), hoverinfo="skip"))
    _square_plane(fig, radius)
    fig.update_layout(title=plotly_text(title), font=FONT, height=520, legend=dict(orientation="h", y=-0.18))
    return summary.with_summary(fig, summary.turn_sentence(before, after, wrap_angle(angle), lang=lang))


@localized_figure
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
                           marker=dict(size=8, color=list(range(P)), colorscale=POSITIONS, opacity=0.35),
                           customdata=list(zip(range(P), where)),
                           hovertemplate="m = %{customdata[0]} (%{customdata[1]})<br>(%{x:.3f}, %{y:.3f})<extra></extra>")

    def trail(m: int) -> dict:
        return dict(type="scatter", x=xs[:m + 1], y=ys[:m + 1], mode="lines+markers", hoverinfo="skip",
                    line=dict(color=TURN_COLOUR, width=2), marker=dict(size=7, color=TURN_COLOUR))

    def arrow(m: int) -> dict:
        return dict(type="scatter", x=[0, xs[m]], y=[0, ys[m]], mode="lines+markers", hoverinfo="skip",
                    line=dict(color=AFTER_COLOUR, width=4), marker=dict(size=[0, 12], color=AFTER_COLOUR))

    def angle(m: int) -> dict:
        # In the plane's top-left corner, written down and to the right from there: clear of the circle (and of
        # the arrow's tip, which is always on it), where a label at the tip would sit on the circle's line.
        return dict(type="scatter", x=[-ANGLE_CORNER * radius], y=[ANGLE_CORNER * radius], mode="text",
                    hoverinfo="skip", text=[f"m·θ = {number(m * frequency, '.2f', lang=lang)} rad"],
                    textposition="bottom right", textfont=dict(size=16, color=AFTER_COLOUR))

    fig = go.Figure([_circle(radius, lang), every_tip, trail(0), arrow(0), angle(0)])
    # Three small traces per frame and no per-frame layout: plotly validates every frame, and a rerun should stay fast.
    fig.frames = [dict(data=[trail(m), arrow(m), angle(m)], traces=[2, 3, 4], name=str(m)) for m in range(P)]
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
    return summary.with_summary(fig, summary.positions_sentence(i, frequency, P, lang=lang))


@localized_figure
def frequencies_figure(head_dim: int, thetas: dict[str, float], contexts: dict[str, int], *,
                       lang: str = "en") -> go.Figure:
    """theta_i = base^(-2i/hd) and the wavelength 2*pi/theta_i (tokens per full turn) for each base, log scale.
    The bases' and contexts' labels are the caller's (compared_bases(lang=...) for the bases)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        t("viz.rope.frequencies.theta", lang), t("viz.rope.frequencies.wavelength", lang)))
    theta_hover = t("viz.rope.frequencies.theta_hover", lang, pair="%{x}", theta="%{y:.3g}")
    wavelength_hover = t("viz.rope.frequencies.wavelength_hover", lang, pair="%{x}", n="%{y:,.0f}")
    colours = BASE_COLOURS
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
                                 line=dict(dash="dot", color=CIRCLE_COLOUR),
                                 text=[f"{label}: {number(n, ',', lang=lang)}", ""],
                                 textposition="top right", showlegend=False,
                                 hovertemplate=t("viz.rope.frequencies.context_hover", lang, label=label, n="%{y:,}")
                                               + "<extra></extra>"), row=1, col=2)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_xaxes(title=t("viz.rope.frequencies.x", lang))
    fig.update_layout(font=FONT, height=480, legend=dict(orientation="h", y=-0.2))
    slowest = {label: 2 * math.pi / float(rope_frequencies(head_dim, theta)[-1]) for label, theta in thetas.items()}
    return summary.with_summary(fig, summary.frequencies_sentence(slowest, lang=lang))


@localized_figure
def relative_dot_figure(dots: torch.Tensor, measured: tuple[int, int, float] | None = None, *,
                        lang: str = "en") -> go.Figure:
    """Left: q.k for every (query position m, key position n), constant along each diagonal.
    Right: the same numbers against the offset m - n: every position pair with that offset lands on one value.
    measured = (m, n, value) from the prompt's own hooks, drawn as a marker on both."""
    P = dots.shape[0]
    z = dots.float().cpu()
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.2,
                        subplot_titles=(t("viz.rope.dots.matrix", lang), t("viz.rope.dots.offsets", lang)))
    # Arrays, not lists: a prompt of 250 tokens makes 62,500 cells, and plotly validates a list cell by cell (seconds).
    offset = (torch.arange(P)[:, None] - torch.arange(P)[None, :]).numpy()  # [m, n] -> m - n
    fig.add_trace(go.Heatmap(z=z.numpy(), x=list(range(P)), y=list(range(P)), colorscale=SIGNED, zmid=0,
                             colorbar=dict(x=0.41, thickness=15, title="q·k"),
                             hovertemplate="m = %{y}, n = %{x}<br>m − n = %{customdata}<br>q·k = %{z:.4f}<extra></extra>",
                             customdata=offset), row=1, col=1)
    fig.add_trace(go.Scatter(x=offset.ravel(), y=z.flatten().numpy(), mode="markers", name=t("viz.rope.dots.all", lang),
                             marker=dict(size=6, opacity=0.5, color=palette.BLUE), showlegend=False,
                             hovertemplate="m − n = %{x}<br>q·k = %{y:.4f}<extra></extra>"), row=1, col=2)
    if measured is not None:
        m, n, value = measured
        measured_name = t("viz.rope.dots.measured", lang)
        # plotly writes the value (customdata), so it follows the figure's separators like every other number
        fig.add_trace(go.Scatter(x=[n], y=[m], mode="markers", name=measured_name, customdata=[value],
                                 marker=dict(symbol="circle-open", size=18, color=MEASURED_COLOUR, line=dict(width=4)),
                                 hovertemplate="hook_q_rot·hook_k_rot = %{customdata:.4f}<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=[m - n], y=[value], mode="markers", name=measured_name,
                                 showlegend=False, marker=dict(symbol="star", size=16, color=TURN_COLOUR),
                                 hovertemplate="hook_q_rot·hook_k_rot = %{y:.4f}<extra></extra>"), row=1, col=2)
    fig.update_yaxes(title=t("viz.rope.dots.query_position", lang), autorange="reversed", row=1, col=1)
    fig.update_xaxes(title=t("viz.rope.dots.key_position", lang), row=1, col=1)
    fig.update_xaxes(title=t("viz.rope.dots.offset", lang), row=1, col=2)
    fig.update_yaxes(title="q·k", row=1, col=2)
    fig.update_layout(font=FONT, height=520, legend=dict(orientation="h", y=-0.2))
    return summary.with_summary(fig, summary.relative_sentence(z, lang=lang))


@localized_figure
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
        textfont=dict(size=14), colorscale=POSITIONS, colorbar=dict(title=t("viz.rope.pairs.colorbar", lang)),
        xgap=2, ygap=6,
        customdata=[[t("viz.rope.pairs.partner", lang, pair=r // 2, row=r ^ 1) for r in row] for row in rows],
        hovertemplate=t("viz.rope.pairs.hover", lang, layout="%{y}", row="%{x}", meta="%{text}")
                      + "<br>%{customdata}<extra></extra>"))
    fig.update_xaxes(title=t("viz.rope.pairs.x", lang, last=head_dim - 1, half=half))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(font=FONT, height=300, margin=dict(t=30))
    return summary.with_summary(fig, summary.pair_order_sentence(head_dim, lang=lang))
