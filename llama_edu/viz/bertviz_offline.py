"""bertviz's head view and model view, made to work without internet.

bertviz (Vig, 2019) returns HTML that loads require.js from a CDN and asks it, in a `require.config({...})`
block, for d3 and jQuery from the same CDN; a classroom offline would see an empty box. Here:
    1. the require.js <script src> tag and the require.config block are removed;
    2. jQuery (XStatic-jQuery) and d3 (XStatic-D3, version 3) are inlined from the installed pip packages;
    3. `require`/`requirejs` become a one-line shim that calls bertviz's callback with (window.jQuery, window.d3).
bertviz asks for d3 5.7.0; the only API it uses that d3 3 lacks is `d3.schemeCategory10` (the model view's layer
colours; the head view already falls back to d3 3's `d3.scale.category10()`), so the shim defines it. Both give
palette.py's Okabe-Ito colours instead of d3's ten (whose red and green a colour-blind student cannot tell apart),
like every other figure of the app.

The result is a complete HTML document for `st.iframe`; nothing in it is fetched from anywhere. The few words
bertviz writes itself ("Layer:", "Heads", "Layers", "Layer 0, Head 1") are replaced by llama_edu/strings/viz.yaml's.
"""

from __future__ import annotations

import functools
import html as html_lib
import json
import os
import re
from pathlib import Path

import torch

from ..i18n import t
from . import palette

# The attention weights are rounded for the page: the views draw them as line opacities, which cannot show
# more than 4 decimals, and full float32 reprs would make a 64-token model view several megabytes.
DECIMALS = 4

_REQUIRE_TAG = re.compile(r"<script[^>]*\bsrc=[\"'][^\"']*require[^\"']*\.js[\"'][^>]*>\s*</script>", re.I)
_REQUIRE_CONFIG = re.compile(r"require\.config\(\s*\{.*?\}\s*\)\s*;", re.S)
_RANDOM_ID = re.compile(r"bertviz-[0-9a-f]{32}")

SHIM = """
window.requirejs = window.require = function (deps, callback) { callback(window.jQuery, window.d3); };
window.d3.schemeCategory10 = %s;
window.d3.scale.category10 = function () { return window.d3.scale.ordinal().range(window.d3.schemeCategory10); };
""" % json.dumps(palette.CATEGORIES + palette.CATEGORIES[:2])  # ten: the model view takes colour [layer % 10]

PAGE_STYLE = """<style>
  body { margin: 0; padding: 8px; background: white; color: black;
         font-family: 'Helvetica Neue', Helvetica, Arial, sans-serif; font-size: 20px; }
  select { font-size: 20px; }
</style>"""

# bertviz's head view draws tokens at 15 px in 22.5 px rows, and each line with the attention weight as its opacity:
# on a projector the words are small and a weight of 0.05 is invisible. Here the words are 20 px (the least a
# projector's back row reads, as in presenter mode) in 30 px rows, and a line's opacity is weight ** 0.6 (0.05 ->
# 0.17, 0.5 -> 0.66, 1 stays 1): the order of the weights is kept, the faint ones show.
HEAD_VIEW_TEXT_PX, HEAD_VIEW_ROW_PX, HEAD_VIEW_BOX_PX = 20, 30, 150
_HEAD_VIEW_LOOK = {
    "const TEXT_SIZE = 15;": f"const TEXT_SIZE = {HEAD_VIEW_TEXT_PX};",
    "const BOXHEIGHT = 22.5;": f"const BOXHEIGHT = {HEAD_VIEW_ROW_PX};",
    "const BOXWIDTH = 110;": f"const BOXWIDTH = {HEAD_VIEW_BOX_PX};",
    "return d / activeHeads()": "return Math.pow(d / activeHeads(), 0.6)",
}
# The model view's labels are 13 px in 18 px rows laid out around that size: 14 px fits its rows unchanged.
_MODEL_VIEW_LOOK = {"const TEXT_SIZE = 13;": "const TEXT_SIZE = 14;"}


@functools.cache
def _library(module: str, filename: str) -> str:
    """The text of a JavaScript file shipped in an XStatic pip package (read once per process)."""
    import importlib

    pkg = importlib.import_module(f"xstatic.pkg.{module}")
    return (Path(pkg.BASE_DIR) / filename).read_text(encoding="utf-8")


def jquery_js() -> str:
    return _library("jquery", "jquery.min.js")


def d3_js() -> str:
    return _library("d3", "d3.js")


