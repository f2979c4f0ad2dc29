"""llama-edu: `streamlit run app/main.py`. Sidebar navigation, one file per page under app/pages/."""

from pathlib import Path

import streamlit as st

# The favicon is a local file: a material-icon favicon would be fetched from Google's font servers, and
# classrooms are often offline. (Material icons in the navigation ship with Streamlit and render offline.)
ICON = Path(__file__).resolve().parent.parent / "assets" / "icon.png"
st.set_page_config(page_title="llama-edu: inside LLaMA", page_icon=str(ICON), layout="wide")

PAGES = {
    "Start": [
        st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
        st.Page("pages/tokens.py", title="Tokens", icon=":material/text_fields:"),
    ],
    "Inside a block": [
        st.Page("pages/norms.py", title="RMSNorm vs LayerNorm", icon=":material/straighten:"),
        st.Page("pages/rope.py", title="RoPE", icon=":material/rotate_right:"),
        st.Page("pages/attention.py", title="Attention", icon=":material/visibility:"),
        st.Page("pages/gqa.py", title="GQA / MQA / MHA", icon=":material/group_work:"),
        st.Page("pages/swiglu.py", title="SwiGLU", icon=":material/tune:"),
    ],
    "Generating text": [
        st.Page("pages/kv_cache.py", title="KV cache", icon=":material/memory:"),
        st.Page("pages/generation.py", title="Generation", icon=":material/edit_note:"),
    ],
}

navigation = st.navigation(PAGES)
navigation.run()
