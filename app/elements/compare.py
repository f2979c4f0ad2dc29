"""Elements of two prompts side by side and of activation patching: the second prompt, the two next-token
distributions, the residual stream's difference per layer, one head's attention in both runs, and the patching maps.

The student's prompt is the clean run; the second prompt (one word changed, kept in session state for every element
of this topic and across pages) the corrupted run. Every model run goes through llama_edu.patching, once per model
and pair of prompts (`Current.cached`), as this session's one job (`Current.job`) that takes a turn in the model's
queue for each forward pass, so a map of many patched runs never holds the class up for all of them. The words
come from llama_edu/strings/compare.yaml.
"""

from __future__ import annotations

import streamlit as st
import torch

from app.common import PROMPT_MAX_CHARS, lang, notice, open_pickers, plain, say, show_figure, token_window
from app.elements import element
from llama_edu import patching
from llama_edu.memory import working_context
from llama_edu.prompts import PreparedPrompt, PromptError, prepare_prompt
from llama_edu.viz import compare as viz
from llama_edu.viz.labels import token_labels

SECOND, SECOND_FOR = "compare_second", "compare_second_for"  # session state: the second prompt, and the prompt it
# was made from (a new prompt in the sidebar makes a new second prompt from it)


def second_prompt(cur) -> str:
    """The second prompt's text: the student's prompt with one word swapped (patching.one_word_changed, keeping the
    number of tokens where a swap can), until the student edits it; made again when the sidebar's prompt changes."""
    state = st.session_state
    if state.get(SECOND_FOR) != cur.prompt.text or SECOND not in state:
        state[SECOND] = patching.one_word_changed(cur.prompt.text, lambda text: len(cur.tok.encode(text)))
        state[SECOND_FOR] = cur.prompt.text
    return state[SECOND]


def corrupted(cur) -> PreparedPrompt | None:
    """The second prompt, cleaned and tokenized like the first (None where it cannot run: compare_pair says why)."""
    try:
        return prepare_prompt(cur.tok, second_prompt(cur), working_context(cur.model.cfg), lang=lang())
    except PromptError:
        return None


def _in_turns(cur, fn, *args, **kwargs):
    """fn(*args, **kwargs) from llama_edu.patching as this session's one job, taking a turn in the model's queue for
    each forward pass (turn=): other students' page runs go between the batches of a map."""
    with cur.job():
        return fn(*args, turn=cur.served.turns.take, **kwargs)


def comparison(cur, ids: list[int]) -> patching.Comparison:
    """Both runs side by side (patching.compare_runs), once per model and pair of prompts."""
    return cur.cached("compare_runs", tuple(ids), compute=lambda: _in_turns(
        cur, patching.compare_runs, cur.model, cur.ids, ids))


def layer_map(cur, ids: list[int], site: str) -> patching.PatchMap | None:
    """patching.patch_layers for this pair and site, within the model's budget; None when nothing can be restored."""
    try:
        return cur.cached("patch_layers", tuple(ids), site, compute=lambda: _in_turns(
            cur, patching.patch_layers, cur.model, cur.ids, ids, site=site))
    except patching.NothingToRestore:
        return None


def head_map(cur, ids: list[int]) -> patching.PatchMap | None:
    """patching.patch_heads for this pair, within the model's budget; None when nothing can be restored."""
    try:
        return cur.cached("patch_heads", tuple(ids), compute=lambda: _in_turns(
            cur, patching.patch_heads, cur.model, cur.ids, ids))
    except patching.NothingToRestore:
        return None


def _take(widget_key: str) -> None:
    st.session_state[SECOND] = st.session_state[widget_key]


def _ready(cur, *, patch: bool = False, quiet: bool = False) -> PreparedPrompt | None:
    """The second prompt for an element that draws from both runs, or None after a short caption saying why not
    (unless quiet; the pair's element explains at length). patch: also needs as many tokens and a difference."""
    other = corrupted(cur)
    why = None
    if other is None:
        why = say("compare.pair.not_ready")
    elif patch and len(other.ids) != len(cur.ids):
        why = say("compare.patching.unequal_short", clean=len(cur.ids), corrupt=len(other.ids))
    elif patch and other.ids == cur.ids:
        why = say("compare.pair.identical")
    if why is not None:
        if not quiet:
            st.caption(why)
        return None
    return other


def _listed(pieces: list[str], most: int = 48) -> str:
    """The pieces of a prompt for a caption, " · " between them; a long prompt's first `most` and an ellipsis."""
    return " · ".join(pieces[:most]) + (" · …" if len(pieces) > most else "")


