"""llama-edu: `streamlit run app/main.py`. Sidebar navigation, one file per page under app/views/.

The folder is not called pages/: Streamlit treats a pages/ folder beside the main script as old-style pages, and
a browser opening /attention on a fresh session would then run that file alone, without this navigation.
"""

from pathlib import Path

# pandas before any page runs. plotly looks for pandas in sys.modules without importing it, so a first visit that
# imported it (a table) while another student's figure was being validated let plotly see a half-imported module:
# "partially initialized module 'pandas' has no attribute 'Series'" on every page open at that moment (found with
# 10 students pressing the KV-cache demo beside 20 opening the Attention page). Here every session's run waits at
# the import until pandas is whole.
import pandas  # noqa: F401
import streamlit as st

from app import classroom
from app.common import display_settings, lang, language_picker, presenter_mode, say
from app.pages import page_specs

# The favicon is a local file: a material-icon favicon would be fetched from Google's font servers, and
# classrooms are often offline. (Material icons in the navigation ship with Streamlit and render offline.)
ICON = Path(__file__).resolve().parent.parent / "assets" / "icon.png"
lang()  # reads ?lang= on a new session, before the first text is chosen
# A projector link (?presenter=1) opens with the sidebar folded away; its arrow, drawn large, brings it back.
st.set_page_config(page_title=say("app.main.page_title"), page_icon=str(ICON), layout="wide",
                   initial_sidebar_state="collapsed" if presenter_mode() else "auto")
language_picker()  # drawn before the navigation runs a page, so every page's text follows it on this run
display_settings()  # presenter mode and high contrast, for every page

# Titles are translated; the URL of each page comes from its file name, so links work in every language. The pages
# and their places come from the view files themselves (app/pages.py).
sections: dict[str, list] = {}
for spec in page_specs():
    sections.setdefault(say(f"app.nav.{spec.section}"), []).append(
        st.Page(f"views/{spec.path.name}", title=say(spec.title), icon=spec.icon, default=spec.default))

navigation = st.navigation(sections)
# A class the teacher leads (app/classroom.py): a QR code's link joins; a follower gets the teacher's prompt, page,
# step and head before the page runs; the class's bar and question sit above the page.
classroom.join_from_link()
classroom.follow_teacher(navigation.url_path)
classroom.class_bar()
navigation.run()
