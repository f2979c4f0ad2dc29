"""RoPE: every pair of a query or key turns by an angle proportional to its position; q.k then sees only the offset."""

import streamlit as st

from common import current, notice
from elements import render

st.title("RoPE: rotary position embeddings")
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg
hd = cfg.head_dim

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

st.header("1. One pair of one query, turning with its position")
render("rope_rotation", cur, key="rope")

st.header("2. Fast and slow pairs: the frequencies")
render("rope_frequencies", cur, key="rope")

st.header("3. Proof: q·k depends only on m − n")
st.latex(r"(R_m q)^\top (R_n k) = q^\top R_m^\top R_n\, k = q^\top R_{n-m}\, k")
render("rope_relative", cur, key="rope")

st.header("4. Which dimensions form a pair: Meta vs Hugging Face")
st.markdown(
    f"Meta's code, and llama_edu, rotate *adjacent* dimensions (x₀, x₁), (x₂, x₃), ... Hugging Face's `rotate_half` "
    f"pairs dimension i with i + hd/2 = i + {hd // 2}. Both compute the same attention because HF checkpoints store "
    "the rows of `wq` and `wk` permuted within every head (`meta_to_hf_qk`; `hf_to_meta_qk` undoes it on load).")
render("rope_pair_order", cur, key="rope")

notice("The arrow keeps its length: RoPE only turns. Pair 0 spins about once every 6.3 tokens, the last pairs barely "
       "move over the whole context. In the heatmap every diagonal has a single colour: moving both tokens by the "
       "same number of positions does not change q·k, and the measured dot product from the prompt sits exactly "
       "on that pattern.")
