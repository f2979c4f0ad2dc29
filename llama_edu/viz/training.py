"""The training recipe as figures: the real learning-rate schedule and the tiny model's real loss curve."""

from __future__ import annotations

import dataclasses

import plotly.graph_objects as go

from ..i18n import t
from ..train import TrainConfig, learning_rate
from . import palette
from .labels import localized_figure, number


@localized_figure
def lr_schedule_figure(tc: TrainConfig, *, lang: str = "en") -> go.Figure:
    """learning_rate(step) for every step of the run, as the trainer computes it."""
    steps = list(range(tc.steps))
    rate = t("viz.training.learning_rate", lang)
    fig = go.Figure(go.Scatter(x=steps, y=[learning_rate(s, tc) for s in steps], mode="lines", name=rate,
                               line_color=palette.BLUE,
                               hovertemplate=t("viz.training.lr_hover", lang, step="%{x}", value="%{y:.2e}")
                                             + "<extra></extra>"))
    fig.add_vline(x=tc.warmup_steps, line_dash="dot",
                  annotation_text=t("viz.training.warmup_end", lang, n=tc.warmup_steps))
    fig.add_hline(y=tc.lr * tc.min_lr_ratio, line_dash="dot", annotation_position="bottom right",
                  annotation_text=t("viz.training.floor", lang, share=number(tc.min_lr_ratio, ".0%", lang=lang)))
    fig.update_layout(xaxis_title=t("viz.axis.step", lang), yaxis_title=rate, height=360, font=dict(size=14),
                      margin=dict(l=10, r=10, t=30, b=40))
    return fig


@localized_figure
def loss_curve_figure(log: dict, *, lang: str = "en") -> go.Figure:
    """Training batch loss and validation loss against tokens seen, from a training_log.json."""
    tokens_per_step = log["config"]["batch_size"] * log["config"]["seq_len"]
    fig = go.Figure()
    fig.add_scatter(x=[s["step"] * tokens_per_step / 1e6 for s in log["steps"]], y=[s["loss"] for s in log["steps"]],
                    mode="lines", name=t("viz.training.batch", lang), line=dict(width=1, color=palette.GREY),
                    opacity=0.5)
    fig.add_scatter(x=[e["tokens"] / 1e6 for e in log["evals"]], y=[e["val_loss"] for e in log["evals"]],
                    mode="lines+markers", name=t("viz.training.validation", lang), line_color=palette.BLUE)
    fig.update_layout(xaxis_title=t("viz.training.loss_x", lang), yaxis_title=t("viz.training.loss_y", lang),
                      height=380, font=dict(size=14), margin=dict(l=10, r=10, t=30, b=40),
                      legend=dict(orientation="h", y=1.1))
    return fig


# The TrainConfig fields the recipe table shows, in order; their names are viz.training.recipe.<field> in viz.yaml.
RECIPE_FIELDS = ("beta1", "beta2", "weight_decay", "lr", "min_lr_ratio", "warmup_steps", "steps", "grad_clip",
                 "batch_size", "seq_len", "bf16")


def recipe_rows(tc: TrainConfig, *, lang: str = "en") -> list[dict]:
    """One row per field of RECIPE_FIELDS: its name in the reader's language, and its value (a number, or yes/no)."""
    values = dataclasses.asdict(tc)

    def value(v):
        return t(f"viz.training.recipe.{'yes' if v else 'no'}", lang) if isinstance(v, bool) else v

    return [{"setting": t(f"viz.training.recipe.{name}", lang), "value": value(values[name])}
            for name in RECIPE_FIELDS]
