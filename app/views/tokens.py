from common import current, notice

import streamlit as st

from llama_edu.viz import tokens as viz

st.title("Tokens: what the model actually reads")
cur = current()
if cur is None:
    st.stop()

rows = viz.token_rows(cur.tok, cur.ids)
st.markdown(
    f"The model never sees letters. A tokenizer cuts the text into **pieces** from a fixed vocabulary and "
    f"hands over their numbers (**ids**). LLaMA 1 and 2 use a SentencePiece BPE vocabulary of 32,000 pieces; "
    f"Llama 3 switched to a tiktoken-based BPE vocabulary of 128,256. The model loaded here has "
    f"**{cur.tok.vocab_size:,}** pieces. Your prompt is **{len(cur.ids)}** tokens:")
st.html(viz.token_chips_html(rows))
st.caption("Blue: ordinary pieces (▁ marks a piece that starts a new word, i.e. a space came before it). "
           "Red: byte-fallback pieces. Dashed: the special token <s>. Hover a chip for its position.")
with st.expander("The same as a table"):
    st.dataframe(rows, hide_index=True)

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
example = st.text_input("Try a character or word", value="🦙", key="tokens_example", max_chars=40)
if example:
    example_ids = cur.tok.encode(example, bos=False)
    left, right = st.columns(2)
    left.dataframe(viz.utf8_bytes(example), hide_index=True)
    right.html(viz.token_chips_html(viz.token_rows(cur.tok, example_ids)))
    roundtrip = cur.tok.decode(example_ids)
    same = roundtrip == example
    right.markdown("decode(ids) gives back " + ("the same text ✅" if same else "different text ⚠️"))
    right.code(roundtrip, language=None)
groups = viz.byte_fallback_groups(cur.tok, cur.ids)
if groups:
    st.markdown("Byte runs in **your** prompt, and the text their bytes spell:")
    st.dataframe(groups, hide_index=True)

st.subheader("Embeddings: each id picks one row of a table")
st.markdown(
    f"The first layer is a lookup: id *i* selects row *i* of `tok_embeddings.weight`, a "
    f"{cur.model.cfg.vocab_size:,} × {cur.model.cfg.dim} matrix learned in training. Those rows (the hook "
    f"`hook_embed`) are all the model knows about your text; no position is added here (RoPE adds position "
    f"later, inside attention).")
st.latex(r"e_t = E[\mathrm{id}_t] \in \mathbb{R}^{%d}" % cur.model.cfg.dim)
_, cache = cur.capture()
embed = cache["hook_embed"][0]  # [T, D]
st.plotly_chart(viz.embedding_heatmap(embed, cur.pieces), width="stretch", key="tokens_heatmap")
left, right = st.columns(2)
left.plotly_chart(viz.embedding_norms_bar(embed, cur.pieces), width="stretch", key="tokens_norms")
right.plotly_chart(viz.cosine_similarity_heatmap(embed, cur.pieces), width="stretch", key="tokens_cosine")

notice("The same piece always gets the same vector: a repeated token has cosine similarity 1 with itself "
       "wherever it stands. Byte tokens split one character over several positions; the model has to learn "
       "to put them back together. A piece with ▁ and the same letters without it are two different tokens "
       "with two unrelated rows in the table.")
