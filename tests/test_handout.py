"""A lesson handout (llama_edu/handout.py) is one HTML file: every step and figure, the quiz with its answers at the
end, the student's prompt as text, formulas drawn, in the lesson's language, and nothing that names another server."""

import datetime as dt
import functools
import html
import importlib.util
import json
import re
from html.parser import HTMLParser

import plotly.graph_objects as go
import pytest

from llama_edu.handout import build_handout, file_name, math_svg
from llama_edu.i18n import t
from llama_edu.lessons import load_lessons

PROMPT = '</pre><script>alert("x")</script> & <b>cat</b> $x^2$ **sat**'


def lesson(lang: str, lesson_id: str = "attention"):
    return next(each for each in load_lessons(lang=lang) if each.id == lesson_id)


def figures_for(les) -> list[list[go.Figure]]:
    """One small figure for every step with a live element but the first such, which gets two, and the bertviz step,
    which (as in the app) draws none; a title that tries to close the script element the figure's JSON sits in."""
    figures, first = [], True
    for step in les.steps:
        if not step.element or step.element.startswith("bertviz"):
            figures.append([])
            continue
        title = f"{step.element} </script><script>alert(1)</script>"
        figure = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]), layout={"title": {"text": title}})
        figures.append([figure] * (2 if first else 1))
        first = False
    return figures


class Page(HTMLParser):
    """The parts of the document a test reads: every tag's attributes, the text of each heading, script bodies."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.headings, self.scripts, self._in = [], {"h1": [], "h2": []}, [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.headings:
            self._in, self._text = tag, []
        if tag == "script":
            self.scripts.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == self._in:
            self.headings[tag].append(" ".join("".join(self._text).split()))
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text.append(data)


@functools.cache
def make(lang: str):
    """(lang, lesson, figures, the handout) of the attention lesson, built once per language."""
    les = lesson(lang)
    figures = figures_for(les)
    text = build_handout(les, figures, prompt=PROMPT, model="tiny <model>", lang=lang, made=dt.date(2026, 12, 5),
                         n_tokens=7, number=7)
    return lang, les, figures, text


@pytest.fixture(params=["en", "de"])
def built(request):
    return make(request.param)


def test_every_step_title_is_a_heading_in_order(built):
    _, les, _, text = built
    page = Page(text)
    assert page.headings["h1"] == [les.title]
    steps = [h for h in page.headings["h2"] if re.match(r"\d+\. ", h)]
    assert steps == [f"{n}. {step.title}" for n, step in enumerate(les.steps, 1)]


def test_every_figure_is_in_the_file_once_with_its_data(built):
    _, _, figures, text = built
    data = re.findall(r"<script type='application/json' class='figure-data'>(.*?)</script>", text, re.DOTALL)
    assert len(data) == sum(len(step) for step in figures) == text.count("<figure class='plot'")
    if importlib.util.find_spec("llama_edu.viz.summary"):  # the app's sentence under each figure, where it exists
        assert text.count("<figcaption>") == len(data)
    spec = json.loads(data[0])
    assert spec["data"][0]["type"] == "heatmap"
    assert spec["layout"]["title"]["text"].endswith("</script><script>alert(1)</script>")  # kept, and harmless:
    assert "<script>alert(1)" not in text  # the JSON never closes its script element


def test_plotly_js_is_inlined_once_and_no_script_is_fetched(built):
    _, _, _, text = built
    page = Page(text)
    assert text.count("plotly.js v") >= 1 and text.count("Plotly.newPlot") >= 1
    assert all("src" not in attrs for attrs in page.scripts)


def test_nothing_in_the_file_names_another_server(built):
    _, _, _, text = built
    page = Page(text)
    for tag, attrs in page.tags:
        assert tag not in ("link", "iframe", "img", "object", "embed", "base"), tag
        for name in ("src", "href", "xlink:href", "action", "poster", "data", "srcset"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)
    css = " ".join(re.findall(r"<style>(.*?)</style>", text, re.DOTALL))
    assert "url(" not in css and "@import" not in css
    outside_scripts = re.sub(r"<script\b.*?</script>", "", text, flags=re.DOTALL)
    assert not re.search(r"(?:src|href)\s*=\s*['\"]?\s*(?:https?:)?//", outside_scripts)


def test_the_prompt_and_model_are_shown_as_typed_never_as_markup(built):
    _, _, _, text = built
    assert html.escape(PROMPT) in text  # "<" as &lt;, "&" as &amp;, quotes as &quot;: text, never markup
    assert 'alert("x")' not in text and "<b>cat</b>" not in text
    assert "tiny &lt;model&gt;" in text


def test_the_quiz_comes_with_its_answers_at_the_end(built):
    lang, les, _, text = built
    quiz, answers = text.index("class='quiz'"), text.index("class='answers'")
    assert quiz < answers
    for q in les.quiz:
        assert text.index(q.question[:20], quiz) < answers
    assert t("handout.file_answers", lang) in Page(text).headings["h2"]
    assert text.count("<li><p><strong>", answers) == len(les.quiz)


def test_formulas_are_drawn_and_what_mathtext_cannot_read_stays_tex():
    svg = math_svg(r"\frac{QK^\top}{\sqrt{d_\text{head}}}")
    assert svg.startswith("<svg ") and "aria-label" in svg and "<metadata" not in svg and "DOCTYPE" not in svg
    assert math_svg(r"\tfrac12 \le x") is not None  # KaTeX spellings mathtext lacks are rewritten
    assert math_svg(r"\begin{bmatrix} a \\ b \end{bmatrix}") is None
    les = lesson("en", "heads-together")
    text = build_handout(les, [], prompt="x", model="tiny")
    assert "class='math tex'" in text or "class='math display tex'" in text  # its bmatrix, as TeX
    assert text.count("<span class='math") > 5


def test_a_step_whose_live_view_is_not_a_figure_says_to_open_it_in_the_app(built):
    lang, les, figures, text = built
    missing = [n for n, (step, drawn) in enumerate(zip(les.steps, figures), 1) if step.element and not drawn]
    assert missing
    for n in missing:
        assert t("handout.file_no_figure", lang, step=n) in text


def test_a_german_lesson_makes_a_german_handout():
    _, les, _, text = make("de")
    english = lesson("en")
    assert "<html lang='de'>" in text and "05.12.2026" in text
    assert t("app.lessons.quiz_title", "de") in text and t("handout.file_made", "de") in text
    english_only = {step.title for step in english.steps} - {step.title for step in les.steps}
    assert english_only and not english_only & {h.split(". ", 1)[-1] for h in Page(text).headings["h2"]}
    assert t("handout.file_made", "en") not in text
    assert file_name(les, "de") == "llama-edu-attention-de.html"
