"""KV cache: keys and values of past tokens are kept, so each new token costs one position of work, not all."""

import streamlit as st

import llama_edu as le
from common import current, notice
from llama_edu.viz import kvcache as viz

st.title("The KV cache")
cur = current()
if cur is None:
    st.stop()

st.markdown(
    "A model generates text one token at a time, and every new token attends to all earlier ones. Without a cache, "
    "each step runs the *whole* sequence through the model again, only to use the last position's output. But the "
    "keys and values of earlier tokens never change (the mask stops them from seeing later tokens), so they can be "
    "stored: each step then computes q, k, v for the **new token only** and reads the rest from the cache.")
st.markdown(
    "The price is memory: every layer keeps a key and a value vector of width `head_dim` for each KV head and each "
    "token. Grouped-query attention (Ainslie et al., 2023; Llama 2 70B and all of Llama 3) shares one key/value "
    "head among several query heads, which divides this memory by `n_heads / n_kv_heads`.")
st.latex(r"\text{bytes} = 2_{(K,V)} \cdot n_\text{layers} \cdot n_\text{kv\_heads} \cdot \text{head\_dim} \cdot "
         r"\text{seq\_len} \cdot \text{batch} \cdot \text{bytes\_per\_value}")

st.header("1. How much memory?")
c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
names = c1.multiselect("Models", list(le.PRESETS), default=["llama-2-7b", "llama-2-70b", "llama-3-8b", "tiny"],
                       key="kv_presets")
batch = int(c2.number_input("Batch", 1, 1024, 1, key="kv_batch"))
seq_len = int(c3.number_input("Context (tokens)", 1, 1 << 20, 4096, step=1024, key="kv_seq_len"))
dtype = c4.selectbox("dtype", list(viz.CALCULATOR_DTYPES), key="kv_dtype")
mha = st.toggle("Pretend every model used MHA (one K and V head per query head)", key="kv_mha")
bytes_per_value = viz.CALCULATOR_DTYPES[dtype]
configs = {n: viz.as_mha(le.PRESETS[n]) if mha else le.PRESETS[n] for n in names}
if configs:
    st.dataframe(viz.memory_rows(configs, seq_len, batch, bytes_per_value), hide_index=True, width="stretch")
    st.plotly_chart(viz.memory_vs_context_figure(configs, batch, bytes_per_value), width="stretch")
else:
    st.info("Pick at least one model.")

st.header("2. A number from a course slide: 40,960 GiB?")
p70 = le.PRESETS["llama-2-70b"]
slide = viz.slide_formula_bytes(64, p70.n_layers, p70.n_heads, p70.dim, 4096, 2)
per_width, per_sharing = viz.slide_overcount(p70)
correct_64, correct_1 = le.kv_cache_bytes(p70, 4096, 64, 2), le.kv_cache_bytes(p70, 4096, 1, 2)
mha_1 = le.kv_cache_bytes(viz.as_mha(p70), 4096, 1, 2)
st.markdown("A German course deck computes the KV cache of Llama-2-70B (batch 64, 4,096 tokens, bfloat16) as "
            "*batch · layers · heads · embedded dim · context length · 2 (key and value) · 2 bytes*:")
st.latex(rf"64 \cdot {p70.n_layers} \cdot {p70.n_heads} \cdot {p70.dim:,} \cdot 4{{,}}096 \cdot 2 \cdot 2 "
         rf"= {slide:,}\ \text{{bytes}} = {slide / viz.GIB:,.0f}\ \text{{GiB}}")
st.markdown(
    f"The arithmetic is right; the formula is not. Per layer and token, one key takes `n_kv_heads · head_dim` "
    f"values, and the slide uses `heads · embedded dim` = {p70.n_heads} · {p70.dim:,} instead of "
    f"{p70.n_kv_heads} · {p70.head_dim}. Two mistakes multiply:\n"
    f"1. **A whole model width per head.** Each head stores a vector of `head_dim` = {p70.dim:,} / {p70.n_heads} = "
    f"{p70.head_dim} numbers, not {p70.dim:,}: over all heads, heads · head_dim *is* the model width. "
    f"This counts everything **{per_width}×** (= n_heads).\n"
    f"2. **Query heads instead of KV heads.** Llama-2-70B uses grouped-query attention with {p70.n_kv_heads} KV heads "
    f"for {p70.n_heads} query heads; only those {p70.n_kv_heads} are cached: another **{per_sharing}×**.\n\n"
    f"Together {per_width} · {per_sharing} = {per_width * per_sharing}×, and {slide / viz.GIB:,.0f} GiB / "
    f"{per_width * per_sharing} = **{correct_64 / viz.GIB:,.0f} GiB** for the batch of 64. "
    f"(Also, fine-tuning processes whole sequences at once and keeps no KV cache; the cache is for generating.)")
