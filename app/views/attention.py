"""Attention: the causal mask, where each token looks, one head's computation step by step, bertviz, the sink,
and ablation. Every figure is a live element (app/elements/attention.py), shared with the lessons."""

import streamlit as st
from common import current, notice
from elements import render

from llama_edu import interventions

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.title("Attention")
st.markdown("""
Attention is how a token collects information from the tokens before it. Every head turns each token's vector into
a **query** q (what this token is looking for), a **key** k (what it offers to others) and a **value** v (what it
hands over). The dot product of one token's query with every key gives a row of scores; softmax turns that row into
weights that are positive and sum to 1; the head's output for the token is the weighted average of the values.

LLaMA predicts the next token, so a token may look only at itself and at earlier tokens: the later ones do not
exist yet when it is generated. The **causal mask** adds −∞ to every score in the future, and softmax turns −∞ into
an exact 0. In the heatmaps those cells are grey: they never took part. q and k are rotated by RoPE first, and
with grouped-query attention several query heads share one key/value head.
""")
st.latex(r"\text{scores}_{ij} = \frac{\tilde q_{i,h}\cdot \tilde k_{j,g}}{\sqrt{d_h}} + M_{ij},\quad "
         r"M_{ij} = \begin{cases}0 & j \le i\\ -\infty & j > i\end{cases},\quad "
         r"g = \left\lfloor h \,/\, (H/H_{kv}) \right\rfloor")
st.latex(r"\text{pattern}_{ij} = \frac{e^{\text{scores}_{ij}}}{\sum_{j'} e^{\text{scores}_{ij'}}},\qquad "
         r"z_{i,h} = \sum_j \text{pattern}_{ij}\, v_{j,g},\qquad "
         r"\text{out}_i = W_o\,[z_{i,0}; \dots; z_{i,H-1}]")
st.caption(f"This model: H = {cfg.n_heads} query heads, H_kv = {cfg.n_kv_heads} key/value heads, "
           f"d_h = {cfg.head_dim}; q̃, k̃ are q, k after RoPE.")

st.subheader("The mask M for your prompt")
render("causal_mask", cur, key="attn")

st.subheader("Who looks at whom")
render("attention_heatmap", cur, key="attn")

st.subheader("The steps, recomputed from the hooks")
render("attention_steps", cur, key="attn_steps")

st.subheader("bertviz: every head at once")
render("bertviz_head_view", cur, key="attn")

st.subheader("The attention sink")
st.markdown("""
Softmax weights are positive and always add up to 1, so a head cannot say "nothing here is relevant to me": the
weight has to land somewhere. Many trained heads park it on the first token, which every query can see. Xiao et al.
(2023, *Efficient Streaming Language Models with Attention Sinks*) named this the attention sink: the first tokens
get large weights even when their meaning is unimportant, and a model whose KV cache drops them falls apart, while
keeping the first four tokens' keys and values restores it.
""")
render("attention_sink", cur, key="attn")

st.subheader("Switch a head off")
render("head_ablation", cur, key="attn_ablation")

uniform = interventions.uniform_first_token_share(len(cur.ids)) if len(cur.ids) >= 2 else 1.0
notice("Look for heads whose rows are one bright cell just left of the diagonal (they read the previous token) and "
       f"heads that pour most of their weight into column 0 (sinks; even spreading would give {uniform:.0%} there). "
       "Then ablate a sink head and a head that looks at real words: which one moves the prediction more?")
