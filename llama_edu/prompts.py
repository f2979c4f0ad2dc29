"""Turning whatever a student types into token ids the model can run, and saying what had to change."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .i18n import DEFAULT_LANGUAGE, number, t
from .tokenizer import Tokenizer

MAX_PROMPT_CHARS = 20_000  # beyond this, text is cut before tokenizing (no one reads 20k characters of heatmap)


@dataclass
class PreparedPrompt:
    text: str  # the text the ids spell (after cleaning and truncation)
    ids: list[int]  # BOS first
    notes: list[str] = field(default_factory=list)  # what was changed, in words for the student (in `lang`)


class PromptError(ValueError):
    """A prompt that cannot be run at all (empty); the message says what to do."""


def _invisible(char: str) -> bool:
    """Control and format characters (Cc, Cf: zero-width spaces, bidi overrides, NUL...) are invisible and would
    show as empty boxes; a lone surrogate (Cs) is half of a character, not text, and the tokenizer cannot take it.
    Newline and tab are text; the zero-width joiner holds emoji sequences (👩‍💻) together."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs") and char not in "\n\t\u200d"


def remove_invisible(text: str) -> tuple[str, int]:
    """(text without invisible characters, how many were removed). One pass, one category lookup per character:
    the largest prompt a student may send is cleaned in a few milliseconds whatever it is made of."""
    kept = [char for char in text if not _invisible(char)]
    return "".join(kept), len(text) - len(kept)


def prepare_prompt(tok: Tokenizer, text: str, max_tokens: int, *, lang: str = DEFAULT_LANGUAGE) -> PreparedPrompt:
    """Clean and tokenize; truncate to max_tokens (BOS included) with a note rather than fail.

    The notes and PromptError's message are in `lang` (llama_edu/strings/prompts.yaml), numbers written its way.
    """
    def say(key: str, **numbers) -> str:
        return t(f"prompts.{key}", lang, **{name: number(n, ",", lang=lang) for name, n in numbers.items()})

    if not isinstance(text, str):
        raise PromptError(say("not_text"))
    notes = []
    if len(text) > MAX_PROMPT_CHARS:
        notes.append(say("too_many_characters", chars=len(text), max_chars=MAX_PROMPT_CHARS))
        text = text[:MAX_PROMPT_CHARS]
    text, removed = remove_invisible(text)
    if removed:
        notes.append(say("control_characters", n=removed))
    if not text.strip():
        raise PromptError(say("empty"))
    ids = tok.encode(text)
    if len(ids) > max_tokens:
        notes.append(say("too_many_tokens", tokens=len(ids), max_tokens=max_tokens))
        ids = ids[:max_tokens]
        text = tok.decode(ids[tok.bos_count:])
    return PreparedPrompt(text=text, ids=ids, notes=notes)


def token_window(n_tokens: int, size: int, first: int = 0) -> slice:
    """The positions a figure shows of a sequence of n_tokens: `size` of them from position `first`, the window moved
    back inside the sequence where it would run past either end; the whole sequence when it has at most `size`.
    Labels keep their positions: slicing the tensor and the labels with the same slice keeps them together."""
    if size < 1:
        raise ValueError(f"a window shows at least one token, got size {size}")
    first = min(max(first, 0), max(n_tokens - size, 0))
    return slice(first, min(first + size, n_tokens))
