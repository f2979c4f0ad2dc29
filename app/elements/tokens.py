"""Live elements for tokens and embeddings: the prompt's pieces, byte fallback, the embedding vectors."""

from __future__ import annotations

import streamlit as st

from elements import element
from llama_edu.viz import tokens as viz


@element("token_chips")
def token_chips(cur, key: str) -> None:
    """The prompt's pieces as chips with their ids, and the same as a table."""
    rows = viz.token_rows(cur.tok, cur.ids)
    st.html(viz.token_chips_html(rows))
    st.caption(f"{len(rows)} tokens. Blue: ordinary pieces (▁ marks a piece that starts a new word, i.e. a space came "
               "before it). Red: byte-fallback pieces. Dashed: the special token <s>. Hover a chip for its position.")
    with st.expander("The same as a table"):
        st.dataframe(rows, hide_index=True, key=f"{key}_table")


@element("byte_fallback")
def byte_fallback(cur, key: str) -> None:
    """Typed text (an emoji by default) split into UTF-8 byte tokens and decoded back; byte runs in the prompt."""
    text = st.text_input("Try a character or word", value="🦙", key=f"{key}_example", max_chars=40)
    if text:
        example = viz.byte_fallback_example(cur.tok, text)
        left, right = st.columns(2)
        left.dataframe(example["characters"], hide_index=True, key=f"{key}_bytes")
        right.html(viz.token_chips_html(example["rows"]))
        right.markdown("decode(ids) gives back " + ("the same text ✅" if example["same"] else "different text ⚠️"))
        right.code(example["decoded"], language=None)
    groups = viz.byte_fallback_groups(cur.tok, cur.ids)
    if groups:
        st.markdown("Byte runs in **your** prompt, and the text their bytes spell:")
        st.dataframe(groups, hide_index=True, key=f"{key}_prompt_bytes")


@element("embedding_heatmap")
def embedding_heatmap(cur, key: str) -> None:
    """The prompt's embedding vectors (hook_embed), their lengths and their cosine similarities."""
    _, cache = cur.capture()
    embed = cache["hook_embed"][0]  # [T, D]
    st.plotly_chart(viz.embedding_heatmap(embed, cur.pieces), width="stretch", key=f"{key}_heatmap")
    left, right = st.columns(2)
    left.plotly_chart(viz.embedding_norms_bar(embed, cur.pieces), width="stretch", key=f"{key}_norms")
    right.plotly_chart(viz.cosine_similarity_heatmap(embed, cur.pieces), width="stretch", key=f"{key}_cosine")
