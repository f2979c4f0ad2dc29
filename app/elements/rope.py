"""RoPE elements: one real query pair turning with its position, the frequencies of the two published bases,
q·k against the offset, and the two pair orders (Meta's adjacent pairs, Hugging Face's halves)."""

import math

import streamlit as st
import torch

from elements import element
from llama_edu.viz import rope as viz


def _position_labels(cur) -> list[str]:
    return [f"{p}:{piece}" for p, piece in enumerate(cur.pieces)]  # for the pickers ("▁" shows word starts)


def _rounding_note(cur) -> None:
    if cur.model.dtype != torch.float32:
        st.caption(f"The model runs in {str(cur.model.dtype).removeprefix('torch.')} here: its hooks are rounded to "
                   "about 3 significant digits, so numbers recomputed from them in float32 differ in the third digit.")


@element("rope_rotation")
def rope_rotation(cur, key: str) -> None:
    """A query pair from the hooks before and after RoPE, then the same vector walked through every position."""
    cfg, (_, hooks) = cur.model.cfg, cur.capture()
    hd, T, labels = cfg.head_dim, len(cur.ids), _position_labels(cur)
    c1, c2, c3, c4 = st.columns(4)
    layer = c1.selectbox("Layer", range(cfg.n_layers), key=f"{key}_layer")
    head = c2.selectbox("Query head", range(cfg.n_heads), key=f"{key}_head")
    m = c3.selectbox("Token position m", range(T), index=T - 1, format_func=lambda p: labels[p],
                     key=f"{key}_position")
    i = c4.slider("Pair index i", 0, hd // 2 - 1, 0, key=f"{key}_pair")
    q = hooks[f"layers.{layer}.attention.hook_q"][0, :, head]  # [T, hd], before RoPE
    q_rot = hooks[f"layers.{layer}.attention.hook_q_rot"][0, :, head]  # [T, hd], after
    turn = viz.pair_turn(q, q_rot, m, i, cfg.rope_theta, cfg.rope_scaling)

    left, right = st.columns([3, 2])
    title = f"layer {layer}, head {head}, token {viz.token_labels(cur.pieces)[m]}, pair {i}"
    left.plotly_chart(viz.pair_rotation_figure(turn.before, turn.after, turn.angle, title), width="stretch",
                      key=f"{key}_arrows")
    right.latex(rf"m\,\theta_{{{i}}} = {m} \times {turn.frequency:.4g} = {turn.angle:.4f}\ \text{{rad}}")
    right.markdown(f"- That is **{turn.angle / (2 * math.pi):.3f} full turns**; modulo 2π: "
                   f"{viz.wrap_angle(turn.angle):+.4f} rad.\n"
                   f"- Measured between the two hooks: **{turn.measured_turn:+.4f} rad**.\n"
                   f"- Length before {math.hypot(*turn.before):.4f}, after {math.hypot(*turn.after):.4f}: unchanged.")

    n_positions = min(cfg.max_seq_len, max(T, 48))
    walk = viz.rotate_to_positions(q[m], n_positions, cfg.rope_theta, cfg.rope_scaling)  # [P, hd]
    st.caption(f"Below: the vector of token `{labels[m]}` (before RoPE), as if it stood at positions 0 to "
               f"{n_positions - 1}. Press play or drag the slider: the tip walks around the circle at θ{i} "
               "radians per token.")
    st.plotly_chart(viz.rotation_over_positions_figure(walk, i, T, turn.frequency), width="stretch",
                    key=f"{key}_walk")


@element("rope_frequencies")
def rope_frequencies(cur, key: str) -> None:
    """θᵢ and the wavelength 2π/θᵢ of every pair, for base 10,000 and 500,000, with context lengths marked."""
    cfg = cur.model.cfg
    hd = st.radio("Head width", sorted({cfg.head_dim, 128}), horizontal=True, key=f"{key}_freq_hd",
                  format_func=lambda w: f"{w} (this model)" if w == cfg.head_dim else f"{w} (LLaMA 7B and larger)")
    contexts = {"this model's context": cfg.max_seq_len, "Llama 3's context": 8192}
    st.plotly_chart(viz.frequencies_figure(hd, viz.compared_bases(cfg.rope_theta), contexts), width="stretch",
                    key=f"{key}_frequencies")
    slow_10k, slow_500k = (float(viz.wavelengths(hd, base)[-1]) for base in (10000.0, 500000.0))
    st.caption(f"With head width {hd}, pair i turns base^(−2i/{hd}) radians per token. The slowest pair needs "
               f"{slow_10k:,.0f} tokens for one turn with base 10,000 and {slow_500k:,.0f} with 500,000: a larger "
               "base keeps the slow pairs from wrapping around within a long context, so far-apart tokens stay "
               "distinguishable.")


@element("rope_relative")
def rope_relative(cur, key: str) -> None:
    """One real q and k (before RoPE) rotated to every pair of positions: q·k is constant along each diagonal."""
    cfg, (_, hooks) = cur.model.cfg, cur.capture()
    T, labels = len(cur.ids), _position_labels(cur)
    c1, c2, c3, c4 = st.columns(4)
    layer = c1.selectbox("Layer", range(cfg.n_layers), key=f"{key}_qk_layer")
    head = c2.selectbox("Query head", range(cfg.n_heads), key=f"{key}_qk_head")
    qpos = c3.selectbox("Query taken from token", range(T), index=T - 1, format_func=lambda p: labels[p],
                        key=f"{key}_qpos")
    kpos = c4.selectbox("Key taken from token", range(T), index=max(T - 2, 0), format_func=lambda p: labels[p],
                        key=f"{key}_kpos")
    kv_head = head // cfg.n_rep  # the key/value head this query head reads (GQA)
    attention = f"layers.{layer}.attention"
    q = hooks[f"{attention}.hook_q"][0, qpos, head].float().cpu()  # [hd], before RoPE (float32 even from a GPU)
    k = hooks[f"{attention}.hook_k"][0, kpos, kv_head].float().cpu()  # [hd]
    q_rot = hooks[f"{attention}.hook_q_rot"][0, qpos, head].float().cpu()  # [hd], after RoPE
    k_rot = hooks[f"{attention}.hook_k_rot"][0, kpos, kv_head].float().cpu()
    n_grid = min(cfg.max_seq_len, max(T, 32))
    dots = viz.relative_dot_products(q, k, n_grid, cfg.rope_theta, cfg.rope_scaling)  # [m, n]
    measured = float(q_rot @ k_rot)
    st.plotly_chart(viz.relative_dot_figure(dots, (qpos, kpos, measured)), width="stretch", key=f"{key}_dots")
    st.caption(f"One query vector (head {head}) and one key vector (KV head {kv_head}), both taken *before* RoPE, "
               f"rotated with the model's `apply_rope` to every pair of positions up to {n_grid - 1}. Largest "
               f"spread along any diagonal: **{viz.diagonal_spread(dots):.1e}** (float32 rounding). Measured on "
               f"the prompt, `hook_q_rot · hook_k_rot` at ({qpos}, {kpos}) is **{measured:.4f}**; the grid gives "
               f"**{float(dots[qpos, kpos]):.4f}**. Attention then divides it by "
               f"√hd = {math.sqrt(cfg.head_dim):.2f}.")
    _rounding_note(cur)


@element("rope_pair_order")
def rope_pair_order(cur, key: str) -> None:
    """Which rows of a head form a pair in Meta's layout and in Hugging Face's, and a check that both agree."""
    cfg, (_, hooks) = cur.model.cfg, cur.capture()
    st.plotly_chart(viz.pair_order_figure(cfg.head_dim), width="stretch", key=f"{key}_pair_order")
    with st.expander("The pairs as a table"):
        st.dataframe(viz.pair_order_rows(cfg.head_dim), hide_index=True, width="stretch", key=f"{key}_pair_rows")
    diff = max(viz.hf_layout_difference(hooks[f"layers.{layer}.attention.hook_q"],
                                        hooks[f"layers.{layer}.attention.hook_q_rot"], cfg.rope_theta,
                                        cfg.rope_scaling) for layer in range(cfg.n_layers))
    st.caption(f"Check on this prompt's queries in all {cfg.n_layers} layers: HF's `rotate_half` on the HF-ordered "
               f"q, mapped back, differs from `hook_q_rot` by at most **{diff:.1e}**.")
    _rounding_note(cur)
