"""GQA / MQA / MHA: how query heads share key/value heads, what that looks like in the model, and what it saves.
Every figure is a live element (app/elements/gqa.py), shared with the lessons."""

import streamlit as st
from common import current, notice, tr
from elements import render
from elements.gqa import CONTEXT, kv_cache_rows

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg
n_rep = cfg.n_heads // cfg.n_kv_heads

st.title(tr("gqa.title"))
st.markdown(tr("gqa.intro", n_heads=cfg.n_heads, n_kv_heads=cfg.n_kv_heads, kind=cfg.attention_kind, n_rep=n_rep))
# The formula is code; only the words inside \text{} are translated.
st.latex(r"g(h) = \left\lfloor \frac{h}{H / H_{kv}} \right\rfloor,\qquad "
         rf"\text{{{tr('gqa.formula_cache_bytes')}}} = 2 \cdot n_\text{{layers}} \cdot H_{{kv}} \cdot d_h \cdot T "
         rf"\cdot \text{{{tr('gqa.formula_bytes_per_value')}}}")
render("gqa_diagram", cur, key="gqa")

st.subheader(tr("gqa.keys_title"))
render("gqa_kv_heads", cur, key="gqa")

st.subheader(tr("gqa.paper_title"))
render("gqa_quality_table", cur, key="gqa_paper")

st.subheader(tr("gqa.memory_title", context=CONTEXT))
render("gqa_memory_table", cur, key="gqa_memory")

llama2_70b = next(r for r in kv_cache_rows() if r["model"] == "llama-2-70b")
notice(tr("gqa.notice", configured=llama2_70b["as configured (GiB)"], mha=llama2_70b["as MHA (GiB)"]))
