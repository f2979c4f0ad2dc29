"""Elements of attention: the masks, where each head looks, one head's steps, bertviz, the sink, and ablation.

Each element draws from the student's prompt and the model's own hooks (`cur.capture(HOOKS)`, computed once per
prompt); every widget and chart key starts with the element's `key`.
"""

import html as html_lib
from pathlib import Path

import streamlit as st
import torch

from app.common import (
    TOKEN_WINDOW,
    lang,
    most_disruptive_head,
    open_pickers,
    previous_token_head,
    say,
    show_figure,
    token_window,
)
from app.elements import element
from llama_edu import interventions
from llama_edu.model import causal_mask as model_causal_mask
from llama_edu.viz import attention as viz
from llama_edu.viz import bertviz_offline

# What these elements read from a run (Current.capture): every layer's pattern and rotated queries and keys, 40 MB
# for a 7B at 64 tokens.
HOOKS = r"attention\.hook_(pattern|q_rot|k_rot)$"

# bertviz draws at most this many layers (and, in the model view, heads) at once; the head view shows every head
# of its layer in its own colour. The tiny model's 6 x 8 fit whole.
BERTVIZ_LAYERS, BERTVIZ_HEADS = 6, 12


# Streamlit serves the files in app/static/ at app/static/ (server.enableStaticServing, .streamlit/config.toml): a
# browser then fetches bertviz's jQuery and d3 (424 kB) once and keeps them, instead of receiving them inside every
# view on every run. A relative address: it holds behind a balancer and under a base URL path.
STATIC_LIBRARIES, LIBRARIES_URL = Path(__file__).resolve().parents[1] / "static" / "bertviz", "app/static/bertviz/"


@st.cache_resource(show_spinner=False)
def _bertviz_libraries_at() -> str | None:
    """Where this server's bertviz views load their libraries from, or None: inlined (static serving off, or the
    app's folder cannot be written)."""
    if not st.get_option("server.enableStaticServing"):
        return None
    try:
        bertviz_offline.write_libraries(STATIC_LIBRARIES)
    except OSError:
        return None
    return LIBRARIES_URL


def _kv_head(cur, head: int) -> int:
    return interventions.kv_head_of(head, cur.model.cfg.n_heads, cur.model.cfg.n_kv_heads)


def _layer_and_head(cur, key: str, opens_on: tuple[int, int]) -> tuple[int, int]:
    """Layer and head pickers, side by side (keys f"{key}_layer", f"{key}_head"), opening on `opens_on` (or on a
    lesson step's head, or a shared link's: app.common.open_pickers)."""
    cfg = cur.model.cfg
    open_pickers(key, opens_on, cfg.n_layers, cfg.n_heads)
    left, right = st.columns(2)
    layer = left.selectbox(say("app.common.layer"), range(cfg.n_layers), key=f"{key}_layer")
    # Labels looked up now, not in format_func: AppTest formats the options outside the script run.
    heads = {h: say("app.attention.head_option", head=h, kv_head=_kv_head(cur, h)) for h in range(cfg.n_heads)}
    head = right.selectbox(say("app.common.head"), list(heads), key=f"{key}_head", format_func=heads.get)
    return layer, head


def _bertviz_html(cur, view: str, window: slice, layers: range, heads: range) -> str:
    """The offline bertviz HTML of this prompt's patterns in a window of tokens (queries and keys), for these layers
    (and, in the model view, heads), in this session's language. Kept in the model's result cache under everything
    it depends on."""
    def build() -> str:
        _, cache = cur.capture(HOOKS)
        attentions = tuple(a[..., window, window] for a in bertviz_offline.attentions_from_cache(cache, layers))
        tokens = bertviz_offline.readable_tokens(cur.pieces[window])
        if view == "head":
            return bertviz_offline.head_view_html(attentions, tokens, layers=list(layers), lang=language,
                                                  libraries_at=libraries_at)
        return bertviz_offline.model_view_html(attentions, tokens, layers=list(layers), heads=list(heads),
                                               lang=language, libraries_at=libraries_at)

    language, libraries_at = lang(), _bertviz_libraries_at()
    return cur.cached("bertviz", view, language, libraries_at, window.start, window.stop, layers, heads, compute=build)


