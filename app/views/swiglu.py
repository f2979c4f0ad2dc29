from common import current, notice, table, tr
from elements import render

import inspect

import streamlit as st

import llama_edu as le
from llama_edu import ffn

st.title(tr("swiglu.title"))
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.markdown(tr("swiglu.intro", dim=cfg.dim, hidden=cfg.hidden_dim))
st.latex(r"\mathrm{FFN}(x) = w_2\big(\,\mathrm{silu}(w_1 x) \odot w_3 x\,\big),\qquad "
         r"\mathrm{silu}(z) = z\,\sigma(z) = \frac{z}{1 + e^{-z}}")

render("swiglu_units", cur, key="swiglu")

st.subheader(tr("swiglu.activations_title"))
z_min, y_min = ffn.silu_minimum()
st.markdown(tr("swiglu.activations_text", y_min=y_min, z_min=z_min))
render("activation_curves", cur, key="swiglu")

st.subheader(tr("swiglu.sizing_title"))
params = ffn.ffn_parameter_counts(cfg.dim)
st.markdown(tr("swiglu.sizing_text", dim=cfg.dim, two=params["two matrices, width 4d"],
                three=params["three matrices, width 8d/3"]))
st.code(inspect.getsource(le.ffn_hidden_dim), language="python")
rows = ffn.sizing_rows(cfg, tr("swiglu.loaded_model", name=cfg.name))
table(rows, prose=["ffn_dim_multiplier"], numbers=["ffn_dim_multiplier"], hide_index=True)
if rows[0]["F by the rule"] != rows[0]["F in the model"]:
    st.caption(tr("swiglu.sizing_caption"))

notice(tr("swiglu.notice"))
