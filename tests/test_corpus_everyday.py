"""Everyday texts, the second genre of the corpus (version 2): reproducible, grammatical where code can check it,
arithmetic that is right, and the characters and numbers a class types."""

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from llama_edu import corpus_everyday
from llama_edu.corpus import EVERYDAY_SHARE, generate_stories, generate_story
from llama_edu.corpus_everyday import CITIES, QUESTIONS, everyday_text

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rng = random.Random(2024)
    return [everyday_text(rng) for _ in range(6000)]


def test_same_text_in_another_process_with_another_hash_seed():
    code = ("import sys; from llama_edu.corpus import generate_stories; "
            "sys.stdout.write('\\n'.join(generate_stories(300, seed=9, version=2)))")
    env = dict(os.environ, PYTHONHASHSEED="777", PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True,
                         encoding="utf-8")
    assert out.stdout == "\n".join(generate_stories(300, seed=9, version=2))


def test_the_two_versions_differ_and_version_1_has_no_everyday_texts():
    assert generate_stories(50, seed=0, version=1) != generate_stories(50, seed=0, version=2)
    with pytest.raises(ValueError, match="corpus version 3"):
        generate_story(random.Random(0), 3)


def test_about_three_fifths_of_version_2s_characters_are_everyday_texts():
    rng, everyday, total = random.Random(5), 0, 0
    for _ in range(4000):
        state = rng.getstate()
        is_everyday = rng.random() < EVERYDAY_SHARE
        rng.setstate(state)
        text = generate_story(rng, 2)
        total += len(text)
        everyday += len(text) if is_everyday else 0
    assert 0.5 < everyday / total < 0.66


def test_lines_are_clean(texts):
    for text in texts:
        assert text == text.strip() and "\n" not in text and len(text) < 4000
        assert text[-1] in '.!?"', text
        assert "  " not in text and " ," not in text and " ." not in text and "{" not in text, text
        assert not re.search(r'(?<!")[.!?] [a-z]', text), text  # a sentence starts with a capital


def test_the_alphabet_has_digits_and_the_letters_of_names(texts):
    chars = set("".join(texts))
    assert set("0123456789") <= chars  # so the tokenizer learns digit pieces
    assert set("äöüß") <= chars  # names such as Jürgen and Weiß
    assert chars - set("".join(chr(c) for c in range(32, 127))) <= set("äöüßÄÖÜéèëêôóíÉ")


def test_agreement(texts):
    text = "\n".join(texts)
    assert not re.search(r"\b(I (is|has|were)|[Ww]e was|[Tt]hey was|[Hh]e were|[Ss]he were|I likes)\b", text)
    assert not re.findall(r"\b[Aa] [aeioAEIO]\w*", text)
    assert not re.findall(r"\b[Aa]n [bcdfgjklmnpqrstvwxyz]\w*", text, flags=re.IGNORECASE)
    assert not re.search(r"\b(Mum|Dad|Grandpa|Grandma|Mr \w+|Mrs \w+|Ms \w+) is \d+ years old", text)


def test_sums_are_right(texts):
    text = "\n".join(texts)
    checked = 0
    for a, b, c in re.findall(r"(\d+) plus (\d+) is (\d+)", text):
        assert int(a) + int(b) == int(c)
        checked += 1
    for a, b, c in re.findall(r"(\d+) \+ (\d+) = (\d+)", text):
        assert int(a) + int(b) == int(c)
        checked += 1
    for a, b, c in re.findall(r"(\d+) times (\d+) is (\d+)", text):
        assert int(a) * int(b) == int(c)
        checked += 1
    for a, b, c in re.findall(r"had (\d+) \w+\. Then \w+ gave \w+ (\d+) more\. Now \w+ had (\d+)", text):
        assert int(a) + int(b) == int(c)
        checked += 1
    for price, paid, back in re.findall(r"cost (\d+) \w+\. \S+(?: \S+)*? paid with (\d+) \w+ and got (\d+) back", text):
        assert int(paid) - int(price) == int(back)
        checked += 1
    for n, listed in re.findall(r"counted to (\d+): ([\d, ]+)\.", text):
        assert listed == ", ".join(str(i) for i in range(1, int(n) + 1))
        checked += 1
    assert checked > 300


def test_ages_compare_right(texts):
    text = "\n".join(texts)
    found = re.findall(r"(?:is|am|are) (\d+) years old\. \w+ \w+ is (\d+), so \w+ (?:is|am|are) (\d+) years? "
                       r"(older|younger)", text)
    assert len(found) > 20
    for age, other, diff, which in found:
        assert int(diff) == abs(int(age) - int(other))
        assert (which == "older") == (int(age) > int(other))


def test_every_question_has_answers_and_every_city_a_country():
    assert len(QUESTIONS) >= 35 and all(q.endswith("?") and answers for q, answers in QUESTIONS)
    assert all(len(facts) >= 2 for facts in CITIES.values())  # the country, then at least one fact
    assert CITIES["Berlin"][0] == "Germany" and CITIES["Paris"][0] == "France"


def test_the_everyday_genre_never_reads_the_evaluation_sentences():
    import inspect

    source = inspect.getsource(corpus_everyday) + (REPO / "llama_edu/corpus_data/everyday.yaml").read_text()
    assert "eval_data" not in source and "everyday_sentences" not in source
