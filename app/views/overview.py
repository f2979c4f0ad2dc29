"""Overview: the whole model, its parameter budget, and how LLaMA changed from version 1 to 3."""

import streamlit as st

import llama_edu as le
from common import current, notice, tr
from elements import render

st.title(tr("overview.title"))
cur = current()
if cur is None:
    st.stop()

st.markdown(tr("overview.intro"))

left, right = st.columns([3, 2])
with left:
    render("block_diagram", cur, key="overview")
with right:
    st.subheader(tr("overview.parameters_where"))
    render("parameter_breakdown_table", cur, key="overview")
    render("next_token_table", cur, key="overview")

st.subheader(tr("overview.same_blueprint"))
render("parameter_shares", cur, key="overview")

st.subheader(tr("overview.versions"))
st.markdown(tr("overview.versions_text"))
render("family_table", cur, key="overview")


def share(name: str, component: str) -> float:
    """Percent of a preset's parameters in one component."""
    parts = le.parameter_breakdown(le.PRESETS[name])
    return 100 * parts[component] / sum(parts.values())


notice(tr("overview.notice", ffn_7b=share("llama-7b", "feed_forward"), attention_7b=share("llama-7b", "attention"),
          attention_70b=share("llama-2-70b", "attention")))
