"""The app's words in the student's language: lang() for the session, say() for any text of llama_edu/strings/*.yaml
(numbers written the language's way, outside text shown literally), plain() where markdown is not read,
formula_number() inside LaTeX, and table() for every dataframe.

The words themselves live in llama_edu/strings/*.yaml (English and German side by side), never in page code.
"""

from __future__ import annotations

import functools
import numbers

import streamlit as st

from llama_edu import i18n, literal
from llama_edu.i18n import number

LANG_KEY = "lang"  # session state and URL query parameter (?lang=de)


def lang() -> str:
    """This session's language: taken from the URL (?lang=de) when the session starts, then from the sidebar.

    Reading it draws nothing, so main.py can call it before set_page_config and elements can call it anywhere.
    """
    state = st.session_state
    if LANG_KEY not in state:
        state[LANG_KEY] = i18n.language(st.query_params.get(LANG_KEY))  # unknown codes fall back to English
    return state[LANG_KEY]


class _Localized:
    """A number that keeps the text's own format spec ({gib:,.2f}) but is written the way `lang` writes numbers
    (llama_edu.viz.labels.number, as in the figures): "32,000 Tokens" would read as 32 in German."""

    def __init__(self, value, lang: str):
        self.value, self.lang = value, lang

    def __format__(self, spec: str) -> str:
        return number(self.value, spec, lang=self.lang)


class Markdown(str):
    """Text that is markdown already: the project's own words (every say() result), or outside text that
    went through literal.for_markdown. say() passes it on as it is; any other string it escapes."""


def _value(value, code: str, escape):
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return _Localized(value, code)
    if isinstance(value, Markdown):
        return value
    return escape(str(value))


def say(key: str, **values) -> Markdown:
    """The text for `key` of any strings file ("app.common.prompt", "layers.page.title") in this session's language,
    for markdown (captions, spinners, messages, labels): numbers written the language's way, and every other value
    (a student's prompt, a token piece, a folder name, an error) shown as the characters it is, never as markdown,
    LaTeX, a link or an image (literal.for_markdown), unless it is Markdown already. Inside a `code span` of the
    text, where markdown reads nothing and a backslash would show, a value is only kept from closing the span."""
    code = lang()
    in_code = _placeholders_in_code_spans(i18n.text(key, code))
    filled = {name: _value(v, code, _code_span_text if name in in_code else literal.for_markdown)
              for name, v in values.items()}
    return Markdown(i18n.t(key, code, **filled))


@functools.cache
def _placeholders_in_code_spans(text: str) -> frozenset[str]:
    """{path} in "the input of `{path}`": the odd pieces between backticks are code spans."""
    return frozenset(name for part in text.split("`")[1::2] for name in i18n.placeholders(part))


def _code_span_text(value: str) -> str:
    return value.replace("`", "\u02cb")  # a backtick would end the span: shown as the look-alike ˋ instead


def plain(key: str, **values) -> str:
    """The text for `key` where markdown is not read: a figure title (the viz functions escape it for plotly) or a
    picker's option. Numbers are written the language's way; strings are left as they are."""
    code = lang()
    return i18n.t(key, code, **{name: _value(v, code, str) for name, v in values.items()})


def formula_number(value, spec: str = ",") -> str:
    """A number inside st.latex. English keeps Python's format (4,096; 1.25); German follows lessons/de/: a thin
    space between thousands and a decimal comma in braces, which stops math mode from spacing it (4\\,096; 1{,}25)."""
    text = format(value, spec)
    if lang() == "de":
        text = text.translate(str.maketrans({",": r"\,", ".": "{,}"}))
    return text


# ---- tables -------------------------------------------------------------------------------------------------------
COLUMNS_FILE = "llama_edu/strings/columns.yaml"


def column(key: str) -> dict[str, str]:
    """A column of columns.yaml by the key the row functions write ("as_mha_gib"): its name in each language, and
    for a number column its format (and suffix)."""
    try:
        return i18n.strings()[f"columns.{key}"]
    except KeyError:
        raise KeyError(f"no column {key!r}: add it to {COLUMNS_FILE}") from None


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def cell(key: str, value, code: str):
    """One cell as `code` shows it: a number written with its column's format (German 4.096 and 0,125), anything
    else (a token piece, a model name, words the row function wrote in the language) as it is."""
    spec = column(key)
    if not _is_number(value):
        return value
    if "format" not in spec:
        if isinstance(value, numbers.Integral):
            return value  # ids, positions, small counts: the same in every language
        raise ValueError(f"column {key!r} holds {value!r} but has no format: give it one in {COLUMNS_FILE}")
    return number(value, spec["format"], lang=code) + spec.get("suffix", "")


def table_rows(rows: list[dict], code: str) -> list[dict]:
    """The rows as `code` shows them: each column under its name in columns.yaml, each number in its format."""
    code = i18n.language(code)
    return [{column(key)[code]: cell(key, value, code) for key, value in row.items()} for row in rows]


def table(rows: list[dict], *, where=None, **kwargs):
    """st.dataframe(rows, **kwargs) in this session's language: every table of the app goes through here.

    The rows' keys are the column keys of llama_edu/strings/columns.yaml (a missing one raises KeyError); each
    column is shown under its name there, and each number cell written with its column's format for the language
    (table_rows). Number columns stay right-aligned. `where` is the container (a column, a sidebar); column_config
    is keyed by the rows' keys, like the rows.
    """
    code = lang()
    if st.session_state.get("presenter"):  # app/common.py's presenter switch (PRESENTER_KEY)
        return (where or st).table(_presenter_table(rows, code))
    config = {key: st.column_config.Column(alignment="right")
              for key in dict.fromkeys(key for row in rows for key in row) if "format" in column(key)}
    config |= kwargs.get("column_config") or {}
    if config:
        kwargs["column_config"] = {column(key)[code]: value for key, value in config.items()}
    return (where or st).dataframe(table_rows(rows, code), **kwargs)


def _presenter_table(rows: list[dict], code: str):
    """The rows as an HTML table for presenter mode: st.dataframe draws on a canvas whose 14 px type no CSS reaches,
    an HTML table takes the page's 20 px. No index column; cells are the formatted text of table_rows."""
    import pandas as pd  # Streamlit's own dependency; imported here, where only presenter mode needs it

    return pd.DataFrame(table_rows(rows, code)).style.hide(axis="index")
