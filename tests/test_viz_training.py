import json

import pytest

import llama_edu as le
from llama_edu.train import TrainConfig, learning_rate
from llama_edu.viz import training as viz


def test_schedule_figure_is_the_trainers_own_schedule():
    tc = TrainConfig(steps=300, warmup_steps=30)
    fig = viz.lr_schedule_figure(tc)
    assert list(fig.data[0].y) == [learning_rate(s, tc) for s in range(300)]


def test_loss_curve_comes_from_the_shipped_log():
    log = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())
    fig = viz.loss_curve_figure(log)
    assert list(fig.data[1].y) == [e["val_loss"] for e in log["evals"]]
    assert fig.data[0].y[0] == pytest.approx(log["steps"][0]["loss"])


def test_recipe_rows_show_llamas_optimizer_settings():
    rows = dict(zip(viz.RECIPE_FIELDS, (r["value"] for r in viz.recipe_rows(TrainConfig()))))
    assert rows["beta1"] == 0.9 and rows["beta2"] == 0.95 and rows["weight_decay"] == 0.1
    assert rows["grad_clip"] == 1.0 and rows["min_lr_ratio"] == 0.1 and rows["bf16"] == "yes"
    german = dict(zip(viz.RECIPE_FIELDS, viz.recipe_rows(TrainConfig(bf16=False), lang="de")))
    assert german["lr"] == {"setting": "höchste Lernrate", "value": TrainConfig().lr}
    assert german["bf16"] == {"setting": "bfloat16-Autocast", "value": "nein"}
