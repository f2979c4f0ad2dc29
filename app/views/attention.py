"""Attention: the causal mask, where each token looks, one head's computation step by step, bertviz, the sink,
and ablation. Every figure is a live element (app/elements/attention.py), shared with the lessons."""

import streamlit as st
from common import current, notice, tr
from elements import render

from llama_edu import interventions

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.title(tr("attention.title"))
st.markdown(tr("attention.intro"))
st.latex(r"\text{scores}_{ij} = \frac{\tilde q_{i,h}\cdot \tilde k_{j,g}}{\sqrt{d_h}} + M_{ij},\quad "
         r"M_{ij} = \begin{cases}0 & j \le i\\ -\infty & j > i\end{cases},\quad "
         r"g = \left\lfloor h \,/\, (H/H_{kv}) \right\rfloor")
st.latex(r"\text{pattern}_{ij} = \frac{e^{\text{scores}_{ij}}}{\sum_{j'} e^{\text{scores}_{ij'}}},\qquad "
         r"z_{i,h} = \sum_j \text{pattern}_{ij}\, v_{j,g},\qquad "
         r"\text{out}_i = W_o\,[z_{i,0}; \dots; z_{i,H-1}]")
st.caption(tr("attention.model_caption", n_heads=cfg.n_heads, n_kv_heads=cfg.n_kv_heads, head_dim=cfg.head_dim))

st.subheader(tr("attention.mask_title"))
render("causal_mask", cur, key="attn")

st.subheader(tr("attention.who_looks"))
render("attention_heatmap", cur, key="attn")

st.subheader(tr("attention.steps_title"))
render("attention_steps", cur, key="attn_steps")

st.subheader(tr("attention.bertviz_title"))
render("bertviz_head_view", cur, key="attn")

st.subheader(tr("attention.sink_title"))
st.markdown(tr("attention.sink_text"))
render("attention_sink", cur, key="attn")

st.subheader(tr("attention.ablation_title"))
render("head_ablation", cur, key="attn_ablation")

uniform = interventions.uniform_first_token_share(len(cur.ids)) if len(cur.ids) >= 2 else 1.0
notice(tr("attention.notice", uniform=uniform))
