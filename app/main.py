"""llama-edu: `streamlit run app/main.py`. Sidebar navigation, one file per page under app/views/.

The folder is not called pages/: Streamlit treats a pages/ folder beside the main script as old-style pages, and
a browser opening /attention on a fresh session would then run that file alone, without this navigation.
"""

from pathlib import Path

import streamlit as st

from common import language_picker, lang, tr
from llama_edu.i18n import t

# The favicon is a local file: a material-icon favicon would be fetched from Google's font servers, and
# classrooms are often offline. (Material icons in the navigation ship with Streamlit and render offline.)
ICON = Path(__file__).resolve().parent.parent / "assets" / "icon.png"
lang()  # reads ?lang= on a new session, before the first text is chosen
st.set_page_config(page_title=tr("main.page_title"), page_icon=str(ICON), layout="wide")
language_picker()  # drawn before the navigation runs a page, so every page's text follows it on this run

# Titles are translated; the URL of each page comes from its file name, so links work in every language.
PAGES = {
    tr("nav.start"): [
        st.Page("views/overview.py", title=tr("nav.overview"), icon=":material/home:", default=True),
        st.Page("views/lessons.py", title=tr("nav.lessons"), icon=":material/school:"),
        st.Page("views/tokens.py", title=tr("nav.tokens"), icon=":material/text_fields:"),
        st.Page("views/architectures.py", title=t("arch.nav", lang()), icon=":material/compare_arrows:"),
    ],
    tr("nav.inside_block"): [
        st.Page("views/norms.py", title=tr("nav.norms"), icon=":material/straighten:"),
        st.Page("views/rope.py", title=tr("nav.rope"), icon=":material/rotate_right:"),
        st.Page("views/attention.py", title=tr("nav.attention"), icon=":material/visibility:"),
        st.Page("views/layers.py", title=t("layers.nav", lang()), icon=":material/layers:"),
        st.Page("views/gqa.py", title=tr("nav.gqa"), icon=":material/group_work:"),
        st.Page("views/swiglu.py", title=tr("nav.swiglu"), icon=":material/tune:"),
    ],
    tr("nav.generating"): [
        st.Page("views/kv_cache.py", title=tr("nav.kv_cache"), icon=":material/memory:"),
        st.Page("views/generation.py", title=tr("nav.generation"), icon=":material/edit_note:"),
    ],
}

navigation = st.navigation(PAGES)
navigation.run()
