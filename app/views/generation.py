"""Generation: logits -> a distribution shaped by temperature, top-k, top-p -> one token; and the logit lens."""

import streamlit as st

import llama_edu as le
from common import current, notice
from llama_edu.logit_lens import logit_lens
from llama_edu.viz import generation as viz

st.title("Generation: from logits to the next token")
cur = current()
if cur is None:
    st.stop()
cfg, tok = cur.model.cfg, cur.tok
logits, hooks = cur.capture()  # [1, T, V] and every hook, cached for this prompt


def piece(token_id: int) -> str:
    return tok.pieces([token_id])[0]


st.markdown(
    "At every position the model outputs one score per vocabulary entry, the **logits**. Softmax turns the last "
    "position's logits into probabilities for the next token; generating text means drawing one token from them, "
    "appending it, and running the model again. Three knobs reshape the distribution before the draw: "
    "**temperature** divides the logits (below 1 sharpens, above 1 flattens, 0 means always take the top token), "
    "**top-k** keeps only the k most likely tokens, and **top-p** keeps the smallest set of top tokens whose "
    "probabilities reach p. The bars below are redrawn from stored logits: moving a slider never reruns the model.")
st.latex(r"p = \mathrm{softmax}\!\left(\frac{z}{T}\right) \text{ over the } k \text{ largest logits (the rest: } "
         r"-\infty\text{)}")
st.latex(r"\text{top-}p\text{: sort } p \text{ descending; keep } p_{(j)} \text{ while } \textstyle\sum_{r<j} p_{(r)} < p"
         r"\text{; renormalise what is kept}")

# The continuation belongs to this prompt and model: a new prompt starts a new one.
state = st.session_state
owner = (cur.model_key, tuple(cur.ids))
if state.get("gen_owner") != owner:
    state["gen_owner"], state["gen_new_ids"], state["gen_last_logits"] = owner, [], None

c1, c2, c3, c4 = st.columns(4)
temperature = c1.slider("Temperature", 0.0, 2.0, 1.0, 0.05, key="gen_temperature")
top_k = c2.slider("Top-k (0 = off)", 0, min(100, cfg.vocab_size), 0, key="gen_top_k") or None
top_p = c3.slider("Top-p (1 = off)", 0.05, 1.0, 1.0, 0.05, key="gen_top_p")
seed = int(c4.number_input("Seed", 0, 1_000_000, 0, key="gen_seed"))


def next_logits():
    """Logits [V] for the token after prompt + continuation: the stored capture, or the last click's run."""
    return logits[0, -1].float().cpu() if state["gen_last_logits"] is None else state["gen_last_logits"]


b1, b2, b3 = st.columns([1, 1, 4])
context_full = len(cur.ids) + len(state["gen_new_ids"]) >= cfg.max_seq_len
if b1.button("Next token", key="gen_next", type="primary", disabled=context_full):
    probs = le.next_token_probs(next_logits(), temperature, top_k, top_p)
    state["gen_new_ids"] = state["gen_new_ids"] + [viz.sample_with_seed(probs, seed + len(state["gen_new_ids"]))]
    state["gen_last_logits"] = viz.last_position_logits(cur.model, cur.ids + state["gen_new_ids"])
if b2.button("Reset", key="gen_reset"):
    state["gen_new_ids"], state["gen_last_logits"] = [], None
if context_full:
    b3.caption(f"The model's context ({cfg.max_seq_len} tokens) is full.")

new_ids = state["gen_new_ids"]
st.markdown(viz.continuation_html(cur.prompt.text, tok.pieces(new_ids)), unsafe_allow_html=True)
st.caption(f"{len(new_ids)} token(s) generated, each drawn with seed {seed} + its index."
           + (" The last one is the end-of-text token." if new_ids and new_ids[-1] == tok.eos_id else ""))

z = next_logits()  # [V]
sampling = le.next_token_probs(z, temperature, top_k, top_p)  # [V]
n_candidates, entropy = viz.candidate_summary(sampling)
after = f"…{tok.pieces([(cur.ids + new_ids)[-1]])[0]}"
st.subheader(f"What comes after “{after}”?")
st.plotly_chart(viz.next_token_figure(z.softmax(-1), sampling, piece), width="stretch")
st.markdown(viz.entropy_caption(n_candidates, entropy, cfg.vocab_size))

st.header("The logit lens: what each layer would predict")
st.markdown(
    "The last layer's residual stream becomes logits through the final RMSNorm and the output matrix. Apply those "
    "same two steps to the stream after *every* layer, and to the embedding itself, and you see the prediction "
    "form with depth. Each cell is the most likely next token at that depth and position, coloured by its "
    "probability; hover for the top 3 and the token that really follows.")
st.latex(r"\text{lens}(h) = \mathrm{softmax}\big(W_{\text{out}}\,\mathrm{RMSNorm}(h)\big)")
st.caption("h: the embedding (hook_embed), then each layer's output (layers.ℓ.hook_resid_post); RMSNorm is the "
           "model's final norm with its learned gain.")
lens = logit_lens(cur.model, hooks, k=3)
st.plotly_chart(viz.logit_lens_figure(lens, cur.pieces, piece), width="stretch")
st.caption("The lens reads the prompt you typed (the cached capture); the top row equals the model's real output.")

notice("At temperature 0 a single bar holds all the probability: greedy decoding. Raising the temperature spreads "
       "probability to more tokens and raises the entropy; top-k and top-p cut the long tail, and the count of "
       "remaining candidates drops. In the logit lens the top row is the model's real prediction: follow a column "
       "down to see at which depth that prediction first appears, and how sure each layer is of it.")
