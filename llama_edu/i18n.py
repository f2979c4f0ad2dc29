"""Every word the app shows, in English and German, kept in one place: llama_edu/strings/*.yaml.

A file holds keys; each key holds the same text in every language, side by side, so a missing translation is
visible in review and caught by a test:

    attention.title:
      en: Attention
      de: Aufmerksamkeit

Keys are prefixed with the file's name (`app.yaml` -> "app.attention.title"). Text with placeholders is filled
with str.format: t("viz.layer_head", "de", layer=3, head=1). Lesson text lives in lessons/ (lessons/de/ for German),
not here. This module has no Streamlit import: the figures in llama_edu.viz use it too.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

import yaml

LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
STRINGS_DIR = Path(__file__).resolve().parent / "strings"
# libyaml's parser where PyYAML has it (its wheels do): the same result, read ~10x faster (0.9 s -> 0.08 s for
# every strings file on 2 busy cores), which the app's first page waits for.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def strings() -> dict[str, dict[str, str]]:
    """{"file.key": {"en": text, "de": text}} over every strings/*.yaml (read once per process)."""
    table: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        for key, texts in data.items():
            table[f"{path.stem}.{key}"] = {lang: str(text) for lang, text in (texts or {}).items()}
    return table


def language(code: str | None) -> str:
    """A supported language code: unknown or missing codes (a hand-edited URL) fall back to English."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def text(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The text for `key` in `lang` with its placeholders unfilled."""
    try:
        return strings()[key][language(lang)]
    except KeyError:
        raise KeyError(f"no text {key!r} in {language(lang)!r}: add it to {STRINGS_DIR.name}/{key.split('.')[0]}.yaml")


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **values) -> str:
    """The text for `key` in `lang`, filled with `values` if any are given."""
    template = text(key, lang)
    return template.format(**values) if values else template


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def problems() -> list[str]:
    """Keys missing a language, or whose languages disagree on their placeholders (the test asserts none)."""
    found = []
    for key, texts in strings().items():
        for lang in LANGUAGES:
            if not texts.get(lang, "").strip():
                found.append(f"{key}: no {LANGUAGES[lang]} text")
        names = {lang: placeholders(text) for lang, text in texts.items()}
        if len({frozenset(n) for n in names.values()}) > 1:
            found.append(f"{key}: placeholders differ between languages: {names}")
    return found


# English 4,096.5 is German 4.096,5: swap the two separators in one pass.
_GERMAN_SEPARATORS = str.maketrans({",": ".", ".": ","})


def number(value: float, spec: str = "", lang: str = "en") -> str:
    """value formatted with a format spec (",", ".2f", ".0%"...) for prose: titles, legends, captions.

    German swaps the separators (4.096 tokens, 2,83) and puts a space before "%" (DIN 5008). Numbers plotly
    formats itself (hover templates, ticks) and value labels on bars and cells keep plotly's own format, so a
    figure never shows the same number two ways.
    """
    text = format(value, spec)
    if text.startswith("-") and {c for c in text if c.isdigit()} == {"0"}:
        text = text[1:]  # -0.0001 rounded to "-0.000", or -0.0: a zero has no sign
    if language(lang) != "de":
        return text
    text = text.translate(_GERMAN_SEPARATORS)
    return text[:-1] + "\u00a0%" if text.endswith("%") else text
