"""Elements of attention: the masks, where each head looks, one head's steps, bertviz, the sink, and ablation.

Each element draws from the student's prompt and the model's own hooks (`cur.capture()`, computed once per
prompt); every widget and chart key starts with the element's `key`.
"""

import streamlit as st
import torch

from app.common import lang, say
from app.elements import element
from llama_edu import interventions
from llama_edu.model import causal_mask as model_causal_mask
from llama_edu.viz import attention as viz
from llama_edu.viz import bertviz_offline


def _kv_head(cur, head: int) -> int:
    return interventions.kv_head_of(head, cur.model.cfg.n_heads, cur.model.cfg.n_kv_heads)


def _layer_and_head(cur, key: str) -> tuple[int, int]:
    """Layer and head pickers, side by side (keys f"{key}_layer", f"{key}_head")."""
    cfg = cur.model.cfg
    left, right = st.columns(2)
    layer = left.selectbox(say("app.common.layer"), range(cfg.n_layers), key=f"{key}_layer")
    # Labels looked up now, not in format_func: AppTest formats the options outside the script run.
    heads = {h: say("app.attention.head_option", head=h, kv_head=_kv_head(cur, h)) for h in range(cfg.n_heads)}
    head = right.selectbox(say("app.common.head"), list(heads), key=f"{key}_head", format_func=heads.get)
    return layer, head


def _bertviz_html(cur, view: str) -> str:
    """The offline bertviz HTML of this prompt's patterns, in this session's language: a few hundred kB to build,
    so kept in the model's result cache under everything it depends on (the language too)."""
    def build() -> str:
        _, cache = cur.capture()
        attentions = bertviz_offline.attentions_from_cache(cache, cur.model.cfg.n_layers)
        tokens = bertviz_offline.readable_tokens(cur.pieces)
        show = bertviz_offline.head_view_html if view == "head" else bertviz_offline.model_view_html
        return show(attentions, tokens, lang=language)

    language = lang()
    return cur.cached("bertviz", view, language, compute=build)


def _ablated_logits(cur, heads: tuple) -> torch.Tensor:
    """Last position's logits [V] with these heads silenced (kept per prompt and choice of heads)."""
    return cur.cached("ablation", heads, compute=lambda: cur.run(
        interventions.ablate_heads, cur.model, cur.ids, list(heads))[0, -1])


@element("causal_mask")
def causal_mask(cur, key: str) -> None:
    """The causal mask for the prompt's tokens, the very values the model adds to its scores."""
    T = len(cur.ids)
    labels = viz.token_labels(cur.pieces)
    st.plotly_chart(viz.causal_mask_figure(model_causal_mask(T, T), labels, lang=lang()), width="stretch",
                    key=f"{key}_mask")
    st.caption(say("app.attention.mask_caption"))


@element("mask_comparison")
def mask_comparison(cur, key: str) -> None:
    """Decoder-only (causal), encoder-only (bidirectional) and encoder-decoder masks on the prompt's tokens."""
    st.plotly_chart(viz.mask_comparison_figure(viz.token_labels(cur.pieces), lang=lang()), width="stretch",
                    key=f"{key}_masks")
    st.caption(say("app.attention.masks_caption"))


@element("attention_heatmap")
def attention_heatmap(cur, key: str) -> None:
    """One head's hook_pattern as a heatmap (future greyed out), and every head of the layer in an expander."""
    cfg = cur.model.cfg
    _, cache = cur.capture()
    labels = viz.token_labels(cur.pieces)
    layer, head = _layer_and_head(cur, key)
    pattern = cache[f"layers.{layer}.attention.hook_pattern"][0]  # [H, T, T]
    title = say("app.attention.pattern_title", layer=layer, head=head)
    st.plotly_chart(viz.pattern_heatmap(pattern[head], labels, title, lang=lang()), width="stretch",
                    key=f"{key}_pattern")
    with st.expander(say("app.attention.all_heads", n_heads=cfg.n_heads, layer=layer), expanded=False,
                     key=f"{key}_all_heads"):
        st.plotly_chart(viz.heads_grid(pattern, labels, cfg.n_kv_heads, lang=lang()), width="stretch",
                        key=f"{key}_grid")


@element("attention_steps")
def attention_steps(cur, key: str) -> None:
    """q·k, ÷ √hd, + mask, softmax for one head, recomputed from hook_q_rot and hook_k_rot."""
    _, cache = cur.capture()
    layer, head = _layer_and_head(cur, key)
    steps = interventions.attention_steps(cache[f"layers.{layer}.attention.hook_q_rot"][0],
                                          cache[f"layers.{layer}.attention.hook_k_rot"][0], head)
    st.caption(say("app.attention.steps_caption", head=head, kv_head=_kv_head(cur, head), layer=layer))
    st.plotly_chart(viz.steps_figure(steps, viz.token_labels(cur.pieces), cur.model.cfg.head_dim, lang=lang()),
                    width="stretch", key=f"{key}_steps")


@element("bertviz_head_view")
def bertviz_head_view(cur, key: str) -> None:
    """bertviz's head view of every layer's hook_pattern, offline; the model view in a second tab."""
    cfg = cur.model.cfg
    n_tokens = len(cur.ids)
    st.caption(say("app.attention.bertviz_caption"))
    head_tab, model_tab = st.tabs([say("app.attention.head_view"), say("app.attention.model_view")], key=f"{key}_views")
    with head_tab:
        st.iframe(_bertviz_html(cur, "head"), height=bertviz_offline.head_view_height(n_tokens))
    with model_tab:
        st.iframe(_bertviz_html(cur, "model"),
                  height=bertviz_offline.model_view_height(cfg.n_layers, cfg.n_heads, n_tokens))


@element("attention_sink")
def attention_sink(cur, key: str) -> None:
    """The share of each head's attention that lands on position 0, per layer and head."""
    n_tokens = len(cur.ids)
    if n_tokens < 2:
        st.caption(say("app.attention.sink_too_short"))
        return
    _, cache = cur.capture()
    share = interventions.first_token_share(cache, cur.model.cfg.n_layers)  # [n_layers, H]
    uniform = interventions.uniform_first_token_share(n_tokens)
    st.plotly_chart(viz.first_token_heatmap(share, uniform, lang=lang()), width="stretch", key=f"{key}_sink")


@element("head_ablation")
def head_ablation(cur, key: str) -> None:
    """Zero one head (or a whole layer) in hook_z and compare the next-token prediction before and after."""
    cfg = cur.model.cfg
    logits, _ = cur.capture()
    layer, head = _layer_and_head(cur, key)
    whole_layer = st.toggle(say("app.attention.ablate_layer", n_heads=cfg.n_heads, layer=layer), key=f"{key}_whole_layer")
    heads = tuple((layer, h) for h in range(cfg.n_heads)) if whole_layer else ((layer, head),)
    after = _ablated_logits(cur, heads)  # [V]
    change = interventions.compare_next_token(logits[0, -1], after, k=8)
    st.caption(say("app.attention.ablation_caption_layer" if whole_layer else "app.attention.ablation_caption_head",
                  kl=change.kl))
    what = (say("app.attention.what_layer", layer=layer) if whole_layer
            else say("app.attention.what_head", layer=layer, head=head))
    # A checkpoint may pad its output layer past the tokenizer's vocabulary: name such ids by number.
    names = [cur.tok.pieces([i])[0] if i < cur.tok.vocab_size else f"<id {i}>" for i in change.ids]
    st.plotly_chart(viz.ablation_bars(names, change.before, change.after,
                                      say("app.attention.ablation_figure", what=what), lang=lang()),
                    width="stretch", key=f"{key}_ablation")
