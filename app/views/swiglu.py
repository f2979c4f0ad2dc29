from common import current, notice
from elements import render

import inspect

import streamlit as st

import llama_edu as le
from llama_edu.viz import ffn as viz

st.title("SwiGLU: the feed-forward network with a gate")
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.markdown(
    f"After attention, each token goes through the same small network on its own. LLaMA's version is "
    f"**SwiGLU** (Shazeer, 2020). The normalised vector x (D = {cfg.dim}) is projected *twice* to F = "
    f"{cfg.hidden_dim} hidden units: once by w1 (the **gate**) and once by w3 (the **up** projection). The "
    "gate goes through SiLU and multiplies the up projection unit by unit; w2 projects the product back to D. "
    "A unit whose gate is near zero contributes nothing, whatever its up value: the gate decides, per token, "
    "which units pass.")
st.latex(r"\mathrm{FFN}(x) = w_2\big(\,\mathrm{silu}(w_1 x) \odot w_3 x\,\big),\qquad "
         r"\mathrm{silu}(z) = z\,\sigma(z) = \frac{z}{1 + e^{-z}}")

render("swiglu_units", cur, key="swiglu")

st.subheader("Swish (SiLU), ReLU and GELU")
z_min, y_min = viz.silu_minimum()
st.markdown(
    f"ReLU cuts every negative input to exactly 0. SiLU (Swish with β = 1) is smooth and lets small negative "
    f"values through: it dips to its minimum {y_min:.4f} at z = {z_min:.4f}, then returns towards 0 for very "
    "negative z. GELU has a similar shape. The dots are this token's actual gate values.")
render("activation_curves", cur, key="swiglu")

st.subheader("Why F is 2/3 of 4d")
params = viz.ffn_parameter_counts(cfg.dim)
st.markdown(
    "A classic Transformer FFN has two matrices, D→4D and 4D→D: 8D² weights. SwiGLU has three (w1, w3, w2). "
    "To keep the parameter count (and the compute) the same, the hidden width shrinks to 2/3 · 4D = 8D/3, "
    f"since 3 · D · 8D/3 = 8D². For D = {cfg.dim}: {params['two matrices, width 4d']:,.0f} vs "
    f"{params['three matrices, width 8d/3']:,.0f} weights per layer. Meta's code then multiplies by an optional "
    "`ffn_dim_multiplier` and rounds up to a hardware-friendly `multiple_of`:")
st.code(inspect.getsource(le.ffn_hidden_dim), language="python")
rows = viz.sizing_rows(cfg, f"loaded model ({cfg.name})")
st.dataframe(rows, hide_index=True)
if rows[0]["F by the rule"] != rows[0]["F in the model"]:
    st.caption("The loaded checkpoint states F itself (config.json's intermediate_size) and does not record the "
               "multiple_of it was built with, so the rule with the default multiple_of gives another number.")

notice("Sort by gate: at the right end the gates are very negative, silu(gate) is about 0, and so is the "
       "product, however large *up* is there. The sign of the product comes from *up* as much as from the gate. "
       "Pick another token: a different set of units passes.")
