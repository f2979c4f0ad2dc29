"""Turning whatever a student types into token ids the model can run, and saying what had to change."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .tokenizer import Tokenizer

MAX_PROMPT_CHARS = 20_000  # beyond this, text is cut before tokenizing (no one reads 20k characters of heatmap)


@dataclass
class PreparedPrompt:
    text: str  # the text the ids spell (after cleaning and truncation)
    ids: list[int]  # BOS first
    notes: list[str] = field(default_factory=list)  # what was changed, in words for the student


class PromptError(ValueError):
    """A prompt that cannot be run at all (empty); the message says what to do."""


def prepare_prompt(tok: Tokenizer, text: str, max_tokens: int) -> PreparedPrompt:
    """Clean and tokenize; truncate to max_tokens (BOS included) with a note rather than fail."""
    if not isinstance(text, str):
        raise PromptError("the prompt must be text")
    notes = []
    if len(text) > MAX_PROMPT_CHARS:
        notes.append(f"The prompt was {len(text):,} characters; only the first {MAX_PROMPT_CHARS:,} were used.")
        text = text[:MAX_PROMPT_CHARS]
    # Control characters (other than newline and tab) are invisible and would show as empty boxes.
    controls = [c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t\u200d"]
    if controls:
        text = "".join(c for c in text if c not in set(controls))
        notes.append(f"Removed {len(controls)} invisible control character(s).")
    if not text.strip():
        raise PromptError("The prompt is empty: type a sentence, for example \"The cat sat on the mat\".")
    ids = tok.encode(text)
    if len(ids) > max_tokens:
        notes.append(f"The prompt is {len(ids):,} tokens; the first {max_tokens:,} are used "
                     f"(the limit for this view, at most the model's context).")
        ids = ids[:max_tokens]
        text = tok.decode(ids[1:])
    return PreparedPrompt(text=text, ids=ids, notes=notes)
