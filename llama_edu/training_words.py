"""The words a model saw in training, and the words of a prompt it never saw.

A model trained on a small corpus knows nothing about a word that was not in it: the tokenizer still spells the
word, but in many small pieces (or UTF-8 bytes) whose combination the model never learned. The train script writes
the training text's words next to every checkpoint it trains (training_words.txt, one lower-case word per line,
sorted), so the app can point at such words. A checkpoint trained elsewhere (a real LLaMA) has no such file: then
nothing is known and nothing is marked.

    known = training_words("assets/tiny")          # frozenset of words, or None without the file
    unseen_words("Merkel met the cat", known)      # ["Merkel"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

WORDS_FILE = "training_words.txt"

# A word: a run of letters or digits (of any script), and apostrophes between two of them ("don't", "Lily's").
# \w without "_" is exactly letters, digits and the marks that belong to letters.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})  # the typographic apostrophe is the same apostrophe


def words(text: str) -> list[tuple[str, str]]:
    """(word as written, word compared) for every word of text, in order.

    A word is a run of letters or digits (any script), with apostrophes allowed between them: "Lily's" and
    "don't" are one word each, "12" is a word, "co-op" is two ("co", "op"), a quote mark around a word is not part
    of it. Words are compared lower-case, with the typographic apostrophe (') read as the plain one (')."""
    normal = text.translate(_APOSTROPHES)
    return [(text[m.start():m.end()], m.group().lower()) for m in _WORD.finditer(normal)]


def unseen_words(text: str, known: Iterable[str] | None) -> list[str]:
    """The words of text (see words()) whose lower-case form is not in known, as first written, in order, each
    once. A possessive counts as seen when its word was ("Omar's" after "Omar"): it is spelled from the same pieces
    plus "'s". known=None (a checkpoint without a word list) marks nothing."""
    if known is None:
        return []
    known = known if isinstance(known, (set, frozenset)) else frozenset(known)
    found, seen = [], set()
    for written, compared in words(text):
        base = compared[:-2] if compared.endswith("'s") else compared
        if compared not in known and base not in known and compared not in seen:
            seen.add(compared)
            found.append(written)
    return found


def training_words(checkpoint_dir) -> frozenset[str] | None:
    """The words of the checkpoint's training text, from its training_words.txt; None where there is no such file
    (a checkpoint that was not trained by llama_edu.train)."""
    path = Path(checkpoint_dir) / WORDS_FILE
    if not path.is_file():
        return None
    return frozenset(line for line in path.read_text(encoding="utf-8").splitlines() if line)


def word_list(lines: Iterable[str]) -> list[str]:
    """The distinct lower-case words of some texts, sorted: what training_words.txt holds."""
    found: set[str] = set()
    for line in lines:
        found.update(compared for _, compared in words(line))
    return sorted(found)


def write_training_words(training_text, checkpoint_dir) -> Path:
    """Write checkpoint_dir/training_words.txt from the training text file (e.g. data/tiny-v2/train.txt)."""
    with open(training_text, encoding="utf-8") as f:
        listed = word_list(f)
    path = Path(checkpoint_dir) / WORDS_FILE
    path.write_text("".join(word + "\n" for word in listed), encoding="utf-8")
    return path


def main(argv=None) -> None:
    """python -m llama_edu.training_words data/tiny-v2/train.txt assets/tiny"""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("training_text", type=Path)
    parser.add_argument("checkpoint", type=Path)
    args = parser.parse_args(argv)
    path = write_training_words(args.training_text, args.checkpoint)
    print(f"wrote {path}: {len(training_words(args.checkpoint)):,} words")


if __name__ == "__main__":
    main()
