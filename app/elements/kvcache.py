"""KV-cache elements: the memory calculator and chart (arithmetic on the presets' configs), the seed slide's
40,960 GiB reproduced and corrected, and the real model generating with and without its cache."""

import streamlit as st
import torch

import llama_edu as le
from app.common import formula_number, lang, say, show_figure, table
from app.elements import element
from llama_edu import kvcache
from llama_edu.viz import kvcache as viz

DEFAULT_PRESETS = ["llama-2-7b", "llama-2-70b", "llama-3-8b", "tiny"]


def _chosen_configs(names: list[str], mha: bool) -> dict[str, le.ModelConfig]:
    return {n: kvcache.as_mha(le.PRESETS[n]) if mha else le.PRESETS[n] for n in names}


def _mha_toggle(key: str) -> bool:
    return st.toggle(say("app.kvcache.mha_toggle"), key=f"{key}_mha")


@element("kv_calculator")
def kv_calculator(cur, key: str) -> None:
    """The formula filled in for each chosen preset, batch, context length and dtype: kv_cache_bytes per row."""
    c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
    names = c1.multiselect(say("app.kvcache.models"), list(le.PRESETS), default=DEFAULT_PRESETS, key=f"{key}_presets")
    batch = int(c2.number_input(say("app.kvcache.batch"), 1, 1024, 1, key=f"{key}_batch"))
    seq_len = int(c3.number_input(say("app.kvcache.context"), 1, 1 << 20, 4096, step=1024, key=f"{key}_seq_len"))
    dtype = c4.selectbox(say("app.kvcache.dtype"), list(viz.CALCULATOR_DTYPES), key=f"{key}_dtype")
    configs = _chosen_configs(names, _mha_toggle(key))
    if not configs:
        st.info(say("app.kvcache.pick_model"))
        return
    rows = viz.memory_rows(configs, seq_len, batch, viz.CALCULATOR_DTYPES[dtype], lang=lang())
    table(rows, hide_index=True, width="stretch", key=f"{key}_table")


@element("kv_memory_chart")
def kv_memory_chart(cur, key: str) -> None:
    """KV-cache memory against context length, each chosen preset up to its own maximum context."""
    c1, c2, c3 = st.columns([4, 1, 1])
    names = c1.multiselect(say("app.kvcache.models"), list(le.PRESETS), default=DEFAULT_PRESETS, key=f"{key}_presets")
    batch = int(c2.number_input(say("app.kvcache.batch"), 1, 1024, 1, key=f"{key}_batch"))
    dtype = c3.selectbox(say("app.kvcache.dtype"), list(viz.CALCULATOR_DTYPES), key=f"{key}_dtype")
    configs = _chosen_configs(names, _mha_toggle(key))
    if not configs:
        st.info(say("app.kvcache.pick_model"))
        return
    show_figure(viz.memory_vs_context_figure(configs, batch, viz.CALCULATOR_DTYPES[dtype], lang=lang()),
                key=f"{key}_chart")
    st.caption(say("app.kvcache.log_axes"))


@element("kv_wrong_figure")
def kv_wrong_figure(cur, key: str) -> None:
    """The slide's formula for Llama-2-70B (batch 64, 4,096 tokens, bfloat16), its two mistakes, the right value."""
    p70 = le.PRESETS["llama-2-70b"]
    fix = kvcache.slide_correction(p70, batch=64, context=4096, bytes_per_value=2)
    overcount = fix.per_width * fix.per_sharing
    st.markdown(say("app.kvcache.slide_intro"))
    # Formulas are code, but their numbers and the words inside \text{} follow the language.
    n, unit = formula_number, say("app.kvcache.formula_bytes")
    st.latex(rf"64 \cdot {p70.n_layers} \cdot {p70.n_heads} \cdot {n(p70.dim)} \cdot {n(4096)} \cdot 2 \cdot 2 "
             rf"= {n(fix.slide_bytes)}\ \text{{{unit}}} = {n(fix.slide_bytes / kvcache.GIB, ',.0f')}\ \text{{GiB}}")
    st.markdown(say("app.kvcache.slide_mistakes", n_heads=p70.n_heads, n_kv_heads=p70.n_kv_heads, dim=p70.dim,
                   head_dim=p70.head_dim, per_width=fix.per_width, per_sharing=fix.per_sharing, overcount=overcount,
                   slide_gib=fix.slide_bytes / kvcache.GIB, correct_gib=fix.correct_batch_bytes / kvcache.GIB))
    st.latex(rf"2 \cdot {p70.n_layers} \cdot {p70.n_kv_heads} \cdot {p70.head_dim} \cdot {n(4096)} \cdot 2\ "
             rf"\text{{{unit}}} = {n(fix.correct_one_bytes)}\ \text{{{unit}}} = "
             rf"{n(fix.correct_one_bytes / kvcache.GIB, '.2f')}\ \text{{{say('app.kvcache.formula_gib_per_sequence')}}}")
    st.caption(say("app.kvcache.mha_caption", n_heads=p70.n_heads, mha_gib=fix.mha_one_bytes / kvcache.GIB,
                  factor=fix.per_sharing))


