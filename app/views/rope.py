"""RoPE: every pair of a query or key turns by an angle proportional to its position; q.k then sees only the offset."""

import math

import streamlit as st
import torch

from common import current, notice
from llama_edu.model import rope_frequencies
from llama_edu.viz import rope

st.title("RoPE: rotary position embeddings")
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg
hd, T = cfg.head_dim, len(cur.ids)
_, hooks = cur.capture()
labels = [f"{p}:{piece}" for p, piece in enumerate(cur.pieces)]  # for the widgets

st.markdown(
    "Attention compares a query with keys by a dot product, and a dot product alone cannot tell *where* two tokens "
    "are. LLaMA adds no position vector to the embeddings. Instead, inside every attention layer, it **rotates** "
    "each query and key (after `wq`, `wk`, before the dot product): the head's `hd` numbers are cut into `hd/2` "
    "pairs, and pair *i* of the token at position *m* turns by the angle *m·θᵢ*.")
st.markdown(
    "A rotation keeps the length of every pair, so nothing is lost. And turning the query by *m·θᵢ* and the key by "
    "*n·θᵢ* leaves an angle of *(m − n)·θᵢ* between them: the dot product depends on **how far apart** the tokens "
    "are, not on where they stand (Su et al., RoFormer, 2021). Pair 0 turns fast (1 radian per token), the last "
    "pair very slowly, like the hands of a clock.")
st.latex(r"\begin{pmatrix} x'_{2i} \\ x'_{2i+1} \end{pmatrix} = \begin{pmatrix} \cos m\theta_i & -\sin m\theta_i \\ "
         r"\sin m\theta_i & \cos m\theta_i \end{pmatrix} \begin{pmatrix} x_{2i} \\ x_{2i+1} \end{pmatrix}, \qquad "
         rf"\theta_i = {cfg.rope_theta:,.0f}^{{-2i/{hd}}}, \quad i = 0, \dots, {hd // 2 - 1}")
st.caption(f"This model: head width hd = {hd}, RoPE base θ = {cfg.rope_theta:,.0f}. Angles are in **radians**. "
           "The base is 10,000 in LLaMA 1 and 2 and 500,000 in Llama 3; material that writes 1000, or calls the "
           "angle θ₁ = 1 a turn of 1 degree, is wrong on both counts: pair 0 turns 1 radian (57.3°) per token. "
           "(RoFormer counts pairs from 1, θᵢ = 10000^(−2(i−1)/d); the code counts from 0.)"
           + (" This model also rescales its slow frequencies (Llama 3.1's long-context scaling)."
              if cfg.rope_scaling else ""))

