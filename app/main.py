"""llama-edu: `streamlit run app/main.py`. Sidebar navigation, one file per page under app/pages/."""

import streamlit as st

st.set_page_config(page_title="llama-edu: inside LLaMA", page_icon="🦙", layout="wide")

PAGES = {
    "Start": [
        st.Page("pages/overview.py", title="Overview", icon="🦙", default=True),
        st.Page("pages/tokens.py", title="Tokens", icon="🔤"),
    ],
    "Inside a block": [
        st.Page("pages/norms.py", title="RMSNorm vs LayerNorm", icon="📏"),
        st.Page("pages/rope.py", title="RoPE", icon="🔄"),
        st.Page("pages/attention.py", title="Attention", icon="👀"),
        st.Page("pages/gqa.py", title="GQA / MQA / MHA", icon="🧩"),
        st.Page("pages/swiglu.py", title="SwiGLU", icon="🚪"),
    ],
    "Generating text": [
        st.Page("pages/kv_cache.py", title="KV cache", icon="🗄️"),
        st.Page("pages/generation.py", title="Generation", icon="✍️"),
    ],
}

navigation = st.navigation(PAGES)
navigation.run()
