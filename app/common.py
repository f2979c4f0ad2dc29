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
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st
import torch

import llama_edu as le
from app.take_home import figure_downloads
from app.text import LANG_KEY, Markdown, formula_number, lang, plain, say, table  # noqa: F401  (pages import them from here)
from llama_edu import analysis, i18n, interventions
from llama_edu.classroom import data_folder
from llama_edu.evaluate import read_model_card
from llama_edu.literal import for_markdown
from llama_edu.memory import (
    WORKING_CONTEXT,
    DtypeChoice,
    available_bytes,
    choose_dtype,
    estimate,
    requested_dtype,
    working_context,
)
from llama_edu.prompts import PreparedPrompt, PromptError, prepare_prompt
from llama_edu.prompts import token_window as window_of
from llama_edu.serving import ResultCache, SessionJobs, Turns
from llama_edu.viz import readable as readable_fig
from llama_edu.viz.readable import HIGH_CONTRAST
from llama_edu.viz.summary import summarise

# The default prompt stays English in every language: the tiny model was trained on English stories only.
DEFAULT_PROMPT = "The cat sat on the mat"
TINY_LABEL = "tiny (shipped, trained here)"  # the picker's value; shown translated (model_name)
# A figure with one token per row or column stays readable (labels of 14 px at 1280x720) up to about this many
# tokens; a longer prompt is shown through a window the student moves (token_window).
TOKEN_WINDOW = 24
# Pages run the whole prompt, up to the model's context but never past WORKING_CONTEXT tokens (llama_edu/memory.py,
# where the memory guard estimates for it): working_context(cfg).


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


# ---- presenter mode and high contrast: one switch each in the sidebar, for every page -------------------------------
PRESENTER_KEY, CONTRAST_KEY = "presenter", "contrast"  # session state and URL (?presenter=1&contrast=1)


def _display_flag(key: str) -> bool:
    """A display switch of this session: from the URL when the session starts (a teacher's projector link opens in
    presenter mode), then from the sidebar. Reading it draws nothing, like lang()."""
    state = st.session_state
    if key not in state:
        state[key] = st.query_params.get(key, "").lower() in ("1", "true", "yes", "on")
    return bool(state[key])


def presenter_mode() -> bool:
    """Large type for a projector; the lessons page also hides quiz answers until revealed."""
    return _display_flag(PRESENTER_KEY)


def high_contrast() -> bool:
    """Black text on white, on the page and in every figure (at least 7:1, llama_edu/viz/readable.py)."""
    return _display_flag(CONTRAST_KEY)


def display_settings() -> None:
    """The presenter and contrast switches at the top of the sidebar, drawn once per run by main.py, and the page
    style they ask for. Both are written to the URL on every run (st.navigation drops it on a page switch), so a
    copied link opens the same way. In presenter mode the sidebar stays: it holds the way back (main.py only opens a
    presenter link with the sidebar collapsed, and its arrow is drawn large)."""
    presenter, contrast = presenter_mode(), high_contrast()
    with st.sidebar:
        _persistent(st.toggle, say("app.common.presenter"), PRESENTER_KEY, presenter,
                    help=say("app.common.presenter_help"))
        _persistent(st.toggle, say("app.common.contrast"), CONTRAST_KEY, contrast, help=say("app.common.contrast_help"))
    for key, on in ((PRESENTER_KEY, presenter_mode()), (CONTRAST_KEY, high_contrast())):
        if on and st.query_params.get(key) != "1":
            st.query_params[key] = "1"
        elif not on and key in st.query_params:
            del st.query_params[key]
    css = (PRESENTER_CSS if presenter_mode() else NORMAL_CSS) + (CONTRAST_CSS if high_contrast() else "")
    st.html(f"<style>{css}</style>")


def figure_min_px() -> int:
    """The least font size of a figure in this session's mode."""
    return readable_fig.PRESENTER_MIN_PX if presenter_mode() else readable_fig.NORMAL_MIN_PX


