"""GQA / MQA / MHA: how query heads share key/value heads, what that looks like in the model, and what it saves.
Every figure is a live element (app/elements/gqa.py), shared with the lessons."""

import streamlit as st
from common import current, notice
from elements import render
from elements.gqa import CONTEXT, kv_cache_rows

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg
n_rep = cfg.n_heads // cfg.n_kv_heads

st.title("Grouped-query attention: GQA, MQA, MHA")
st.markdown(f"""
In the original Transformer every query head has its own key and value head (**multi-head attention**, MHA).
When a model generates text it keeps every earlier token's keys and values in the KV cache, and at each new token it
reads the whole cache back from memory. With long contexts, that reading, not the arithmetic, sets the speed.

**Multi-query attention** (MQA, Shazeer 2019) keeps a single key/value head that all query heads share: the cache
shrinks by a factor H, but quality can drop. **Grouped-query attention** (GQA, Ainslie et al. 2023) sits in between:
the H query heads form H_kv groups, and the heads of a group share one key and one value per token. Llama 2 70B and
every Llama 3 model use 8 KV heads.

The loaded model has **{cfg.n_heads} query heads and {cfg.n_kv_heads} KV heads** ({cfg.attention_kind}): query head
h reads KV head h // {n_rep}. The queries still differ per head, so heads of one group can look at different
tokens; they only look *with the same keys*.
""")
st.latex(r"g(h) = \left\lfloor \frac{h}{H / H_{kv}} \right\rfloor,\qquad "
         r"\text{KV cache bytes} = 2 \cdot n_\text{layers} \cdot H_{kv} \cdot d_h \cdot T \cdot \text{bytes per value}")
render("gqa_diagram", cur, key="gqa")

st.subheader("The keys each KV head stores, and the patterns they produce")
render("gqa_kv_heads", cur, key="gqa")

st.subheader("What the GQA paper measured")
render("gqa_quality_table", cur, key="gqa_paper")

st.subheader(f"Memory saved: KV cache at {CONTEXT:,} tokens")
render("gqa_memory_table", cur, key="gqa_memory")

llama2_70b = next(r for r in kv_cache_rows() if r["model"] == "llama-2-70b")
notice(f"In the grid, compare heads in one row: they share keys, yet their patterns can differ because their "
       f"queries differ. In the bars, Llama 2 7B and 13B are MHA (nothing saved), while Llama 2 70B keeps "
       f"{llama2_70b['as configured (GiB)']:.2f} GiB instead of {llama2_70b['as MHA (GiB)']:.0f} GiB per 4k-token "
       f"sequence: 8 times more sequences fit in the same memory.")
