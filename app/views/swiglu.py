"""SwiGLU: the gate, its silu, the up projection and their product for every hidden unit; Swish vs ReLU vs GELU;
and the 2/3 · 4d rule that sizes the hidden layer. Every figure is a live element (app/elements/swiglu.py)."""

import inspect

import streamlit as st

import llama_edu as le
from app.common import core_idea, current, go_deeper, lang, notice, say, table
from app.elements import render
from llama_edu import ffn

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "inside_block", "order": 60, "title": "app.nav.swiglu",
        "icon": ":material/tune:", "heading": "app.swiglu.title"}

st.title(say("app.swiglu.title"))
core_idea("app.swiglu.core_idea")
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.markdown(say("app.swiglu.intro", dim=cfg.dim, hidden=cfg.hidden_dim))
st.latex(r"\mathrm{FFN}(x) = w_2\big(\,\mathrm{silu}(w_1 x) \odot w_3 x\,\big),\qquad "
         r"\mathrm{silu}(z) = z\,\sigma(z) = \frac{z}{1 + e^{-z}}")

render("swiglu_units", cur, key="swiglu")

st.subheader(say("app.swiglu.activations_title"))
z_min, y_min = ffn.silu_minimum()
st.markdown(say("app.swiglu.activations_text", y_min=y_min, z_min=z_min))
render("activation_curves", cur, key="swiglu")

with go_deeper("app.swiglu.sizing_title"):
    params = ffn.ffn_parameter_counts(cfg.dim)
    st.markdown(say("app.swiglu.sizing_text", dim=cfg.dim, two=params["two matrices, width 4d"],
                    three=params["three matrices, width 8d/3"]))
    st.code(inspect.getsource(le.ffn_hidden_dim), language="python")
    rows = ffn.sizing_rows(cfg, say("app.swiglu.loaded_model", name=cfg.name), lang=lang())
    table(rows, hide_index=True)
    why = ffn.sizing_explained(cfg)  # the loaded model's F, step by step, and the multiple_of behind it
    if why["multiple_of"] is None:
        st.caption(say("app.swiglu.sizing_other", **why))
    else:
        st.markdown(say("app.swiglu.sizing_why", **why))
        if why["found"]:
            st.caption(say("app.swiglu.sizing_caption", **why))

notice(say("app.swiglu.notice"))