def _shown_range(label: str, n: int, most: int, key: str, around: int) -> range:
    """All n when they are at most `most`, else a slider over a block of `most` consecutive ones, opening on the
    block that holds `around`: bertviz sends every weight it draws to the browser, 32 layers x 32 heads of a 7B at
    24 tokens are 18 MB of page, six layers 3 MB."""
    if n <= most:
        return range(n)
    first = st.slider(label, 0, n - most, min(max(around - most // 2, 0), n - most), key=key)
    return range(first, first + most)


def _ablated_logits(cur, heads: tuple) -> torch.Tensor:
    """Last position's logits [V] with these heads silenced (kept per prompt and choice of heads)."""
    return cur.cached("ablation", heads, compute=lambda: cur.run(
        interventions.ablate_heads, cur.model, cur.ids, list(heads))[0, -1])


@element("causal_mask")
def causal_mask(cur, key: str) -> None:
    """The causal mask for the prompt's tokens, the very values the model adds to its scores."""
    T = len(cur.ids)
    w = token_window(cur, f"{key}_mask")
    labels = viz.token_labels(cur.pieces)[w]
    fig = cur.figure("causal_mask", w.start, w.stop,
                     draw=lambda: viz.causal_mask_figure(model_causal_mask(T, T)[w, w], labels, lang=lang()))
    show_figure(fig, key=f"{key}_mask", ready=True)
    st.caption(say("app.attention.mask_caption"))


@element("mask_comparison")
def mask_comparison(cur, key: str) -> None:
    """Decoder-only (causal), encoder-only (bidirectional) and encoder-decoder masks on the prompt's tokens."""
    w = token_window(cur, f"{key}_masks", TOKEN_WINDOW // 2)  # half: the encoder-decoder panel has each token twice
    show_figure(viz.mask_comparison_figure(viz.token_labels(cur.pieces)[w], lang=lang()), key=f"{key}_masks")
    st.caption(say("app.attention.masks_caption"))


@element("attention_heatmap")
def attention_heatmap(cur, key: str) -> None:
    """One head's hook_pattern as a heatmap (future greyed out), and every head of the layer in an expander."""
    cfg = cur.model.cfg
    _, cache = cur.capture(HOOKS)
    layer, head = _layer_and_head(cur, key, previous_token_head(cur))  # a head with a job: it looks one token back
    w = token_window(cur, f"{key}_pattern")
    labels = viz.token_labels(cur.pieces)[w]
    pattern = cache[f"layers.{layer}.attention.hook_pattern"][0][:, w, w]  # [H, W, W]: the window's queries and keys
    title = (say("app.attention.pattern_title", layer=layer, head=head) if w.start == 0 else
             say("app.attention.pattern_title_window", layer=layer, head=head, first=w.start, last=w.stop - 1))
    fig = cur.figure("pattern", layer, head, w.start, w.stop,
                     draw=lambda: viz.pattern_heatmap(pattern[head], labels, title, layer=layer, head=head,
                                                  lang=lang()))
    show_figure(fig, key=f"{key}_pattern", ready=True)
    if w.start > 0:
        st.caption(say("app.common.window_earlier_keys", first=w.start))
    # Drawn only when opened: the small multiples were the page's most expensive figure, and most visits never
    # open them (on_change="rerun" tells the script whether the expander is open).
    every_head = st.expander(say("app.attention.all_heads", n_heads=cfg.n_heads, layer=layer), expanded=False,
                             key=f"{key}_all_heads", on_change="rerun")
    if every_head.open:
        with every_head:
            show_figure(viz.heads_grid(pattern, labels, cfg.n_kv_heads, lang=lang()), key=f"{key}_grid")


@element("attention_steps")
def attention_steps(cur, key: str) -> None:
    """q·k, ÷ √hd, + mask, softmax for one head, recomputed from hook_q_rot and hook_k_rot."""
    _, cache = cur.capture(HOOKS)
    # The previous-token head: after the softmax its rows put their weight one step left of the diagonal.
    layer, head = _layer_and_head(cur, key, previous_token_head(cur))
    w = token_window(cur, f"{key}_steps")
    st.caption(say("app.attention.steps_caption", head=head, kv_head=_kv_head(cur, head), layer=layer))
    if w.start > 0:
        st.caption(say("app.common.window_earlier_keys", first=w.start))

    def draw():
        steps = interventions.attention_steps(cache[f"layers.{layer}.attention.hook_q_rot"][0],
                                              cache[f"layers.{layer}.attention.hook_k_rot"][0], head)  # each [T, T]
        steps = {step: values[w, w] for step, values in steps.items()}  # softmax ran over every key, then the window
        return viz.steps_figure(steps, viz.token_labels(cur.pieces)[w], cur.model.cfg.head_dim, lang=lang())

    show_figure(cur.figure("attention_steps", layer, head, w.start, w.stop, draw=draw), key=f"{key}_steps",
                ready=True)


@element("bertviz_head_view")
def bertviz_head_view(cur, key: str) -> None:
    """bertviz's head view of the chosen layers' hook_pattern, offline; the model view in a second tab."""
    cfg = cur.model.cfg
    st.caption(say("app.attention.bertviz_caption"))
    w = token_window(cur, f"{key}_bertviz")
    if w.start > 0:
        st.caption(say("app.common.window_earlier_keys", first=w.start))
    layer, _ = previous_token_head(cur)
    layers = _shown_range(say("app.attention.bertviz_first_layer", n=BERTVIZ_LAYERS), cfg.n_layers, BERTVIZ_LAYERS,
                          f"{key}_bertviz_layers", layer)
    heads = _shown_range(say("app.attention.bertviz_first_head", n=BERTVIZ_HEADS), cfg.n_heads, BERTVIZ_HEADS,
                         f"{key}_bertviz_heads", 0)
    if len(layers) < cfg.n_layers or len(heads) < cfg.n_heads:
        st.caption(say("app.attention.bertviz_shown", first_layer=layers.start, last_layer=layers.stop - 1,
                       n_layers=cfg.n_layers, first_head=heads.start, last_head=heads.stop - 1, n_heads=cfg.n_heads))
    n_tokens = w.stop - w.start
    # Only the chosen tab is built and sent (on_change="rerun"): each view is a page of its own (with its libraries
    # inlined, ~470 kB; ~50 kB where they are served as files), which every visit used to send twice.
    head_tab, model_tab = st.tabs([say("app.attention.head_view"), say("app.attention.model_view")], key=f"{key}_views",
                                  on_change="rerun")
    if head_tab.open:
        with head_tab:
            html = _bertviz_html(cur, "head", w, layers, range(cfg.n_heads))
            st.iframe(html, height=bertviz_offline.head_view_height(n_tokens))
            _bertviz_download(html, "head", key)
    if model_tab.open:
        with model_tab:
            html = _bertviz_html(cur, "model", w, layers, heads)
            st.iframe(html, height=bertviz_offline.model_view_height(len(layers), len(heads), n_tokens))
            _bertviz_download(html, "model", key)


def _bertviz_download(html: str, view: str, key: str) -> None:
    """A button giving the view shown as one file to keep (take it home): the same HTML, with jQuery and d3 inside
    it instead of loaded from this server, so it opens and draws in any browser with no network. Made only when
    clicked (a deferred download; the view's HTML is already in memory, shared): a page run sends no file."""
    libraries_at = _bertviz_libraries_at()
    st.download_button(say("take_home.bertviz.download"), lambda: standalone_bertviz(html, libraries_at),
                       file_name=f"attention-{view}-view.html", mime="text/html", key=f"{key}_bertviz_{view}_html",
                       on_click="ignore", help=say("take_home.bertviz.help"), icon=":material/download:",
                       type="tertiary")


def standalone_bertviz(html: str, libraries_at: str | None) -> str:
    """A bertviz view made by make_offline(..., libraries_at=...) as the self-contained document make_offline makes
    without it: each library's <script src> tag replaced by the library's text (as make_offline writes them)."""
    if libraries_at is None:
        return html  # inlined already
    for name, text in bertviz_offline.LIBRARY_FILES.items():
        tag = f'<script type="text/javascript" src="{html_lib.escape(libraries_at + name)}"></script>'
        if tag not in html:
            raise ValueError(f"the view has no <script> tag for {name}: see bertviz_offline.make_offline")
        html = html.replace(tag, bertviz_offline._script(text()), 1)  # make_offline's own escaping
    return html


@element("attention_sink")
def attention_sink(cur, key: str) -> None:
    """The share of each head's attention that lands on position 0, per layer and head."""
    n_tokens = len(cur.ids)
    if n_tokens < 2:
        st.caption(say("app.attention.sink_too_short"))
        return
    _, cache = cur.capture(HOOKS)
    fig = cur.figure("attention_sink", draw=lambda: viz.first_token_heatmap(
        interventions.first_token_share(cache, cur.model.cfg.n_layers),  # [n_layers, H]
        interventions.uniform_first_token_share(n_tokens), lang=lang()))
    show_figure(fig, key=f"{key}_sink", ready=True)


@element("head_ablation")
def head_ablation(cur, key: str) -> None:
    """Zero one head (or a whole layer) in hook_z and compare the next-token prediction before and after."""
    cfg = cur.model.cfg
    logits = cur.logits()
    # Opens on the head whose removal moves the default prompt's prediction the most, not on layer 0, head 0 (whose
    # removal changes nothing there: "0.000 bits" shows a student nothing). Chosen on the default prompt, where
    # every student starts, once per model: silencing each head is one run per head, too slow for every prompt.
    layer, head = _layer_and_head(cur, key, most_disruptive_head(cur))
    whole_layer = st.toggle(say("app.attention.ablate_layer", n_heads=cfg.n_heads, layer=layer), key=f"{key}_whole_layer")
    heads = tuple((layer, h) for h in range(cfg.n_heads)) if whole_layer else ((layer, head),)
    after = _ablated_logits(cur, heads)  # [V]
    change = interventions.compare_next_token(logits[0, -1], after, k=8)
    st.caption(say("app.attention.ablation_caption_layer" if whole_layer else "app.attention.ablation_caption_head",
                  kl=change.kl))
    what = (say("app.attention.what_layer", layer=layer) if whole_layer
            else say("app.attention.what_head", layer=layer, head=head))
    names = cur.tok.pieces(change.ids)  # "<id 32000>" for an id past the tokenizer (a padded output layer)
    fig = cur.figure("ablation", heads, draw=lambda: viz.ablation_bars(
        names, change.before, change.after, say("app.attention.ablation_figure", what=what), lang=lang()))
    show_figure(fig, key=f"{key}_ablation", ready=True)
