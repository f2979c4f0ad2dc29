"""KV-cache elements: the memory calculator and chart (arithmetic on the presets' configs), the seed slide's
40,960 GiB reproduced and corrected, and the real model generating with and without its cache."""

import streamlit as st

import llama_edu as le
from elements import element
from llama_edu.viz import kvcache as viz

DEFAULT_PRESETS = ["llama-2-7b", "llama-2-70b", "llama-3-8b", "tiny"]


def _chosen_configs(names: list[str], mha: bool) -> dict[str, le.ModelConfig]:
    return {n: viz.as_mha(le.PRESETS[n]) if mha else le.PRESETS[n] for n in names}


def _mha_toggle(key: str) -> bool:
    return st.toggle("Pretend every model used MHA (one K and V head per query head)", key=f"{key}_mha")


@element("kv_calculator")
def kv_calculator(cur, key: str) -> None:
    """The formula filled in for each chosen preset, batch, context length and dtype: kv_cache_bytes per row."""
    c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
    names = c1.multiselect("Models", list(le.PRESETS), default=DEFAULT_PRESETS, key=f"{key}_presets")
    batch = int(c2.number_input("Batch", 1, 1024, 1, key=f"{key}_batch"))
    seq_len = int(c3.number_input("Context (tokens)", 1, 1 << 20, 4096, step=1024, key=f"{key}_seq_len"))
    dtype = c4.selectbox("dtype", list(viz.CALCULATOR_DTYPES), key=f"{key}_dtype")
    configs = _chosen_configs(names, _mha_toggle(key))
    if not configs:
        st.info("Pick at least one model.")
        return
    st.dataframe(viz.memory_rows(configs, seq_len, batch, viz.CALCULATOR_DTYPES[dtype]), hide_index=True,
                 width="stretch", key=f"{key}_table")


@element("kv_memory_chart")
def kv_memory_chart(cur, key: str) -> None:
    """KV-cache memory against context length, each chosen preset up to its own maximum context."""
    c1, c2, c3 = st.columns([4, 1, 1])
    names = c1.multiselect("Models", list(le.PRESETS), default=DEFAULT_PRESETS, key=f"{key}_presets")
    batch = int(c2.number_input("Batch", 1, 1024, 1, key=f"{key}_batch"))
    dtype = c3.selectbox("dtype", list(viz.CALCULATOR_DTYPES), key=f"{key}_dtype")
    configs = _chosen_configs(names, _mha_toggle(key))
    if not configs:
        st.info("Pick at least one model.")
        return
    st.plotly_chart(viz.memory_vs_context_figure(configs, batch, viz.CALCULATOR_DTYPES[dtype]), width="stretch",
                    key=f"{key}_chart")
    st.caption("Both axes are logarithmic: a straight line of slope 1 means memory doubles when the context does.")


@element("kv_wrong_figure")
def kv_wrong_figure(cur, key: str) -> None:
    """The slide's formula for Llama-2-70B (batch 64, 4,096 tokens, bfloat16), its two mistakes, the right value."""
    p70 = le.PRESETS["llama-2-70b"]
    fix = viz.slide_correction(p70, batch=64, context=4096, bytes_per_value=2)
    overcount = fix.per_width * fix.per_sharing
    st.markdown("A course slide computes the KV cache of Llama-2-70B (batch 64, 4,096 tokens, bfloat16) as "
                "*batch · layers · heads · embedded dim · context length · 2 (key and value) · 2 bytes*:")
    st.latex(rf"64 \cdot {p70.n_layers} \cdot {p70.n_heads} \cdot {p70.dim:,} \cdot 4{{,}}096 \cdot 2 \cdot 2 "
             rf"= {fix.slide_bytes:,}\ \text{{bytes}} = {fix.slide_bytes / viz.GIB:,.0f}\ \text{{GiB}}")
    st.markdown(
        f"The arithmetic is right; the formula is not. Per layer and token, one key takes `n_kv_heads · head_dim` "
        f"values, and the slide uses `heads · embedded dim` = {p70.n_heads} · {p70.dim:,} instead of "
        f"{p70.n_kv_heads} · {p70.head_dim}. Two mistakes multiply:\n"
        f"1. **A whole model width per head.** Each head stores a vector of `head_dim` = {p70.dim:,} / "
        f"{p70.n_heads} = {p70.head_dim} numbers, not {p70.dim:,}: over all heads, heads · head_dim *is* the model "
        f"width. This counts everything **{fix.per_width}×** (= n_heads).\n"
        f"2. **Query heads instead of KV heads.** Llama-2-70B uses grouped-query attention with {p70.n_kv_heads} KV "
        f"heads for {p70.n_heads} query heads; only those {p70.n_kv_heads} are cached: another "
        f"**{fix.per_sharing}×**.\n\n"
        f"Together {fix.per_width} · {fix.per_sharing} = {overcount}×, and {fix.slide_bytes / viz.GIB:,.0f} GiB / "
        f"{overcount} = **{fix.correct_batch_bytes / viz.GIB:,.0f} GiB** for the batch of 64. "
        f"(Also, fine-tuning processes whole sequences at once and keeps no KV cache; the cache is for generating.)")
    st.latex(rf"2 \cdot {p70.n_layers} \cdot {p70.n_kv_heads} \cdot {p70.head_dim} \cdot 4{{,}}096 \cdot 2\ "
             rf"\text{{bytes}} = {fix.correct_one_bytes:,}\ \text{{bytes}} = "
             rf"{fix.correct_one_bytes / viz.GIB:.2f}\ \text{{GiB per sequence}}")
    st.caption(f"With MHA ({p70.n_heads} KV heads) it would be {fix.mha_one_bytes / viz.GIB:.0f} GiB per sequence: "
               f"GQA saves a factor {fix.per_sharing}.")


