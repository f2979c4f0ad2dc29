"""Attention across layers: attention rollout (Abnar & Zuidema 2020) layer by layer, and how each head's
entropy, distance and favourite tokens shift from layer to layer. Every figure is a live element
(app/elements/layers.py), shared with the lessons; the words are in llama_edu/strings/layers.yaml."""

import streamlit as st

from app.common import core_idea, current, go_deeper, say
from app.elements import render

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "inside_block", "order": 40, "title": "layers.nav",
        "icon": ":material/layers:", "heading": "layers.page.title"}

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.title(say("layers.page.title"))
core_idea("layers.page.core_idea")
st.markdown(say("layers.page.intro", n_layers=cfg.n_layers))
st.latex(r"\hat A_\ell = \operatorname{norm}\!\left(\tfrac12\,\bar A_\ell + \tfrac12\, I\right),\qquad "
         r"\bar A_\ell = \frac{1}{H}\sum_{h} A_{\ell,h},\qquad "
         r"\tilde A_\ell = \hat A_\ell\, \tilde A_{\ell-1},\quad \tilde A_0 = \hat A_0")

st.subheader(say("layers.page.rollout_title"))
render("attention_rollout", cur, key="layers")

st.subheader(say("layers.page.flow_title"))
render("rollout_flow", cur, key="layers_flow")

with go_deeper("layers.page.limits_title"):
    st.markdown(say("layers.page.limits"))

st.subheader(say("layers.page.grid_title"))
st.markdown(say("layers.page.grid_intro"))
render("head_measures_grid", cur, key="layers")

render("rollout_notice", cur, key="layers")