def _script(code: str) -> str:
    # Inside <script>, only "</script" (and "<!--") can end or confuse the block; a token label typed by a
    # student could contain either. In a JavaScript string "<\/" is the same text as "</".
    code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.I).replace("<!--", "<\\!--")
    return f"<script type=\"text/javascript\">{code}</script>"


# The two libraries bertviz needs, as files (write_libraries) for a server that sends its pages their address instead
# of their text: 424 kB of the 471 kB of a head view, which thirty students would otherwise each receive on every run.
LIBRARY_FILES = {"jquery.min.js": jquery_js, "d3.js": d3_js}


def write_libraries(folder: Path) -> None:
    """Write LIBRARY_FILES into folder, each replaced at once (a second server process may be reading it) and only
    where its text differs. Raises OSError where the folder cannot be written."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in LIBRARY_FILES.items():
        target = folder / name
        if target.is_file() and target.read_text(encoding="utf-8") == text():
            continue
        part = target.with_name(f".{name}.{os.getpid()}.part")
        part.write_text(text(), encoding="utf-8")
        os.replace(part, target)


def make_offline(view_html: str, element_id: str = "bertviz-view", libraries_at: str | None = None) -> str:
    """bertviz's returned HTML -> a document that loads nothing from outside: jQuery, d3 and the require shim
    inlined (self-contained: a file a student can keep), or, with `libraries_at` (a relative URL of the folder
    write_libraries filled, on the same server), jQuery and d3 loaded from there."""
    html, n_tags = _REQUIRE_TAG.subn("", view_html)
    html, n_configs = _REQUIRE_CONFIG.subn("", html)
    if n_tags != 1 or n_configs != 1:
        raise ValueError("bertviz's HTML no longer has the require.js tag and require.config block this module "
                         f"removes (found {n_tags} and {n_configs}): check the installed bertviz version")
    # bertviz names its root element with a random uuid; a fixed one keeps the HTML the same on every rerun,
    # so Streamlit does not reload the frame each time a slider moves.
    html = _RANDOM_ID.sub(element_id, html)
    # bertviz's own script: the last <script> block. Escape its content like the libraries'.
    start = html.rindex('<script type="text/javascript">')
    end = html.rindex("</script>")
    view_script = html[start + len('<script type="text/javascript">'):end]
    # Its block comments go: the file header cites the tensor2tensor .js it is based on by URL, and a page that
    # must provably fetch nothing is easier to check without any .js address in it.
    view_script = re.sub(r"/\*.*?\*/", "", view_script, flags=re.S)
    body = html[:start] + _script(view_script) + html[end + len("</script>"):]
    if libraries_at is None:
        libraries = _script(jquery_js()) + _script(d3_js())
    else:
        libraries = "".join(f'<script type="text/javascript" src="{html_lib.escape(libraries_at + name)}"></script>'
                            for name in LIBRARY_FILES)
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">" + PAGE_STYLE + libraries + _script(SHIM)
            + "</head><body>" + body + "</body></html>")


def attentions_from_cache(cache: dict[str, torch.Tensor], layers: int | range) -> tuple[torch.Tensor, ...]:
    """What bertviz calls `attention`, indexed by layer: a [1, H, T, T] tensor for each of these layers (an int n:
    the first n), here its hook_pattern (first sequence) on the CPU in float64 rounded to DECIMALS. A layer before
    them holds the first one's tensor again (the same object, no copy): bertviz reads layer 0 for the number of
    heads, and draws only the layers it is told to include."""
    layers = range(layers) if isinstance(layers, int) else layers
    shown = {i: cache[f"layers.{i}.attention.hook_pattern"][:1].double().cpu().round(decimals=DECIMALS)
             for i in layers}
    return tuple(shown.get(i, shown[layers.start]) for i in range(layers.stop))


def readable_tokens(pieces: list[str]) -> list[str]:
    """Token labels for bertviz: "▁" (word start) becomes a space, a lone "▁" a visible "␣", and a byte piece
    of a printable ASCII character ("<0x3C>") that character; other byte pieces (parts of an emoji) stay."""
    labels = []
    for piece in pieces:
        byte = re.fullmatch(r"<0x([0-9A-Fa-f]{2})>", piece)
        if byte and 0x20 < int(byte.group(1), 16) < 0x7F:
            labels.append(chr(int(byte.group(1), 16)))
        elif byte and byte.group(1) == "0A":
            labels.append("↵")
        else:
            labels.append("␣" if piece == "▁" else piece.replace("▁", " "))
    return labels


# bertviz's own words, as its HTML (head_view.py) and model_view.js write them. A text that a new bertviz no
# longer has is simply not replaced: the view still works, in English (tests/test_viz_i18n.py notices).
_LAYER_SELECT = re.compile(r'\bLayer:(\s*<select\s+id="layer")')  # any spacing: it is HTML, not code
_HEADS_HEADING = '.text("Heads")'
_LAYERS_HEADING = '.text("Layers")'
_DETAIL_HEADING = """.text('Layer ' + config.layers[layerIndex] + ", Head " + config.heads[headIndex])"""


def _js_text(template: str, **expressions: str) -> str:
    """A text with str.format placeholders as a JavaScript expression: its pieces as string literals, joined by
    the given JavaScript expressions.   ("Layer {layer}", layer="x") -> '"Layer " + x'"""
    parts = re.split(r"\{(\w+)\}", template)  # text, name, text, name, ..., text
    return " + ".join(json.dumps(part, ensure_ascii=False) if i % 2 == 0 else expressions[part]
                      for i, part in enumerate(parts) if part)


def _translate_view(view_html: str, lang: str) -> str:
    """bertviz's English labels -> the language's (for English, the same words again)."""
    # t() without values returns the text with its placeholders: the page fills them in the browser.
    detail = _js_text(t("viz.bertviz.detail", lang), layer="config.layers[layerIndex]",
                      head="config.heads[headIndex]")
    replacements = {
        _HEADS_HEADING: f".text({json.dumps(t('viz.bertviz.heads', lang), ensure_ascii=False)})",
        _LAYERS_HEADING: f".text({json.dumps(t('viz.bertviz.layers', lang), ensure_ascii=False)})",
        _DETAIL_HEADING: f".text({detail})",
    }
    for old, new in replacements.items():
        view_html = view_html.replace(old, new)
    label = html_lib.escape(t("viz.bertviz.layer_select", lang))
    return _LAYER_SELECT.sub(lambda found: label + found.group(1), view_html)


def head_view_html(attentions: tuple[torch.Tensor | None, ...], tokens: list[str], layer: int | None = None,
                   heads: list[int] | None = None, *, layers: list[int] | None = None, lang: str = "en",
                   libraries_at: str | None = None) -> str:
    """bertviz's head view (lines from each token to the tokens it attends to, one colour per head), offline: these
    layers (default: every one in `attentions`), opening on `layer` (default: the first). libraries_at: see
    make_offline."""
    from bertviz import head_view

    layers = list(range(len(attentions))) if layers is None else layers
    html = head_view(list(attentions), tokens, layer=layers[0] if layer is None else layer, heads=heads,
                     include_layers=layers, prettify_tokens=False, html_action="return").data
    for old, new in _HEAD_VIEW_LOOK.items():
        html = html.replace(old, new)
    return make_offline(_translate_view(html, lang), "bertviz-head-view", libraries_at)


def model_view_html(attentions: tuple[torch.Tensor | None, ...], tokens: list[str], *,
                    layers: list[int] | None = None, heads: list[int] | None = None, lang: str = "en",
                    libraries_at: str | None = None) -> str:
    """bertviz's model view (a thumbnail per layer and head; click one to enlarge it), offline: these layers and
    heads (default: all). libraries_at: see make_offline."""
    from bertviz import model_view

    layers = list(range(len(attentions))) if layers is None else layers
    html = model_view(list(attentions), tokens, display_mode="light", include_layers=layers, include_heads=heads,
                      prettify_tokens=False, html_action="return").data
    for old, new in _MODEL_VIEW_LOOK.items():
        html = html.replace(old, new)
    return make_offline(_translate_view(html, lang), "bertviz-model-view", libraries_at)


def head_view_height(n_tokens: int) -> int:
    """Pixels the head view needs: one row per token (HEAD_VIEW_ROW_PX) under its controls."""
    return int(n_tokens * HEAD_VIEW_ROW_PX + 140)


def model_view_height(n_layers: int, n_heads: int, n_tokens: int) -> int:
    """Pixels the model view needs, from bertviz's own layout constants (model_view.js)."""
    thumbnail = n_tokens * 7 * (12 / n_heads) + 10
    detail = n_tokens * 18 + 30 + 25
    return int(max(n_layers * thumbnail + 43, detail) + 60)
