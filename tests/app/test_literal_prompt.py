"""A student's prompt that is also markdown, LaTeX, a Streamlit directive and an image link, on every page: every
text the page sends to the browser is parsed as the browser's markdown would (markdown-it-py, CommonMark, raw HTML
allowed, the worst case) and must hold no image or link to where the prompt points, and no formatting from it."""

import re

import pytest
from apphelpers import assert_no_exception, open_page
from markdown_it import MarkdownIt

from app.pages import page_specs

PAGES = [f"views/{spec.path.name}" for spec in page_specs()]
# The image after a blank line made the Generation page's browser fetch 127.0.0.9 (the prompt is shown as HTML
# inside markdown, and a blank line ends an HTML block).
PROMPT = "**The** cat :red[sat] $x^2$\n\n![t](http://127.0.0.9/x.png) [on](http://127.0.0.9/a) the mat"
MARKDOWN_ELEMENTS = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader")
RENDER = MarkdownIt("commonmark", {"html": True})


def shown_texts(at) -> list[str]:
    texts = []
    for kind in MARKDOWN_ELEMENTS:
        texts += [element.value for element in at.get(kind)]
    return texts


@pytest.mark.parametrize("page", PAGES)
def test_a_markdown_prompt_is_shown_as_text_on_every_page(page):
    at = open_page(page, prompt=PROMPT, timeout=120)
    assert_no_exception(at)
    if page.endswith("generation.py"):  # the continuation box shows the prompt after one generated token
        at.button(key="gen_next").click().run()
        assert_no_exception(at)
    for text in shown_texts(at):
        rendered = RENDER.render(text)
        assert "127.0.0.9" not in "".join(re.findall(r"<(?:img|a)\b[^>]*>", rendered)), (page, text[:300])
        assert "<strong>The</strong>" not in rendered, (page, text[:300])
