"""Attention across layers: attention rollout (Abnar & Zuidema 2020) layer by layer, and how each head's
entropy, distance and favourite tokens shift from layer to layer. Every figure is a live element
(app/elements/layers.py), shared with the lessons; the words are in llama_edu/strings/layers.yaml."""

import streamlit as st
from common import current, notice
from elements import render
from elements.layers import prompt_rollout, share, text

from llama_edu import rollout

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.title(text("page.title"))
st.markdown(text("page.intro", n_layers=cfg.n_layers))
st.latex(r"\hat A_\ell = \operatorname{norm}\!\left(\tfrac12\,\bar A_\ell + \tfrac12\, I\right),\qquad "
         r"\bar A_\ell = \frac{1}{H}\sum_{h} A_{\ell,h},\qquad "
         r"\tilde A_\ell = \hat A_\ell\, \tilde A_{\ell-1},\quad \tilde A_0 = \hat A_0")

st.subheader(text("page.rollout_title"))
render("attention_rollout", cur, key="layers")

st.subheader(text("page.flow_title"))
render("rollout_flow", cur, key="layers_flow")

st.subheader(text("page.limits_title"))
st.markdown(text("page.limits"))

st.subheader(text("page.grid_title"))
st.markdown(text("page.grid_intro"))
render("head_measures_grid", cur, key="layers")

rolled, _ = prompt_rollout(cur)
uniform = rollout.uniform_rollout(len(cur.ids), cfg.n_layers)
notice(text("page.notice", model=share(float(rolled[-1, -1, 0])), uniform=share(float(uniform[-1, -1, 0])),
            n_layers=cfg.n_layers))
