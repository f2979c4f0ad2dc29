"""Elements of "Watch it learn": the shipped tiny model at the checkpoints saved while it trained
(llama_edu/history.py).

The history belongs to the tiny model whatever model the sidebar holds. Its checkpoints are loaded and measured once
per server (st.cache_resource: the first visitor waits a few seconds, every other student reads the same results);
the elements share one step slider through the key they are given: `history_step` draws it, the others read it.
"""

from __future__ import annotations

import streamlit as st

import llama_edu as le
from app.common import go_deeper, lang, plain, say, show_figure
from app.elements import element
from llama_edu import history
from llama_edu.i18n import number
from llama_edu.prompts import PromptError, prepare_prompt
from llama_edu.viz import history as viz

TITLE_CHARS = 40  # of a student's prompt in a figure's title


@st.cache_resource(show_spinner=False)
def checkpoints() -> list[history.Checkpoint]:
    """The tiny model's saved steps and its final model (read from training_log.json once per server); none where
    the installation has no log."""
    return history.checkpoints() if (le.TINY_MODEL_DIR / "training_log.json").is_file() else []


def available() -> bool:
    """Whether this installation holds the tiny model's history (the snapshots, not only the final model)."""
    return len(checkpoints()) > 1


@st.cache_resource(show_spinner=False)
def checkpoint_model(step: int):
    """(model, tokenizer) of the tiny model at `step`, float32 on the CPU, loaded once per server (read-only)."""
    return history.load_checkpoint(next(c for c in checkpoints() if c.step == step))


@st.cache_resource(show_spinner=False)
def measured_history() -> history.History:
    """Every checkpoint measured, once per server: the same numbers for every student."""
    def measure(checkpoint, log, texts):
        return history.measure(checkpoint, log, texts, *checkpoint_model(checkpoint.step))

    return history.measure_history(measure_checkpoint=measure)


@st.cache_resource(show_spinner=False, max_entries=256)
def prompt_top(step: int, text: str) -> tuple[tuple[str, float], ...]:
    """The likeliest next tokens after a student's prompt at `step` (kept per step and prompt: a class on the
    teacher's prompt runs it once)."""
    model, tok = checkpoint_model(step)
    return tuple(history.next_token_prediction(model, tok, text).top())


def _history() -> history.History:
    with st.spinner(say("history.page.measuring", n=len(checkpoints()))):
        return measured_history()


def chosen_step(key: str, measured: history.History) -> int:
    """The step the slider drawn with this key holds (the first checkpoint before it is drawn)."""
    step = st.session_state.get(f"{key}_step")
    return step if step in measured.steps else measured.steps[0]


def _value(value):
    """A note's value as say() takes it: a sequence along the steps becomes "267 → 33 → 4", written the language's
    way."""
    if isinstance(value, tuple):
        return " → ".join(number(v, ",", lang=lang()) for v in value)
    return value


def show_notes(notes: list[tuple[str, dict]]) -> None:
    st.markdown(" ".join(say(f"history.{key}", **{k: _value(v) for k, v in values.items()}) for key, values in notes))


@element("history_step")
def history_step(cur, key: str) -> None:
    """The slider over the saved steps; the other history elements with the same key show its step."""
    measured = _history()
    # The value lives in the session under the widget's key (set there, not passed: a lesson or a test may set it).
    st.session_state[f"{key}_step"] = chosen_step(key, measured)
    st.select_slider(say("history.step"), options=measured.steps, key=f"{key}_step", help=say("history.step_help"))


@element("history_loss")
def history_loss(cur, key: str) -> None:
    """training_log.json's training and validation loss, the chosen step marked, and what it says at that step."""
    measured = _history()
    step = chosen_step(key, measured)
    show_figure(viz.loss_history_figure(measured.log, step, lang=lang()), key=f"{key}_loss")
    show_notes(measured.notes(step)["loss"])


@element("history_next_token")
def history_next_token(cur, key: str) -> None:
    """The five likeliest tokens after "The cat sat on the" at the chosen step, and where "▁mat" stands."""
    measured = _history()
    step = chosen_step(key, measured)
    at = measured.at(step)
    watched = (history.WATCHED, at.prediction.rank(), at.prediction.probability())
    highest = max(m.prediction.ranked[0][1] for m in measured.measured)
    title = plain("history.viz.next_title", prompt=history.PROMPT, step=step)
    show_figure(viz.next_token_figure(at.prediction.top(), title, watched=watched, top_probability=highest,
                                      lang=lang()), key=f"{key}_next")
    show_notes(measured.notes(step)["next"])


@element("history_heads")
def history_heads(cur, key: str) -> None:
    """Every head's previous-token score at the chosen step, and the strongest head's score along the run."""
    measured = _history()
    step = chosen_step(key, measured)
    at, lead = measured.at(step), measured.lead
    st.markdown(say("history.heads_intro", n=measured.n_texts, tokens=measured.n_tokens))
    show_figure(viz.previous_token_map(at.previous_token, (at.head.layer, at.head.head), step,
                                       zmax=measured.top_score(), lang=lang()), key=f"{key}_map")
    name = f"L{lead.layer}H{lead.head}"
    strongest = [(f"L{m.head.layer}H{m.head.head}", m.head.score) for m in measured.measured]
    show_figure(viz.head_line_figure(measured.steps, (name, measured.head_line(lead.layer, lead.head)), strongest,
                                     measured.uniform_head, step, lang=lang()), key=f"{key}_line")
    show_notes(measured.notes(step)["heads"])
    with go_deeper("history.sample_title", n=measured.n_texts, report=history.N_REPORT_TEXTS):
        st.markdown(say("history.sample", report=history.N_REPORT_TEXTS, n=measured.n_texts,
                        tokens=measured.n_tokens, report_tokens=measured.report_tokens,
                        tolerance=history.HEAD_SCORE_TOLERANCE))


@element("history_own_prompt")
def history_own_prompt(cur, key: str) -> None:
    """The student's prompt (the sidebar's) at the chosen step, read with the tiny model's tokenizer."""
    if cur is None:  # the sidebar's prompt could not be used: current() has said why
        return
    measured = _history()
    step = chosen_step(key, measured)
    model, tok = checkpoint_model(step)
    try:
        prepared = prepare_prompt(tok, cur.prompt.text, model.cfg.max_seq_len, lang=lang())
    except PromptError as err:
        st.info(str(err))
        return
    for note in prepared.notes:
        st.caption(note)
    st.markdown(say("history.own_intro"))
    text = prepared.text if len(prepared.text) <= TITLE_CHARS else "…" + prepared.text[-TITLE_CHARS:]
    title = plain("history.viz.next_title", prompt=text, step=step)  # the prompt's end: what the token follows
    show_figure(viz.next_token_figure(list(prompt_top(step, prepared.text)), title, lang=lang()), key=f"{key}_own")
