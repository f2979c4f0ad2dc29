"""Words and their forms for the story corpus (llama_edu/corpus.py): the little notations the data files use, the
agreement English needs (a/an, plurals, irregular pasts, -ing forms, pronouns in verb phrases), and the loader
for llama_edu/corpus_data/.

The notations, the same in every data file:
    words    separated by spaces; "_" joins a multi-word item: "teddy_bear" -> "teddy bear"
    nouns    words, with the plural after "/" where it is irregular: "mouse/mice", "fish/fish"
    verbs    base[+][:past[:participle]]: "+" doubles the last consonant (hop+ -> hopped, hopping); the past is
             written out only when it is irregular (sit+:sat, see:saw:seen)
    phrases  separated by "|": verb phrases in the base form ("wag {his} tail") or whole sentences
    spots    preposition:thing, "_" for a space: "on:mat next_to:window"
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "corpus_data"


class _DataLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):
    """YAML's safe loader with two traps closed for word lists: only true/false are booleans (YAML 1.1 reads
    on/off/yes/no as booleans, and "on" is a preposition here), and a key written twice is an error (YAML keeps
    the last one, silently dropping an animal or a place)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        twice = sorted({k for k in keys if keys.count(k) > 1}, key=str)
        if twice:
            where = f"{node.start_mark.name}, the mapping at line {node.start_mark.line + 1}"
            raise ValueError(f"{where}: {twice} given twice")
        return super().construct_mapping(node, deep)


_BOOL = "tag:yaml.org,2002:bool"
_DataLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_DataLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))


@cache
def corpus_data(name: str) -> dict:
    """One file of llama_edu/corpus_data/ ("animals" -> animals.yaml), read once per process. Do not modify the
    result: every caller shares it."""
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as f:
        return yaml.load(f, Loader=_DataLoader)


def split_words(spec: str) -> list[str]:
    """Whitespace-separated words; "_" joins a multi-word item ("teddy_bear" -> "teddy bear"). Order kept,
    repeats dropped."""
    return list(dict.fromkeys(tok.replace("_", " ") for tok in spec.split()))


def split_phrases(spec: str) -> list[str]:
    """Phrases separated by "|" or new lines, spaces normalised, order kept, duplicates dropped."""
    items = (" ".join(part.split()) for part in re.split(r"[|\n]", spec))
    return list(dict.fromkeys(p for p in items if p))


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence(text: str, end: str = ".") -> str:
    """Capitalise and punctuate one sentence of narration."""
    return cap(text) + end


# Words that start with a vowel letter but a consonant sound ("a unicorn") and the reverse ("an hour").
_A_BEFORE = ("uni", "use", "usu", "ut", "eu", "ewe", "one", "once", "ukulele")
_AN_BEFORE = ("hour", "honest", "honor", "heir")


def article(word: str) -> str:
    """'a' or 'an' for the word that follows (the first word of a noun phrase, adjectives included)."""
    w = word.lower()
    if w.startswith(_AN_BEFORE):
        return "an"
    if w.startswith(_A_BEFORE):
        return "a"
    return "an" if w[:1] in ("a", "e", "i", "o", "u") else "a"


def with_a(phrase: str) -> str:
    return f"{article(phrase)} {phrase}"


@dataclass(frozen=True)
class Noun:
    sing: str
    plural: str
    mass: bool = False  # milk, sand, grass: no "a", no plural ("some milk")


def pluralize(word: str) -> str:
    """Regular English plural of the last word; irregular ones are spelled out in the lists ("mouse/mice")."""
    head, sep, last = word.rpartition(" ")
    if last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return head + sep + last


NOUNS: dict[str, Noun] = {}  # every noun the data files name, by its singular (the first listing wins)


def nouns(spec: str, mass: bool = False) -> list[Noun]:
    """Parse "cat mouse/mice teddy_bear" into Nouns (and register them, so other tables can name them). A noun
    listed twice is kept twice, so a Bag of them draws it twice as often."""
    out = []
    for tok in spec.split():
        sing, _, plural = tok.partition("/")
        sing = sing.replace("_", " ")
        plural = plural.replace("_", " ") if plural else (sing if mass else pluralize(sing))
        noun = Noun(sing, plural, mass)
        NOUNS.setdefault(sing, noun)
        out.append(noun)
    return out


