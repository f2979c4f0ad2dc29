"""Text from outside the project shown as itself: what a student types, token pieces, folder names, error messages.

Each place text is shown reads its own little language. Streamlit's markdown (captions, spinners, errors, labels)
turns `**x**` bold, `$x$` into LaTeX, `:red[x]` red and `![t](http://...)` into a request the browser makes; HTML
reads tags and entities, and a blank line inside st.markdown's HTML hands the rest back to markdown; plotly reads a
little HTML in every label and title. Every piece of outside text goes through the function of the place it is
shown in, and only there (escaping twice shows the escapes).
"""

from __future__ import annotations

import html as _html
import string

# CommonMark lets a backslash escape any ASCII punctuation character, and an escaped character is never syntax:
# not emphasis, link, image, code, heading, list, table, LaTeX ($) or a Streamlit directive (:red[...]).
_MARKDOWN_ESCAPES = str.maketrans({char: "\\" + char for char in string.punctuation})


def for_markdown(text: str) -> str:
    """`text` as literal characters inside Streamlit markdown (st.markdown, st.caption, st.error, st.spinner...)."""
    return str(text).translate(_MARKDOWN_ESCAPES)


def for_html(text: str) -> str:
    """`text` as literal characters inside HTML, also when that HTML is passed to st.markdown: tags and quotes
    become entities, and line breaks become character references (the browser still breaks the line in a
    white-space: pre-wrap box), so no blank line can end the HTML block and let markdown read the rest."""
    return _html.escape(str(text), quote=True).replace("\r", "&#13;").replace("\n", "&#10;")


def for_plotly(text: str) -> str:
    """`text` as literal characters in a plotly label, title or hover text. Plotly reads a few tags (<b>, <br>,
    <a href>...) and entities: escaping &, < and > is enough; the BOS piece "<s>" would otherwise strike through
    the text after it and vanish itself."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