def _labels(cur, other: PreparedPrompt, window: slice) -> list[str]:
    return viz.pair_labels(cur.pieces, cur.tok.pieces(other.ids))[window]


@element("compare_pair")
def compare_pair(cur, key: str) -> None:
    """The second prompt (prefilled with one word changed), both prompts' tokens, and whether they can be patched."""
    widget = f"{key}_second"
    st.session_state[widget] = second_prompt(cur)  # set before the widget is drawn, never as its default too
    st.text_input(say("compare.pair.second_label"), key=widget, on_change=_take, args=(widget,),
                  max_chars=PROMPT_MAX_CHARS, help=say("compare.pair.second_help"))
    try:
        other = prepare_prompt(cur.tok, st.session_state[SECOND], working_context(cur.model.cfg), lang=lang())
    except PromptError as err:
        st.warning(say("compare.pair.cannot_run", error=str(err)))
        return
    for note in other.notes:
        st.info(note)
    st.caption(say("compare.pair.clean_tokens", n=len(cur.ids), tokens=_listed(cur.pieces)))
    st.caption(say("compare.pair.corrupt_tokens", n=len(other.ids), tokens=_listed(cur.tok.pieces(other.ids))))
    if len(other.ids) != len(cur.ids):
        st.warning(say("compare.patching.unequal", clean=len(cur.ids), corrupt=len(other.ids)),
                   icon=":material/straighten:")
    elif other.ids == cur.ids:
        st.info(say("compare.pair.identical"))


@element("compare_next_token")
def compare_next_token(cur, key: str) -> None:
    """Both runs' next-token probabilities, for the top tokens of either."""
    other = _ready(cur)
    if other is None:
        return
    change = comparison(cur, other.ids).next_token
    names = cur.tok.pieces(change.ids)  # the clean run's most likely token first
    fig = cur.figure("compare_next", tuple(other.ids), draw=lambda: viz.next_token_figure(
        names, change.before, change.after, lang=lang()))
    show_figure(fig, key=f"{key}_next", ready=True)
    corrupt_top = max(range(len(names)), key=change.after.__getitem__)
    st.caption(say("compare.next.caption", kl=change.kl, clean=names[0], p_clean=change.before[0],
                   corrupt=names[corrupt_top], p_corrupt=change.after[corrupt_top]))


@element("compare_residual")
def compare_residual(cur, key: str) -> None:
    """How far apart the two runs' residual streams are, after the embedding and after each layer."""
    other = _ready(cur)
    if other is None:
        return
    result = comparison(cur, other.ids)
    if result.same_length:
        w = token_window(cur, f"{key}_residual")
        fig = cur.figure("compare_residual", tuple(other.ids), w.start, w.stop, draw=lambda: viz.residual_difference_figure(
            result.relative_difference[:, w], _labels(cur, other, w), lang=lang()))
        caption = "compare.residual.caption"
    else:
        fig = cur.figure("compare_last", tuple(other.ids), draw=lambda: viz.last_position_figure(
            result.last_relative_difference, lang=lang()))
        caption = "compare.residual.caption_last"
    show_figure(fig, key=f"{key}_residual", ready=True)
    st.caption(say(caption, last=float(result.last_relative_difference[-1])))


@element("compare_attention")
def compare_attention(cur, key: str) -> None:
    """One head's pattern in both runs and their difference; how far every head's attention moved."""
    other = _ready(cur)
    if other is None:
        return
    cfg = cur.model.cfg
    result = comparison(cur, other.ids)
    change = result.attention_change  # [L, H] or None
    opens_on = divmod(int(change.argmax()), cfg.n_heads) if change is not None else (0, 0)  # the head that moved most
    open_pickers(key, opens_on, cfg.n_layers, cfg.n_heads)
    left, right = st.columns(2)
    layer = left.selectbox(say("compare.attention.layer"), range(cfg.n_layers), key=f"{key}_layer")
    head = right.selectbox(say("compare.attention.head"), range(cfg.n_heads), key=f"{key}_head")
    w = token_window(cur, f"{key}_attention", n_tokens=max(len(cur.ids), len(other.ids)))
    title = plain("compare.attention.title", layer=layer, head=head)
    fig = cur.figure("compare_attention", tuple(other.ids), layer, head, w.start, w.stop,
                     draw=lambda: viz.attention_pair_figure(
                         result.clean_patterns[layer][head][w, w], result.corrupt_patterns[layer][head][w, w],
                         token_labels(cur.pieces[w], w.start), token_labels(cur.tok.pieces(other.ids)[w], w.start),
                         title, lang=lang()))
    show_figure(fig, key=f"{key}_pair", ready=True)
    if change is None:
        st.caption(say("compare.attention.no_difference"))
        return
    st.caption(say("compare.attention.caption", moved=float(change[layer, head])))
    fig = cur.figure("compare_moved", tuple(other.ids), draw=lambda: viz.attention_change_figure(change, lang=lang()))
    show_figure(fig, key=f"{key}_moved", ready=True)
    st.caption(say("compare.attention.moved_caption", layer=opens_on[0], head=opens_on[1],
                   moved=float(change[opens_on])))


