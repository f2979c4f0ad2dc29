"""Training compute as figures: parameters against training tokens beside Chinchilla's 20 tokens per parameter, the
FLOPs of one training step counted on the model's code against 2·N·T and 4·N·T, and 6·N·D against the GPU-hours the
LLaMA papers report.

The numbers are llama_edu.scale's; this module only draws and words them.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ..i18n import t
from ..scale import CHINCHILLA_TOKENS_PER_PARAMETER, PaperCheck, StepFlops, TrainingRun
from . import palette
from .labels import localized_figure, number, plotly_text
from .overview import human

FONT = dict(size=16)
FORWARD_COLOUR, BACKWARD_COLOUR = palette.BLUE, palette.VERMILLION
RULE_COLOUR, CHOSEN_COLOUR = palette.GREY, palette.ORANGE
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(value: float, digits: int = 2, *, lang: str = "en") -> str:
    """4.0 × 10²² (German 4,0 × 10²²): `digits` significant digits, for counts too large for separators."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10 ** exponent
    if round(mantissa, digits - 1) >= 10:  # 9.96e22 rounds to 10.0: write 1.0 × 10²³
        exponent, mantissa = exponent + 1, mantissa / 10
    return f"{number(mantissa, f'.{digits - 1}f', lang=lang)} × 10{str(exponent).translate(_SUPERSCRIPT)}"


# The generations of config.PRESETS as the figure groups them: colour, marker, where the size labels go.
FAMILIES = {"LLaMA 1": (palette.BLUE, "circle", "bottom center"),
            "Llama 2": (palette.BLUISH_GREEN, "square", "top center"),
            "Llama 3": (palette.VERMILLION, "diamond", "top center"),
            "tiny": (palette.REDDISH_PURPLE, "circle", "top center")}


def family_of(name: str) -> str:
    """ "llama-2-7b" -> "Llama 2"; Llama 3 and 3.1 are one generation; anything else that is not a LLaMA: "tiny"."""
    if name.startswith("llama-2-"):
        return "Llama 2"
    if name.startswith(("llama-3-", "llama-3.")):  # not "llama-33b", a LLaMA 1
        return "Llama 3"
    return "LLaMA 1" if name.startswith("llama-") else "tiny"


def size_label(name: str) -> str:
    """ "llama-2-70b" -> "70B", "tiny" -> "tiny"."""
    last = name.rsplit("-", 1)[-1]
    return last.upper() if last[:-1].isdigit() and last.endswith("b") else name


def run_hover(run: TrainingRun, *, lang: str = "en") -> str:
    """One run's numbers for a hover box (plotly reads <br> as a line break); the name is the caller's to add."""
    return t("scale.viz.run_hover", lang, parameters=human(run.parameters, lang=lang),
             tokens=human(run.tokens, lang=lang), ratio=number(run.tokens_per_parameter, ",.1f", lang=lang),
             flops=scientific(run.flops, lang=lang))