def show_figure(fig, key: str, *, where=None, ready: bool = False, **kwargs):
    """Every plotly figure of the app goes through here: no text smaller than the mode allows, black on white in high
    contrast (llama_edu/viz/readable.py), drawn across its container. `where` is a column or the sidebar; ready: the
    figure is Current.figure's, made readable for this mode already (and shared: it is not changed here)."""
    if not ready:
        fig = readable_fig.readable(fig, figure_min_px(), high_contrast=high_contrast())
    kwargs.setdefault("width", "stretch")
    st.session_state.get("_handout_figures", []).append(fig)  # a lesson handout records it (app/handout.py)
    shown = (where or st).plotly_chart(fig, key=key, **kwargs)
    # One sentence of what the figure shows, from its data (llama_edu/viz/summary.py): text a screen reader reads and
    # the back row can, right under the chart (presenter mode's CSS sets captions at 20 px).
    (where or st).caption(for_markdown(summarise(fig, lang())))
    figure_downloads(fig, key, where)  # PNG and SVG under the figure (app/take_home.py), drawn only when clicked
    return shown


# Streamlit writes small text (labels, captions, code, tabs) at 0.875rem and some at 0.75rem: at 100% zoom that is
# 14 and 12 px. The rules below keep every text at 14 px (normal) or 20 px (presenter) at least; a browser check
# (tools/font_check.py) measures every text on every page.
SCRIPT_CSS = """
/* KaTeX writes a script inside a script (x_{i_j}) at half size: here as large as the script around it */
.stApp .katex .sizing.reset-size3.size1 {font-size: 1em !important;}
"""
NORMAL_CSS = SCRIPT_CSS + """
.stApp [data-testid="stWidgetLabel"] p, .stApp [data-testid="stCaptionContainer"], .stApp small,
.stApp [data-testid="stTickBarMin"], .stApp [data-testid="stTickBarMax"], .stApp [data-testid="stSliderThumbValue"],
.stApp code {font-size: max(14px, 0.875em) !important;}
.stApp .katex {font-size: 1.3em !important;}  /* a subscript is 0.7 of its formula: 14.5 px */
"""
PRESENTER_CSS = SCRIPT_CSS + """
html {font-size: 20px;}
.stApp p, .stApp li, .stApp label, .stApp input, .stApp textarea, .stApp button, .stApp code, .stApp pre,
.stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stWidgetLabel"] p, .stApp small,
.stApp [data-testid="stMarkdownContainer"], .stApp [data-baseweb="select"], .stApp [data-baseweb="tab"],
.stApp [data-testid="stTickBarMin"], .stApp [data-testid="stTickBarMax"], .stApp [data-testid="stSliderThumbValue"],
.stApp [data-testid="stSidebarNavLink"] span, .stApp [data-testid="stNavSectionHeader"], .stApp [data-tag] span
{font-size: max(20px, 1rem) !important; line-height: 1.45;}
.stApp .katex {font-size: 1.45em !important;}  /* a subscript is 0.7 of its formula: 20.3 px */
.stMainBlockContainer h1 {font-size: 2.4rem;} .stMainBlockContainer h2, .stMainBlockContainer h3 {font-size: 1.7rem;}
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] {transform: scale(1.6);}
.stApp [data-testid="stSidebarNavLink"] span {white-space: normal; overflow: visible;}  /* page names whole */
/* st.dataframe draws on a canvas CSS cannot reach: in presenter mode app/text.py's table() draws HTML tables. */
.stApp [data-testid="stTable"] td, .stApp [data-testid="stTable"] th {font-size: 20px !important;}
"""
CONTRAST_CSS = """
.stApp, .stApp header, .stApp [data-testid="stSidebar"] {{background-color: {background} !important;}}
.stApp *:not(svg):not(svg *) {{color: {text} !important;}}
.stApp a, .stApp a * {{color: {link} !important; text-decoration: underline;}}
.stApp [data-testid="stSidebar"] {{border-right: 2px solid {text};}}
.stApp button[kind="primary"] {{background-color: {text} !important; border-color: {text} !important;}}
.stApp button[kind="primary"] * {{color: {background} !important;}}
.stApp [data-tag] {{background-color: {text} !important;}}
.stApp [data-tag] * {{color: {background} !important;}}
""".format(**HIGH_CONTRAST)


def model_name(label: str) -> str:
    """How a model picker entry is shown: the shipped model's name is translated, checkpoint folders are not."""
    return say("app.common.tiny_model") if label == TINY_LABEL else label


def models_folder() -> Path:
    """LLAMA_EDU_MODELS, else models/ in the server's data folder (where the class store's file lives too:
    $LLAMA_EDU_DATA, else ~/.local/share/llama_edu). A model trained in class (app/views/train.py) is saved here; the
    folder need not exist until then."""
    folder = os.environ.get("LLAMA_EDU_MODELS")
    return Path(folder).expanduser().resolve() if folder else data_folder() / "models"


