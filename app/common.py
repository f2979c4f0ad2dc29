"""What every page shares: the model (loaded once per server), the prompt (one per student), and its capture.

Streamlit runs each student's session in its own thread. The model is loaded once (st.cache_resource) with its
device queue and its result cache (llama_edu/serving.py), and shared by everyone: model and results are only ever
read (the model's hooks belong to the call that made them, see llama_edu/hooks.py), which makes sharing safe.
Everything a page computes from the model goes through `Current.cached`: one place per model, keyed by what the
result depends on.
The session's language and the translated text helpers are in text.py; they are imported here too, so a page
needs one import line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

import llama_edu as le
from app.text import LANG_KEY, Markdown, formula_number, lang, plain, say, table  # noqa: F401  (pages import them from here)
from llama_edu import i18n
from llama_edu.evaluate import read_model_card
from llama_edu.memory import estimate
from llama_edu.prompts import PreparedPrompt, PromptError, prepare_prompt
from llama_edu.serving import ResultCache, Turns

# The default prompt stays English in every language: the tiny model was trained on English stories only.
DEFAULT_PROMPT = "The cat sat on the mat"
TINY_LABEL = "tiny (shipped, trained here)"  # the picker's value; shown translated (model_name)
VIEW_TOKEN_LIMIT = 64  # token-by-token figures stay readable up to about this many tokens


def language_picker() -> str:
    """The language switch in the sidebar, drawn once per run by main.py; returns the chosen language.

    st.navigation drops the URL's query parameters when the student switches page, so the language is written back
    on every run: the URL always names it, and a copied link opens the page in the same language.
    """
    code = lang()
    with st.sidebar:
        # Labelled in both languages: a student who cannot read the current one must still find the switch.
        _persistent(st.segmented_control, say("app.common.language"), LANG_KEY, code, options=list(i18n.LANGUAGES),
                    format_func=i18n.LANGUAGES.get, required=True)
    code = lang()
    if st.query_params.get(LANG_KEY) != code:
        st.query_params[LANG_KEY] = code
    return code


def model_name(label: str) -> str:
    """How a model picker entry is shown: the shipped model's name is translated, checkpoint folders are not."""
    return say("app.common.tiny_model") if label == TINY_LABEL else label


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


# Results (captures first) are kept per model up to this many bytes (least recently used dropped first). One capture
# of the tiny model is 1.6 MB for 8 tokens and 14 MB for 64, so 64 MB keeps a class's recent prompts; a miss costs
# one forward pass. A 7B capture is hundreds of MB (on the GPU): raise the budget where the memory is there.
RESULT_CACHE_BYTES = int(float(os.environ.get("LLAMA_EDU_CAPTURE_CACHE_MB", "64")) * 2 ** 20)


@dataclass(frozen=True)
class Served:
    """One loaded model and what every student using it shares: its tokenizer, its queue on the device (one
    model run at a time, first come first served) and its recent results."""
    model: le.Transformer
    tok: le.Tokenizer
    turns: Turns
    results: ResultCache


@st.cache_resource(max_entries=2, show_spinner=False)
def load(path: str, device: str, dtype: str) -> Served:
    """One copy per server of each (checkpoint, device, dtype); every student's session shares it."""
    return Served(le.load_model(path, device=device, dtype=dtype), le.load_tokenizer(path), Turns(),
                  ResultCache(RESULT_CACHE_BYTES))


@dataclass
class Current:
    """What a page works on: the selected model and this student's prompt."""
    served: Served
    model_key: str
    prompt: PreparedPrompt
    path: Path | None = None  # the checkpoint directory: for the files trained next to it (training_words.txt)

    @property
    def model(self) -> le.Transformer:
        return self.served.model

    @property
    def tok(self) -> le.Tokenizer:
        return self.served.tok

    @property
    def ids(self) -> list[int]:
        return self.prompt.ids

    @property
    def pieces(self) -> list[str]:
        return self.tok.pieces(self.ids)

    def run(self, fn, *args, **kwargs):
        """fn(*args, **kwargs), a call that runs the model, in this model's queue: a student generating many
        tokens on a shared GPU delays the others by one call at a time, never locks them out."""
        with self.served.turns.take():
            return fn(*args, **kwargs)

    def cached(self, what: str, *depends_on, compute, per_prompt: bool = True):
        """compute() for this model (and prompt), kept in the model's result cache under (what, prompt ids,
        *depends_on): name in depends_on every option the result depends on, and the language where it holds
        words. Thirty students on the default prompt cost one computation. Read-only: the result is shared.
        per_prompt=False for what depends on the model alone (its vocabulary, a probe set)."""
        prompt = (tuple(self.ids),) if per_prompt else ()
        return self.served.results.get((what, *prompt, *depends_on), compute)

    def capture(self):
        """(logits [1, T, V], {hook: tensor}) for the prompt; cached per model, so a slider that does not change
        the prompt is free and thirty students on the default prompt cost one run. Read-only: it is shared."""
        ids = tuple(self.ids)
        try:
            return self.cached("capture", compute=lambda: self._checked_capture(ids))
        except NonFiniteRun:
            st.error(say("serving.nonfinite_logits", dtype=str(self.model.dtype).removeprefix("torch.")))
            st.stop()

    def _checked_capture(self, ids: tuple[int, ...]):
        """One run with every hook, checked once: weights passed the load check, yet a run can still overflow
        (float16). Raising keeps a NaN capture out of the cache."""
        logits, cache = self.run(self.model.run_with_cache, torch.tensor([ids], device=self.model.device))
        if not torch.isfinite(logits).all():
            raise NonFiniteRun
        return logits, cache


