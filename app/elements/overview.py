"""Overview elements: the model's blocks with their parameter counts, where the parameters sit across the LLaMA
family, the family side by side, and the model's first guess for the student's prompt. All numbers come from
ModelConfig (and the prompt's cached capture); none is typed in."""

import streamlit as st

import llama_edu as le
from app.common import lang, say, show_figure, table
from app.elements import element
from llama_edu.viz import overview as viz

SHARE_PRESETS = ["llama-7b", "llama-2-70b", "llama-3-8b", "llama-3.1-405b"]


@element("block_diagram")
def block_diagram(cur, key: str) -> None:
    """The forward pass of the loaded model, bottom to top, each box labelled with its parameters."""
    show_figure(viz.block_diagram(cur.model.cfg, lang=lang()), key=f"{key}_diagram")


@element("parameter_breakdown_table")
def parameter_breakdown_table(cur, key: str) -> None:
    """The loaded model's parameters by component (parameter_breakdown), with each one's share."""
    table(viz.parameter_rows(cur.model.cfg), hide_index=True, width="stretch", key=f"{key}_parameters")


@element("parameter_shares")
def parameter_shares(cur, key: str) -> None:
    """Stacked bars: the share of embeddings, attention, feed-forward, norms and output, this model vs presets."""
    names = st.multiselect(say("app.overview.compare_with"), [n for n in le.PRESETS if n != "tiny"],
                           default=SHARE_PRESETS, key=f"{key}_models")
    configs = {say("app.overview.this_model"): cur.model.cfg} | {name: le.PRESETS[name] for name in names}
    show_figure(viz.parameter_shares(configs, lang=lang()), key=f"{key}_shares")


@element("family_table")
def family_table(cur, key: str) -> None:
    """Every LLaMA preset side by side: sizes, attention sharing, context, vocabulary, RoPE base, training tokens."""
    table(viz.family_rows(), hide_index=True, width="stretch", key=f"{key}_family")
    st.caption(say("app.overview.family_caption"))


@element("next_token_table")
def next_token_table(cur, key: str) -> None:
    """The five most likely next tokens for the student's prompt (softmax of the last position's logits)."""
    logits = cur.logits()  # [1, T, V], cached for this prompt
    shown = " ".join(cur.prompt.text[:80].split())  # one line; say() shows it literally, never as markdown
    st.markdown(say("app.overview.next_tokens_intro", prompt=shown))
    table(viz.top_token_rows(logits[0, -1], lambda i: cur.tok.pieces([i])[0]), hide_index=True, width="stretch",
          key=f"{key}_next_tokens")
