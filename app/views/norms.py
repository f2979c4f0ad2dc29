from common import current, notice, table, tr
from elements import render

import inspect

import streamlit as st

import llama_edu as le
from llama_edu import normalization

st.title(tr("norms.title"))
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.markdown(tr("norms.intro", dim=cfg.dim, eps=cfg.norm_eps))
st.latex(r"\text{RMSNorm:}\quad y = \frac{x}{\sqrt{\tfrac{1}{D}\sum_j x_j^2 + \varepsilon}} \odot g")
st.latex(r"\text{LayerNorm:}\quad y = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} \odot g + b,\quad "
         r"\mu = \tfrac{1}{D}\sum_j x_j,\quad \sigma^2 = \tfrac{1}{D}\sum_j (x_j - \mu)^2")

st.subheader(tr("norms.vector_title"))
render("norm_vector", cur, key="norms")

st.subheader(tr("norms.shift_title"))
st.markdown(tr("norms.shift_text"))
render("norm_shift_scale", cur, key="norms")

st.subheader(tr("norms.cost_title"))
st.markdown(tr("norms.cost_text"))
table(normalization.norm_operation_counts(cfg.dim), prose=["steps"], hide_index=True)
timing_key = f"norms_timing_{cfg.dim}"
retime = st.button(tr("norms.retime"), key="norms_retime")  # drawn first: it must exist on every run
if retime or timing_key not in st.session_state:
    st.session_state[timing_key] = normalization.time_norms(cfg.dim, eps=cfg.norm_eps)
ms = st.session_state[timing_key]
st.markdown(tr("norms.timing", dim=cfg.dim, rms_ms=ms["RMSNorm"], layer_ms=ms["LayerNorm"]))

st.subheader(tr("norms.prenorm_title"))
st.markdown(tr("norms.prenorm_text"))
st.code(inspect.getsource(le.TransformerBlock.forward), language="python")
render("residual_norms", cur, key="norms")

notice(tr("norms.notice"))