st.latex(rf"2 \cdot {p70.n_layers} \cdot {p70.n_kv_heads} \cdot {p70.head_dim} \cdot 4{{,}}096 \cdot 2\ \text{{bytes}}"
         rf" = {correct_1:,}\ \text{{bytes}} = {correct_1 / viz.GIB:.2f}\ \text{{GiB per sequence}}")
st.markdown(f"With MHA (64 KV heads) it would be {mha_1 / viz.GIB:.0f} GiB per sequence: GQA saves a factor "
            f"{per_sharing}.")

st.header("3. Live: generating with and without the cache")
cfg = cur.model.cfg
room = cfg.max_seq_len - len(cur.ids)
if room < 1:
    st.warning("The prompt fills the model's whole context: shorten it to generate.")
else:
    c1, c2 = st.columns(2)
    n_new = c1.slider("Tokens to generate (greedy)", 1, min(40, room), min(20, room), key="kv_n_new")
    long_len = min(cfg.max_seq_len - n_new, 160)
    longer = c2.toggle(f"Start from a longer context: the prompt repeated to {long_len} tokens",
                       key="kv_longer", disabled=long_len <= len(cur.ids),
                       help="A small model on a CPU spends most of a short step on fixed overhead; with more "
                            "tokens the cost of recomputing them all shows.")
    prompt_ids = viz.repeat_to_length(cur.ids, long_len) if longer and long_len > len(cur.ids) else cur.ids
    run_key = (cur.model_key, tuple(prompt_ids), n_new)
    if st.button("Generate and time both", key="kv_run", type="primary"):
        with st.spinner("Generating twice, step by step..."):
            st.session_state["kv_demo"] = (run_key, viz.compare_decoding(cur.model, prompt_ids, n_new))
    demo = st.session_state.get("kv_demo")
    if demo is None or demo[0] != run_key:
        st.caption(f"Press the button: the model generates {n_new} tokens after {len(prompt_ids)} prompt tokens, "
                   "once with its KV cache and once without, timing every step.")
    else:
        with_cache, without_cache = demo[1]
        same = with_cache.tokens == without_cache.tokens
        st.plotly_chart(viz.decode_timing_figure(with_cache, without_cache), width="stretch")
        if cur.model.device.type == "cuda":
            st.caption("On a GPU a model this small is limited by launching its many small kernels, not by arithmetic: "
                       "both curves stay flat. The cache pays off once the recomputed work is large: big models, "
                       "long contexts.")
        (st.success if same else st.error)(
            f"Same tokens with and without the cache: **{same}**. Generated: "
            f"“{cur.tok.decode(with_cache.tokens)}”. Sum of the steps: {sum(with_cache.ms):.0f} ms with the "
            f"cache, {sum(without_cache.ms):.0f} ms without.")
        element = cur.model.dtype.itemsize
        t = with_cache.cache_shapes[-1][2]
        st.markdown(f"The cache after the last step holds {t} positions: `cache.nbytes()` = "
                    f"{with_cache.cache_bytes[-1]:,} bytes = `kv_cache_bytes(cfg, {t}, 1, {element})` = "
                    f"{le.kv_cache_bytes(cfg, t, 1, element):,}.")
        with st.expander("The cache growing, step by step (layer 0's keys; every layer's are the same size)"):
            st.dataframe(viz.cache_growth_rows(with_cache), hide_index=True, width="stretch")

notice("Grouped-query attention divides the cache by n_heads / n_kv_heads: compare Llama-2-70B with the MHA toggle. "
       "In the live run step 0 processes the whole prompt in both cases; after that the cached path runs one "
       "position per step while the uncached one runs them all, so its time grows with the sequence (clearest "
       "with the longer context). Each point is the fastest of two runs; on a busy CPU single steps still spike.")
