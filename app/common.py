"""What every page shares: the model (loaded once per server), the prompt (one per student), and its capture.

Streamlit runs each student's session in its own thread. The model and the captures are cached with
st.cache_resource, so they are shared by everyone: both are only ever read (the model's hooks belong to the
call that made them, see llama_edu/hooks.py), which is what makes sharing them safe.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

import llama_edu as le
from llama_edu.memory import check_fits, estimate
from llama_edu.prompts import PreparedPrompt, PromptError, prepare_prompt

DEFAULT_PROMPT = "The cat sat on the mat"
TINY_LABEL = "tiny (shipped, trained here)"
VIEW_TOKEN_LIMIT = 64  # token-by-token figures stay readable up to about this many tokens


def models_folder() -> Path | None:
    folder = os.environ.get("LLAMA_EDU_MODELS")
    return Path(folder).expanduser().resolve() if folder else None


def available_models() -> dict[str, Path]:
    """The shipped tiny model, and every checkpoint directory directly under the models folder.

    Only these are offered: a browser never gets to name an arbitrary path on the server.
    """
    models = {TINY_LABEL: le.TINY_MODEL_DIR}
    folder = models_folder()
    if folder and folder.is_dir():
        for child in sorted(folder.iterdir()):
            if child.is_dir() and ((child / "config.json").is_file() or (child / "params.json").is_file()):
                models[child.name] = child
    return models


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@st.cache_resource(max_entries=2, show_spinner=False)
def load(path: str, device: str, dtype: str) -> tuple[le.Transformer, le.Tokenizer]:
    """One copy per server of each (checkpoint, device, dtype); every student's session shares it."""
    return le.load_model(path, device=device, dtype=dtype), le.load_tokenizer(path)


@st.cache_resource(max_entries=256, show_spinner=False)
def _capture(_model: le.Transformer, model_key: str, ids: tuple[int, ...]):
    """(logits [1, T, V], {hook: tensor}) for these ids; computed once, then shared read-only."""
    return _model.run_with_cache(torch.tensor([ids], device=_model.device))


@dataclass
class Current:
    """What a page works on: the selected model and this student's prompt."""
    model: le.Transformer
    tok: le.Tokenizer
    model_key: str
    prompt: PreparedPrompt

    @property
    def ids(self) -> list[int]:
        return self.prompt.ids

    @property
    def pieces(self) -> list[str]:
        return self.tok.pieces(self.ids)

    def capture(self):
        """Logits and every hook for the prompt (cached: a slider that does not change the prompt is free)."""
        return _capture(self.model, self.model_key, tuple(self.ids))


def _remember(widget_key: str, state_key: str) -> None:
    st.session_state[state_key] = st.session_state[widget_key]


def _persistent(widget, label: str, state_key: str, default, **kwargs):
    """A widget whose value survives page switches: Streamlit forgets a widget's state when another page is
    shown, so the value lives under its own key and is handed to the widget on every run."""
    state = st.session_state
    state.setdefault(state_key, default)
    widget_key = f"_widget_{state_key}"
    state[widget_key] = state[state_key]
    return widget(label, key=widget_key, on_change=_remember, args=(widget_key, state_key), **kwargs)


def sidebar() -> Path:
    """The prompt and the model picker, shared by every page. Each page calls this (directly or via current()).
    Returns the chosen checkpoint directory."""
    models = available_models()
    if st.session_state.get("model_label") not in models:
        st.session_state["model_label"] = TINY_LABEL
    with st.sidebar:
        _persistent(st.text_area, "Prompt", "prompt", DEFAULT_PROMPT, height=90, max_chars=20_000,
                    help="Every page shows what the model does to this text.")
        _persistent(st.selectbox, "Model", "model_label", TINY_LABEL, options=list(models),
                    help="The shipped tiny model, or a checkpoint under the folder named by LLAMA_EDU_MODELS.")
        device = default_device()
        dtype = "bfloat16" if device.type == "cuda" else "float32"
        st.caption(f"Runs on {device.type} in {dtype}.")
        path = models[st.session_state["model_label"]]
        st.caption(model_size_note(path, device, dtype))
    st.session_state["device"], st.session_state["dtype"] = str(device), dtype
    return path


def model_size_note(path: Path, device: torch.device, dtype: str) -> str:
    """Parameters and memory of the chosen checkpoint, read from its config before any weight is loaded."""
    try:
        cfg = le.read_config(path)
    except (le.CheckpointError, ValueError) as err:
        return f"Cannot read this checkpoint's config: {err}"
    est = estimate(cfg, device, le.checkpoints.as_dtype(dtype))
    gib = 1024 ** 3
    free = f"{est.available / gib:,.1f} GiB free" if est.available is not None else "free memory unknown"
    verdict = "fits" if est.fits else "does NOT fit"
    return (f"{le.count_parameters(cfg) / 1e6:,.1f}M parameters: weights {est.weights / gib:,.2f} GiB + KV cache and "
            f"activations {(est.kv_cache + est.activations) / gib:,.2f} GiB at full context; {free}: {verdict}.")


def current(max_tokens: int = VIEW_TOKEN_LIMIT) -> Current | None:
    """The loaded model and prepared prompt, or None after showing the student a clear message."""
    path = sidebar()
    label = st.session_state["model_label"]
    device, dtype = st.session_state.get("device", "cpu"), st.session_state.get("dtype", "float32")
    try:
        cfg = le.read_config(path)
        check_fits(cfg, torch.device(device), le.checkpoints.as_dtype(dtype))
        with st.spinner(f"Loading {label} ({le.count_parameters(cfg) / 1e6:,.1f}M parameters)..."):
            model, tok = load(str(path), device, dtype)
    except (le.CheckpointError, MemoryError, ValueError, FileNotFoundError) as err:
        st.error(f"Cannot load **{label}**: {err}")
        return None
    text = st.session_state.get("prompt", DEFAULT_PROMPT)
    try:
        prepared = prepare_prompt(tok, text, min(max_tokens, model.cfg.max_seq_len))
    except PromptError as err:
        st.warning(str(err))
        return None
    for note in prepared.notes:
        st.info(note)
    return Current(model=model, tok=tok, model_key=f"{path}|{device}|{dtype}", prompt=prepared)


def notice(text: str) -> None:
    """The "what to notice" box every page ends its explanation with."""
    st.info(f"**What to notice.** {text}", icon=":material/lightbulb:")