@localized_figure
def runs_figure(runs: dict[str, TrainingRun], chosen: TrainingRun | None = None, *, lang: str = "en") -> go.Figure:
    """Parameters (x) against training tokens (y), both on log axes, one point per run, with the line of
    compute-optimal runs D = 20·N: points above it trained longer than Chinchilla's rule. `chosen` (the calculator's
    run) is drawn as a star."""
    fig = go.Figure()
    xs = [run.parameters for run in runs.values()] + ([chosen.parameters] if chosen else [])
    lo, hi = min(xs) / 3, max(xs) * 3
    line_x = [lo, hi]
    fig.add_trace(go.Scatter(x=line_x, y=[CHINCHILLA_TOKENS_PER_PARAMETER * x for x in line_x], mode="lines",
                             name=t("scale.viz.chinchilla_line", lang), line=dict(color=RULE_COLOUR, dash="dash"),
                             hoverinfo="skip"))
    # One trace per generation (its legend entry), each point labelled with its size only ("7B"): the full names of
    # neighbours (LLaMA-7B and Llama 2 7B) would write over each other. Runs with the same N and D (Llama 3 8B and
    # 3.1 8B) share a point. LLaMA 1's labels sit below its points, the later generations' above.
    for family, (colour, symbol, position) in FAMILIES.items():
        points: dict[tuple[float, float], list[TrainingRun]] = {}
        for name, run in runs.items():
            if family_of(name) == family:
                points.setdefault((run.parameters, run.tokens), []).append(run)
        if not points:
            continue
        shown = sorted(points.items())
        fig.add_trace(go.Scatter(
            x=[n for (n, _), _ in shown], y=[d for (_, d), _ in shown], mode="markers+text", name=family,
            text=[size_label(same[0].name) for _, same in shown], textposition=position,
            marker=dict(size=12, color=colour, symbol=symbol),
            customdata=[" / ".join(plotly_text(run.name) for run in same) for _, same in shown],
            hovertext=[run_hover(same[0], lang=lang) for _, same in shown],
            hovertemplate="%{customdata}<br>%{hovertext}<extra></extra>"))
    if chosen is not None:
        fig.add_trace(go.Scatter(x=[chosen.parameters], y=[chosen.tokens], mode="markers",
                                 name=t("scale.viz.chosen", lang), marker=dict(symbol="star", size=20,
                                                                                 color=CHOSEN_COLOUR),
                                 hovertemplate=f"{plotly_text(chosen.name)}<br>{run_hover(chosen, lang=lang)}"
                                               "<extra></extra>"))
    fig.update_xaxes(type="log", title=t("scale.viz.parameters_axis", lang), exponentformat="power")
    fig.update_yaxes(type="log", title=t("scale.viz.tokens_axis", lang), exponentformat="power")
    fig.update_layout(font=FONT, height=520, legend=dict(orientation="h", y=-0.2),
                      title=t("scale.viz.runs_title", lang))
    return fig


@localized_figure
def step_flops_figure(step: StepFlops, *, lang: str = "en") -> go.Figure:
    """One training step: forward and backward FLOPs as PyTorch counted them, beside the rule's 2·N·T and 4·N·T."""
    n, T = step.parameters, step.n_tokens
    passes = [t("scale.viz.forward", lang), t("scale.viz.backward", lang)]
    counted, rule = [step.forward, step.backward], [2 * n * T, 4 * n * T]
    fig = go.Figure([
        go.Bar(x=passes, y=counted, name=t("scale.viz.counted", lang), marker_color=[FORWARD_COLOUR, BACKWARD_COLOUR],
               text=[scientific(v, 3, lang=lang) for v in counted], textposition="outside",
               hovertemplate="%{x}: %{y:,.0f} FLOPs<extra></extra>"),
        go.Bar(x=passes, y=rule, name=t("scale.viz.rule", lang), marker_color=RULE_COLOUR, opacity=0.6,
               text=[scientific(v, 3, lang=lang) for v in rule], textposition="outside",
               hovertemplate="%{x}: %{y:,.0f} FLOPs<extra></extra>"),
    ])
    fig.update_yaxes(title=t("scale.viz.flops_axis", lang), rangemode="tozero", exponentformat="power")
    fig.update_layout(barmode="group", font=FONT, height=460, legend=dict(orientation="h", y=-0.15),
                      title=t("scale.viz.step_title", lang, tokens=number(T, ",", lang=lang)),
                      uniformtext=dict(minsize=14, mode="show"))
    return fig


@localized_figure
def paper_check_figure(checks: list[PaperCheck], *, lang: str = "en") -> go.Figure:
    """For each model whose paper reports its GPU-hours: the share of an A100's bfloat16 peak those hours must have
    kept busy if training took 6·N·D FLOPs."""
    names = [check.run.name for check in checks]
    shares = [check.utilisation for check in checks]
    hover = [t("scale.viz.check_hover", lang, hours=number(check.paper_gpu_hours, ",", lang=lang),
               flops=scientific(check.run.flops, lang=lang),
               rate=number(check.tokens_per_gpu_second, ",.0f", lang=lang)) for check in checks]
    fig = go.Figure(go.Bar(x=[plotly_text(n) for n in names], y=shares, marker_color=FORWARD_COLOUR,
                           text=[number(s, ".0%", lang=lang) for s in shares], textposition="outside",
                           customdata=hover, hovertemplate="%{x}<br>%{customdata}<extra></extra>"))
    fig.update_yaxes(title=t("scale.viz.utilisation_axis", lang), tickformat=".0%", range=[0, 1])
    fig.update_layout(font=FONT, height=440, title=t("scale.viz.check_title", lang), showlegend=False)
    return fig
