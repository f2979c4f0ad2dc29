"""Generation elements: the next-token distribution under temperature, top-k and top-p (redrawn from stored
logits), the text growing one token per click, and the logit lens.

`next_token_bars` and `generate_step` share their state under the same `key`: the bars describe the token after
the prompt *and* the continuation that `generate_step` with that key has built (none yet: the prompt alone). Both
draw the same sliders, so with one key they belong on different screens (e.g. two lesson steps), not on one.
"""

from dataclasses import dataclass

import streamlit as st
import torch

import llama_edu as le
from common import lang, tr
from elements import element
from llama_edu.logit_lens import logit_lens as compute_logit_lens
from llama_edu.viz import generation as viz


@dataclass
class Continuation:
    """Tokens generated after the prompt, and the logits [V] for the token after them (None: the prompt's own)."""
    new_ids: list[int]
    last_logits: torch.Tensor | None


def _continuation(cur, key: str) -> Continuation:
    """This key's continuation; a new prompt or model starts a new one (the old text would not follow it)."""
    state, owner = st.session_state, (cur.model_key, tuple(cur.ids))
    if state.get(f"{key}_owner") != owner:
        state[f"{key}_owner"], state[f"{key}_new_ids"], state[f"{key}_last_logits"] = owner, [], None
    return Continuation(state[f"{key}_new_ids"], state[f"{key}_last_logits"])


def _next_logits(cur, text: Continuation) -> torch.Tensor:
    """Logits [V] for the token after prompt + continuation: the cached capture, or the last click's run."""
    if text.last_logits is not None:
        return text.last_logits
    logits, _ = cur.capture()  # [1, T, V], cached for this prompt: no model run
    return logits[0, -1].float().cpu()


def _sampling_sliders(cur, key: str, columns) -> tuple[float, int | None, float]:
    """(temperature, top_k or None, top_p) from three sliders placed in `columns`."""
    temperature = columns[0].slider(tr("generation.temperature"), 0.0, 2.0, 1.0, 0.05, key=f"{key}_temperature")
    top_k = columns[1].slider(tr("generation.top_k"), 0, min(100, cur.model.cfg.vocab_size), 0, key=f"{key}_top_k")
    top_p = columns[2].slider(tr("generation.top_p"), 0.05, 1.0, 1.0, 0.05, key=f"{key}_top_p")
    return temperature, top_k or None, top_p


def _bars(cur, key: str, text: Continuation, sampling: tuple[float, int | None, float]) -> None:
    z = _next_logits(cur, text)  # [V]
    probs = le.next_token_probs(z, *sampling)  # [V], what a token is drawn from
    n_candidates, entropy = viz.candidate_summary(probs)
    last_piece = cur.tok.pieces([(cur.ids + text.new_ids)[-1]])[0]
    st.markdown(tr("generation.what_comes_after", piece=last_piece))
    st.plotly_chart(viz.next_token_figure(z.softmax(-1), probs, lambda i: cur.tok.pieces([i])[0], lang=lang()),
                    width="stretch", key=f"{key}_bars")
    st.markdown(viz.entropy_caption(n_candidates, entropy, cur.model.cfg.vocab_size, lang=lang()))


@element("next_token_bars")
def next_token_bars(cur, key: str) -> None:
    """The most likely next tokens, before and after temperature, top-k and top-p; the model never reruns."""
    text = _continuation(cur, key)
    sampling = _sampling_sliders(cur, key, st.columns(3))
    _bars(cur, key, text, sampling)


@element("generate_step")
def generate_step(cur, key: str) -> None:
    """Next token / Reset: the text grows by one token drawn from the bars' distribution on each click."""
    cfg, state = cur.model.cfg, st.session_state
    text = _continuation(cur, key)
    c1, c2, c3, c4 = st.columns(4)
    sampling = _sampling_sliders(cur, key, (c1, c2, c3))
    seed = int(c4.number_input(tr("generation.seed"), 0, 1_000_000, 0, key=f"{key}_seed"))

    b1, b2, b3 = st.columns([1, 1, 4])
    context_full = len(cur.ids) + len(text.new_ids) >= cfg.max_seq_len
    if b1.button(tr("generation.next_token"), key=f"{key}_next", type="primary", disabled=context_full):
        probs = le.next_token_probs(_next_logits(cur, text), *sampling)
        new_ids = text.new_ids + [viz.sample_with_seed(probs, seed + len(text.new_ids))]
        text = Continuation(new_ids, cur.run(viz.last_position_logits, cur.model, cur.ids + new_ids))
    if b2.button(tr("generation.reset"), key=f"{key}_reset"):
        text = Continuation([], None)
    state[f"{key}_new_ids"], state[f"{key}_last_logits"] = text.new_ids, text.last_logits
    if context_full:
        b3.caption(tr("generation.context_full", max_seq_len=cfg.max_seq_len))

    st.markdown(viz.continuation_html(cur.prompt.text, cur.tok.pieces(text.new_ids), lang=lang()),
                unsafe_allow_html=True)
    ended = bool(text.new_ids) and text.new_ids[-1] == cur.tok.eos_id
    st.caption(tr("generation.generated", n=len(text.new_ids), seed=seed)
               + (" " + tr("generation.ended") if ended else ""))
    _bars(cur, key, text, sampling)


@element("logit_lens")
def logit_lens(cur, key: str) -> None:
    """The final norm and output layer applied after every layer: each depth's top next token at each position."""
    _, hooks = cur.capture()
    lens = compute_logit_lens(cur.model, hooks, k=3)
    st.plotly_chart(viz.logit_lens_figure(lens, cur.pieces, lambda i: cur.tok.pieces([i])[0], lang=lang()),
                    width="stretch", key=f"{key}_lens")
    st.caption(tr("generation.lens_caption"))
