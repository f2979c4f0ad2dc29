"""llama-edu: `streamlit run app/main.py`. Sidebar navigation, one file per page under app/views/.

The folder is not called pages/: Streamlit treats a pages/ folder beside the main script as old-style pages, and
a browser opening /attention on a fresh session would then run that file alone, without this navigation.
"""

from pathlib import Path

import streamlit as st

# The favicon is a local file: a material-icon favicon would be fetched from Google's font servers, and
# classrooms are often offline. (Material icons in the navigation ship with Streamlit and render offline.)
ICON = Path(__file__).resolve().parent.parent / "assets" / "icon.png"
st.set_page_config(page_title="llama-edu: inside LLaMA", page_icon=str(ICON), layout="wide")

PAGES = {
    "Start": [
        st.Page("views/overview.py", title="Overview", icon=":material/home:", default=True),
        st.Page("views/lessons.py", title="Lessons", icon=":material/school:"),
        st.Page("views/tokens.py", title="Tokens", icon=":material/text_fields:"),
    ],
    "Inside a block": [
        st.Page("views/norms.py", title="RMSNorm vs LayerNorm", icon=":material/straighten:"),
        st.Page("views/rope.py", title="RoPE", icon=":material/rotate_right:"),
        st.Page("views/attention.py", title="Attention", icon=":material/visibility:"),
        st.Page("views/gqa.py", title="GQA / MQA / MHA", icon=":material/group_work:"),
        st.Page("views/swiglu.py", title="SwiGLU", icon=":material/tune:"),
    ],
    "Generating text": [
        st.Page("views/kv_cache.py", title="KV cache", icon=":material/memory:"),
        st.Page("views/generation.py", title="Generation", icon=":material/edit_note:"),
    ],
}

navigation = st.navigation(PAGES)
navigation.run()
