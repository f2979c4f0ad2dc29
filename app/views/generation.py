"""Generation: logits -> a distribution shaped by temperature, top-k, top-p -> one token; and the logit lens."""

import streamlit as st

from common import current, notice, tr
from elements import render

st.title(tr("generation.title"))
cur = current()
if cur is None:
    st.stop()

st.markdown(tr("generation.intro"))
# The formulas are code; only the words inside \text{} are translated.
st.latex(r"p = \mathrm{softmax}\!\left(\frac{z}{T}\right) \text{ " + tr("generation.formula_over") + r" } k \text{ "
         + tr("generation.formula_largest") + r" } -\infty\text{)}")
st.latex(r"\text{top-}p\text{" + tr("generation.formula_sort") + r" } p \text{ " + tr("generation.formula_keep")
         + r" } p_{(j)} \text{ " + tr("generation.formula_while") + r" } \textstyle\sum_{r<j} p_{(r)} < p\text{"
         + tr("generation.formula_renormalise") + "}")

st.header(tr("generation.section_step"))
render("generate_step", cur, key="gen")

st.header(tr("generation.section_lens"))
st.markdown(tr("generation.lens_text"))
st.latex(r"\text{lens}(h) = \mathrm{softmax}\big(W_{\text{out}}\,\mathrm{RMSNorm}(h)\big)")
st.caption(tr("generation.lens_symbols"))
render("logit_lens", cur, key="gen")

notice(tr("generation.notice"))
