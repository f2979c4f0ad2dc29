"""Train one in class: the teacher starts a training of a toy LLaMA (llama_edu/class_training.py: a process of its
own, on one thread, one at a time per server); everyone watches its loss fall and what it writes, live; when it is
done, it is an ordinary checkpoint in the models folder that every page opens. Only a signed-in teacher
(app/classroom.py) gets the controls."""

import streamlit as st

from app import classroom
from app.common import (
    available_models,
    core_idea,
    figure_min_px,
    go_deeper,
    high_contrast,
    lang,
    models_folder,
    say,
    show_figure,
    sidebar,
)
from llama_edu import class_training as ct
from llama_edu.classroom import ClassStoreError
from llama_edu.viz import class_training as viz
from llama_edu.viz import readable as readable_fig

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "experiments", "order": 30, "title": "class_training.nav", "icon": ":material/model_training:",
        "heading": "class_training.title"}
POLL_S = 2.0  # how often every open page reads the progress file (a few hundred bytes to a few kB)
REFUSALS = {"empty": "name_empty", "too_long": "name_too_long", "characters": "name_characters",
            "exists": "name_exists", "not_ours": "name_not_ours"}

st.title(say("class_training.title"))
core_idea("class_training.core_idea")
sidebar()  # the prompt and the model picker, where the new model appears
folder = models_folder()  # LLAMA_EDU_MODELS, else models/ in the server's data folder; made by the first training
teacher = classroom.is_teacher()


def start_controls() -> None:
    """The teacher's controls: the new model's name, its length in steps, and Start."""
    st.subheader(say("class_training.controls_title"))
    st.caption(say("class_training.folder_note", folder=str(folder)))  # the teacher's own server: its path is theirs
    suggestion = ct.suggest_name(folder)
    typed = st.text_input(say("class_training.name"), key="train_name", max_chars=ct.NAME_MAX_CHARS,
                          placeholder=suggestion,
                          help=say("class_training.name_help", n=ct.NAME_MAX_CHARS, suggestion=suggestion))
    left, right = st.columns(2)
    steps = left.select_slider(say("class_training.steps"), options=list(ct.STEP_CHOICES), value=ct.DEFAULT_STEPS,
                               key="train_steps", format_func=lambda n: say("class_training.steps_option", steps=n),
                               help=say("class_training.steps_help", steps=ct.MEASURED_STEPS,
                                        seconds=ct.MEASURED_SECONDS))
    replace = right.checkbox(say("class_training.replace"), key="train_replace",
                             help=say("class_training.replace_help"))
    if not st.button(say("class_training.start"), key="train_start", type="primary"):
        return
    try:
        name = ct.check_name(folder, typed.strip() or suggestion, replace)
        folder.mkdir(parents=True, exist_ok=True)
        ct.start(folder, name, replace=replace, steps=steps)
    except ct.NameRefused as err:
        st.error(say(f"class_training.{REFUSALS[err.reason]}", name=err.name, n=ct.NAME_MAX_CHARS))
    except ct.TrainingBusy:
        st.warning(say("class_training.busy"))
    except PermissionError:
        st.error(say("class_training.not_writable"))
    except OSError as err:
        st.error(say("class_training.start_failed", error=f"{type(err).__name__}: {err.strerror or err}"))
    else:
        st.success(say("class_training.started", name=name))


@st.cache_resource(max_entries=16, show_spinner=False)
def loss_figure(started_at, updated_at, state, language, min_px, contrast, _progress: ct.Progress):
    """The live curve for one version of the progress file, made readable for a display mode: thirty students
    polling the same training build each version once (the leading underscore keeps _progress out of the key)."""
    fig = viz.live_loss_figure(_progress.losses, _progress.evals, _progress.steps, _progress.vocab_size,
                               lang=language)
    return readable_fig.readable(fig, min_px, high_contrast=contrast)


def open_model(name: str) -> None:
    st.session_state["model_label"] = name  # the sidebar's model picker (app/common.py) shows it on the next run


@st.fragment(run_every=POLL_S)
def live() -> None:
    """The training as every replica sees it (the progress file), redrawn every POLL_S seconds."""
    progress = ct.read_progress(folder)
    st.subheader(say("class_training.live_title"))
    if progress.state == "idle":
        st.caption(say("class_training.idle"))
        return
    name = progress.name or "?"
    loss = progress.losses[-1][1] if progress.losses else float("nan")
    if progress.state == "running":
        st.markdown(say("class_training.state_running", name=name, step=progress.step, steps=progress.steps,
                        loss=loss, speed=progress.tokens_per_s, eta=progress.eta_s or 0))
    elif progress.state == "done":
        st.success(say("class_training.state_done", name=name, loss=progress.final_loss or loss,
                       steps=progress.steps, seconds=progress.elapsed_s))
    elif progress.state == "failed" and progress.message == "stopped":
        st.error(say("class_training.state_stopped", name=name))
    elif progress.state == "failed":
        st.error(say("class_training.state_failed", name=name, message=progress.message or ""))
    else:  # starting, preparing, saving, cancelled
        (st.warning if progress.state == "cancelled" else st.markdown)(
            say(f"class_training.state_{progress.state}", name=name))
    st.progress(progress.fraction, text=say("class_training.progress", share=progress.fraction))
    if progress.active and progress.threads:
        st.caption(say("class_training.one_thread", threads=progress.threads))
    cancelled = teacher and progress.active and st.button(say("class_training.cancel"), key="train_cancel")
    if cancelled and ct.cancel(folder):
        st.info(say("class_training.cancelling"))
    if progress.losses:
        show_figure(loss_figure(progress.started_at, progress.updated_at, progress.state, lang(), figure_min_px(),
                                high_contrast(), progress), key="train_loss", ready=True)
    if progress.samples:
        st.markdown(say("class_training.samples_title", prompt=ct.SAMPLE_PROMPT))
        st.markdown("\n".join("- " + say("class_training.sample", step=step, prompt=ct.SAMPLE_PROMPT,
                                          text=text.strip() or "…")
                              for step, text in progress.samples))
    if progress.state == "done" and progress.name in available_models():
        finished(progress.name)


def finished(name: str) -> None:
    """Open the new model on every page of this session; a teacher in a class shows it to the followers."""
    if st.session_state.get("model_label") == name:
        st.info(say("class_training.opened", name=name), icon=":material/check_circle:")
    elif st.button(say("class_training.open", name=name), key="train_open", type="primary",
                   on_click=open_model, args=(name,)):
        st.rerun(scope="app")  # the sidebar and every element outside this fragment follow
    code = st.session_state.get(classroom.TEACHER_CLASS) if teacher else None
    if code:
        st.caption(say("class_training.push_caption", name=name))
        if st.button(say("class_training.push", name=name), key="train_push"):
            try:
                classroom.store().update(code, model=name)
                st.success(say("class_training.pushed", name=name))
            except (ClassStoreError, ValueError) as err:
                st.warning(say("classroom.store_error", error=str(err)))


if teacher:
    start_controls()
else:
    st.caption(say("class_training.teacher_starts") + " " + say("class_training.teacher_sign_in"))
live()
with go_deeper("class_training.recipe_title"):
    st.markdown(say("class_training.recipe_text", parameters=ct.class_model_parameters()))