def available_models() -> dict[str, Path]:
    """The shipped tiny model, and every checkpoint directory directly under the models folder.

    Only these are offered: a browser never gets to name an arbitrary path on the server.
    """
    models = {TINY_LABEL: le.TINY_MODEL_DIR}
    folder = models_folder()
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            if child.is_dir() and ((child / "config.json").is_file() or (child / "params.json").is_file()):
                models[child.name] = child
    return models


def checkpoint_written(path: Path) -> int:
    """When the checkpoint's config was written (ns), 0 if it cannot be read (load then says why)."""
    for name in ("config.json", "params.json"):
        try:
            return (Path(path) / name).stat().st_mtime_ns
        except OSError:
            continue
    return 0


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# Results (captures first) are kept per model up to this many bytes (least recently used dropped first). One capture
# of the tiny model is 1.5 MB for 8 tokens, 13 MB for 64 and 72 MB for its full context of 256 tokens, so 256 MB
# keeps a few long prompts and a class's short ones; a result larger than the budget is never kept, and each rerun
# (every slider move) would pay the forward pass again. A 7B capture is GBs (on the GPU, see WORKING_CONTEXT):
# raise the budget where the memory is there.
RESULT_CACHE_BYTES = int(float(os.environ.get("LLAMA_EDU_CAPTURE_CACHE_MB", "256")) * 2 ** 20)


@dataclass(frozen=True)
class Served:
    """One loaded model and what every student using it shares: its tokenizer, its queue on the device (one
    model run at a time, first come first served) and its recent results."""
    model: le.Transformer
    tok: le.Tokenizer
    turns: Turns
    results: ResultCache
    # Long demos (the KV-cache timing: dozens of runs) take turns among themselves, one at a time, each of its steps
    # still one turn in `turns`: a student opening a page then waits behind one demo step, not behind ten demos'.
    demos: Turns = field(default_factory=Turns)


@st.cache_resource(max_entries=2, show_spinner=False)
def load(path: str, device: str, dtype: str, written: int = 0) -> Served:
    """One copy per server of each (checkpoint, device, dtype); every student's session shares it. The tokenizer is
    checked against the model's vocabulary before any weight is read. `written`: when the checkpoint's folder was
    last replaced (checkpoint_written), so a model retrained under the same name in class is loaded again by every
    replica, not served from the copy it held."""
    model, tok = le.load_with_tokenizer(path, device=device, dtype=dtype)
    served = LOADED[(path, device, dtype)] = Served(model, tok, Turns(), ResultCache(RESULT_CACHE_BYTES))
    return served


