"""Live elements: the words of the prompt the model never saw in training (from training_words.txt next to the
checkpoint; llama_edu/training_words.py). A checkpoint without that file (a real LLaMA) shows nothing."""

from __future__ import annotations

import streamlit as st

from app.common import say
from app.elements import element
from llama_edu.training_words import training_words, unseen_words

MAX_LISTED = 20  # a long prompt lists its first 20 unseen words and counts the rest


def _unseen(cur) -> list[str]:
    """The prompt's unseen words, as written; the word set is read once per model (it depends on the model alone)."""
    known = cur.cached("training_words", compute=lambda: training_words(cur.path) if cur.path else None,
                       per_prompt=False)
    return unseen_words(cur.prompt.text, known)


def _caption(words: list[str]) -> None:
    listed = ", ".join(words[:MAX_LISTED])
    if len(words) > MAX_LISTED:
        st.caption(say("app.tokens.unseen_words_more", words=listed, more=len(words) - MAX_LISTED))
    else:
        st.caption(say("app.tokens.unseen_words", words=listed))


@element("unseen_words")
def unseen_words_caption(cur, key: str) -> None:
    """'Words this model never saw in training: ...' for the prompt, or nothing when every word was seen."""
    words = _unseen(cur)
    if words:
        _caption(words)


@element("unseen_words_explained")
def unseen_words_explained(cur, key: str) -> None:
    """The same caption, and why such words break into many pieces or bytes."""
    words = _unseen(cur)
    if words:
        _caption(words)
        st.caption(say("app.tokens.unseen_words_why"))
