"""Generation elements: the next-token distribution under temperature, top-k and top-p (redrawn from stored
logits), the text growing one token per click, and the logit lens.

`next_token_bars` and `generate_step` share their state under the same `key`: the bars describe the token after
the prompt *and* the continuation that `generate_step` with that key has built (none yet: the prompt alone). Both
draw the same sliders, so with one key they belong on different screens (e.g. two lesson steps), not on one.
"""

import dataclasses

import streamlit as st
import torch

import llama_edu as le
from app.common import lang, say, show_figure, token_window
from app.elements import element
from llama_edu.generate import candidates_and_entropy
from llama_edu.logit_lens import logit_lens as compute_logit_lens
from llama_edu.viz import generation as viz

# A KV cache per student is kept only while it is small: thirty sessions of a 7B model at 4k tokens would hold
# 2 GiB each. Without one, each click re-runs the whole text: the same tokens (tests/test_generate.py), more work.
CACHE_BUDGET_BYTES = 64 * 2 ** 20
# The Generation page keeps this many tokens of the context free for what the model writes (the prompt may take the
# rest): forty clicks of "Next token" fit, and a prompt of 200 tokens still runs whole on the tiny model (256).
NEW_TOKEN_ROOM = 48


def _decoding(cur, key: str, seed: int | None = None) -> le.Decoding:
    """This key's text in progress (llama_edu.generate.Decoding, what generate() itself loops over). A new prompt,
    model or seed starts a new one (the old text would not follow from it); seed None keeps whatever seed the
    text was started with (the bars on a lesson step without the seed box), or 0 for a new one."""
    state = st.session_state
    kept = state.get(f"{key}_owner")
    if seed is None:
        seed = kept[2] if kept and kept[:2] == (cur.model_key, tuple(cur.ids)) else 0
    owner = (cur.model_key, tuple(cur.ids), seed)
    if kept != owner or state.get(f"{key}_decoding") is None:
        cfg = cur.model.cfg
        budget = cfg.max_seq_len - len(cur.ids)
        value_bytes = cur.model.tok_embeddings.weight.element_size()
        small = le.kv_cache_bytes(cfg, len(cur.ids) + budget, 1, value_bytes) <= CACHE_BUDGET_BYTES
        state[f"{key}_owner"] = owner
        state[f"{key}_decoding"] = le.Decoding(cur.model, cur.ids, budget, seed=seed, use_cache=small,
                                               cuda_graph=False)
    return state[f"{key}_decoding"]


def _next_logits(cur, decoding: le.Decoding) -> torch.Tensor:
    """Logits [V] for the token after prompt + continuation: the prompt's from the cached capture (no model run),
    later ones from the decoding itself (one run per click, in the model's queue)."""
    if not decoding.new_ids:
        logits = cur.logits()  # [1, T, V], cached for this prompt
        return logits[0, -1].float().cpu()
    return cur.run(decoding.next_logits).float().cpu()


def _sampling_sliders(cur, key: str, columns) -> tuple[float, int | None, float]:
    """(temperature, top_k or None, top_p) from three sliders placed in `columns`."""
    temperature = columns[0].slider(say("app.generation.temperature"), 0.0, 2.0, 1.0, 0.05, key=f"{key}_temperature")
    top_k = columns[1].slider(say("app.generation.top_k"), 0, min(100, cur.model.cfg.vocab_size), 0, key=f"{key}_top_k")
    top_p = columns[2].slider(say("app.generation.top_p"), 0.05, 1.0, 1.0, 0.05, key=f"{key}_top_p")
    return temperature, top_k or None, top_p


def _bars(cur, key: str, decoding: le.Decoding, sampling: tuple[float, int | None, float]) -> None:
    z = _next_logits(cur, decoding)  # [V]
    probs = le.next_token_probs(z, *sampling)  # [V], what a token is drawn from
    n_candidates, entropy = candidates_and_entropy(probs)
    last_piece = cur.tok.pieces(decoding.ids[-1:])[0]
    st.markdown(say("app.generation.what_comes_after", piece=last_piece))
    show_figure(viz.next_token_figure(z.softmax(-1), probs, lambda i: cur.tok.pieces([i])[0], lang=lang()),
                key=f"{key}_bars")
    st.markdown(viz.entropy_caption(n_candidates, entropy, cur.model.cfg.vocab_size, lang=lang()))


@element("next_token_bars")
def next_token_bars(cur, key: str) -> None:
    """The most likely next tokens, before and after temperature, top-k and top-p; the model never reruns."""
    sampling = _sampling_sliders(cur, key, st.columns(3))
    _bars(cur, key, _decoding(cur, key), sampling)


@element("generate_step")
def generate_step(cur, key: str) -> None:
    """Next token / Reset: the text grows by one token per click, drawn exactly as le.generate(seed=...) draws it."""
    c1, c2, c3, c4 = st.columns(4)
    sampling = _sampling_sliders(cur, key, (c1, c2, c3))
    seed = int(c4.number_input(say("app.generation.seed"), 0, 1_000_000, 0, key=f"{key}_seed"))
    decoding = _decoding(cur, key, seed)

    b1, b2, b3 = st.columns([1, 1, 4])
    if b1.button(say("app.generation.next_token"), key=f"{key}_next", type="primary", disabled=decoding.done):
        cur.run(decoding.step, *sampling)
    if b2.button(say("app.generation.reset"), key=f"{key}_reset"):
        st.session_state[f"{key}_decoding"] = None
        decoding = _decoding(cur, key, seed)
    if decoding.done:
        b3.caption(say("app.generation.context_full", max_seq_len=cur.model.cfg.max_seq_len))

    st.markdown(viz.continuation_html(cur.prompt.text, cur.tok.pieces(decoding.new_ids), lang=lang()),
                unsafe_allow_html=True)
    ended = bool(decoding.new_ids) and decoding.new_ids[-1] in cur.tok.eos_ids
    st.caption(say("app.generation.generated", n=len(decoding.new_ids), seed=seed)
               + (" " + say("app.generation.ended") if ended else ""))
    _bars(cur, key, decoding, sampling)


@element("logit_lens")
def logit_lens(cur, key: str) -> None:
    """The final norm and output layer applied after every layer: each depth's top next token at each position."""
    def lens_of_every_position():
        _, hooks = cur.capture(r"^hook_embed$|hook_resid_post$")  # the residual stream after each layer
        return compute_logit_lens(cur.model, hooks, k=3)

    lens = cur.cached("logit_lens", compute=lens_of_every_position)  # kept: moving the window reads columns of it
    w = token_window(cur, f"{key}_lens", at_end=True)  # the last tokens first: the last column is what comes next
    lens = dataclasses.replace(lens, top_ids=lens.top_ids[:, w], top_probs=lens.top_probs[:, w])
    pieces = cur.pieces[w.start:w.stop + 1]  # and the token after the window, which the hover names
    show_figure(viz.logit_lens_figure(lens, pieces, lambda i: cur.tok.pieces([i])[0], first=w.start, lang=lang()),
                key=f"{key}_lens")
    st.caption(say("app.generation.lens_caption"))
