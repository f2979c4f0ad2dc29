"""KV cache: keys and values of past tokens are kept, so each new token costs one position of work, not all."""

import streamlit as st

from common import current, notice, tr
from elements import render

st.title(tr("kvcache.title"))
cur = current()
if cur is None:
    st.stop()

st.markdown(tr("kvcache.intro_why"))
st.markdown(tr("kvcache.intro_cost"))
st.latex(r"\text{bytes} = 2_{(K,V)} \cdot n_\text{layers} \cdot n_\text{kv\_heads} \cdot \text{head\_dim} \cdot "
         r"\text{seq\_len} \cdot \text{batch} \cdot \text{bytes\_per\_value}")

st.header(tr("kvcache.section_memory"))
render("kv_calculator", cur, key="kv")

st.header(tr("kvcache.section_growth"))
st.markdown(tr("kvcache.growth_text"))
render("kv_memory_chart", cur, key="kv_chart")

st.header(tr("kvcache.section_slide"))
render("kv_wrong_figure", cur, key="kv_slide")

st.header(tr("kvcache.section_live"))
render("kv_live_demo", cur, key="kv")

notice(tr("kvcache.notice"))
