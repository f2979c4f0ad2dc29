"""Attention: the causal mask, where each token looks, one head's computation step by step, bertviz, the sink,
and ablation. Every figure is a live element (app/elements/attention.py), shared with the lessons."""

import streamlit as st

from app.common import core_idea, current, go_deeper, notice, say
from app.elements import render
from llama_edu import interventions

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "inside_block", "order": 30, "title": "app.nav.attention",
        "icon": ":material/visibility:", "heading": "app.attention.who_looks"}

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.title(say("app.attention.title"))
core_idea("app.attention.core_idea")
st.markdown(say("app.attention.intro"))
st.latex(r"\text{scores}_{ij} = \frac{\tilde q_{i,h}\cdot \tilde k_{j,g}}{\sqrt{d_h}} + M_{ij},\quad "
         r"M_{ij} = \begin{cases}0 & j \le i\\ -\infty & j > i\end{cases},\quad "
         r"g = \left\lfloor h \,/\, (H/H_{kv}) \right\rfloor")
st.latex(r"\text{pattern}_{ij} = \frac{e^{\text{scores}_{ij}}}{\sum_{j'} e^{\text{scores}_{ij'}}},\qquad "
         r"z_{i,h} = \sum_j \text{pattern}_{ij}\, v_{j,g},\qquad "
         r"\text{out}_i = W_o\,[z_{i,0}; \dots; z_{i,H-1}]")
st.caption(say("app.attention.model_caption", n_heads=cfg.n_heads, n_kv_heads=cfg.n_kv_heads, head_dim=cfg.head_dim))

st.subheader(say("app.attention.mask_title"))
render("causal_mask", cur, key="attn")

st.subheader(say("app.attention.who_looks"))
render("attention_heatmap", cur, key="attn")

st.subheader(say("app.attention.steps_title"))
render("attention_steps", cur, key="attn_steps")

st.subheader(say("app.attention.bertviz_title"))
render("bertviz_head_view", cur, key="attn")

with go_deeper("app.attention.sink_title"):
    st.markdown(say("app.attention.sink_text"))
    render("attention_sink", cur, key="attn")

st.subheader(say("app.attention.ablation_title"))
render("head_ablation", cur, key="attn_ablation")

uniform = interventions.uniform_first_token_share(len(cur.ids)) if len(cur.ids) >= 2 else 1.0
notice(say("app.attention.notice", uniform=uniform))