@element("kv_live_demo")
def kv_live_demo(cur, key: str) -> None:
    """Greedy generation with and without the cache, every step timed; the cache's shape after each step."""
    model, cfg = cur.model, cur.model.cfg
    room = cfg.max_seq_len - len(cur.ids)
    if room < 1:
        st.warning("The prompt fills the model's whole context: shorten it to generate.")
        return
    c1, c2 = st.columns(2)
    n_new = c1.slider("Tokens to generate (greedy)", 1, min(40, room), min(20, room), key=f"{key}_n_new")
    long_len = min(cfg.max_seq_len - n_new, 160)
    longer = c2.toggle(f"Start from a longer context: the prompt repeated to {long_len} tokens",
                       key=f"{key}_longer", disabled=long_len <= len(cur.ids),
                       help="A small model on a CPU spends most of a short step on fixed overhead; with more "
                            "tokens the cost of recomputing them all shows.")
    prompt_ids = viz.repeat_to_length(cur.ids, long_len) if longer and long_len > len(cur.ids) else cur.ids
    run_key = (cur.model_key, tuple(prompt_ids), n_new)  # a stored result is shown only for these inputs
    if st.button("Generate and time both", key=f"{key}_run", type="primary"):
        with st.spinner("Generating twice, step by step..."):
            st.session_state[f"{key}_demo"] = (run_key, viz.compare_decoding(model, prompt_ids, n_new))
    demo = st.session_state.get(f"{key}_demo")
    if demo is None or demo[0] != run_key:
        st.caption(f"Press the button: the model generates {n_new} tokens after {len(prompt_ids)} prompt tokens, "
                   "once with its KV cache and once without, timing every step.")
        return
    with_cache, without_cache = demo[1]
    same = with_cache.tokens == without_cache.tokens
    st.plotly_chart(viz.decode_timing_figure(with_cache, without_cache), width="stretch", key=f"{key}_timing")
    if model.device.type == "cuda":
        st.caption("On a GPU a model this small is limited by launching its many small kernels, not by arithmetic: "
                   "both curves stay flat. The cache pays off once the recomputed work is large: big models, "
                   "long contexts.")
    (st.success if same else st.error)(
        f"Same tokens with and without the cache: **{same}**. Generated: “{cur.tok.decode(with_cache.tokens)}”. "
        f"Sum of the steps: {sum(with_cache.ms):.0f} ms with the cache, {sum(without_cache.ms):.0f} ms without.")
    value_bytes, t = model.dtype.itemsize, with_cache.cache_shapes[-1][2]
    st.markdown(f"The cache after the last step holds {t} positions: `cache.nbytes()` = "
                f"{with_cache.cache_bytes[-1]:,} bytes = `kv_cache_bytes(cfg, {t}, 1, {value_bytes})` = "
                f"{le.kv_cache_bytes(cfg, t, 1, value_bytes):,}.")
    with st.expander("The cache growing, step by step (layer 0's keys; every layer's are the same size)"):
        st.dataframe(viz.cache_growth_rows(with_cache), hide_index=True, width="stretch", key=f"{key}_growth")
