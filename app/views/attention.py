"""Attention: where each token looks, one head's computation step by step, bertviz, the sink, and ablation."""

import streamlit as st
from common import current, notice

from llama_edu import interventions
from llama_edu.viz import attention as viz
from llama_edu.viz import bertviz_offline

cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg
logits, cache = cur.capture()
labels = viz.token_labels(cur.pieces)


def kv_head(h: int) -> int:
    return interventions.kv_head_of(h, cfg.n_heads, cfg.n_kv_heads)


@st.cache_data(max_entries=32, show_spinner=False)
def bertviz_page(_cache, model_key: str, ids: tuple, pieces: tuple, n_layers: int, view: str, layer: int) -> str:
    """The offline bertviz HTML for this prompt (cached: it is a few hundred kB to build)."""
    attentions = bertviz_offline.attentions_from_cache(_cache, n_layers)
    tokens = bertviz_offline.readable_tokens(list(pieces))
    if view == "head":
        return bertviz_offline.head_view_html(attentions, tokens, layer=layer)
    return bertviz_offline.model_view_html(attentions, tokens)


@st.cache_resource(max_entries=64, show_spinner=False)
def ablated_logits(_model, model_key: str, ids: tuple, heads: tuple):
    """Last position's logits [V] with these heads silenced (cached per prompt and choice of heads)."""
    return interventions.ablate_heads(_model, list(ids), list(heads))[0, -1]


st.title("Attention")
st.markdown("""
Attention is how a token collects information from the tokens before it. Every head turns each token's vector into
a **query** q (what this token is looking for), a **key** k (what it offers to others) and a **value** v (what it
hands over). The dot product of one token's query with every key gives a row of scores; softmax turns that row into
weights that are positive and sum to 1; the head's output for the token is the weighted average of the values.

LLaMA predicts the next token, so a token may look only at itself and at earlier tokens: the later ones do not
exist yet when it is generated. The **causal mask** adds −∞ to every score in the future, and softmax turns −∞ into
an exact 0. In the heatmaps those cells are grey: they never took part. q and k are rotated by RoPE first, and
with grouped-query attention several query heads share one key/value head.
""")
st.latex(r"\text{scores}_{ij} = \frac{\tilde q_{i,h}\cdot \tilde k_{j,g}}{\sqrt{d_h}} + M_{ij},\quad "
         r"M_{ij} = \begin{cases}0 & j \le i\\ -\infty & j > i\end{cases},\quad "
         r"g = \left\lfloor h \,/\, (H/H_{kv}) \right\rfloor")
st.latex(r"\text{pattern}_{ij} = \frac{e^{\text{scores}_{ij}}}{\sum_{j'} e^{\text{scores}_{ij'}}},\qquad "
         r"z_{i,h} = \sum_j \text{pattern}_{ij}\, v_{j,g},\qquad "
         r"\text{out}_i = W_o\,[z_{i,0}; \dots; z_{i,H-1}]")
st.caption(f"This model: H = {cfg.n_heads} query heads, H_kv = {cfg.n_kv_heads} key/value heads, "
           f"d_h = {cfg.head_dim}; q̃, k̃ are q, k after RoPE.")

left, right = st.columns(2)
layer = left.selectbox("Layer", range(cfg.n_layers), key="attn_layer")
head = right.selectbox("Head", range(cfg.n_heads), key="attn_head",
                       format_func=lambda h: f"{h} (reads KV head {kv_head(h)})")
pattern = cache[f"layers.{layer}.attention.hook_pattern"][0]  # [H, T, T]

st.subheader(f"Layer {layer}, head {head}: who looks at whom")
st.plotly_chart(viz.pattern_heatmap(pattern[head], labels, f"layer {layer}, head {head}: each row sums to 1"),
                key="attn_pattern")
with st.expander(f"All {cfg.n_heads} heads of layer {layer}", expanded=False):
    st.plotly_chart(viz.heads_grid(pattern, labels, cfg.n_kv_heads), key="attn_grid")

st.subheader("The steps, recomputed from the hooks")
steps = interventions.attention_steps(cache[f"layers.{layer}.attention.hook_q_rot"][0],
                                      cache[f"layers.{layer}.attention.hook_k_rot"][0], head)
st.markdown(f"From `hook_q_rot` (query head {head}) and `hook_k_rot` (KV head {kv_head(head)}). Step 3 is what "
            "the model records in `hook_scores`, step 4 is `hook_pattern`, the heatmap above.")
st.plotly_chart(viz.steps_figure(steps, labels, cfg.head_dim), key="attn_steps")

st.subheader("bertviz: every head at once")
st.markdown("Lines join each token (left) to the tokens it attends to (right); darker means more weight. In the "
            "head view, hover over a token and click the coloured squares to pick heads; in the model view, click a "
            "thumbnail to enlarge it.")
key_args = (cur.model_key, tuple(cur.ids), tuple(cur.pieces), cfg.n_layers)
head_tab, model_tab = st.tabs(["head view", "model view"])
with head_tab:
    st.iframe(bertviz_page(cache, *key_args, "head", layer), height=bertviz_offline.head_view_height(len(labels)))
with model_tab:
    st.iframe(bertviz_page(cache, *key_args, "model", 0),
              height=bertviz_offline.model_view_height(cfg.n_layers, cfg.n_heads, len(labels)))

st.subheader("The attention sink")
share = interventions.first_token_share(cache, cfg.n_layers)  # [n_layers, H]
uniform = interventions.uniform_first_token_share(len(labels))
st.markdown("""
Softmax weights are positive and always add up to 1, so a head cannot say "nothing here is relevant to me": the
weight has to land somewhere. Many trained heads park it on the first token, which every query can see. Xiao et al.
(2023, *Efficient Streaming Language Models with Attention Sinks*) named this the attention sink: the first tokens
get large weights even when their meaning is unimportant, and a model whose KV cache drops them falls apart, while
keeping the first four tokens' keys and values restores it.
""")
st.plotly_chart(viz.first_token_heatmap(share, uniform), key="attn_sink")

st.subheader("Switch a head off")
whole_layer = st.toggle(f"Ablate all {cfg.n_heads} heads of layer {layer}", key="attn_ablate_layer")
heads = tuple((layer, h) for h in range(cfg.n_heads)) if whole_layer else ((layer, head),)
after = ablated_logits(cur.model, cur.model_key, tuple(cur.ids), heads)
change = interventions.compare_next_token(logits[0, -1], after, k=8)
st.markdown(f"Zeroing {'these heads’' if whole_layer else 'this head’s'} slice of `hook_z` removes exactly "
            f"{'their' if whole_layer else 'its'} contribution to the output; everything else runs as before. "
            f"The prediction for the token after the last one moved by **{change.kl:.3f} bits** (KL divergence).")
what = f"layer {layer}" if whole_layer else f"layer {layer}, head {head}"
# A checkpoint may pad its output layer past the tokenizer's vocabulary: name such ids by number.
names = [cur.tok.pieces([i])[0] if i < cur.tok.vocab_size else f"<id {i}>" for i in change.ids]
st.plotly_chart(viz.ablation_bars(names, change.before, change.after,
                                  f"Next token, before and after ablating {what}"), key="attn_ablation")

notice("Look for heads whose rows are one bright cell just left of the diagonal (they read the previous token) and "
       f"heads that pour most of their weight into column 0 (sinks; even spreading would give {uniform:.0%} there). "
       "Then ablate a sink head and a head that looks at real words: which one moves the prediction more?")