def _metric_caption(result: patching.PatchMap, cur) -> None:
    metric = result.metric
    clean, corrupt = cur.tok.pieces([metric.clean_answer, metric.corrupt_answer])
    st.caption(say("compare.patching.metric_caption", clean=clean, corrupt=corrupt, ld_clean=metric.clean,
                   ld_corrupt=metric.corrupt))
    if not result.complete:
        st.caption(say("compare.patching.budget", runs=result.n_runs, cells=result.n_cells))


@element("patching_layers")
def patching_layers(cur, key: str) -> None:
    """Layer x position map: what copying one site of one layer at one position from the clean run restores."""
    other = _ready(cur, patch=True)
    if other is None:
        return
    # Names looked up now, not in format_func: AppTest formats the options outside the script run.
    sites = {site: plain(f"compare.patching.site_{site}") for site in patching.LAYER_SITES}
    site = st.radio(say("compare.patching.site"), list(sites), format_func=sites.get, horizontal=True,
                    key=f"{key}_site")
    result = layer_map(cur, other.ids, site)
    if result is None:
        st.info(say("compare.patching.nothing"))
        return
    w = token_window(cur, f"{key}_patch")
    fig = cur.figure("patch_layers", tuple(other.ids), site, w.start, w.stop, draw=lambda: viz.patching_figure(
        result.effect[:, w], _labels(cur, other, w), plain("compare.patching.layers_title", site=sites[site]),
        by="position", lang=lang()))
    show_figure(fig, key=f"{key}_layers", ready=True)
    _metric_caption(result, cur)


@element("patching_heads")
def patching_heads(cur, key: str) -> None:
    """Layer x head map: what copying one head's output (at every position) from the clean run restores."""
    other = _ready(cur, patch=True)
    if other is None:
        return
    result = head_map(cur, other.ids)
    if result is None:
        st.info(say("compare.patching.nothing"))
        return
    fig = cur.figure("patch_heads", tuple(other.ids), draw=lambda: viz.patching_figure(
        result.effect, viz.head_names(cur.model.cfg.n_heads, lang=lang()), plain("compare.patching.heads_title"),
        by="head", lang=lang()))
    show_figure(fig, key=f"{key}_heads", ready=True)
    layer, head, value = result.strongest()
    st.caption(say("compare.patching.heads_caption", layer=layer, head=head, value=value))
    if not result.complete:
        st.caption(say("compare.patching.budget", runs=result.n_runs, cells=result.n_cells))


@element("compare_notice")
def compare_notice(cur, key: str) -> None:
    """What to notice, with this pair's measured numbers: where the difference travels, and the strongest head."""
    other = _ready(cur, patch=True, quiet=True)
    if other is None:
        return
    layers, heads = layer_map(cur, other.ids, "resid_pre"), head_map(cur, other.ids)
    if layers is None or heads is None:
        return
    first = next(i for i, (a, b) in enumerate(zip(cur.ids, other.ids)) if a != b)
    column = strongest_cells(layers)  # [L]: the position carrying the most, per layer
    moved_at = next((i for i in range(len(column)) if int(column[i]) != first), None)  # the first layer it is not
    layer, head, value = heads.strongest()
    token, other_token = cur.pieces[first], cur.tok.pieces([other.ids[first]])[0]
    if moved_at is None:
        text = say("compare.notice.stays", token=token, other=other_token, layer=layer, head=head, value=value)
    else:
        moved_to = int(column[moved_at])
        text = say("compare.notice.moves", token=token, other=other_token, layer_moved=moved_at,
                   to_token=cur.pieces[moved_to], value_moved=float(layers.effect[moved_at, moved_to]), layer=layer,
                   head=head, value=value)
    notice(text)


def strongest_cells(result: patching.PatchMap) -> torch.Tensor:
    """Per layer, the column whose patch restored the most (unrun cells never win).   [L]"""
    return result.effect.nan_to_num(float("-inf")).argmax(dim=1)
