from common import current, notice
from elements import render

import inspect

import streamlit as st

import llama_edu as le
from llama_edu.viz import norms as viz

st.title("RMSNorm vs LayerNorm")
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.markdown(
    "Before attention and before the feed-forward network, every token's vector is *normalised*: divided by "
    "a measure of its size, then multiplied dimension by dimension by a learned **gain** g. The original "
    "Transformer used LayerNorm, which first subtracts the vector's mean and divides by its standard "
    "deviation. LLaMA uses **RMSNorm** (Zhang & Sennrich, 2019): no mean subtraction and no bias, just one "
    "statistic, the root mean square. These are the formulas `llama_edu/model.py` runs, with D = "
    f"{cfg.dim} and ε = {cfg.norm_eps:g}:")
st.latex(r"\text{RMSNorm:}\quad y = \frac{x}{\sqrt{\tfrac{1}{D}\sum_j x_j^2 + \varepsilon}} \odot g")
st.latex(r"\text{LayerNorm:}\quad y = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} \odot g + b,\quad "
         r"\mu = \tfrac{1}{D}\sum_j x_j,\quad \sigma^2 = \tfrac{1}{D}\sum_j (x_j - \mu)^2")

st.subheader("One real vector, step by step")
render("norm_vector", cur, key="norms")

st.subheader("Shift it, scale it")
st.markdown(
    "Change the vector chosen above and run it through the real `llama_edu.RMSNorm` (this norm's gain and ε) and "
    "`llama_edu.LayerNorm`. LLaMA has no trained LayerNorm, so it borrows the same gain g with bias b = 0: "
    "the only difference left between the two is the mean subtraction.")
render("norm_shift_scale", cur, key="norms")

st.subheader("What it costs")
st.markdown(
    "Per token, RMSNorm computes one statistic in one pass; LayerNorm needs the mean before it can compute "
    "the variance, then subtracts it and adds a bias. The operations in this codebase's two modules:")
st.dataframe(viz.norm_operation_counts(cfg.dim), hide_index=True)
timing_key = f"norms_timing_{cfg.dim}"
retime = st.button("Time them again", key="norms_retime")  # drawn first: it must exist on every run
if retime or timing_key not in st.session_state:
    st.session_state[timing_key] = viz.time_norms(cfg.dim, eps=cfg.norm_eps)
ms = st.session_state[timing_key]
st.markdown(f"Measured just now on this server, one forward pass on a [1, 256, {cfg.dim}] tensor (median of up to 50): "
            f"**RMSNorm {ms['RMSNorm']:.3f} ms**, **LayerNorm {ms['LayerNorm']:.3f} ms**. Timings this small are "
            "noisy (other students, other jobs); press the button to measure again. The RMSNorm paper reports "
            "running times 7%–64% lower than LayerNorm across the models in its experiments. In a large LLaMA "
            "the norms are a tiny share of the work next to the matrix multiplications.")

st.subheader("Pre-normalisation: the stream itself is never normalised")
st.markdown("Each block normalises a *copy* of the residual stream for its sub-layer and adds the result back. "
            "This is the block's real `forward`:")
st.code(inspect.getsource(le.TransformerBlock.forward), language="python")
render("residual_norms", cur, key="norms")

notice("Slide *shift*: LayerNorm's output does not move (it subtracts the mean), RMSNorm's does. Slide *scale*: "
       "neither moves, until the vector is so small that ε under the square root matters and the output "
       "shrinks. After the norm, x / RMS(x) has RMS 1 (slightly less for vectors as small as the embeddings, "
       "again because of ε), while the residual stream's own RMS changes from layer to layer.")