# What this server holds now, by load()'s (path, device, dtype): an entry goes when load()'s cache drops the model.
# The sidebar's memory note says "loaded" for these: free memory no longer counts the weights they hold.
LOADED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


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

    @contextmanager
    def job(self):
        """The block as this session's one model job (SessionJobs): a click while the previous job still runs waits
        for it, and a session that has started its share of jobs lately waits, with a message, before its next.
        A long job (the KV-cache demo) holds it once and takes its turns in the model's queue inside."""
        jobs = session_jobs()
        notice = st.empty() if jobs.busy or jobs.wait_s() > 0 else None
        if notice is not None:
            notice.info(say("serving.wait_your_turn"))
        with jobs.job():
            if notice is not None:
                notice.empty()
            yield

    def run(self, fn, *args, **kwargs):
        """fn(*args, **kwargs), a call that runs the model, as this session's job and in this model's queue: a
        student generating many tokens on a shared GPU delays the others by one call at a time, never locks them
        out."""
        with self.job(), self.served.turns.take():
            return fn(*args, **kwargs)

    def cached(self, what: str, *depends_on, compute, per_prompt: bool = True):
        """compute() for this model (and prompt), kept in the model's result cache under (what, prompt ids,
        *depends_on): name in depends_on every option the result depends on, and the language where it holds
        words. Thirty students on the default prompt cost one computation. Read-only: the result is shared.
        per_prompt=False for what depends on the model alone (its vocabulary, a probe set)."""
        prompt = (tuple(self.ids),) if per_prompt else ()
        return self.served.results.get((what, *prompt, *depends_on), compute)

    def figure(self, what: str, *depends_on, draw):
        """draw()'s plotly figure, made readable for this session's display mode (readable.py), kept in the model's
        result cache under the prompt, depends_on (every option the figure shows), the language and the display
        mode: thirty students on the teacher's prompt build it once. Shown with show_figure(..., ready=True).
        Read-only: shared."""
        min_px, contrast = figure_min_px(), high_contrast()
        return self.cached(("figure", what), *depends_on, lang(), min_px, contrast,
                           compute=lambda: readable_fig.readable(draw(), min_px, high_contrast=contrast))

    def capture(self, hooks: str):
        """(logits [1, T, V], {hook: tensor}) for the prompt, holding only the hooks whose names match the regular
        expression `hooks` (a page captures what it draws: every hook of a 7B at 64 tokens is ~450 MB, its attention
        patterns 8 MB). Cached per model, prompt and `hooks`, so a slider that does not change the prompt is free
        and thirty students on the default prompt cost one run. Read-only: it is shared."""
        ids = tuple(self.ids)
        try:
            return self.cached("capture", hooks, compute=lambda: self._checked_capture(ids, hooks))
        except NonFiniteRun:
            st.error(say("serving.nonfinite_logits", dtype=str(self.model.dtype).removeprefix("torch.")))
            st.stop()

    def logits(self) -> torch.Tensor:
        """[1, T, V] for the prompt: from a capture of it when one was made (it stores its logits here too), else
        one run without hooks."""
        return self.capture(NO_HOOKS)[0]

    def _checked_capture(self, ids: tuple[int, ...], hooks: str):
        """One run with the matching hooks, checked once: weights passed the load check, yet a run can still
        overflow (float16). Raising keeps a NaN capture out of the cache. Its logits are also kept as the
        prompt's logits (no hooks), which pages that only need the prediction then read without a run."""
        tokens = torch.tensor([ids], device=self.model.device)
        if hooks == NO_HOOKS:
            with torch.no_grad():
                logits, cache = self.run(self.model, tokens), {}
        else:
            logits, cache = self.run(self.model.run_with_cache, tokens, names_filter=hooks)
        if not torch.isfinite(logits).all():
            raise NonFiniteRun
        self.served.results.put(("capture", ids, NO_HOOKS), (logits, {}))
        return logits, cache


# Current.capture's `hooks` for a run whose logits are all a page needs.
NO_HOOKS = "$^"


def session_jobs() -> SessionJobs:
    """This session's SessionJobs, made on its first model job. Kept in the session, so it ends with it."""
    return st.session_state.setdefault("_model_jobs", SessionJobs())


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
    read_link()  # a shared link's prompt, layer and head, on the session's first run
    with st.sidebar:
        _persistent(st.text_area, say("app.common.prompt"), "prompt", DEFAULT_PROMPT, height=90,
                    max_chars=PROMPT_MAX_CHARS, help=say("app.common.prompt_help"))
        link_prompt(st.session_state["prompt"])
        if st.session_state["model_label"] == TINY_LABEL:
            about_tiny_model()
        # Names are looked up now, not inside format_func: AppTest formats options outside the script run.
        names = {label: model_name(label) for label in models}
        _persistent(st.selectbox, say("app.common.model"), "model_label", TINY_LABEL, options=list(models),
                    format_func=names.get, help=say("app.common.model_help"))
        device = default_device()
        path = models[st.session_state["model_label"]]
        dtype = dtype_note(path, device)
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


@st.cache_resource(show_spinner=False)
def server_dtype(path: str, device: str, requested: str) -> DtypeChoice:
    """The dtype this server runs a checkpoint in (llama_edu.memory.choose_dtype), chosen once per checkpoint, device
    and teacher's request: free memory shrinks once a model is loaded, and a choice made again on a later run could
    load a second copy in another dtype. Raises CheckpointError or ValueError when the config cannot be read."""
    return choose_dtype(le.read_config(path), torch.device(device), available_bytes(torch.device(device)), requested)


