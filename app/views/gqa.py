"""GQA / MQA / MHA: how query heads share key/value heads, what that looks like in the model, and what it saves."""

import streamlit as st
from common import current, notice

import llama_edu as le
from llama_edu import interventions
from llama_edu.viz import attention as viz

# The Llama releases whose KV cache we compare (their published configurations, llama_edu.config.PRESETS).
COMPARED = ["llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-405b"]
CONTEXT = 4096

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg
_, cache = cur.capture()
labels = viz.token_labels(cur.pieces)
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

variants = {f"as configured: {cfg.attention_kind}, {cfg.n_heads} query heads share {cfg.n_kv_heads} KV heads":
            cfg.n_kv_heads}
variants.setdefault(f"as MHA: {cfg.n_heads} KV heads, one per query head", cfg.n_heads)
variants.setdefault(f"as MQA: 1 KV head for all {cfg.n_heads} query heads", 1)
variants = {title: n for title, n in variants.items() if n != cfg.n_kv_heads or title.startswith("as configured")}
st.plotly_chart(viz.gqa_diagram(cfg.n_heads, variants), key="gqa_diagram")

st.subheader("The keys each KV head stores")
layer = st.selectbox("Layer", range(cfg.n_layers), key="gqa_layer")
k_rot = cache[f"layers.{layer}.attention.hook_k_rot"][0]  # [T, Hkv, hd]
st.markdown(f"`hook_k_rot` of layer {layer}: one row per token, one panel per KV head. These are the only keys "
            f"in this layer: {cfg.n_heads} query heads compare their queries with these {cfg.n_kv_heads} sets.")
st.plotly_chart(viz.keys_heatmaps(k_rot, labels), key="gqa_keys")

st.subheader("Patterns, grouped by the KV head they share")
pattern = cache[f"layers.{layer}.attention.hook_pattern"][0]  # [H, T, T]
st.plotly_chart(viz.heads_grid(pattern, labels, cfg.n_kv_heads, cols=n_rep,
                               title=f"layer {layer}: one row per KV head" if n_rep > 1 else f"layer {layer}"),
                key="gqa_grid")
similarity = interventions.pattern_similarity(pattern)  # [H, H]
within, across = interventions.within_and_across_groups(similarity, cfg.n_kv_heads)
if within is not None and across is not None:
    st.markdown(f"Average similarity of two heads **in the same group: {within:.2f}**, **in different groups: "
                f"{across:.2f}** (1 = identical patterns, 0 = no overlap).")
st.plotly_chart(viz.similarity_heatmap(similarity, cfg.n_kv_heads), key="gqa_similarity")

st.subheader("What the GQA paper measured")
st.markdown("Ainslie et al. (2023), Table 1: T5-XXL converted from MHA and trained a further 5% of its "
            "pre-training steps (“uptrained”) as MQA or GQA with 8 groups; inference time per sample and the average "
            "score over seven summarization, translation and question-answering tasks. MHA-Large is a smaller "
            "model for comparison.")
st.dataframe(viz.GQA_TABLE_1, hide_index=True)
st.plotly_chart(viz.gqa_quality_figure(), key="gqa_quality")

st.subheader(f"Memory saved: KV cache at {CONTEXT:,} tokens")
rows = viz.kv_cache_rows({name: le.PRESETS[name] for name in COMPARED}, CONTEXT)
llama2_70b = next(r for r in rows if r["model"] == "llama-2-70b")
st.plotly_chart(viz.kv_cache_figure(rows, CONTEXT), key="gqa_memory")
st.dataframe(rows, hide_index=True, column_config={
    "as MHA (GiB)": st.column_config.NumberColumn(format="%.2f"),
    "as configured (GiB)": st.column_config.NumberColumn(format="%.2f")})

notice(f"In the grid, compare heads in one row: they share keys, yet their patterns can differ because their "
       f"queries differ. In the bars, Llama 2 7B and 13B are MHA (nothing saved), while Llama 2 70B keeps "
       f"{llama2_70b['as configured (GiB)']:.2f} GiB instead of {llama2_70b['as MHA (GiB)']:.0f} GiB per 4k-token "
       f"sequence: 8 times more sequences fit in the same memory.")
