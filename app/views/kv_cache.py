"""KV cache: keys and values of past tokens are kept, so each new token costs one position of work, not all."""

import streamlit as st

from app.common import core_idea, current, go_deeper, notice, say
from app.elements import render

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "generating", "order": 10, "title": "app.nav.kv_cache",
        "icon": ":material/memory:", "heading": "app.kvcache.title"}

st.title(say("app.kvcache.title"))
core_idea("app.kvcache.core_idea")
cur = current()
if cur is None:
    st.stop()

st.markdown(say("app.kvcache.intro_why"))
st.markdown(say("app.kvcache.intro_cost"))
st.latex(r"\text{bytes} = 2_{(K,V)} \cdot n_\text{layers} \cdot n_\text{kv\_heads} \cdot \text{head\_dim} \cdot "
         r"\text{seq\_len} \cdot \text{batch} \cdot \text{bytes\_per\_value}")

st.header(say("app.kvcache.section_memory"))
render("kv_calculator", cur, key="kv")

st.header(say("app.kvcache.section_growth"))
st.markdown(say("app.kvcache.growth_text"))
render("kv_memory_chart", cur, key="kv_chart")

with go_deeper("app.kvcache.section_slide"):
    render("kv_wrong_figure", cur, key="kv_slide")

st.header(say("app.kvcache.section_live"))
render("kv_live_demo", cur, key="kv")

notice(say("app.kvcache.notice"))