def dtype_note(path: Path, device: torch.device) -> str:
    """The dtype the chosen checkpoint runs in, with a caption in the sidebar saying which and why. The teacher
    chooses with LLAMA_EDU_DTYPE at server start; students cannot (a widget would let them load more copies)."""
    try:
        requested = requested_dtype()
    except ValueError:
        st.warning(say("app.common.dtype_env_invalid", value=os.environ.get("LLAMA_EDU_DTYPE", "")))
        requested = "auto"
    try:
        choice = server_dtype(str(path), str(device), requested)
    except (le.CheckpointError, ValueError):  # the config is unreadable: model_size_note says so
        return str(le.checkpoints.default_dtype(device)).removeprefix("torch.")
    gib = 1024 ** 3
    why = say(f"app.common.dtype_{choice.reason}", dtype=choice.name,
              need=(choice.float32_bytes or 0) / gib, free=(choice.available or 0) / gib)
    st.caption(say("app.common.runs_on", device=device.type, dtype=choice.name) + " " + why)
    return choice.name


def model_size_note(path: Path, device: torch.device, dtype: str) -> str:
    """Parameters and memory of the chosen checkpoint, read from its config before any weight is loaded: for the
    tokens the app runs (working_context), and, where the model's context is longer, for its full context."""
    try:
        cfg = le.read_config(path)
    except (le.CheckpointError, ValueError) as err:
        return say("app.common.config_unreadable", error=without_server_paths(err, path))
    est = estimate(cfg, device, le.checkpoints.as_dtype(dtype))
    gib = 1024 ** 3
    free = (say("app.common.memory_free", gib=est.available / gib) if est.available is not None
            else say("app.common.memory_unknown"))
    note = say("app.common.model_size", millions=le.count_parameters(cfg) / 1e6, weights=est.weights / gib,
               rest=est.working / gib, tokens=est.seq_len, free=free,
               verdict=say("app.common.already_loaded" if (str(path), str(device), dtype) in LOADED
                           else "app.common.fits" if est.fits else "app.common.does_not_fit"))
    if cfg.max_seq_len > est.seq_len:
        full = estimate(cfg, device, le.checkpoints.as_dtype(dtype), cfg.max_seq_len, available=None)
        note += " " + say("app.common.model_size_full_context", context=cfg.max_seq_len, total=full.total / gib)
    return note


def current(leave_room: int = 0) -> Current | None:
    """The loaded model and prepared prompt, or None after showing the student a clear message. The prompt is cut at
    working_context; `leave_room` tokens of it are kept free (the Generation page's room for the tokens it writes)."""
    path = sidebar()
    label = st.session_state["model_label"]
    device, dtype = st.session_state.get("device", "cpu"), st.session_state.get("dtype", "float32")
    try:
        cfg = le.read_config(path)
        with st.spinner(say("app.common.loading", model=model_name(label), millions=le.count_parameters(cfg) / 1e6)):
            # load_model refuses what will not fit, with the numbers
            served = load(str(path), device, dtype, checkpoint_written(path))
    except (le.CheckpointError, MemoryError, ValueError, FileNotFoundError) as err:
        st.error(say("app.common.cannot_load", model=model_name(label), error=without_server_paths(err, path)))
        return None
    text = st.session_state.get("prompt", DEFAULT_PROMPT)
    try:
        prepared = prepare_prompt(served.tok, text, max(working_context(served.model.cfg) - leave_room, 1), lang=lang())
    except PromptError as err:
        st.warning(str(err))
        return None
    for note in prepared.notes:
        st.info(note)
    if served.model.cfg.max_seq_len > WORKING_CONTEXT:
        st.sidebar.caption(say("app.common.working_context", working=WORKING_CONTEXT,
                               context=served.model.cfg.max_seq_len))
    return Current(served=served, model_key=f"{path}|{device}|{dtype}", prompt=prepared, path=path)


def without_server_paths(err: Exception, path: Path) -> str:
    """The error's message with the server's folders cut: "tiny/model.safetensors is truncated", not where the
    server keeps its models. say() then shows it literally."""
    message = str(err)
    for folder in {str(path.parent), str(path.parent.resolve())}:
        message = message.replace(folder + os.sep, "")
    return message


