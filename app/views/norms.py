"""RMSNorm vs LayerNorm: one real token vector through each norm, what a shift and a scale do to it, and the
cost of each. Every figure is a live element (app/elements/norms.py), shared with the lessons."""

import inspect

import streamlit as st

import llama_edu as le
from app.common import core_idea, current, go_deeper, lang, notice, say, table
from app.elements import render
from llama_edu import normalization, timing

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "inside_block", "order": 10, "title": "app.nav.norms",
        "icon": ":material/straighten:", "heading": "app.norms.vector_title"}

st.title(say("app.norms.title"))
core_idea("app.norms.core_idea")
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.markdown(say("app.norms.intro", dim=cfg.dim, eps=cfg.norm_eps))
st.latex(r"\text{RMSNorm:}\quad y = \frac{x}{\sqrt{\tfrac{1}{D}\sum_j x_j^2 + \varepsilon}} \odot g")
st.latex(r"\text{LayerNorm:}\quad y = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} \odot g + b,\quad "
         r"\mu = \tfrac{1}{D}\sum_j x_j,\quad \sigma^2 = \tfrac{1}{D}\sum_j (x_j - \mu)^2")

st.subheader(say("app.norms.vector_title"))
render("norm_vector", cur, key="norms")

st.subheader(say("app.norms.shift_title"))
st.markdown(say("app.norms.shift_text"))
render("norm_shift_scale", cur, key="norms")

with go_deeper("app.norms.cost_title"):
    st.markdown(say("app.norms.cost_text"))
    counts = normalization.norm_operation_counts(cfg.dim)
    table(counts, hide_index=True)
    table(normalization.norm_step_rows(cfg.dim, lang=lang()), hide_index=True)
    timing_key = f"norms_timing_{cfg.dim}"
    retime = st.button(say("app.norms.retime"), key="norms_retime")  # drawn first: it must exist on every run
    if retime or timing_key not in st.session_state:  # in the model's queue: never timed while the model runs
        st.session_state[timing_key] = cur.run(normalization.time_norms, cfg.dim, eps=cfg.norm_eps)
    rms, layer = (st.session_state[timing_key][norm] for norm in ("RMSNorm", "LayerNorm"))
    st.markdown(say("app.norms.timing", dim=cfg.dim, rows=normalization.NORM_TIMING_ROWS, tries=rms.tries,
                    rms_ms=rms.median, rms_low=rms.low, rms_high=rms.high, layer_ms=layer.median, layer_low=layer.low,
                    layer_high=layer.high, ratio=timing.speedup(layer, rms),
                    op_ratio=counts[1]["operations"] / counts[0]["operations"]))

st.subheader(say("app.norms.prenorm_title"))
st.markdown(say("app.norms.prenorm_text"))
st.code(inspect.getsource(le.TransformerBlock.forward), language="python")
render("residual_norms", cur, key="norms")

notice(say("app.norms.notice"))
