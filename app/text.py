"""The app's words in the student's language: lang() for the session, say() for any text of llama_edu/strings/*.yaml
(numbers written the language's way, outside text shown literally), plain() where markdown is not read,
formula_number() inside LaTeX, and table() for every dataframe.

The words themselves live in llama_edu/strings/*.yaml (English and German side by side), never in page code.
"""

from __future__ import annotations

import functools
import numbers
import re
from collections.abc import Iterable

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
@functools.cache
def table_words() -> dict[str, dict[str, str]]:
    """{English text: {language: text}} of llama_edu/strings/columns.yaml: the tables' column names and prose cells,
    found by the English text the code writes (the rows' keys stay English: code reads columns by name)."""
    return {texts["en"]: texts for key, texts in i18n.strings().items() if key.startswith("columns.")}


# A number as the viz row functions write it into a string: 4,096 / 0.125 / 12.5% (not inside a word or a name).
_ENGLISH_NUMBER = re.compile(r"(?<![\w.,])[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+)%?(?![\w.,])")
_GERMAN_SEPARATORS = str.maketrans({",": ".", ".": ","})


def _numbers_for(text: str, code: str) -> str:
    """The numbers inside a cell written the way `code` writes them (as llama_edu.viz.labels.number does)."""
    if code != "de":
        return text
    def german(match: re.Match) -> str:
        written = match.group().translate(_GERMAN_SEPARATORS)
        return written[:-1] + "\u00a0%" if written.endswith("%") else written
    return _ENGLISH_NUMBER.sub(german, text)


def table(rows: list[dict], *, prose: Iterable[str] = (), numbers: Iterable[str] = (), localized: bool = False,
          where=None, **kwargs):
    """st.dataframe(rows, **kwargs), shown in this session's language: every table of the app goes through here.

    Column names are looked up in llama_edu/strings/columns.yaml by their English text (a missing one raises, like
    tr()). `prose` names columns whose cells are words (a setting's name), translated when columns.yaml lists them;
    `numbers` names columns whose string cells hold numbers written the English way ("4,096", "0.125"), rewritten
    for the language. Rows from a function that already took lang= are passed with localized=True and shown as
    they are. `where` is the container (a column, a sidebar); column_config follows the renamed columns.
    """
    if not localized:
        code, words = lang(), table_words()
        prose, numbers = set(prose), set(numbers)

        def name(column: str) -> str:
            if column not in words:
                raise KeyError(f"no column name {column!r}: add it to llama_edu/strings/columns.yaml")
            return words[column][code]

        def cell(column: str, value):
            if isinstance(value, str):
                if column in prose and value in words:
                    value = words[value][code]
                if column in numbers:
                    value = _numbers_for(value, code)
            return value

        rows = [{name(column): cell(column, value) for column, value in row.items()} for row in rows]
        if kwargs.get("column_config"):
            kwargs["column_config"] = {name(column): config for column, config in kwargs["column_config"].items()}
    return (where or st).dataframe(rows, **kwargs)