def token_window(cur: Current, key: str, size: int = TOKEN_WINDOW, *, n_tokens: int | None = None,
                 at_end: bool = False) -> slice:
    """The positions a token-by-token figure shows: every one while there are at most `size` (the prompt's tokens,
    or n_tokens); else `size` of them, moved with a slider (key f"{key}_window", its value the first position shown)
    and named in a caption. at_end: the window starts on the last tokens. Slice the tensor and the labels with it."""
    n = len(cur.ids) if n_tokens is None else n_tokens
    if n <= size:
        return slice(0, n)
    widget_key, last_first = f"{key}_window", n - size
    state = st.session_state
    # Set before the widget, never as its default too (Streamlit warns about both); a kept value from a longer
    # prompt is moved back inside this one.
    state[widget_key] = min(max(state.get(widget_key, last_first if at_end else 0), 0), last_first)
    first = st.slider(say("app.common.window", size=size), 0, last_first, key=widget_key,
                      help=say("app.common.window_help", size=size))
    window = window_of(n, size, first)
    st.caption(say("app.common.window_caption", first=window.start, last=window.stop - 1, n=n))
    return window


def notice(text: str) -> None:
    """The "what to notice" box every page ends its explanation with."""
    st.info(say("app.common.notice", text=text), icon=":material/lightbulb:")


def core_idea(key: str, **values) -> None:
    """The page's core idea, in a few sentences a 16-year-old can follow, in the same box at the top of every page.
    `key` is a strings key; the research detail goes further down, into go_deeper() expanders."""
    st.success(say("app.common.core_idea", text=say(key, **values)), icon=":material/school:")


def go_deeper(key: str, **values):
    """A closed "Go deeper: <title>" expander for the research detail of a page (use it as `with go_deeper(...):`),
    placed where the detail belongs; `key` is the strings key of its title."""
    return st.expander(say("app.common.go_deeper", topic=say(key, **values)))


# ---- head pickers: where they open, and the link that shares them ---------------------------------------------------
# A copied link carries what a student looks at: the page (its URL path), ?prompt=, and ?layer=&head= of the page's
# main head picker (the first one drawn in a run), beside ?lang= and a lesson's ?lesson=&step=. st.navigation drops
# the query parameters on a page switch, so every run writes them back (as language_picker does). A link is read once,
# when it opens a session; whatever it asks for that does not exist is corrected with a message, never an exception.
LINK_PROMPT_LIMIT = 2_000  # characters: a longer prompt stays out of the link (chat programs and browsers cut long URLs)
PROMPT_MAX_CHARS = 20_000  # what the prompt box takes


def read_link() -> None:
    """On a session's first run, take the prompt and the main picker's layer and head from the URL (sidebar() calls
    this before it draws the prompt box); on every run, make the next head picker drawn the page's main one."""
    state, params = st.session_state, st.query_params
    state["_link_main_picker"] = None
    state["_link_asked"] = {}
    if state.get("_link_read"):
        return
    state["_link_read"] = True
    if "prompt" in params:
        text = params["prompt"]
        if len(text) > PROMPT_MAX_CHARS:
            st.sidebar.info(say("app.common.link_prompt_cut", n=len(text), limit=PROMPT_MAX_CHARS),
                            icon=":material/link_off:")
        state["prompt"] = text[:PROMPT_MAX_CHARS]
    state["_link_asked"] = {name: params[name] for name in ("layer", "head") if name in params}


def link_prompt(text: str) -> None:
    """Write the prompt into the URL on every run; the default prompt is left out (a link without one opens on it),
    and so is one longer than LINK_PROMPT_LIMIT, with a caption saying so. Drawn where it is called (the sidebar)."""
    params = st.query_params
    if text == DEFAULT_PROMPT or len(text) > LINK_PROMPT_LIMIT:
        if "prompt" in params:
            del params["prompt"]
        if len(text) > LINK_PROMPT_LIMIT:
            st.caption(say("app.common.prompt_not_in_link", limit=LINK_PROMPT_LIMIT))
    elif params.get("prompt") != text:
        params["prompt"] = text


