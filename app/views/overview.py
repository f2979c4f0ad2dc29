"""Overview: the whole model, its parameter budget, and how LLaMA changed from version 1 to 3."""

import streamlit as st

import llama_edu as le
from app.common import core_idea, current, go_deeper, notice, say
from app.elements import render

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "start", "order": 10, "title": "app.nav.overview",
        "icon": ":material/home:", "heading": "app.overview.title", "default": True}

st.title(say("app.overview.title"))
core_idea("app.overview.core_idea")
cur = current()
if cur is None:
    st.stop()

st.markdown(say("app.overview.intro"))

left, right = st.columns([3, 2])
with left:
    render("block_diagram", cur, key="overview")
with right:
    st.subheader(say("app.overview.parameters_where"))
    render("parameter_breakdown_table", cur, key="overview")
    render("next_token_table", cur, key="overview")

st.subheader(say("app.overview.same_blueprint"))
render("parameter_shares", cur, key="overview")

with go_deeper("app.overview.versions"):
    st.markdown(say("app.overview.versions_text"))
    render("family_table", cur, key="overview")


def share(name: str, component: str) -> float:
    """Percent of a preset's parameters in one component."""
    parts = le.parameter_breakdown(le.PRESETS[name])
    return 100 * parts[component] / sum(parts.values())


notice(say("app.overview.notice", ffn_7b=share("llama-7b", "feed_forward"), attention_7b=share("llama-7b", "attention"),
          attention_70b=share("llama-2-70b", "attention")))