@element("kv_live_demo")
def kv_live_demo(cur, key: str) -> None:
    """Greedy generation with and without the cache: every step timed (median of a few tries, with their spread)
    and its work counted (positions, multiply-adds); the cache's shape after each step."""
    model, cfg = cur.model, cur.model.cfg
    # Every step runs plan.tries passes of each path: on the tiny model 8 new tokens took 4.2 s on 2 busy cores
    # (load 6), 16 twice that; a large model on a CPU runs a shorter demo, once per step.
    plan = kvcache.demo_plan(cfg, model.device.type)
    most_new = min(plan.most_new, plan.max_context - 2)  # and at least 2 prompt tokens
    if most_new < 2:
        st.warning(say("app.kvcache.prompt_fills_context"))
        return
    if plan.bounded:
        st.info(say("app.kvcache.bounded_demo", params=le.count_parameters(cfg) / 1e9, context=plan.max_context))
    c1, c2 = st.columns(2)
    n_new = c1.slider(say("app.kvcache.n_new"), 2, most_new, min(8, most_new), key=f"{key}_n_new")
    long_len = kvcache.demo_prompt_length(cfg, n_new, plan.max_context)
    can_lengthen = long_len > len(cur.ids)
    longer = c2.toggle(say("app.kvcache.longer", long_len=long_len), value=True, key=f"{key}_longer",
                       disabled=not can_lengthen, help=say("app.kvcache.longer_help"))
    # repeated up to long_len, or a prompt longer than that cut to it: the demo's sequence ends at long_len + n_new
    prompt_ids = kvcache.repeat_to_length(cur.ids, long_len, cur.tok.bos_count) if longer or not can_lengthen else cur.ids
    run_key = (cur.model_key, tuple(prompt_ids), n_new)  # a stored result is shown only for these inputs
    if st.button(say("app.kvcache.run"), key=f"{key}_run", type="primary"):
        ahead = cur.served.demos.waiting
        waiting = st.info(say("app.kvcache.demos_ahead", n=ahead)) if ahead else None
        # The whole demo is this session's one job; one demo at a time, so the others' page visits wait behind one
        # try of one demo, not behind ten demos'.
        with cur.job(), cur.served.demos.take():
            if waiting is not None:
                waiting.empty()
            progress = st.progress(0.0, text=say("app.kvcache.generating"))
            # One try of both paths per turn in the model's queue (each_try): others' page runs go between them.
            steps, done = kvcache.decode_steps(model, prompt_ids, n_new, plan.tries, each_try=True), 0
            while done < n_new:
                with cur.served.turns.take():
                    step = next(steps)
                if step is not None:
                    runs, done = step, done + 1
                    progress.progress(done / n_new, text=say("app.kvcache.generating"))
            progress.empty()
        st.session_state[f"{key}_demo"] = (run_key, runs)
    demo = st.session_state.get(f"{key}_demo")
    if demo is None or demo[0] != run_key:
        st.caption(say("app.kvcache.press_button", n_new=n_new, n_prompt=len(prompt_ids), tries=plan.tries))
        return
    with_cache, without_cache = demo[1]
    show_figure(viz.decode_timing_figure(with_cache, without_cache, lang=lang()), key=f"{key}_timing")
    st.caption(say("app.kvcache.gpu_note" if model.device.type == "cuda" else "app.kvcache.timing_caption",
                   tries=len(with_cache.tries_ms[0])))
    fast, slow = with_cache.per_token(), without_cache.per_token()
    st.markdown(say("app.kvcache.verdict", seq=without_cache.seq_len[-1], with_ms=fast.median, without_ms=slow.median,
                    steps=len(with_cache.ms) - 1, speedup=kvcache.decode_speedup(with_cache, without_cache),
                    positions=without_cache.tokens_processed[-1],
                    work=without_cache.multiply_adds[-1] / with_cache.multiply_adds[-1]))
    table(viz.decode_work_rows(with_cache, without_cache, lang=lang()), hide_index=True, key=f"{key}_work")
    same = with_cache.tokens == without_cache.tokens
    low_precision = model.dtype in (torch.bfloat16, torch.float16)
    (st.success if same else st.warning if low_precision else st.error)(
        say("app.kvcache.same_tokens", same=say("app.kvcache.true" if same else "app.kvcache.false"),
           text=cur.tok.decode(with_cache.tokens)))
    if not same and low_precision:
        # Measured on a 7B-shaped bfloat16 model with random weights, whose top logits lie close together: the two
        # paths add the same numbers in a different order, and 8-bit mantissas round the sums apart.
        first = next(i for i, (a, b) in enumerate(zip(with_cache.tokens, without_cache.tokens)) if a != b)
        st.caption(say("app.kvcache.rounding_differs", dtype=str(model.dtype).removeprefix("torch."), step=first + 1))
    value_bytes, t = model.dtype.itemsize, with_cache.cache_shapes[-1][2]
    st.markdown(say("app.kvcache.cache_bytes", t=t, nbytes=with_cache.cache_bytes[-1], value_bytes=value_bytes,
                   formula_bytes=le.kv_cache_bytes(cfg, t, 1, value_bytes)))
    with st.expander(say("app.kvcache.growth_expander")):
        table(viz.cache_growth_rows(with_cache), hide_index=True, width="stretch", key=f"{key}_growth")
