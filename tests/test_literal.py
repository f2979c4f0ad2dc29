"""Outside text (a student's prompt, token pieces, folder names) shown as the characters it is, checked against a
CommonMark parser (markdown-it-py, the reference implementation's port): the markdown Streamlit renders produces no
image, link, emphasis, heading or list from it, and its visible text is exactly what was typed."""

import html
import re

import pytest
from markdown_it import MarkdownIt

from llama_edu.literal import for_html, for_markdown, for_plotly
from llama_edu.viz.generation import continuation_html

HOSTILE = {
    "image after a blank line": "The cat\n\n![t](http://127.0.0.9/x.png)",
    "link": "[click](http://127.0.0.9/a) <http://127.0.0.9/b>",
    "emphasis and code": "**bold** _it_ `code` ~~gone~~",
    "latex": "$x^2$ and $$\\sum$$",
    "streamlit colour and icon": ":red[mat] :material/home: :blue-background[x]",
    "heading, quote, list, table": "# big\n> quote\n- item\n1. one\n| a | b |\n|---|---|",
    "html": "<img src=http://127.0.0.9/i.png> <script>alert(1)</script> &amp; &lt;",
    "backslashes": "\\*not bold\\* C:\\Users\\x",
    "token pieces": "▁the <s> <0x0A> ▁**",
}
TAGS_FROM_TEXT = re.compile(r"<(img|a|em|strong|code|h\d|ul|ol|li|blockquote|table|s|del|script|pre)\b")


@pytest.mark.parametrize("case", list(HOSTILE))
def test_markdown_shows_the_text_and_nothing_else(case):
    text = HOSTILE[case]
    rendered = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(for_markdown(text))
    assert not TAGS_FROM_TEXT.search(rendered), rendered
    visible = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    assert visible.split() == text.split()  # markdown joins lines and paragraphs; every character stays


@pytest.mark.parametrize("case", list(HOSTILE))
def test_html_inside_markdown_shows_the_text_and_nothing_else(case):
    # continuation_html goes to st.markdown(unsafe_allow_html=True): a blank line in the prompt used to end the
    # HTML block, and the image after it was fetched by every browser that showed the page.
    text = HOSTILE[case]
    rendered = MarkdownIt("commonmark", {"html": True}).render(continuation_html(text, ["▁sat", "<s>"]))
    assert not TAGS_FROM_TEXT.search(rendered.replace("<span", "").replace("</span", "")), rendered
    assert rendered.count("<div") == 1 and rendered.count("<p>") == 0  # one HTML block, no markdown paragraph
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).startswith(text)


def test_html_keeps_line_breaks_as_character_references():
    assert for_html("a\n\nb<") == "a&#10;&#10;b&lt;"


def test_plotly_text_cannot_open_a_tag():
    assert for_plotly("<s> <a href='x'>&") == "&lt;s&gt; &lt;a href='x'&gt;&amp;"
