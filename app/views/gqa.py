"""GQA / MQA / MHA: how query heads share key/value heads, what that looks like in the model, and what it saves.
Every figure is a live element (app/elements/gqa.py), shared with the lessons."""

import streamlit as st

from app.common import core_idea, current, go_deeper, say
from app.elements import render
from llama_edu.kvcache import COMPARED_CONTEXT

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "inside_block", "order": 50, "title": "app.nav.gqa",
        "icon": ":material/group_work:", "heading": "app.gqa.title"}

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg
n_rep = cfg.n_heads // cfg.n_kv_heads

st.title(say("app.gqa.title"))
core_idea("app.gqa.core_idea")
st.markdown(say("app.gqa.intro", n_heads=cfg.n_heads, n_kv_heads=cfg.n_kv_heads, kind=cfg.attention_kind, n_rep=n_rep))
# The formula is code; only the words inside \text{} are translated.
st.latex(r"g(h) = \left\lfloor \frac{h}{H / H_{kv}} \right\rfloor,\qquad "
         rf"\text{{{say('app.gqa.formula_cache_bytes')}}} = 2 \cdot n_\text{{layers}} \cdot H_{{kv}} \cdot d_h \cdot T "
         rf"\cdot \text{{{say('app.gqa.formula_bytes_per_value')}}}")
render("gqa_diagram", cur, key="gqa")

st.subheader(say("app.gqa.keys_title"))
render("gqa_kv_heads", cur, key="gqa")

with go_deeper("app.gqa.paper_title"):
    render("gqa_quality_table", cur, key="gqa_paper")

st.subheader(say("app.gqa.memory_title", context=COMPARED_CONTEXT))
render("gqa_memory_table", cur, key="gqa_memory")

render("gqa_notice", cur, key="gqa")
