"""Elements of the training recipe: the schedule, the recipe's settings, and the tiny model's loss curve."""

import json

import streamlit as st

import llama_edu as le
from app.common import lang, say, show_figure, table
from app.elements import element
from llama_edu.train import TrainConfig
from llama_edu.viz import training as viz


@element("lr_schedule")
def lr_schedule(cur, key: str) -> None:
    """The trainer's own learning_rate() over the default run: warmup, then cosine to 10% of the peak."""
    show_figure(viz.lr_schedule_figure(TrainConfig(), lang=lang()), key=f"{key}_lr")


@element("training_recipe")
def training_recipe(cur, key: str) -> None:
    table(viz.recipe_rows(TrainConfig(), lang=lang()), hide_index=True, width="stretch", key=f"{key}_recipe")


@element("loss_curve")
def loss_curve(cur, key: str) -> None:
    """The shipped tiny model's real training log (the loaded model's, if it has one)."""
    log_path = le.TINY_MODEL_DIR / "training_log.json"
    if not log_path.is_file():
        st.info(say("app.training.log_missing"))
        return
    show_figure(viz.loss_curve_figure(json.loads(log_path.read_text()), lang=lang()), key=f"{key}_loss")
