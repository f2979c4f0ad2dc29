"""Elements of attention: the masks, where each head looks, one head's steps, bertviz, the sink, and ablation.

Each element draws from the student's prompt and the model's own hooks (`cur.capture()`, computed once per
prompt); every widget and chart key starts with the element's `key`.
"""

import streamlit as st

from elements import element
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
    layer = left.selectbox("Layer", range(cfg.n_layers), key=f"{key}_layer")
    head = right.selectbox("Head", range(cfg.n_heads), key=f"{key}_head",
                           format_func=lambda h: f"{h} (reads KV head {_kv_head(cur, h)})")
    return layer, head


@st.cache_data(max_entries=32, show_spinner=False)
def _bertviz_html(_cache, model_key: str, ids: tuple, pieces: tuple, n_layers: int, view: str) -> str:
    """The offline bertviz HTML for this prompt (cached: it is a few hundred kB to build)."""
    attentions = bertviz_offline.attentions_from_cache(_cache, n_layers)
    tokens = bertviz_offline.readable_tokens(list(pieces))
    if view == "head":
        return bertviz_offline.head_view_html(attentions, tokens)
    return bertviz_offline.model_view_html(attentions, tokens)


@st.cache_resource(max_entries=64, show_spinner=False)
def _ablated_logits(_model, model_key: str, ids: tuple, heads: tuple):
    """Last position's logits [V] with these heads silenced (cached per prompt and choice of heads)."""
    return interventions.ablate_heads(_model, list(ids), list(heads))[0, -1]


@element("causal_mask")
def causal_mask(cur, key: str) -> None:
    """The causal mask for the prompt's tokens, the very values the model adds to its scores."""
    T = len(cur.ids)
    labels = viz.token_labels(cur.pieces)
    st.plotly_chart(viz.causal_mask_figure(model_causal_mask(T, T), labels), width="stretch", key=f"{key}_mask")
    st.caption("Row i is the token looking, column j the token looked at. Adding 0 leaves a score as it was; "
               "adding −∞ makes it −∞, and softmax turns e^−∞ into a weight of exactly 0.")


@element("mask_comparison")
def mask_comparison(cur, key: str) -> None:
    """Decoder-only (causal), encoder-only (bidirectional) and encoder-decoder masks on the prompt's tokens."""
    st.plotly_chart(viz.mask_comparison_figure(viz.token_labels(cur.pieces)), width="stretch",
                    key=f"{key}_masks")
    st.caption("The T5 panel feeds the same tokens to the encoder (enc) and the decoder (dec). In a real "
               "encoder-decoder, self-attention and cross-attention are separate sublayers; one matrix shows who "
               "can read whom. LLaMA has only the left panel.")


@element("attention_heatmap")
def attention_heatmap(cur, key: str) -> None:
    """One head's hook_pattern as a heatmap (future greyed out), and every head of the layer in an expander."""
    cfg = cur.model.cfg
    _, cache = cur.capture()
    labels = viz.token_labels(cur.pieces)
    layer, head = _layer_and_head(cur, key)
    pattern = cache[f"layers.{layer}.attention.hook_pattern"][0]  # [H, T, T]
    st.plotly_chart(viz.pattern_heatmap(pattern[head], labels, f"layer {layer}, head {head}: each row sums to 1"),
                    width="stretch", key=f"{key}_pattern")
    with st.expander(f"All {cfg.n_heads} heads of layer {layer}", expanded=False, key=f"{key}_all_heads"):
        st.plotly_chart(viz.heads_grid(pattern, labels, cfg.n_kv_heads), width="stretch", key=f"{key}_grid")


@element("attention_steps")
def attention_steps(cur, key: str) -> None:
    """q·k, ÷ √hd, + mask, softmax for one head, recomputed from hook_q_rot and hook_k_rot."""
    _, cache = cur.capture()
    layer, head = _layer_and_head(cur, key)
    steps = interventions.attention_steps(cache[f"layers.{layer}.attention.hook_q_rot"][0],
                                          cache[f"layers.{layer}.attention.hook_k_rot"][0], head)
    st.caption(f"From `hook_q_rot` (query head {head}) and `hook_k_rot` (KV head {_kv_head(cur, head)}) of layer "
               f"{layer}. Step 3 is what the model records in `hook_scores`, step 4 is `hook_pattern`, the weights "
               "the attention heatmap draws.")
    st.plotly_chart(viz.steps_figure(steps, viz.token_labels(cur.pieces), cur.model.cfg.head_dim), width="stretch",
                    key=f"{key}_steps")


@element("bertviz_head_view")
def bertviz_head_view(cur, key: str) -> None:
    """bertviz's head view of every layer's hook_pattern, offline; the model view in a second tab."""
    cfg = cur.model.cfg
    _, cache = cur.capture()
    n_tokens = len(cur.ids)
    args = (cur.model_key, tuple(cur.ids), tuple(cur.pieces), cfg.n_layers)
    st.caption("Lines join each token (left) to the tokens it attends to (right); darker means more weight. Head "
               "view: pick a layer, hover over a token, click the coloured squares to pick heads. Model view: "
               "click a thumbnail to enlarge it.")
    head_tab, model_tab = st.tabs(["head view", "model view"], key=f"{key}_views")
    with head_tab:
        st.iframe(_bertviz_html(cache, *args, "head"), height=bertviz_offline.head_view_height(n_tokens))
    with model_tab:
        st.iframe(_bertviz_html(cache, *args, "model"),
                  height=bertviz_offline.model_view_height(cfg.n_layers, cfg.n_heads, n_tokens))


@element("attention_sink")
def attention_sink(cur, key: str) -> None:
    """The share of each head's attention that lands on position 0, per layer and head."""
    n_tokens = len(cur.ids)
    if n_tokens < 2:
        st.caption("The sink needs at least two tokens: the first one can only look at itself.")
        return
    _, cache = cur.capture()
    share = interventions.first_token_share(cache, cur.model.cfg.n_layers)  # [n_layers, H]
    uniform = interventions.uniform_first_token_share(n_tokens)
    st.plotly_chart(viz.first_token_heatmap(share, uniform), width="stretch", key=f"{key}_sink")


@element("head_ablation")
def head_ablation(cur, key: str) -> None:
    """Zero one head (or a whole layer) in hook_z and compare the next-token prediction before and after."""
    cfg = cur.model.cfg
    logits, _ = cur.capture()
    layer, head = _layer_and_head(cur, key)
    whole_layer = st.toggle(f"Ablate all {cfg.n_heads} heads of layer {layer}", key=f"{key}_whole_layer")
    heads = tuple((layer, h) for h in range(cfg.n_heads)) if whole_layer else ((layer, head),)
    after = _ablated_logits(cur.model, cur.model_key, tuple(cur.ids), heads)  # [V]
    change = interventions.compare_next_token(logits[0, -1], after, k=8)
    st.caption(f"Zeroing {'these heads’' if whole_layer else 'this head’s'} slice of `hook_z` removes exactly "
               f"{'their' if whole_layer else 'its'} contribution to the output; everything else runs as before. "
               f"The prediction for the token after the last one moved by **{change.kl:.3f} bits** (KL divergence).")
    what = f"layer {layer}" if whole_layer else f"layer {layer}, head {head}"
    # A checkpoint may pad its output layer past the tokenizer's vocabulary: name such ids by number.
    names = [cur.tok.pieces([i])[0] if i < cur.tok.vocab_size else f"<id {i}>" for i in change.ids]
    st.plotly_chart(viz.ablation_bars(names, change.before, change.after,
                                      f"Next token, before and after ablating {what}"),
                    width="stretch", key=f"{key}_ablation")
