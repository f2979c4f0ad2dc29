"""Generation: logits -> a distribution shaped by temperature, top-k, top-p -> one token; and the logit lens."""

import streamlit as st

from common import current, notice
from elements import render

st.title("Generation: from logits to the next token")
cur = current()
if cur is None:
    st.stop()

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

st.header("The next token, one click at a time")
render("generate_step", cur, key="gen")

st.header("The logit lens: what each layer would predict")
st.markdown(
    "The last layer's residual stream becomes logits through the final RMSNorm and the output matrix. Apply those "
    "same two steps to the stream after *every* layer, and to the embedding itself, and you see the prediction "
    "form with depth.")
st.latex(r"\text{lens}(h) = \mathrm{softmax}\big(W_{\text{out}}\,\mathrm{RMSNorm}(h)\big)")
st.caption("h: the embedding (hook_embed), then each layer's output (layers.ℓ.hook_resid_post); RMSNorm is the "
           "model's final norm with its learned gain.")
render("logit_lens", cur, key="gen")

notice("At temperature 0 a single bar holds all the probability: greedy decoding. Raising the temperature spreads "
       "probability to more tokens and raises the entropy; top-k and top-p cut the long tail, and the count of "
       "remaining candidates drops. In the logit lens the top row is the model's real prediction: follow a column "
       "down to see at which depth that prediction first appears, and how sure each layer is of it.")
