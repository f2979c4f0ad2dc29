"""RoPE: every pair of a query or key turns by an angle proportional to its position; q.k then sees only the offset."""

import streamlit as st

from app.common import core_idea, current, formula_number, go_deeper, notice, say
from app.elements import render

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "inside_block", "order": 20, "title": "app.nav.rope",
        "icon": ":material/rotate_right:", "heading": "app.rope.title"}

st.title(say("app.rope.title"))
core_idea("app.rope.core_idea")
cur = current()
if cur is None:
    st.stop()
cfg = cur.model.cfg
hd = cfg.head_dim

st.markdown(say("app.rope.intro_rotate"))
st.markdown(say("app.rope.intro_relative"))
st.latex(r"\begin{pmatrix} x'_{2i} \\ x'_{2i+1} \end{pmatrix} = \begin{pmatrix} \cos m\theta_i & -\sin m\theta_i \\ "
         r"\sin m\theta_i & \cos m\theta_i \end{pmatrix} \begin{pmatrix} x_{2i} \\ x_{2i+1} \end{pmatrix}, \qquad "
         rf"\theta_i = {formula_number(cfg.rope_theta, ',.0f')}^{{-2i/{hd}}}, \quad i = 0, \dots, {hd // 2 - 1}")
st.caption(say("app.rope.model_caption", hd=hd, theta=cfg.rope_theta)
           + (" " + say("app.rope.scaling_note") if cfg.rope_scaling else ""))

st.header(say("app.rope.section_rotation"))
render("rope_rotation", cur, key="rope")

st.header(say("app.rope.section_frequencies"))
render("rope_frequencies", cur, key="rope")

st.header(say("app.rope.section_relative"))
st.latex(r"(R_m q)^\top (R_n k) = q^\top R_m^\top R_n\, k = q^\top R_{n-m}\, k")
render("rope_relative", cur, key="rope")

with go_deeper("app.rope.section_pair_order"):
    st.markdown(say("app.rope.pair_order_text", half=hd // 2))
    render("rope_pair_order", cur, key="rope")

notice(say("app.rope.notice"))
