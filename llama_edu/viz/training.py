"""The training recipe as figures: the real learning-rate schedule and the tiny model's real loss curve."""

from __future__ import annotations

import dataclasses

import plotly.graph_objects as go

from ..train import TrainConfig, learning_rate


def lr_schedule_figure(tc: TrainConfig) -> go.Figure:
    """learning_rate(step) for every step of the run, as the trainer computes it."""
    steps = list(range(tc.steps))
    fig = go.Figure(go.Scatter(x=steps, y=[learning_rate(s, tc) for s in steps], mode="lines", name="learning rate",
                               hovertemplate="step %{x}: %{y:.2e}<extra></extra>"))
    fig.add_vline(x=tc.warmup_steps, line_dash="dot", annotation_text=f"end of warmup ({tc.warmup_steps} steps)")
    fig.add_hline(y=tc.lr * tc.min_lr_ratio, line_dash="dot",
                  annotation_text=f"floor: {tc.min_lr_ratio:.0%} of the peak", annotation_position="bottom right")
    fig.update_layout(xaxis_title="step", yaxis_title="learning rate", height=360, font=dict(size=14),
                      margin=dict(l=10, r=10, t=30, b=40))
    return fig


def loss_curve_figure(log: dict) -> go.Figure:
    """Training batch loss and validation loss against tokens seen, from a training_log.json."""
    tokens_per_step = log["config"]["batch_size"] * log["config"]["seq_len"]
    fig = go.Figure()
    fig.add_scatter(x=[s["step"] * tokens_per_step / 1e6 for s in log["steps"]], y=[s["loss"] for s in log["steps"]],
                    mode="lines", name="training batch", line=dict(width=1), opacity=0.5)
    fig.add_scatter(x=[e["tokens"] / 1e6 for e in log["evals"]], y=[e["val_loss"] for e in log["evals"]],
                    mode="lines+markers", name="validation")
    fig.update_layout(xaxis_title="training tokens (millions)", yaxis_title="cross-entropy (nats per token)",
                      height=380, font=dict(size=14), margin=dict(l=10, r=10, t=30, b=40),
                      legend=dict(orientation="h", y=1.1))
    return fig


RECIPE_FIELDS = {"beta1": "AdamW β1", "beta2": "AdamW β2", "weight_decay": "weight decay (matrices only)",
                 "lr": "peak learning rate", "min_lr_ratio": "final learning rate / peak", "warmup_steps": "warmup steps",
                 "steps": "steps", "grad_clip": "gradient clipping (max norm)", "batch_size": "sequences per step",
                 "seq_len": "tokens per sequence", "bf16": "bfloat16 autocast"}


def recipe_rows(tc: TrainConfig) -> list[dict]:
    values = dataclasses.asdict(tc)
    return [{"setting": label, "value": str(values[name])} for name, label in RECIPE_FIELDS.items()]
