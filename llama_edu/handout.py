"""A lesson as one HTML file a student takes home: every step's text and figures for one prompt, the quiz, and its
answers at the end. No Streamlit here: the app records the figures it draws (app/handout.py) and hands them over.

The file works offline and prints to PDF from any browser:
- figures are plotly's own JSON, drawn by plotly.js inlined once (about 4.8 MB, the same for any lesson). Inline
  SVG from kaleido was the other choice: a third of the size, but each figure costs a headless-browser render of
  seconds on the server (about 4 s each on these 2 cores, so 20-30 s for a lesson, times a class) and the server
  needs a Chrome; plotly.js costs the server nothing and keeps hover values for studying at home;
- formulas ($...$, $$...$$) are drawn as SVG by matplotlib's mathtext (already a requirement: no KaTeX, no
  network); the few it cannot read (a matrix) stay as TeX in a code font;
- text is markdown made HTML by markdown-it-py with raw HTML off, so nothing a lesson or a student writes becomes
  markup; images are turned off (an image is a request), and the prompt and model are escaped.
Nothing in the file names another server: no src or href leaves it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import io
import re
import threading
from collections.abc import Sequence

from llama_edu import i18n
from llama_edu.lessons import Lesson, source_of

# $$display$$ or $inline$, as Streamlit reads them: a dollar not escaped, not followed by a space, closed by one not
# preceded by a space nor followed by a digit ("under $600." stays text), never across a blank line.
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?![\s$])((?:[^$\\\n]|\\.|\n(?!\s*\n))+?)(?<![\s\\])\$(?!\d)", re.DOTALL)
_HOLE = "\ue000{}\ue001"  # where a formula goes back after markdown: private-use characters markdown leaves alone
_HOLES = re.compile("\ue000(\\d+)\ue001")
# TeX that KaTeX reads and mathtext does not, rewritten to what mathtext reads (same look, or nearly).
_MATHTEXT_SPELLING = [
    (re.compile(r"\\[td]frac(?![a-zA-Z])"), r"\\frac"),
    (re.compile(r"\\frac\s*(\d)\s*(\d)"), r"\\frac{\1}{\2}"),  # \frac12: mathtext wants braces
    (re.compile(r"\\le(?![a-zA-Z])"), r"\\leq"),
    (re.compile(r"\\ge(?![a-zA-Z])"), r"\\geq"),
    (re.compile(r"\\(?:textstyle|displaystyle)(?![a-zA-Z])"), ""),
    (re.compile(r"\\[bB]igg?[lr]?(?![a-zA-Z])"), ""),
    (re.compile(r"\\[lr]Vert(?![a-zA-Z])"), r"\\Vert"),
    (re.compile(r"\\operatorname(?![a-zA-Z])"), r"\\mathrm"),
]
MATH_PT = 12  # formulas at the size of the text around them (16 px)
_MATHTEXT_LOCK = threading.Lock()  # matplotlib is not thread-safe, and two students may download at once


def build_handout(lesson: Lesson, figures: Sequence[Sequence], *, prompt: str, model: str, lang: str = "en",
                  made: dt.date | None = None, n_tokens: int | None = None, number: int | None = None) -> str:
    """The handout of `lesson` (in its language, `lang`) as one HTML document.

    figures[i] holds the plotly figures (go.Figure or their dicts) drawn for step i + 1, in the order drawn; a step
    with a live element that drew none (bertviz, a table) says to open it in the app. prompt and model are what the
    figures were computed from; n_tokens the prompt's tokens; number the lesson's place in the course.
    """
    made = made or dt.date.today()
    say = functools.partial(_say, lang)
    parts = [_head(say("title", lesson=lesson.title), lang),
             "<header>",
             f"<p class='kicker'>{say('kicker', number=number) if number else 'llama-edu'}</p>",
             f"<h1>{_inline(lesson.title)}</h1>",
             f"<div class='summary'>{_block(lesson.summary)}</div>" if lesson.summary.strip() else "",
             "<dl class='about'>",
             f"<dt>{say('prompt')}</dt><dd><pre class='prompt'>{html.escape(prompt)}</pre></dd>",
             f"<dt>{say('model')}</dt><dd>{html.escape(model)}"
             + (f" · {say('tokens', n=i18n.number(n_tokens, ',', lang))}" if n_tokens is not None else "") + "</dd>",
             f"<dt>{say('made')}</dt><dd>{say('date', year=made.year, month=made.month, day=made.day)}</dd>",
             "</dl>",
             f"<p class='hint'>{say('computed')} <span class='screen-only'>{say('print_hint')}</span></p>",
             f"<noscript><p class='hint'>{say('noscript')}</p></noscript>",
             "</header>"]
    count = 0
    for i, step in enumerate(lesson.steps):
        drawn = list(figures[i]) if i < len(figures) else []
        parts += [f"<section class='step' id='step-{i + 1}'>",
                  f"<h2><span class='n'>{i + 1}.</span> {_inline(step.title)}</h2>", _block(step.text)]
        for fig in drawn:
            count += 1
            parts.append(_figure(fig, count, lang))
        if step.element and not drawn:
            parts.append(f"<p class='live'>{say('no_figure', step=i + 1)}</p>")
        if step.notice:
            parts.append(f"<aside class='notice'><strong>{say('notice')}</strong> {_block(step.notice)}</aside>")
        if step.code:
            parts.append(f"<details class='code'><summary>{say('code', path=step.code)}</summary>"
                         f"<pre><code>{html.escape(source_of(step.code))}</code></pre></details>")
        parts.append("</section>")
    if lesson.quiz:
        parts += _quiz(lesson, lang)
    parts += [f"<footer>{say('footer', date=say('date', year=made.year, month=made.month, day=made.day))}</footer>",
              f"<script>{_plotly_js()}</script>" if count else "",
              f"<script>{DRAW_JS}</script>" if count else "",
              "</body></html>"]
    return "\n".join(part for part in parts if part)


def file_name(lesson: Lesson, lang: str) -> str:
    """What the download is called: the lesson and the language, safe on every file system."""
    return f"llama-edu-{re.sub(r'[^a-z0-9-]+', '-', lesson.id.lower())}-{i18n.language(lang)}.html"


def _say(lang: str, key: str, **values) -> str:
    """The file's words (llama_edu/strings/handout.yaml, "handout.file_*") in `lang`, filled and HTML-escaped."""
    return html.escape(i18n.t(f"handout.file_{key}", lang, **values))


