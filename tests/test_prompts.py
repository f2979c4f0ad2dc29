"""Cleaning what a student types: linear in the prompt's length whatever it is made of, and every character the
tokenizer cannot take removed with a note. (The messages in both languages: tests/app/test_i18n_prompts.py.)"""

import time

import pytest

import llama_edu as le
from llama_edu.prompts import MAX_PROMPT_CHARS, PromptError, prepare_prompt, remove_invisible

# The largest prompt a student can send, made of what a disruptive student would paste.
WORST_CASES = {
    "zero-width spaces": "\u200b" * MAX_PROMPT_CHARS,
    "control characters": "\x07\x1b" * (MAX_PROMPT_CHARS // 2),
    "bidi overrides": "\u202e\u202d" * (MAX_PROMPT_CHARS // 2),
    "combining accents": "a" + "\u0301" * (MAX_PROMPT_CHARS - 1),
    "all kinds mixed": ("a\u200b\u0301\u202e\x01b " * MAX_PROMPT_CHARS)[:MAX_PROMPT_CHARS],
}


@pytest.fixture(scope="module")
def tok() -> le.Tokenizer:
    return le.load_tokenizer(le.TINY_MODEL_DIR)


@pytest.mark.parametrize("case", list(WORST_CASES))
def test_cleaning_the_largest_prompt_takes_under_50_ms(case):
    # It runs on every rerun of every page, outside the model's queue and holding the GIL: a quadratic clean
    # (a set of the removed characters rebuilt per character) took 6 s here for 20,000 zero-width spaces.
    text = WORST_CASES[case]
    best = min(_seconds(remove_invisible, text) for _ in range(3))  # the least disturbed of three runs
    assert best < 0.050, f"{case}: {best * 1000:.0f} ms"


@pytest.mark.parametrize("case", list(WORST_CASES))
def test_preparing_the_largest_prompt_stays_fast_tokenizer_included(tok, case):
    best = min(_seconds(_prepare_or_refuse, tok, WORST_CASES[case]) for _ in range(3))
    assert best < 0.25, f"{case}: {best * 1000:.0f} ms"


def test_invisible_characters_are_counted_and_text_kept():
    text, removed = remove_invisible("a\u200bb\x00c\u202ed\ne\tf👩\u200d💻")
    assert (text, removed) == ("abcd\ne\tf👩\u200d💻", 3)  # newline, tab and the emoji's joiner stay


def test_a_lone_surrogate_is_removed_not_passed_to_the_tokenizer(tok):
    # sentencepiece raised a C++ cast error on "\ud800"; a library caller can pass one (a browser cannot).
    prepared = prepare_prompt(tok, "The cat\ud800 sat", 64)
    assert prepared.text == "The cat sat" and len(prepared.notes) == 1


def _prepare_or_refuse(tok, text):
    try:
        prepare_prompt(tok, text, 64)
    except PromptError:
        pass


def _seconds(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start