class NonFiniteRun(Exception):
    """The model produced NaN or inf on this prompt."""


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


def use_prompt(text: str) -> None:
    """Make text this student's prompt (an example button's on_click): the sidebar shows it on the next run."""
    st.session_state["prompt"] = text


def sidebar() -> Path:
    """The prompt and the model picker, shared by every page. Each page calls this (directly or via current()).
    Returns the chosen checkpoint directory."""
    models = available_models()
    if st.session_state.get("model_label") not in models:
        st.session_state["model_label"] = TINY_LABEL
    with st.sidebar:
        _persistent(st.text_area, say("app.common.prompt"), "prompt", DEFAULT_PROMPT, height=90, max_chars=20_000,
                    help=say("app.common.prompt_help"))
        if st.session_state["model_label"] == TINY_LABEL:
            about_tiny_model()
        # Names are looked up now, not inside format_func: AppTest formats options outside the script run.
        names = {label: model_name(label) for label in models}
        _persistent(st.selectbox, say("app.common.model"), "model_label", TINY_LABEL, options=list(models),
                    format_func=names.get, help=say("app.common.model_help"))
        device = default_device()
        dtype = "bfloat16" if device.type == "cuda" else "float32"
        st.caption(say("app.common.runs_on", device=device.type, dtype=dtype))
        path = models[st.session_state["model_label"]]
        st.caption(model_size_note(path, device, dtype))
    st.session_state["device"], st.session_state["dtype"] = str(device), dtype
    return path


def about_tiny_model() -> None:
    """The shipped model's card: what it learned from, what it cannot know, and its measured figures, all read from
    assets/tiny/model_card.json (written by python -m llama_edu.evaluate; tests/test_model_card.py checks it)."""
    card = read_model_card(le.TINY_MODEL_DIR)
    if card is None:
        return
    with st.expander(say("app.common.about_model")):
        st.markdown(say("app.common.about_model_text", tokens=card["training_tokens"], words=card["distinct_words"],
                        n_heldout=card["n_heldout_stories"], heldout=card["heldout_bits_per_char"],
                        n_everyday=card["n_everyday_sentences"], everyday=card["everyday_bits_per_char"]))


def model_size_note(path: Path, device: torch.device, dtype: str) -> str:
    """Parameters and memory of the chosen checkpoint, read from its config before any weight is loaded."""
    try:
        cfg = le.read_config(path)
    except (le.CheckpointError, ValueError) as err:
        return say("app.common.config_unreadable", error=without_server_paths(err, path))
    est = estimate(cfg, device, le.checkpoints.as_dtype(dtype))
    gib = 1024 ** 3
    free = (say("app.common.memory_free", gib=est.available / gib) if est.available is not None
            else say("app.common.memory_unknown"))
    return say("app.common.model_size", millions=le.count_parameters(cfg) / 1e6, weights=est.weights / gib,
              rest=(est.kv_cache + est.activations) / gib, free=free,
              verdict=say("app.common.fits" if est.fits else "app.common.does_not_fit"))


def current(max_tokens: int = VIEW_TOKEN_LIMIT) -> Current | None:
    """The loaded model and prepared prompt, or None after showing the student a clear message."""
    path = sidebar()
    label = st.session_state["model_label"]
    device, dtype = st.session_state.get("device", "cpu"), st.session_state.get("dtype", "float32")
    try:
        cfg = le.read_config(path)
        with st.spinner(say("app.common.loading", model=model_name(label), millions=le.count_parameters(cfg) / 1e6)):
            served = load(str(path), device, dtype)  # load_model refuses what will not fit, with the numbers
    except (le.CheckpointError, MemoryError, ValueError, FileNotFoundError) as err:
        st.error(say("app.common.cannot_load", model=model_name(label), error=without_server_paths(err, path)))
        return None
    text = st.session_state.get("prompt", DEFAULT_PROMPT)
    try:
        prepared = prepare_prompt(served.tok, text, min(max_tokens, served.model.cfg.max_seq_len), lang=lang())
    except PromptError as err:
        st.warning(str(err))
        return None
    for note in prepared.notes:
        st.info(note)
    return Current(served=served, model_key=f"{path}|{device}|{dtype}", prompt=prepared, path=path)


def without_server_paths(err: Exception, path: Path) -> str:
    """The error's message with the server's folders cut: "tiny/model.safetensors is truncated", not where the
    server keeps its models. say() then shows it literally."""
    message = str(err)
    for folder in {str(path.parent), str(path.parent.resolve())}:
        message = message.replace(folder + os.sep, "")
    return message


def notice(text: str) -> None:
    """The "what to notice" box every page ends its explanation with."""
    st.info(say("app.common.notice", text=text), icon=":material/lightbulb:")
