"""RoPE elements: one real query pair turning with its position, the frequencies of the two published bases,
q·k against the offset, and the two pair orders (Meta's adjacent pairs, Hugging Face's halves)."""

import math

import streamlit as st
import torch

from app.common import formula_number, lang, open_pickers, plain, previous_token_head, say, show_figure, table
from app.elements import element
from llama_edu import rotary
from llama_edu.viz import rope as viz
from llama_edu.viz.labels import position_labels

# What these elements read from a run (Current.capture): every layer's queries and keys before and after RoPE,
# 64 MB for a 7B at 64 tokens.
HOOKS = r"attention\.hook_(q|k|q_rot|k_rot)$"


def _rounding_note(cur) -> None:
    if cur.model.dtype != torch.float32:
        st.caption(say("app.rope.rounding_note", dtype=str(cur.model.dtype).removeprefix("torch.")))


@element("rope_rotation")
def rope_rotation(cur, key: str) -> None:
    """A query pair from the hooks before and after RoPE, then the same vector walked through every position."""
    cfg, (_, hooks) = cur.model.cfg, cur.capture(HOOKS)
    hd, T, labels = cfg.head_dim, len(cur.ids), position_labels(cur.pieces)
    c1, c2, c3, c4 = st.columns(4)
    # Opens on the previous-token head, as the attention pickers do: one head followed across the pages.
    open_pickers(key, previous_token_head(cur), cfg.n_layers, cfg.n_heads)
    layer = c1.selectbox(say("app.common.layer"), range(cfg.n_layers), key=f"{key}_layer")
    head = c2.selectbox(say("app.common.query_head"), range(cfg.n_heads), key=f"{key}_head")
    m = c3.selectbox(say("app.rope.position_m"), range(T), index=T - 1, format_func=lambda p: labels[p],
                     key=f"{key}_position")
    i = c4.slider(say("app.rope.pair_index"), 0, hd // 2 - 1, 0, key=f"{key}_pair")
    q = hooks[f"layers.{layer}.attention.hook_q"][0, :, head]  # [T, hd], before RoPE
    q_rot = hooks[f"layers.{layer}.attention.hook_q_rot"][0, :, head]  # [T, hd], after
    turn = rotary.pair_turn(q, q_rot, m, i, cfg.rope_theta, cfg.rope_scaling)

    left, right = st.columns([3, 2])
    title = plain("app.rope.rotation_title", layer=layer, head=head, token=labels[m], pair=i)
    show_figure(viz.pair_rotation_figure(turn.before, turn.after, turn.angle, title, lang=lang()),
                key=f"{key}_arrows", where=left)
    right.latex(rf"m\,\theta_{{{i}}} = {m} \times {formula_number(turn.frequency, '.4g')} = "
                rf"{formula_number(turn.angle, '.4f')}\ \text{{rad}}")
    right.markdown(say("app.rope.turn_facts", turns=turn.angle / (2 * math.pi), wrapped=rotary.wrap_angle(turn.angle),
                      measured=turn.measured_turn, before=math.hypot(*turn.before), after=math.hypot(*turn.after)))

    n_positions = min(cfg.max_seq_len, max(T, 48))
    walk = rotary.rotate_to_positions(q[m], n_positions, cfg.rope_theta, cfg.rope_scaling)  # [P, hd]
    st.caption(say("app.rope.walk_caption", token=labels[m], last=n_positions - 1, pair=i))
    show_figure(viz.rotation_over_positions_figure(walk, i, T, turn.frequency, lang=lang()), key=f"{key}_walk")


@element("rope_frequencies")
def rope_frequencies(cur, key: str) -> None:
    """θᵢ and the wavelength 2π/θᵢ of every pair, for base 10,000 and 500,000, with context lengths marked."""
    cfg = cur.model.cfg
    widths = {w: say("app.rope.width_this_model" if w == cfg.head_dim else "app.rope.width_llama", width=w)
              for w in sorted({cfg.head_dim, 128})}  # labels looked up now: AppTest formats outside the run
    hd = st.radio(say("app.rope.head_width"), list(widths), horizontal=True, key=f"{key}_freq_hd", format_func=widths.get)
    contexts = {say("app.rope.context_this_model"): cfg.max_seq_len, say("app.rope.context_llama3"): 8192}
    bases = viz.compared_bases(cfg.rope_theta, lang=lang())  # label -> base
    show_figure(viz.frequencies_figure(hd, bases, contexts, lang=lang()), key=f"{key}_frequencies")
    slow_10k, slow_500k = (float(rotary.wavelengths(hd, base)[-1]) for base in (10000.0, 500000.0))
    st.caption(say("app.rope.frequencies_caption", hd=hd, slow_10k=slow_10k, slow_500k=slow_500k))


@element("rope_relative")
def rope_relative(cur, key: str) -> None:
    """One real q and k (before RoPE) rotated to every pair of positions: q·k is constant along each diagonal."""
    cfg, (_, hooks) = cur.model.cfg, cur.capture(HOOKS)
    T, labels = len(cur.ids), position_labels(cur.pieces)
    c1, c2, c3, c4 = st.columns(4)
    # The previous-token head: the pair the pickers open on, the last token's query and the key of the token before
    # it, is the pair that head attends to, so the dot product shown is one that matters.
    open_pickers(f"{key}_qk", previous_token_head(cur), cfg.n_layers, cfg.n_heads)
    layer = c1.selectbox(say("app.common.layer"), range(cfg.n_layers), key=f"{key}_qk_layer")
    head = c2.selectbox(say("app.common.query_head"), range(cfg.n_heads), key=f"{key}_qk_head")
    qpos = c3.selectbox(say("app.rope.query_from"), range(T), index=T - 1, format_func=lambda p: labels[p],
                        key=f"{key}_qpos")
    kpos = c4.selectbox(say("app.rope.key_from"), range(T), index=max(T - 2, 0), format_func=lambda p: labels[p],
                        key=f"{key}_kpos")
    kv_head = head // cfg.n_rep  # the key/value head this query head reads (GQA)
    attention = f"layers.{layer}.attention"
    q = hooks[f"{attention}.hook_q"][0, qpos, head].float().cpu()  # [hd], before RoPE (float32 even from a GPU)
    k = hooks[f"{attention}.hook_k"][0, kpos, kv_head].float().cpu()  # [hd]
    q_rot = hooks[f"{attention}.hook_q_rot"][0, qpos, head].float().cpu()  # [hd], after RoPE
    k_rot = hooks[f"{attention}.hook_k_rot"][0, kpos, kv_head].float().cpu()
    n_grid = min(cfg.max_seq_len, max(T, 32))
    dots = rotary.relative_dot_products(q, k, n_grid, cfg.rope_theta, cfg.rope_scaling)  # [m, n]
    measured = float(q_rot @ k_rot)
    show_figure(viz.relative_dot_figure(dots, (qpos, kpos, measured), lang=lang()), key=f"{key}_dots")
    st.caption(say("app.rope.relative_caption", head=head, kv_head=kv_head, last=n_grid - 1,
                  spread=rotary.diagonal_spread(dots), qpos=qpos, kpos=kpos, measured=measured,
                  grid=float(dots[qpos, kpos]), sqrt_hd=math.sqrt(cfg.head_dim)))
    _rounding_note(cur)


@element("rope_pair_order")
def rope_pair_order(cur, key: str) -> None:
    """Which rows of a head form a pair in Meta's layout and in Hugging Face's, and a check that both agree."""
    cfg, (_, hooks) = cur.model.cfg, cur.capture(HOOKS)
    show_figure(viz.pair_order_figure(cfg.head_dim, lang=lang()), key=f"{key}_pair_order")
    with st.expander(say("app.rope.pairs_table")):
        table(viz.pair_order_rows(cfg.head_dim), hide_index=True, width="stretch", key=f"{key}_pair_rows")
    diff = max(rotary.hf_layout_difference(hooks[f"layers.{layer}.attention.hook_q"],
                                        hooks[f"layers.{layer}.attention.hook_q_rot"], cfg.rope_theta,
                                        cfg.rope_scaling) for layer in range(cfg.n_layers))
    st.caption(say("app.rope.hf_check", layers=cfg.n_layers, difference=diff))
    _rounding_note(cur)
