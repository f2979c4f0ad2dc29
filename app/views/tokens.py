from common import current, notice
from elements import render

import streamlit as st

st.title("Tokens: what the model actually reads")
cur = current()
if cur is None:
    st.stop()

st.markdown(
    f"The model never sees letters. A tokenizer cuts the text into **pieces** from a fixed vocabulary and "
    f"hands over their numbers (**ids**). LLaMA 1 and 2 use a SentencePiece BPE vocabulary of 32,000 pieces; "
    f"Llama 3 switched to a tiktoken-based BPE vocabulary of 128,256. The model loaded here has "
    f"**{cur.tok.vocab_size:,}** pieces. Your prompt is **{len(cur.ids)}** tokens:")
render("token_chips", cur, key="tokens")

st.subheader("Position 0 is always <s>")
st.markdown(
    f"`<s>` (id {cur.tok.bos_id}) is the *beginning-of-sequence* token. The tokenizer adds it, not you. Every "
    f"story the tiny model trained on began with it, so it tells the model \"a text starts here\". It also "
    f"gives the model something to read before the first real word: the output at position 0 is the model's "
    f"guess for the first word of the text.")

st.subheader("Byte fallback: no character is ever unknown")
st.markdown(
    "A character with no piece of its own (an emoji, most non-Latin scripts in a small vocabulary) is written "
    "as its UTF-8 bytes, one token per byte: the 256 pieces `<0x00>` … `<0xFF>` are part of the vocabulary "
    "(LLaMA 1 and 2 work the same way). "
    "Decoding glues the bytes back together, so the text comes back exactly.")
render("byte_fallback", cur, key="tokens")

st.subheader("Embeddings: each id picks one row of a table")
st.markdown(
    f"The first layer is a lookup: id *i* selects row *i* of `tok_embeddings.weight`, a "
    f"{cur.model.cfg.vocab_size:,} × {cur.model.cfg.dim} matrix learned in training. Those rows (the hook "
    f"`hook_embed`) are all the model knows about your text; no position is added here (RoPE adds position "
    f"later, inside attention).")
st.latex(r"e_t = E[\mathrm{id}_t] \in \mathbb{R}^{%d}" % cur.model.cfg.dim)
render("embedding_heatmap", cur, key="tokens")

notice("The same piece always gets the same vector: a repeated token has cosine similarity 1 with itself "
       "wherever it stands. Byte tokens split one character over several positions; the model has to learn "
       "to put them back together. A piece with ▁ and the same letters without it are two different tokens "
       "with two unrelated rows in the table.")