def link_number(raw: str) -> int | None:
    """A whole number a link carries, or None: ASCII digits only, and few of them (str.isdigit() is also true for
    "²" and "٣", which int() refuses or reads as another number, and int() of 5,000 digits raises past Python's
    digit limit). The lessons page reads its step with it too."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else None


def linked_index(asked: str, n: int, default: int) -> tuple[int, bool]:
    """(index, corrected) for a layer or head a link asks for (link_number), moved into 0..n-1; else: default."""
    value = link_number(asked)
    if value is None:
        return default, True
    shown = min(value, n - 1)
    return shown, shown != value or asked != str(shown)


def open_pickers(key: str, opens_on: tuple[int, int | None], n_layers: int, n_heads: int | None = None) -> None:
    """Call before drawing the pickers f"{key}_layer" (and f"{key}_head" where n_heads is given), which take their
    value from session state (no index=): they start on `opens_on` unless a lesson step preset them
    (preset_pickers) or the student moved them; a kept value outside this model's range starts over. The page's
    main picker (the first drawn in a run) also takes the layer and head from the link that opened the session,
    correcting what does not exist with a message, and writes its place into the URL."""
    state, params = st.session_state, st.query_params
    pickers = {"layer": (f"{key}_layer", n_layers, opens_on[0])}
    if n_heads is not None:
        pickers["head"] = (f"{key}_head", n_heads, opens_on[1])
    for widget, n, start in pickers.values():
        if not (isinstance(state.get(widget), int) and 0 <= state[widget] < n):
            state[widget] = start
    if state.get("_link_main_picker") not in (None, key):
        return
    state["_link_main_picker"] = key
    asked = state.pop("_link_asked", {})
    for name, (widget, n, start) in pickers.items():
        if name in asked:
            state[widget], corrected = linked_index(asked[name], n, start)
            if corrected:
                st.info(say(f"app.common.link_bad_{name}", asked=shortened(asked[name]), shown=state[widget],
                            last=n - 1), icon=":material/link_off:")
        if params.get(name) != str(state[widget]):
            params[name] = str(state[widget])
    if n_heads is None and "head" in params:
        del params["head"]


def preset_pickers(key: str, layer: int, head: int | None = None) -> None:
    """Open the pickers of the element drawn with `key` on this layer (and head) unless the student moved them: a
    lesson step that names a head shows it (app/views/lessons.py, from the step's `focus`)."""
    st.session_state.setdefault(f"{key}_layer", layer)
    if head is not None:
        st.session_state.setdefault(f"{key}_head", head)


def shortened(value: str, limit: int = 40) -> str:
    """A URL value as a message may quote it: a link can carry thousands of characters."""
    return value if len(value) <= limit else value[:limit] + "…"


def previous_token_head(cur: Current) -> tuple[int, int]:
    """(layer, head): the model's strongest previous-token head over the probe sentences
    (llama_edu.analysis.previous_token_head), where the pattern pickers open: a head that looks one token back is the
    clearest sight of a head with a job. 32 short runs once per model, shared by every student."""
    def measure() -> tuple[int, int]:
        try:
            role = cur.run(analysis.previous_token_head, cur.model, cur.tok)
        except ValueError:  # a context too short for two positions of a probe sentence: nothing to measure
            return 0, 0
        return role.layer, role.head

    return cur.cached("previous_token_head", compute=measure, per_prompt=False)


def ablations_affordable(model: le.Transformer) -> int:
    """How many heads the opening search silences (one run each, ranked first by how much each head writes): all 48
    of the tiny model's; 4 for a model of 100 M parameters or more, where one run takes seconds on a CPU and the
    search would otherwise keep the class waiting for minutes on first opening the page."""
    return max(4, min(48, int(4e8 // le.count_parameters(model.cfg))))


def most_disruptive_head(cur: Current) -> tuple[int, int]:
    """(layer, head): the head whose removal moves the default prompt's next-token prediction the most
    (llama_edu.interventions.most_disruptive_head), where the ablation opens: a head that changes nothing (0.000
    bits) teaches nothing. Measured on the default prompt, the one every student starts on, once per model."""
    def measure() -> tuple[int, int]:
        layer, head, _ = cur.run(interventions.most_disruptive_head, cur.model, cur.tok.encode(DEFAULT_PROMPT),
                                 max_ablations=ablations_affordable(cur.model))
        return layer, head

    return cur.cached("most_disruptive_head", compute=measure, per_prompt=False)


def clearest_group_layer(cur: Current) -> int:
    """The layer whose heads are most alike within a KV group against across groups on the default prompt
    (llama_edu.interventions.clearest_group_layer), where the GQA page's layer picker opens; once per model."""
    def measure() -> int:
        names = [f"layers.{i}.attention.hook_pattern" for i in range(cur.model.cfg.n_layers)]
        ids = torch.tensor([cur.tok.encode(DEFAULT_PROMPT)], device=cur.model.device)
        _, cache = cur.run(cur.model.run_with_cache, ids, names_filter=names)
        return interventions.clearest_group_layer([cache[name][0] for name in names], cur.model.cfg.n_kv_heads)

    return cur.cached("clearest_group_layer", compute=measure, per_prompt=False)
