"""Overview: the whole model, its parameter budget, and how LLaMA changed from version 1 to 3."""

import streamlit as st

import llama_edu as le
from common import current, notice
from llama_edu.viz import overview

st.title("LLaMA, from the inside")
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg

st.markdown(
    "LLaMA is a **decoder-only transformer**: it reads tokens left to right and, at every position, predicts the "
    "next token. Each of its layers does two things to a running vector per token, the *residual stream*: "
    "**attention** mixes in information from earlier tokens, and the **feed-forward** network transforms each token "
    "on its own. Both read a *normalised copy* of the stream (pre-normalisation with RMSNorm) and *add* their "
    "result back, so the stream itself flows straight from the embedding to the output.")

left, right = st.columns([3, 2])
with left:
    st.plotly_chart(overview.block_diagram(cfg), width="stretch")
with right:
    st.subheader("Where the parameters are")
    parts = le.parameter_breakdown(cfg)
    st.dataframe([{"component": k, "parameters": f"{v:,}", "share": f"{100 * v / sum(parts.values()):.1f}%"}
                  for k, v in parts.items()], hide_index=True, width="stretch")
    logits, _ = cur.capture()
    probs = logits[0, -1].float().softmax(-1)
    top = probs.topk(5)
    st.markdown(f"For your prompt (*{cur.prompt.text[:80]}*), the model's five most likely next tokens:")
    st.dataframe([{"token": cur.tok.pieces([int(i)])[0], "probability": f"{float(p):.3f}"}
                  for p, i in zip(top.values, top.indices)], hide_index=True, width="stretch")

st.subheader("The same blueprint at every size")
configs = {"this model": cfg} | {name: le.PRESETS[name] for name in ("llama-7b", "llama-2-70b", "llama-3-8b",
                                                                    "llama-3.1-405b")}
st.plotly_chart(overview.parameter_shares(configs), width="stretch")

st.subheader("LLaMA 1 → 2 → 3")
st.markdown(
    "The architecture barely changed between releases; the data, the context and the attention sharing did. "
    "Llama 2 doubled the context to 4,096 tokens and trained on 2T tokens; its 70B model introduced grouped-query "
    "attention (8 KV heads for 64 query heads). Llama 3 uses GQA at every size, a 128,256-token vocabulary, a RoPE "
    "base of 500,000 instead of 10,000, and more than 15T training tokens; Llama 3.1 stretches the context to 128k.")
st.dataframe(overview.family_rows(), hide_index=True, width="stretch")


def share(name: str, component: str) -> str:
    parts = le.parameter_breakdown(le.PRESETS[name])
    return f"{100 * parts[component] / sum(parts.values()):.0f}%"


notice(f"In LLaMA-7B the feed-forward layers hold {share('llama-7b', 'feed_forward')} of the parameters and "
       f"attention {share('llama-7b', 'attention')}; grouped-query attention shrinks attention to "
       f"{share('llama-2-70b', 'attention')} in Llama-2-70B. In the tiny model the embedding and output matrices "
       "are a large share, because its vocabulary is large next to its width. Every number here is computed from "
       "`ModelConfig`; none is typed in.")
