"""Elements of grouped-query attention: which KV head each query head reads, the keys they share, what the GQA
paper measured, and the KV cache it saves."""

import streamlit as st

import llama_edu as le
from app.common import clearest_group_layer, lang, notice, open_pickers, plain, say, show_figure, table, token_window
from app.elements import element
from llama_edu import interventions, kvcache
from llama_edu.viz import attention as viz
from llama_edu.viz.architectures import gqa_rows  # Ainslie et al. (2023), Table 1, as table rows

CONTEXT = kvcache.COMPARED_CONTEXT


def kv_cache_rows() -> list[dict]:
    """One row per compared release: its KV cache at CONTEXT tokens as MHA and as configured."""
    return kvcache.kv_cache_rows({name: le.PRESETS[name] for name in kvcache.COMPARED_RELEASES}, CONTEXT)


@element("gqa_diagram")
def gqa_diagram(cur, key: str) -> None:
    """Query heads joined to the KV head they read: this model as configured, then as MHA and as MQA."""
    cfg = cur.model.cfg
    heads = {"n_heads": cfg.n_heads, "n_kv_heads": cfg.n_kv_heads}
    variants = {plain("app.gqa.as_configured", kind=cfg.attention_kind, **heads): cfg.n_kv_heads}
    # MHA and MQA only where they differ from the model itself (an MHA model is not drawn twice).
    if cfg.n_heads != cfg.n_kv_heads:
        variants[plain("app.gqa.as_mha", n_heads=cfg.n_heads)] = cfg.n_heads
    if cfg.n_kv_heads != 1:
        variants[plain("app.gqa.as_mqa", n_heads=cfg.n_heads)] = 1
    show_figure(viz.gqa_diagram(cfg.n_heads, variants, lang=lang()), key=f"{key}_diagram")


# The keys and patterns are drawn for at most this many query heads at once, in whole KV groups (the tiny model's
# 8 heads in 2 groups fit whole; Llama 3 8B shows 2 of its 8 groups, Llama 2 7B 8 of its 32 heads).
HEADS_SHOWN = 8


def _shown_groups(cfg, key: str) -> range:
    """The KV heads whose keys and query heads' patterns are drawn: all, or a block picked with a slider."""
    n_rep = cfg.n_heads // cfg.n_kv_heads
    per_block = max(1, HEADS_SHOWN // n_rep)
    if cfg.n_kv_heads <= per_block:
        return range(cfg.n_kv_heads)
    first = st.slider(say("app.gqa.first_kv_head", n=per_block), 0, cfg.n_kv_heads - per_block, 0, step=per_block,
                      key=f"{key}_groups")
    return range(first, first + per_block)


@element("gqa_kv_heads")
def gqa_kv_heads(cur, key: str) -> None:
    """One layer's keys per KV head (hook_k_rot), its patterns grouped by KV head, and how alike the heads are."""
    cfg = cur.model.cfg
    _, cache = cur.capture(r"attention\.hook_(k_rot|pattern|z)$")
    labels = viz.token_labels(cur.pieces)
    n_rep = cfg.n_heads // cfg.n_kv_heads
    # Opens on the layer where heads sharing a KV head look most alike against the other group's heads.
    open_pickers(key, (clearest_group_layer(cur), None), cfg.n_layers)
    layer = st.selectbox(say("app.common.layer"), range(cfg.n_layers), key=f"{key}_layer")
    w = token_window(cur, f"{key}_tokens")  # the same tokens in the keys and in the patterns below
    groups = _shown_groups(cfg, key)  # KV heads drawn; their query heads are `heads`
    heads = slice(groups.start * n_rep, groups.stop * n_rep)
    kv = slice(groups.start, groups.stop)
    k_rot = cache[f"layers.{layer}.attention.hook_k_rot"][0]  # [T, Hkv, hd]
    st.caption(say("app.gqa.keys_caption", layer=layer, n_heads=cfg.n_heads, n_kv_heads=cfg.n_kv_heads))
    show_figure(viz.keys_heatmaps(k_rot[w, kv], labels[w], first_group=groups.start, lang=lang()),
                key=f"{key}_keys")

    pattern = cache[f"layers.{layer}.attention.hook_pattern"][0]  # [H, T, T]
    st.caption(say("app.gqa.patterns_caption"))
    if w.start > 0:
        st.caption(say("app.common.window_earlier_keys", first=w.start))
    title = plain("app.gqa.grid_title_groups" if n_rep > 1 else "app.gqa.grid_title", layer=layer)
    show_figure(viz.heads_grid(pattern[heads, w, w], labels[w], len(groups), cols=n_rep, title=title,
                               first_head=heads.start, lang=lang()), key=f"{key}_grid")
    # Where the heads look (patterns), then what they read (outputs): sharing keys and values shows in the second.
    similarity = interventions.pattern_similarity(pattern)  # [H, H]
    within, across = interventions.within_and_across_groups(similarity, cfg.n_kv_heads)
    if within is not None and across is not None:
        st.caption(say("app.gqa.similarity_caption", within=within, across=across))
    show_figure(viz.similarity_heatmap(similarity, cfg.n_kv_heads, lang=lang()), key=f"{key}_similarity")
    outputs = interventions.output_similarity(cache[f"layers.{layer}.attention.hook_z"][0])  # [H, H]
    within, across = interventions.within_and_across_groups(outputs, cfg.n_kv_heads)
    if within is not None and across is not None:
        st.caption(say("app.gqa.output_similarity_caption", within=within, across=across))
    show_figure(viz.similarity_heatmap(outputs, cfg.n_kv_heads, plain("app.gqa.output_similarity_title", layer=layer),
                                       zmin=-1, lang=lang()), key=f"{key}_output_similarity")


@element("gqa_quality_table")
def gqa_quality_table(cur, key: str) -> None:
    """Ainslie et al. (2023), Table 1: speed and quality of T5-XXL as MHA, MQA and GQA-8, and MHA-Large."""
    st.caption(say("app.gqa.table_caption"))
    table(gqa_rows(), hide_index=True, key=f"{key}_table")
    show_figure(viz.gqa_quality_figure(lang=lang()), key=f"{key}_figure")


@element("gqa_memory_table")
def gqa_memory_table(cur, key: str) -> None:
    """KV cache of one 4,096-token sequence for Llama 2 and 3 releases: as MHA and as configured."""
    rows = kv_cache_rows()
    show_figure(viz.kv_cache_figure(rows, CONTEXT, lang=lang()), key=f"{key}_figure")
    table(rows, hide_index=True, key=f"{key}_table")


@element("gqa_notice")
def gqa_notice(cur, key: str) -> None:
    """The page's "what to notice": Llama 2 70B's KV cache as configured against the same model as MHA."""
    llama2_70b = next(r for r in kv_cache_rows() if r["model"] == "llama-2-70b")
    notice(say("app.gqa.notice", configured=llama2_70b["as_configured_gib"], mha=llama2_70b["as_mha_gib"]))