def noun(word: str) -> Noun:
    return NOUNS.get(word) or Noun(word, pluralize(word))


@dataclass(frozen=True)
class Verb:
    base: str  # sit
    past: str  # sat
    pp: str  # sat (past participle: "had never seen")
    ing: str  # sitting
    third: str  # sits ("my cat sits on the mat")


def _regular_past(w: str, double: bool) -> str:
    if double:
        return w + w[-1] + "ed"
    if w.endswith("e"):
        return w + "d"
    if w.endswith("y") and w[-2] not in "aeiou":
        return w[:-1] + "ied"
    return w + "ed"


def _ing(w: str, double: bool) -> str:
    if double:
        return w + w[-1] + "ing"
    if w.endswith("ie"):
        return w[:-2] + "ying"
    if w.endswith("e") and not w.endswith(("ee", "ye", "oe")):
        return w[:-1] + "ing"
    return w + "ing"


def _third(w: str) -> str:
    special = {"have": "has", "be": "is", "do": "does", "go": "goes"}
    if w in special:
        return special[w]
    if w.endswith(("s", "x", "z", "ch", "sh")) or (w.endswith("o") and not w.endswith("oo")):
        return w + "es"
    if w.endswith("y") and w[-2] not in "aeiou":
        return w[:-1] + "ies"
    return w + "s"


VERBS: dict[str, Verb] = {}  # every verb of words.yaml, by its base form


def _parse_verbs(spec: str) -> None:
    """Tokens "base[+][:past[:participle]]": "+" doubles the last consonant (hop -> hopped, hopping);
    a past is only spelled out when it is irregular (sit:sat, see:saw:seen)."""
    for tok in spec.split():
        head, *forms = tok.split(":")
        double = head.endswith("+")
        base = head.rstrip("+")
        past = forms[0] if forms else _regular_past(base, double)
        verb = Verb(base, past, forms[1] if len(forms) > 1 else past, _ing(base, double), _third(base))
        if VERBS.setdefault(base, verb) != verb:
            raise ValueError(f"verb {base!r} is listed twice with different forms")


for _group in corpus_data("words")["verbs"].values():  # irregular, doubling, moving, sounds, ...
    _parse_verbs(_group)


class Phrase:
    """A verb phrase written in its base form: "wag {his} tail", "play on the swings", "curl up".

    The first word is the verb (looked up in VERBS, so its irregular forms are right); the rest is kept as it
    is, with {his}/{him}/{self} filled in with the pronouns of whoever does it.
    """

    __slots__ = ("verb", "rest")

    def __init__(self, text: str):
        first, _, self.rest = text.partition(" ")
        self.verb = VERBS[first]

    def _done(self, form: str, who) -> str:
        rest = self.rest
        if "{" in rest:
            rest = rest.format(his=who.his, him=who.him, self=who.himself)
        return f"{form} {rest}" if rest else form

    def base(self, who) -> str:
        return self._done(self.verb.base, who)

    def past(self, who) -> str:
        return self._done(self.verb.past, who)

    def ing(self, who) -> str:
        return self._done(self.verb.ing, who)

    def present(self, who) -> str:
        """Present tense agreeing with who: "it sits", "they sit"."""
        return self._done(self.verb.base if who.plural else self.verb.third, who)


def phrases(spec: str) -> list[Phrase]:
    return [Phrase(p) for p in split_phrases(spec)]


class Bag:
    """Choices where earlier items are drawn more often: weight 1/(rank + flat), roughly how word frequencies
    fall off in real text. A larger `flat` makes the list more even (names should be; verbs need not)."""

    def __init__(self, items, flat: float = 2.0):
        self.items = tuple(items)
        if not self.items:
            raise ValueError("empty Bag")
        self.cum = list(itertools.accumulate(1.0 / (rank + flat) for rank in range(len(self.items))))

    def draw(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]

    def __len__(self):
        return len(self.items)


class Chooser:
    """Choices drawn from one random stream, self.rng (a random.Random): every choice a text makes comes from it,
    so a seed gives the same text in every process. The storytellers of both genres choose through these."""

    rng: object

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def one(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def draw(self, bag: Bag):
        return bag.draw(self.rng)