def _head(title: str, lang: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang='{i18n.language(lang)}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<meta name='generator' content='llama-edu'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body>")


def _quiz(lesson: Lesson, lang: str) -> list[str]:
    """The questions (options lettered A, B, ...) and, on a page of their own at the end, the answers."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    title = html.escape(i18n.t("app.lessons.quiz_title", lang))
    parts = [f"<section class='quiz'><h2>{title}</h2><ol class='questions'>"]
    for q in lesson.quiz:
        options = "".join(f"<li><span class='letter'>{letters[k]}</span> {_inline(option)}</li>"
                          for k, option in enumerate(q.options))
        parts.append(f"<li><div class='question'>{_block(q.question)}</div><ol class='options'>{options}</ol></li>")
    parts += ["</ol></section>", f"<section class='answers'><h2>{_say(lang, 'answers')}</h2><ol>"]
    for q in lesson.quiz:
        parts.append(f"<li><p><strong>{letters[q.answer]}: {_inline(q.options[q.answer])}</strong></p>"
                     f"{_block(q.explanation)}</li>")
    parts.append("</ol></section>")
    return parts


def _figure(fig, n: int, lang: str) -> str:
    """A place for figure n, its plotly JSON beside it (DRAW_JS draws it once plotly.js has loaded) and the app's
    one-sentence summary under it: a text alternative that also prints. The JSON is kept from ever closing the
    script element (every <, > and & written as a JSON escape)."""
    import plotly.io as pio

    spec = pio.to_json(fig, validate=False)
    spec = spec.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    caption = _summary(fig, lang)
    return (f"<figure class='plot' id='figure-{n}'><div class='plotly-figure'></div>"
            f"<script type='application/json' class='figure-data'>{spec}</script>"
            + (f"<figcaption>{html.escape(caption)}</figcaption>" if caption else "") + "</figure>")


def _summary(fig, lang: str) -> str:
    """What the app writes under the figure (llama_edu/viz/summary.py), or nothing where that cannot be had: a
    summary is a courtesy, and a fault in one must not cost the student the handout."""
    try:
        import plotly.graph_objects as go

        from llama_edu.viz.summary import summarise

        return summarise(fig if isinstance(fig, go.Figure) else go.Figure(fig), lang)
    except Exception:  # noqa: BLE001 - see above
        return ""


@functools.cache
def _plotly_js() -> str:
    """plotly.js as the installed plotly package ships it (the version its figures' JSON is written for)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


# ---- markdown and formulas ------------------------------------------------------------------------------------------
@functools.cache
def _markdown():
    """CommonMark with tables, raw HTML shown as text, no images (an image is a request); None without
    markdown-it-py (then paragraphs of plain text)."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - streamlit's environment brings it (rich); requirements-dev names it
        return None
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")


def _block(text: str) -> str:
    """Markdown text (paragraphs, lists, tables) as HTML, its formulas drawn."""
    holed, formulas = _take_formulas(text)
    md = _markdown()
    out = md.render(holed) if md else "".join(f"<p>{html.escape(p)}</p>" for p in re.split(r"\n\s*\n", holed))
    return _fill_formulas(out, formulas)


def _inline(text: str) -> str:
    """One line of markdown (a title, a quiz option) as HTML without a paragraph around it."""
    holed, formulas = _take_formulas(text)
    md = _markdown()
    return _fill_formulas(md.renderInline(holed) if md else html.escape(holed), formulas)


def _take_formulas(text: str) -> tuple[str, list[tuple[str, bool]]]:
    formulas: list[tuple[str, bool]] = []

    def hole(match: re.Match) -> str:
        formulas.append((match.group(1), True) if match.group(1) is not None else (match.group(2), False))
        return _HOLE.format(len(formulas) - 1)

    return MATH.sub(hole, text), formulas


def _fill_formulas(rendered: str, formulas: list[tuple[str, bool]]) -> str:
    def formula(match: re.Match) -> str:
        tex, display = formulas[int(match.group(1))]
        svg = math_svg(tex.strip())
        kind = "math display" if display else "math"
        if svg is None:  # mathtext cannot read it: the TeX itself, in a code font
            return f"<code class='{kind} tex'>{html.escape(tex)}</code>"
        return f"<span class='{kind}'>{svg}</span>"

    return _HOLES.sub(formula, rendered)


@functools.lru_cache(maxsize=1024)
def math_svg(tex: str) -> str | None:
    """The formula drawn by matplotlib's mathtext as inline SVG at the text's size, sitting on the text's baseline,
    with the TeX as its accessible name; None where mathtext cannot read it."""
    try:
        import matplotlib
        from matplotlib import figure, mathtext
        from matplotlib.font_manager import FontProperties
    except ImportError:  # pragma: no cover - a requirement
        return None
    source = tex
    for pattern, spelling in _MATHTEXT_SPELLING:
        source = pattern.sub(spelling, source)
    prop, buffer, dpi = FontProperties(size=MATH_PT), io.BytesIO(), 720
    try:
        with _MATHTEXT_LOCK, matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "llama-edu",
                                                    "savefig.transparent": True}):
            # mathtext.math_to_image, measured at 720 dpi instead of 72: its box rounded up to whole points
            # left a visible gap after every formula ("$k$." read "k .")
            width, height, depth, _, _ = mathtext.MathTextParser("path").parse(f"${source}$", dpi=dpi, prop=prop)
            canvas = figure.Figure(figsize=(width / dpi, height / dpi))
            canvas.text(0, depth / height, f"${source}$", fontproperties=prop)
            canvas.savefig(buffer, format="svg")
    except Exception:  # noqa: BLE001 - mathtext raises ValueError and others for TeX it does not know
        return None
    depth = depth / dpi * 72  # points
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):].strip()  # no XML declaration or DOCTYPE (it names a URL); no space after it
    svg = re.sub(r"<metadata>.*?</metadata>|<!--.*?-->", "", svg, flags=re.DOTALL)
    # Ids unique to this formula: several formulas in one page must not share a glyph's id with another's.
    prefix = "m" + hashlib.sha1(tex.encode("utf-8")).hexdigest()[:10] + "-"
    for before, after in ((' id="', f' id="{prefix}'), ('href="#', f'href="#{prefix}'), ("url(#", f"url(#{prefix}")):
        svg = svg.replace(before, after)
    label = html.escape(tex, quote=True)
    return svg.replace("<svg ", f"<svg role='img' aria-label=\"{label}\" style='vertical-align:-{depth:.1f}pt' ", 1)


# ---- the page's look and the script that draws the figures ---------------------------------------------------------
CSS = """
:root {color-scheme: light;}
body {font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #1a1a1a;
  background: #fff; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;}
h1 {font-size: 1.8rem; line-height: 1.25; margin: 0.2rem 0 0.6rem;} h2 {font-size: 1.3rem; margin: 2rem 0 0.6rem;}
h2 .n {color: #555;} .kicker {color: #555; margin: 0; text-transform: uppercase; letter-spacing: 0.05em;}
.about {display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 1rem 0;}
.about dt {font-weight: 600;} .about dd {margin: 0;}
pre {white-space: pre-wrap; overflow-wrap: anywhere; font: 14px/1.45 ui-monospace, "DejaVu Sans Mono", monospace;}
pre.prompt {margin: 0; padding: 0.3rem 0.5rem; background: #f3f3f3; border-radius: 4px; font-size: 15px;}
.hint, .live, footer {color: #444; font-size: 0.95rem;}
.live {border-left: 4px solid #999; padding-left: 0.7rem;}
.notice {background: #eef5fc; border-left: 4px solid #1f6fb2; padding: 0.4rem 0.8rem; margin: 1rem 0;}
.notice p {margin: 0.3rem 0;} .notice > strong {display: block; margin-top: 0.3rem;}
details.code summary {cursor: pointer; color: #333;} details.code pre {background: #f6f6f6; padding: 0.6rem;}
figure.plot {margin: 1rem 0; break-inside: avoid;} .plotly-figure {width: 100%;}
figcaption {color: #333; font-size: 0.95rem; margin-top: 0.3rem;}
.math svg {display: inline;} .math.display {display: block; text-align: center; margin: 0.6rem 0;}
code.tex {font-size: 0.9em; background: #f3f3f3; padding: 0 0.2em;}
table {border-collapse: collapse; margin: 0.6rem 0;} th, td {border: 1px solid #bbb; padding: 0.2rem 0.5rem;}
ol.options {list-style: none; padding-left: 0.5rem;} ol.options li {display: flex;}
.letter {font-weight: 600; flex: 0 0 1.6rem;}
.questions > li {margin-bottom: 1rem;} .question p {margin: 0.2rem 0; font-weight: 600;}
.answers {break-before: page;} footer {margin-top: 3rem; border-top: 1px solid #ccc; padding-top: 0.5rem;}
h2, h3 {break-after: avoid;} section.step {break-inside: auto;}
@page {margin: 16mm;}
@media print {body {margin: 0; max-width: none;} .screen-only {display: none;}
  a {color: inherit;}}
"""

# Draws every figure where it stands, at the width of the text column (the app's own width is not the page's), and
# again at the paper's width before printing.
DRAW_JS = """
(function () {
  var plots = [];
  document.querySelectorAll('script.figure-data').forEach(function (data) {
    var target = data.parentNode.querySelector('.plotly-figure');
    var spec = JSON.parse(data.textContent);
    var layout = spec.layout || {};
    delete layout.width; layout.autosize = true;
    if (!layout.height) { layout.height = 450; }  // plotly's own default, not the empty box's height
    Plotly.newPlot(target, spec.data || [], layout, {displaylogo: false, responsive: true});
    plots.push(target);
  });
  window.addEventListener('beforeprint', function () { plots.forEach(function (p) { Plotly.Plots.resize(p); }); });
})();
"""
