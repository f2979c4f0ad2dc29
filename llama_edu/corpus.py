"""A reproducible, procedurally generated corpus of simple English: children's stories and everyday texts.

Why this exists
---------------
llama_edu trains a tiny LLaMA (about 6M parameters, a 4096-piece SentencePiece BPE vocabulary) for about half
an hour on two CPU cores, and the app then shows students its attention maps for prompts such as
"The cat sat on the mat". Those pictures only mean something if the model has learned real English structure:
which word is the subject, which verb goes with it, what a preposition attaches to. A model that small, trained
that briefly, learns nothing of the kind from web text; it *can* learn it from text in the style of TinyStories:
short, simple and consistent, yet varied enough that it must learn grammar rather than memorise lines.

Classrooms are offline and datasets come with licences, so we do not ship one: we generate it. This module and
the four next to it are a small stochastic grammar (standard library and PyYAML only):

* Word lists kept as data in llama_edu/corpus_data/*.yaml (first names, animals, objects, foods, places,
  adjectives, verbs with their irregular forms, adverbs, ...), so a 20 MB sample has thousands of distinct words.
* A little model of the world, so sentences make sense: which animals move how (fish swim, frogs hop, birds
  fly), where they rest (cats on mats, birds on fences, frogs on lily pads), what they eat and say, which
  objects and activities belong to which place.
* Agreement done by code, never by hand: a/an, plurals, irregular past tenses (sat, ran, saw, took), -ing
  forms, and pronouns that match the character (she/her, he/his, they/their, it/its).
* Grammar productions ("rules") registered by kind and composed recursively: noun phrases take adjectives and
  places; clauses join with because / so / but / when / then; story plots (a beginning, a problem and an
  ending) are built from those rules. `production_counts()` lists them.

"The cat sat on the mat." is never written down: it comes out of the resting rule (subject + resting verb +
preposition + spot) because cats are the most frequent house animal, "sit" the most frequent resting verb and
the mat the most frequent spot at home. Earlier entries of every list are drawn more often (a Zipf-like
curve, as in real text), which gives a tiny model frequent words to learn well and rare words for variety.

Version 2 (the shipped model's corpus since issue 13) adds a second genre, corpus_everyday.py: short texts of
everyday life (home, school, meals, weather and what people do about it, things that happen and what people do
then, plans that go wrong, numbers written in digits, towns and cities, true answers to questions children ask,
conversation), about three fifths of the characters. A model trained on the stories alone was sure of its world
and lost on a class's sentences (3.3 bits per character on everyday sentences written by hand, against 0.22 on
its own stories). Version 1, the stories alone, is still generated
exactly as before (tests/test_corpus_split.py), so the first model stays reproducible:
``python -m llama_edu.train --out runs/tiny-v1 --corpus-version 1 --data data/tiny-v1``.

Determinism: everything draws from the one ``random.Random`` the caller passes in; nothing iterates over a set
or uses ``hash()``, so a seed gives byte-identical text in every process, whatever PYTHONHASHSEED is.

Where things are, in reading order:
    corpus_data/*.yaml   the word lists and world facts (the data: review and edit them there)
    corpus_words.py      the notations of those files, word forms and agreement, Bag, the data loader
    corpus_world.py      people, food, things, animals, places, weather and feelings, built from the data
    corpus_telling.py    Story and Character, and the smaller productions (clauses, dialogue, scenes, endings)
    corpus_plots.py      the plots
    corpus_everyday.py   everyday texts (version 2), with corpus_data/everyday.yaml
    corpus.py            this file: the public API (generate_stories, write_corpus) and the command line

Files: ``write_corpus`` writes ``train.txt`` and ``val.txt``, one story per line (SentencePiece reads one
"sentence" per line; a story is about 130 to 1,000 characters, far under its 4192-byte limit). The alphabet is
small on purpose, because with character_coverage=1.0 every distinct character costs the tokenizer a vocabulary
slot: version 1 has ASCII letters, space and . , ! ? " ' (numbers are words); version 2 adds the digits, + - = :
and the letters of names such as Jürgen, Weiß and Zoë, so numbers and those letters get pieces of their own.

    python -m llama_edu.corpus data/stories --chars 20000000 --seed 0 [--version 1]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

from . import corpus_plots  # noqa: F401  (registers the plots; corpus_telling registers the smaller productions)
from .corpus_everyday import everyday_text
from .corpus_telling import Story, production_counts  # noqa: F401  (production_counts is part of the API)

MAX_STORY_CHARS = 3000  # SentencePiece skips lines over 4192 bytes; stories stay well under that


# The corpus versions. 1: the story world alone (the model shipped until issue 13). 2: those stories and everyday
# texts (llama_edu/corpus_everyday.py), about three fifths of the characters: digits, questions, school, cities.
VERSIONS = (1, 2)
CURRENT_VERSION = 2
EVERYDAY_SHARE = 0.8  # of the lines; everyday texts are shorter (about 185 characters against 530): 0.58 of the text


def generate_story(rng, version: int = CURRENT_VERSION) -> str:
    """One text of the corpus as a single line (no newline), drawn from rng, a random.Random."""
    if version not in VERSIONS:
        raise ValueError(f"corpus version {version!r} does not exist; there are {VERSIONS}")
    if version >= 2 and rng.random() < EVERYDAY_SHARE:
        return everyday_text(rng)
    for _ in range(20):
        text = " ".join(s for s in Story(rng).expand("plot") if s)
        if len(text) <= MAX_STORY_CHARS:
            return text
    return text  # never reached in practice: no plot produces 20 over-long stories in a row


def generate_stories(n: int, seed: int = 0, version: int = CURRENT_VERSION) -> list[str]:
    """n texts from random.Random(seed): the same seed and version always give the same texts."""
    rng = random.Random(seed)
    return [generate_story(rng, version) for _ in range(n)]


_WORD = re.compile(r"[^\W\d_]+")  # runs of letters, "ü" and "é" included


def distinct_words(texts) -> int:
    """Distinct lowercase words (runs of letters) in an iterable of texts."""
    seen: set[str] = set()  # only its size is used, so set order cannot leak into the output
    for text in texts:
        seen.update(_WORD.findall(text.lower()))
    return len(seen)


def write_corpus(out_dir, n_chars: int = 20_000_000, seed: int = 0, val_fraction: float = 0.02,
                 version: int = CURRENT_VERSION) -> dict:
    """Write train.txt and val.txt into out_dir, one story per line, about n_chars characters in all.

    train.txt is the stream of random.Random(seed), so it starts with generate_stories(k, seed). val.txt is a
    separate stream (seeded with the string "val:<seed>"), and any story that also occurs in train.txt is left
    out of it, so the two never share a story. Returns character, story and distinct-word counts.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    val_target = int(n_chars * val_fraction)
    words: set[str] = set()
    train_stories: set[str] = set()

    def fill(path: Path, rng, target: int, exclude: set[str], keep: set[str] | None) -> tuple[int, int]:
        chars = count = 0
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            while chars < target:
                story = generate_story(rng, version)
                if story in exclude:
                    continue
                if keep is not None:
                    keep.add(story)
                words.update(_WORD.findall(story.lower()))
                f.write(story + "\n")
                chars += len(story) + 1
                count += 1
        return chars, count

    train_chars, n_train = fill(out / "train.txt", random.Random(seed), n_chars - val_target, set(), train_stories)
    val_chars, n_val = fill(out / "val.txt", random.Random(f"val:{seed}"), val_target, train_stories, None)
    return {"train_chars": train_chars, "val_chars": val_chars, "n_stories": n_train + n_val,
            "n_train_stories": n_train, "n_val_stories": n_val, "distinct_words": len(words)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llama_edu.corpus", description=(
        "Write a procedurally generated corpus of simple English stories: train.txt and val.txt, one story per "
        "line."))
    parser.add_argument("out_dir", help="folder for train.txt and val.txt")
    parser.add_argument("--chars", type=int, default=20_000_000, help="characters in all (default 20,000,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--val-fraction", type=float, default=0.02, help="share of the characters for val.txt")
    parser.add_argument("--version", type=int, default=CURRENT_VERSION, choices=VERSIONS,
                        help=f"corpus version (default {CURRENT_VERSION}; 1 is the first tiny model's corpus)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    stats = write_corpus(args.out_dir, args.chars, args.seed, args.val_fraction, args.version)
    for key, value in stats.items():
        print(f"{key}: {value:,}")
    print(f"seconds: {time.perf_counter() - start:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