st.header("1. One pair of one query, before and after")
c1, c2, c3, c4 = st.columns(4)
layer = c1.selectbox("Layer", range(cfg.n_layers), key="rope_layer")
head = c2.selectbox("Query head", range(cfg.n_heads), key="rope_head")
m = c3.selectbox("Token position m", range(T), index=T - 1, format_func=lambda p: labels[p], key="rope_position")
i = c4.slider("Pair index i", 0, hd // 2 - 1, 0, key="rope_pair")
q = hooks[f"layers.{layer}.attention.hook_q"][0].float().cpu()  # [T, H, hd], before RoPE (CPU float32 even from a GPU)
q_rot = hooks[f"layers.{layer}.attention.hook_q_rot"][0].float().cpu()  # [T, H, hd], after
theta_i = float(rope_frequencies(hd, cfg.rope_theta, cfg.rope_scaling)[i])
angle = m * theta_i
before, after = q[m, head, 2 * i: 2 * i + 2].tolist(), q_rot[m, head, 2 * i: 2 * i + 2].tolist()
left, right = st.columns([3, 2])
left.plotly_chart(rope.pair_rotation_figure(before, after, angle, f"layer {layer}, head {head}, "
                                            f"token {rope.token_labels(cur.pieces)[m]}, pair {i}"), width="stretch")
measured_turn = rope.wrap_angle(math.atan2(after[1], after[0]) - math.atan2(before[1], before[0]))
right.latex(rf"m\,\theta_{{{i}}} = {m} \times {theta_i:.4g} = {angle:.4f}\ \text{{rad}}")
right.markdown(f"- That is **{angle / (2 * math.pi):.3f} full turns**; modulo 2π: {rope.wrap_angle(angle):+.4f} rad.\n"
               f"- Measured between the two hooks: **{measured_turn:+.4f} rad**.\n"
               f"- Length before {math.hypot(*before):.4f}, after {math.hypot(*after):.4f}: unchanged.")

st.header("2. The same pair at every position")
n_positions = min(cfg.max_seq_len, max(T, 48))
st.markdown(f"The vector of token `{labels[m]}` (before RoPE), as if it stood at positions 0 to {n_positions - 1}. "
            "Press play or drag the slider: the tip walks around the circle at θᵢ radians per token.")
walk = rope.rotate_to_positions(q[m, head], n_positions, cfg.rope_theta, cfg.rope_scaling)  # [P, hd]
st.plotly_chart(rope.rotation_over_positions_figure(walk, i, T, theta_i), width="stretch")

st.header("3. Fast and slow pairs: the frequencies")
freq_hd = st.radio("Head width", sorted({hd, 128}), horizontal=True, key="rope_freq_hd",
                   format_func=lambda w: f"{w} (this model)" if w == hd else f"{w} (LLaMA 7B and larger)")
st.plotly_chart(rope.frequencies_figure(
    freq_hd, {"θ = 10,000 (LLaMA 1, 2)": 10000.0, "θ = 500,000 (Llama 3)": 500000.0} | (
        {} if cfg.rope_theta in (10000.0, 500000.0) else {f"θ = {cfg.rope_theta:,.0f} (this model)": cfg.rope_theta}),
    {"this model's context": cfg.max_seq_len, "Llama 3's context": 8192}), width="stretch")
slow_10k, slow_500k = (float(2 * math.pi / rope_frequencies(freq_hd, b)[-1]) for b in (10000.0, 500000.0))
st.markdown(f"With head width {freq_hd}, pair i turns base^(−2i/{freq_hd}) radians per token. The slowest pair needs "
            f"{slow_10k:,.0f} tokens for one turn with base 10,000 and {slow_500k:,.0f} with 500,000: a larger base "
            "keeps the slow pairs from wrapping around within a long context, so far-apart tokens stay distinguishable.")

st.header("4. Proof: q·k depends only on m − n")
c1, c2 = st.columns(2)
qpos = c1.selectbox("Query taken from token", range(T), index=T - 1, format_func=lambda p: labels[p], key="rope_qpos")
kpos = c2.selectbox("Key taken from token", range(T), index=max(T - 2, 0), format_func=lambda p: labels[p],
                    key="rope_kpos")
kv_head = head // cfg.n_rep  # the key/value head this query head reads (GQA)
k = hooks[f"layers.{layer}.attention.hook_k"][0, kpos, kv_head].float().cpu()  # [hd], before RoPE
k_rot = hooks[f"layers.{layer}.attention.hook_k_rot"][0, kpos, kv_head].float().cpu()
n_grid = min(cfg.max_seq_len, max(T, 32))
dots = rope.relative_dot_products(q[qpos, head], k, n_grid, cfg.rope_theta, cfg.rope_scaling)  # [m, n]
measured = float(q_rot[qpos, head] @ k_rot)
st.plotly_chart(rope.relative_dot_figure(dots, (qpos, kpos, measured)), width="stretch")
st.markdown(f"One query vector (head {head}) and one key vector (KV head {kv_head}), both taken *before* RoPE, "
            f"rotated with the model's `apply_rope` to every pair of positions up to {n_grid - 1}. "
            f"Largest spread along any diagonal: **{rope.diagonal_spread(dots):.1e}** (float32 rounding). "
            f"Measured on the prompt, `hook_q_rot · hook_k_rot` at ({qpos}, {kpos}) is **{measured:.4f}**; "
            f"the grid gives **{float(dots[qpos, kpos]):.4f}**. Attention then divides it by √hd = {math.sqrt(hd):.2f}.")

st.header("5. Which dimensions form a pair: Meta vs Hugging Face")
st.markdown(
    f"Meta's code, and llama_edu, rotate *adjacent* dimensions (x₀, x₁), (x₂, x₃), ... Hugging Face's `rotate_half` "
    f"pairs dimension i with i + hd/2 = i + {hd // 2}. Both compute the same attention because HF checkpoints store "
    "the rows of `wq` and `wk` permuted within every head (`meta_to_hf_qk`; `hf_to_meta_qk` undoes it on load).")
st.plotly_chart(rope.pair_order_figure(hd), width="stretch")
with st.expander("The pairs as a table"):
    st.dataframe(rope.pair_order_rows(hd), hide_index=True, width="stretch")
diff = rope.hf_layout_difference(hooks[f"layers.{layer}.attention.hook_q"], hooks[f"layers.{layer}.attention.hook_q_rot"],
                                 cfg.rope_theta, cfg.rope_scaling)
st.markdown(f"Check on this layer's queries: HF's `rotate_half` on the HF-ordered q, mapped back, differs from "
            f"`hook_q_rot` by at most **{diff:.1e}**.")
if cur.model.dtype != torch.float32:
    st.caption(f"The model runs in {str(cur.model.dtype).removeprefix('torch.')} here: its hooks are rounded to about "
               "3 significant digits, so numbers recomputed from them in float32 differ from the hooks in the third digit.")

notice("The arrow keeps its length: RoPE only turns. Pair 0 spins about once every 6.3 tokens, the last pairs barely "
       "move over the whole context. In the heatmap every diagonal has a single colour: moving both tokens by the "
       "same number of positions does not change q·k, and the measured dot product from the prompt sits exactly "
       "on that pattern.")
