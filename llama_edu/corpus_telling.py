"""The storyteller of the story corpus (llama_edu/corpus.py): who a story is about (Story, Character), and the
grammar's smaller productions, registered by kind with @rule: time phrases, clauses, connectives, dialogue,
scene sentences, openings, endings and conversations. The plots (llama_edu/corpus_plots.py) are built from these.

The word lists come from llama_edu/corpus_data/ (through llama_edu/corpus_world.py, or read here where one rule
uses them). Determinism: every choice draws from Story.rng; productions of a kind are drawn by their weight and
their order of definition, so the order of the rules below is part of the corpus (tests/test_corpus_split.py).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from typing import Callable

from .corpus_words import (Bag, Chooser, Noun, Phrase, cap, corpus_data, phrases, sentence, split_phrases, split_words,
                           with_a)
from .corpus_world import (AGES, ALL_ANIMALS, BOY_NAMES, CLOTHES, COLORS, DAYS, DRINK_VERBS, EAT_VERBS, FAMILY, FAUNA,
                           FLYING_THINGS, FOOD, FOOD_ADJS, FOOD_BY_KIND, GIRL_NAMES, GREETINGS, HOME_ROOMS, MEASURES,
                           MONTHS, MOODS, MORALS, MOVE_ADVERBS, NUMBERS, OBJECT_LOOKS, OUTINGS, PET_NAMES, PETS,
                           PLACE_LOOKS, PLACES, REST_ADVERBS, SEASONS, TIMES_OF_DAY, TOYS, TRAITS, TREASURES, VEHICLES,
                           WEATHER_BAG, WEATHER_LINES, YES, Animal, Place, Spot)

_words, _people, _things = corpus_data("words"), corpus_data("people"), corpus_data("things")
_animals, _places = corpus_data("animals"), corpus_data("places")

# Productions are plain functions registered with @rule(kind). A plot calls smaller rules (openings, scene
# sentences, dialogue, connectives, endings); those call clause builders, which call noun-phrase builders.
# A few hundred lines of rules over the word lists compose into millions of different sentences.

RULES: dict[str, list[tuple[float, Callable]]] = {}  # kind -> [(weight, production)], in definition order
_CUM: dict[str, list[float]] = {}  # kind -> cumulative weights, built on first use


def rule(kind: str, weight: float = 1.0):
    """Register a production of a kind; Story.expand(kind) picks one of them by weight."""
    def register(fn):
        RULES.setdefault(kind, []).append((weight, fn))
        _CUM.pop(kind, None)
        return fn
    return register


def production_counts() -> dict[str, int]:
    """How many productions the grammar has, by kind."""
    return {kind: len(options) for kind, options in RULES.items()}


PRONOUNS = {"f": ("she", "her", "her", "herself"), "m": ("he", "him", "his", "himself"),
            "n": ("it", "it", "its", "itself"), "pl": ("they", "them", "their", "themselves")}


@dataclass(eq=False)  # compared by identity: two characters can share a name ("the cat")
class Character:
    name: str  # how narration names it: "Lily", "Mom", "the cat", "Lily and Tom"
    kind: str  # what it is: "girl", "mom", "cat", "group"
    gender: str  # pronoun key: f, m, n (it), pl (they)
    desc: str = ""  # adjectives and noun: "fluffy white cat"
    intro: str = ""  # first mention: "a fluffy white cat named Snow"
    animal: Animal | None = None
    human: bool = True
    moves: tuple = ()  # how it moves when that is not its animal's way (children, groups)

    he = property(lambda self: PRONOUNS[self.gender][0])
    him = property(lambda self: PRONOUNS[self.gender][1])
    his = property(lambda self: PRONOUNS[self.gender][2])
    himself = property(lambda self: PRONOUNS[self.gender][3])
    plural = property(lambda self: self.gender == "pl")
    was = property(lambda self: "were" if self.gender == "pl" else "was")
    is_ = property(lambda self: "are" if self.gender == "pl" else "is")

    @property
    def possessive(self) -> str:
        return self.name + "'s"


BIG_FOODS = tuple(split_words(_things["big_foods"]))  # by the slice: "a slice of watermelon"
BABY_ANIMALS = tuple(split_words(_animals["baby_animals"]))
SMALL_FOODS = tuple(split_words(_things["small_foods"]))  # by the handful: "some grapes"
HOUSE_LOOKS = tuple(split_words(_words["house_looks"]))
HAPPY_WOWS = split_phrases(_words["wows"])
SPEECH = {how: Bag(split_words(verbs), flat=1) for how, verbs in _words["speech_tags"].items()}  # "ask": asked
TONE_ADVERBS = {tone: tuple(split_words(adverbs)) for tone, adverbs in _words["tone_adverbs"].items()}


class Story(Chooser):
    """What telling one story needs: its random stream, its names, its weather, and who was talked about
    last. Pronouns may only point back at the previous subject, so "she" never means the wrong girl."""

    def __init__(self, rng):
        self.rng = rng
        self.topic: Character | None = None  # subject of the clause being built
        self.last_topic: Character | None = None  # subject of the clause before it
        self.names: list[str] = []  # names already given in this story
        self.kinds: list[Animal] = []  # animals of the cast: scenery uses other animals, to avoid "the cat" mix-ups
        self.last_scenery: Animal | None = None  # and not the same animal twice in a row
        self.weather = WEATHER_BAG.draw(rng)

    def expand(self, kind: str, *args):
        options = RULES[kind]
        cum = _CUM.get(kind)
        if cum is None:
            cum = _CUM[kind] = list(itertools.accumulate(w for w, _ in options))
        return options[bisect.bisect_right(cum, self.rng.random() * cum[-1])][1](self, *args)

    # --- referring to characters ---
    def subj(self, c: Character) -> str:
        """Name c as the subject of a clause: a pronoun only if c was also the last subject."""
        ref = c.he if (c is self.topic and self.chance(0.65)) else c.name
        self.last_topic, self.topic = self.topic, c
        return ref

    def obj(self, c: Character) -> str:
        """Name c as an object: a pronoun only if c was the subject before this one and the current subject
        has another pronoun (so "Lily hugged her" never means Lily)."""
        t = self.topic
        if c is self.last_topic and t is not None and c is not t and c.gender != t.gender and self.chance(0.5):
            return c.him
        return c.name

    def forget(self) -> None:
        """After a sentence that names several characters at once, the next one must use names."""
        self.topic = self.last_topic = None

    # --- making characters ---
    def fresh_name(self, bag: Bag) -> str:
        for _ in range(30):
            name = self.draw(bag)
            if name not in self.names:
                break
        self.names.append(name)
        return name

    def _intro(self, desc: str, name: str) -> str:
        return f"{with_a(desc)} {'named' if self.chance(0.8) else 'called'} {name}"

    def child(self, gender: str | None = None) -> Character:
        gender = gender or self.one(("f", "m"))
        name = self.fresh_name(GIRL_NAMES if gender == "f" else BOY_NAMES)
        kind = "girl" if gender == "f" else "boy"
        words = [self.draw(TRAITS)] if self.chance(0.45) else []
        if self.chance(0.6):
            words.append("little")
        desc = " ".join(words + [kind])
        return Character(name, kind, gender, desc, self._intro(desc, name))

    def animal_desc(self, a: Animal) -> str:
        """Adjectives in English order (opinion, size, look, colour) and the noun: "fluffy white cat"."""
        words = []
        if self.chance(0.25):
            words.append(self.draw(TRAITS))
        if self.chance(0.45):
            if a.noun.sing in BABY_ANIMALS:
                words.append(self.one(("little", "small", "tiny")))
            else:
                words.append(self.one(("little", "small", "big", "young", "old") if a.group in ("farm", "wild", "sea")
                                      else ("little", "small", "big", "tiny", "young", "old")))
        if a.coats and self.chance(0.3):
            words.append(self.one(a.coats))
        if a.colors and self.chance(0.3):
            words.append(self.one(a.colors))
        return " ".join(dict.fromkeys(words + [a.noun.sing]))  # dict: drops a repeated word, keeps order

    def pet(self, a: Animal | None = None) -> Character:
        """A named animal, a main character: he or she, never "it"."""
        a = a or self.draw(PETS)
        self.kinds.append(a)
        desc = self.animal_desc(a)
        name = self.fresh_name(PET_NAMES)
        return Character(name, a.noun.sing, self.one(("f", "m")), desc, self._intro(desc, name), a, False)

    def creature(self, a: Animal) -> Character:
        """An unnamed animal: "the cat", "it"."""
        desc = self.animal_desc(a)
        return Character(f"the {a.noun.sing}", a.noun.sing, "n", desc, with_a(desc), a, False)

    def hero(self) -> Character:
        if self.chance(0.68):
            return self.child()
        return self.pet(self.draw(ALL_ANIMALS) if self.chance(0.5) else None)

    def grown_up(self, hero: Character) -> Character:
        """A parent or grandparent; for an animal hero, its mom or dad."""
        if not hero.human:
            g = self.one(("f", "m"))
            name = f"{hero.his} {'mom' if g == 'f' else 'dad'}"
            return Character(name, name.split()[1], g, name, name, hero.animal, False)
        name, g = self.draw(FAMILY)
        return Character(name, name.lower(), g, name, name)

    def friend(self, hero: Character, place: Place | None = None) -> Character:
        """Children mostly befriend children; animals befriend animals that live where the story is."""
        if hero.human and self.chance(0.65):
            return self.child()
        fauna = FAUNA.get(place.key) if place else None
        return self.pet(self.draw(fauna) if fauna else None)

    def group(self, *members: Character) -> Character:
        """Several characters acting together ("Lily and Tom", then "they"). They move in a way all of them
        can: children and a dog can run, a frog and a duck can swim, anyone can go."""
        animals = [m.animal for m in members if m.animal is not None]
        moves = CHILD_MOVES.items if len(animals) < len(members) else animals[0].moves
        moves = tuple(p for p in moves if all(any(q.verb is p.verb for q in a.moves) for a in animals)) or GO
        return Character(" and ".join(m.name for m in members), "group", "pl",
                         animal=animals[0] if animals and len(animals) == len(members) else None,
                         human=len(animals) < len(members) and all(a.pet for a in animals), moves=moves)

    def background(self, place: Place) -> Character | None:
        """A nameless animal that lives here, for scenery ("the dog slept under the table")."""
        fauna = FAUNA.get(place.key)
        if not fauna:
            return None
        for _ in range(4):
            a = self.draw(fauna)
            if a not in self.kinds and a is not self.last_scenery:
                self.last_scenery = a
                return self.creature(a)
        return None

    # --- noun phrases ---
    def food(self, who: Character | None = None) -> tuple[Noun, str]:
        """Something who would eat: an animal eats its own food; people eat people's food."""
        if who is not None and who.animal is not None and who.animal.foods and not who.human:
            n = self.one(who.animal.foods)
            return n, FOOD.get(n.sing, (n, "animal"))[1]
        kind = self.one(("fruit", "fruit", "baked", "baked", "meal", "sweet", "vegetable", "drink"))
        return self.draw(FOOD_BY_KIND[kind]), kind

    def food_np(self, n: Noun, kind: str, many: bool = False) -> str:
        """a juicy apple / some milk / a glass of milk / some cookies / three grapes."""
        adj = self.draw(FOOD_ADJS[kind]) + " " if kind in FOOD_ADJS and self.chance(0.35) else ""
        if adj and adj.strip() in n.sing.split():  # not "a hot hot dog"
            adj = ""
        if n.mass:
            if n.sing in MEASURES and self.chance(0.5):
                return f"{with_a(self.one(MEASURES[n.sing].split()))} of {adj}{n.sing}"
            return f"some {adj}{n.sing}"
        r = self.rng.random()
        if n.sing in BIG_FOODS:  # a slice of watermelon, not two watermelons
            return f"{with_a(self.one(('slice', 'piece', 'big slice')))} of {adj}{n.sing}" if r < 0.6 else \
                with_a(adj + n.sing)
        if r < 0.55 and not many and n.sing not in SMALL_FOODS:
            return with_a(adj + n.sing)
        if r < 0.8:
            return f"some {adj}{n.plural}"
        return f"{self.one(NUMBERS[:4])} {adj}{n.plural}"

    def thing_np(self, n: Noun, det: str = "a", adj_p: float = 0.35) -> str:
        """a shiny red ball / the old box / some sand."""
        words = []
        if not n.mass and self.chance(adj_p):
            words.append(self.draw(OBJECT_LOOKS))
            if self.chance(0.3):
                words.append(self.draw(COLORS))
        words = [w for w in dict.fromkeys(words) if w not in n.sing.split()]  # not "a wooden wooden horse"
        phrase = " ".join(words + [n.sing])
        if det == "a":
            return f"some {phrase}" if n.mass else with_a(phrase)
        return f"{det} {phrase}"

    def spot_phrase(self, spot: Spot) -> str:
        """on the mat / under the big table / on the soft rug (soft only for soft things)."""
        if spot.noun.mass or not self.chance(0.15):
            return spot.phrase()
        soft = spot.noun.sing in SOFT_THINGS
        adj = self.one(("big", "little", "old", "soft", "warm", "cozy") if soft else ("big", "little", "old"))
        return spot.phrase() if adj in spot.noun.sing.split() else spot.phrase(adj)

    def when(self, day: bool = False) -> str:
        """When a story's problem starts: "One sunny morning". day=True: not in the evening or at night."""
        for _ in range(10):
            text = self.expand("when")
            if not day or not any(w in text for w in ("night", "evening")):
                return text
        return "one day"

    def weather_line(self, place: Place) -> str:
        return self.one(WEATHER_LINES[self.weather]).format(place="the house" if place.indoors else place.the)


SOFT_THINGS = tuple(split_words(_places["soft_things"]))


def acts_of(c: Character, place: Place) -> Bag:
    """What c can do for fun here: people (and children with their pets) do the place's activities; animals
    play as animals do."""
    if c.human:
        return place.acts
    if c.animal is not None and (c.animal.rest in ("", "water") or c.animal.group in ("sea", "pond")):
        return WATER_PLAY
    return ANIMAL_PLAY


ANIMAL_PLAY = Bag(phrases(_animals["play"]["land"]))
WATER_PLAY = Bag(phrases(_animals["play"]["water"]))
GO = tuple(phrases("go"))

# --- time phrases ------------------------------------------------------------------------------------


@rule("when", 4)
def when_one_day(st):
    return "one day"


@rule("when", 3)
def when_time_of_day(st):
    return f"one {st.draw(TIMES_OF_DAY)}"


@rule("when", 3)
def when_weather(st):
    return f"one {st.weather} {st.draw(TIMES_OF_DAY)}"


@rule("when")
def when_early(st):
    return st.one(("early one morning", "late one afternoon", "one evening after dinner", "one night"))


@rule("when")
def when_weekday(st):
    return f"on {st.draw(DAYS)}" + (f" {st.one(('morning', 'afternoon', 'evening'))}" if st.chance(0.4) else "")


@rule("when")
def when_season(st):
    return f"one {SEASONS[st.weather]} {st.one(('day', 'morning', 'afternoon'))}"


@rule("when")
def when_month(st):
    return f"one day in {st.draw(MONTHS)}"


# --- clauses (lowercase, no final punctuation; a sentence is made from one or two) --------------------

_rest = _animals["rest_verbs"]
REST_VERBS = {"ground": Bag(phrases(_rest["ground"]), flat=0.6), "perch": Bag(phrases(_rest["perch"]), flat=1),
              "water": Bag(phrases(_rest["water"]), flat=1), "bug": Bag(phrases(_rest["bug"]), flat=1)}
REST_TAILS_IN = tuple(split_phrases(_animals["rest_tails"]["anywhere"]))
REST_TAILS_OUT = REST_TAILS_IN + tuple(split_phrases(_animals["rest_tails"]["outdoors"]))


# A horse does not curl up on a tractor: big animals rest on the ground, or by or under things.
GROUND_LIKE = tuple(split_words(_animals["big"]["ground"]))
BIG_REST = Bag(phrases(_animals["big"]["rest"]), flat=1)
_BIG_SPOTS: dict[str, Bag | None] = {}


def big_spots(place: Place) -> Bag | None:
    if place.key not in _BIG_SPOTS:
        ok = [s for s in place.ground.items if s.prep in ("by", "next to", "under", "among") or
              s.noun.sing in GROUND_LIKE]
        _BIG_SPOTS[place.key] = Bag(ok) if ok else None
    return _BIG_SPOTS[place.key]


def rest_parts(st, c: Character, place: Place) -> tuple[Phrase, str] | None:
    """How and where c rests here: (sit, "on the mat"). None if it has nowhere to rest (fish)."""
    rest = c.animal.rest if c.animal is not None else "ground"
    if rest == "ground" and c.animal is not None and c.animal.big:
        bag = big_spots(place)
        return (st.draw(BIG_REST), st.spot_phrase(st.draw(bag))) if bag else None
    bag = place.rest_spots(rest) if rest else None
    if bag is None:
        return None
    return st.draw(REST_VERBS[rest]), st.spot_phrase(st.draw(bag))


def rest_clause(st, c: Character, place: Place, progressive: bool = False) -> str | None:
    """the cat sat on the mat / the dog was sleeping under the table / the frog rested on a lily pad."""
    parts = rest_parts(st, c, place)
    if parts is None:
        return None
    act, where = parts
    verb_part = f"{c.was} {act.ing(c)}" if progressive else act.past(c)
    tail = ""
    if st.chance(0.2):
        tails = REST_TAILS_IN if place.indoors else REST_TAILS_OUT
        tail = " " + (st.draw(REST_ADVERBS) if st.chance(0.5) else st.one(tails))
    return f"{st.subj(c)} {verb_part} {where}{tail}"


# How a way of moving fits a place: swimming needs water; flying goes over things; anything else is on land.
SWIM_MOVES = tuple(split_words(_animals["ways_of_moving"]["swim"]))
FLY_MOVES = tuple(split_words(_animals["ways_of_moving"]["fly"]))
EITHER_MOVES = tuple(split_words(_animals["ways_of_moving"]["either"]))  # swimming for a fish, flying for a bird
CHILD_MOVES = Bag(phrases(_people["moves"]), flat=2)


def _mode(c: Character, m: Phrase) -> str:
    base = m.verb.base
    if base in SWIM_MOVES or base in FLY_MOVES or base not in EITHER_MOVES:
        return "swim" if base in SWIM_MOVES else "fly" if base in FLY_MOVES else "land"
    for other in (c.animal.moves if c.animal else ()):  # glide, float...: how does this animal mostly move?
        if other.verb.base in SWIM_MOVES:
            return "swim"
        if other.verb.base in FLY_MOVES:
            return "fly"
    return "land"


def move_parts(st, c: Character, place: Place) -> tuple[Phrase, str, str]:
    """(verb phrase, adverb, where) for c moving here: fish swim only in water, birds fly over things."""
    moves = c.moves or (c.animal.moves if c.animal else CHILD_MOVES.items)
    water = place.kind == "water"
    ok = [m for m in moves if _mode(c, m) != "swim" or water] or list(GO)
    m = ok[0] if st.chance(0.4) else st.one(ok)
    mode = _mode(c, m)
    if mode == "swim":
        where = f"{st.one(('in', 'across', 'around', 'through'))} {place.the}"
    elif mode == "fly":
        where = f"{st.one(('over', 'above', 'around', 'across'))} {place.the}"
    else:
        where = f"{st.one(place.paths)} {place.the}"
    if mode != "swim" and st.chance(0.25):
        where = f"{st.one(('to', 'toward', 'past', 'around'))} the {st.draw(place.things).sing}"
    adv = st.draw(MOVE_ADVERBS) if st.chance(0.3) else ""
    return m, adv, where


def move_clause(st, c: Character, place: Place) -> str:
    """the dog ran around the park / the fish swam across the pond / the bird flew over the garden."""
    m, adv, where = move_parts(st, c, place)
    return " ".join(w for w in (st.subj(c), m.past(c), adv, where) if w)


def sound_clause(st, c: Character) -> str | None:
    """the dog barked loudly / the owl hooted at the moon."""
    if c.animal is None or c.animal.sound is None:
        return None
    tail = ""
    if st.chance(0.3):
        tail = " " + st.one(("loudly", "softly", "happily", "again", "twice", "in the distance", "once more",
                             "very loudly", "a little"))
    return f"{st.subj(c)} {c.animal.sound.past}{tail}"


def eat_clause(st, c: Character) -> str:
    """the rabbit nibbled on a carrot / the cat drank some milk / they ate some warm cookies."""
    n, kind = st.food(c)
    drink = kind == "drink" or n.sing in ("nectar", "milk", "water")
    act = st.draw(DRINK_VERBS if drink else EAT_VERBS)
    if act.verb.base == "share" and not c.plural:
        act = EAT_VERBS.items[0]
    return f"{st.subj(c)} {act.past(c)} {st.food_np(n, kind, many=c.plural)}"


def trick_clause(st, c: Character) -> str | None:
    """the dog wagged its tail / the rabbit twitched her nose."""
    if c.animal is None or not c.animal.tricks:
        return None
    return f"{st.subj(c)} {st.one(c.animal.tricks).past(c)}"


def feel_clause(st, c: Character, mood_key: str) -> str:
    """Lily felt sad / the cat was very happy / Tom looked worried."""
    return st.expand("feel", c, st.draw(MOODS[mood_key].words))


def react_clause(st, c: Character, mood_key: str) -> str:
    """What a feeling makes c do: she smiled / he stomped his feet / she clapped her hands."""
    m = MOODS[mood_key]
    return f"{st.subj(c)} {st.draw(m.human if c.human and st.chance(0.4) else m.any).past(c)}"


@rule("feel", 3)
def feel_felt(st, c, word):
    return f"{st.subj(c)} felt {st.one(('', '', 'very ', 'so ', 'a little '))}{word}"


@rule("feel", 2)
def feel_was(st, c, word):
    return f"{st.subj(c)} {c.was} {st.one(('', 'very ', 'so ', 'really '))}{word}"


@rule("feel")
def feel_looked(st, c, word):
    return f"{st.subj(c)} looked {word}"


@rule("feel")
def feel_became(st, c, word):
    return f"{st.subj(c)} {st.one(('started to feel', 'began to feel', 'grew'))} {word}"


# --- joining clauses: the same two events told with different connectives ----------------------------
# Clauses come in as functions and are called in reading order, so a pronoun is only ever chosen after the
# name it points back to has been written ("Because Tom was tired, he..." never "Because he was tired, Tom").

@rule("cause", 3)
def cause_so(st, reason, result):
    return sentence(f"{reason()}, so {result()}")


@rule("cause", 3)
def cause_because(st, reason, result):
    first = result()
    return sentence(f"{first} because {reason()}")


@rule("cause")
def cause_because_first(st, reason, result):
    first = reason()
    return sentence(f"because {first}, {result()}")


@rule("cause")
def cause_two_sentences(st, reason, result):
    first = reason()
    return f"{sentence(first)} {sentence(st.one(('so ', 'that is why ', 'and so ')) + result())}"


@rule("cause")
def cause_when(st, reason, result):
    first = reason()
    return sentence(f"when {first}, {result()}")


@rule("then", 3)
def then_plain(st, first, second):
    a = first()
    return f"{sentence(a)} {sentence(st.one(('then ', 'after that, ', 'next, ', 'soon, ')) + second())}"


@rule("then", 2)
def then_and_then(st, first, second):
    a = first()
    return sentence(f"{a}, and then {second()}")


@rule("then")
def then_after(st, first, second):
    a = first()
    return sentence(f"after {a}, {second()}")


@rule("then")
def then_as_soon_as(st, first, second):
    a = first()
    return sentence(f"as soon as {a}, {second()}")


@rule("then")
def then_first(st, first, second):
    a = first()
    return f"{sentence('first, ' + a)} {sentence('then ' + second())}"


@rule("but", 3)
def but_comma(st, first, second):
    a = first()
    return sentence(f"{a}, but {second()}")


@rule("but")
def but_sentence(st, first, second):
    a = first()
    return f"{sentence(a)} {sentence('but ' + second())}"


@rule("but")
def but_although(st, first, second):
    a = first()
    return sentence(f"although {a}, {second()}")


@rule("but")
def but_however(st, first, second):
    a = first()
    return f"{sentence(a)} {sentence('however, ' + second())}"


def cause(st, reason, result) -> str:
    return st.expand("cause", reason, result)


def then(st, first, second) -> str:
    return st.expand("then", first, second)


def but(st, first, second) -> str:
    return st.expand("but", first, second)


# --- talking -----------------------------------------------------------------------------------------

def say(st, speaker: Character, line: str, listener: Character | None = None, how: str = "",
        tone: str = "") -> str:
    """A line of dialogue with a speech tag. `line` ends with its own punctuation ("Can I play too?");
    `how` is a key of SPEECH ("reply", "cheer") or a verb ("whispered"); `tone` allows a fitting adverb."""
    line = cap(line)
    how = how or {"?": "ask", "!": "shout"}.get(line[-1], "say")
    verb_word = st.draw(SPEECH[how]) if how in SPEECH else how
    return st.expand("say", speaker, line, verb_word, listener, tone)


def _before_tag(line: str) -> str:
    """A quote followed by its tag ends with a comma instead of a full stop: "I like it," said Tom."""
    return line[:-1] + "," if line.endswith(".") else line


@rule("say", 5)
def say_after(st, speaker, line, verb_word, listener, tone):
    """"Can I play too?" asked Tom. / "I like it," she said."""
    ref = st.subj(speaker)
    if ref == speaker.name and st.chance(0.6):
        return f"\"{_before_tag(line)}\" {verb_word} {ref}."
    return f"\"{_before_tag(line)}\" {ref} {verb_word}."


@rule("say", 2)
def say_before(st, speaker, line, verb_word, listener, tone):
    """Tom said, "I like it." """
    return f"{cap(st.subj(speaker))} {verb_word}, \"{line}\""


@rule("say")
def say_with_adverb(st, speaker, line, verb_word, listener, tone):
    """"Thank you," said Mom warmly."""
    adverb = f" {st.one(TONE_ADVERBS[tone])}" if tone in TONE_ADVERBS else ""
    return f"\"{_before_tag(line)}\" {st.subj(speaker)} {verb_word}{adverb}."


@rule("say")
def say_looking(st, speaker, line, verb_word, listener, tone):
    """Lily looked at Tom and said, "Let's play!" """
    who = st.subj(speaker)
    if listener is None:
        return f"{cap(who)} {verb_word}, \"{line}\""
    return f"{cap(who)} looked at {st.obj(listener)} and {verb_word}, \"{line}\""


@rule("say")
def say_to(st, speaker, line, verb_word, listener, tone):
    """"We can share," Lily said to Tom."""
    who = st.subj(speaker)
    if listener is None or verb_word not in ("said", "whispered", "explained", "called"):
        return f"\"{_before_tag(line)}\" {who} {verb_word}."
    return f"\"{_before_tag(line)}\" {who} {verb_word} to {st.obj(listener)}."


@rule("say")
def say_smiling(st, speaker, line, verb_word, listener, tone):
    """"Yes, please!" said Tom with a smile."""
    if tone not in ("happy", "kind") or verb_word not in ("said", "replied", "answered", "agreed", "whispered"):
        return say_after(st, speaker, line, verb_word, listener, tone)
    return f"\"{_before_tag(line)}\" {st.subj(speaker)} {verb_word} with a {st.one(('smile', 'grin', 'nod'))}."


def animal_call(st, c: Character) -> str | None:
    """"Woof, woof!" barked the dog."""
    a = c.animal
    if a is None or not a.call or a.sound is None:
        return None
    call = a.call if st.chance(0.5) else f"{a.call}, {a.call.lower()}"
    ref = st.subj(c)
    return f"\"{call}!\" {a.sound.past} {ref}." if ref == c.name else f"\"{call}!\" {ref} {a.sound.past}."


# --- scene sentences: what goes on around the characters --------------------------------------------
# Each takes the place and the story's hero, returns a sentence, or None when it does not fit here (then
# `scene` tries another).

@rule("scene", 6)
def scene_rest(st, place, hero):
    """The cat sat on the mat."""
    c = st.background(place)
    text = rest_clause(st, c, place) if c else None
    return sentence(text) if text else None


@rule("scene", 2)
def scene_rest_progressive(st, place, hero):
    """A cat was sleeping on the rug."""
    c = st.background(place)
    if c is None:
        return None
    if st.chance(0.5):
        c.name = c.intro
    text = rest_clause(st, c, place, progressive=True)
    return sentence(text) if text else None


@rule("scene", 2)
def scene_there_was(st, place, hero):
    """There was a little frog on the lily pad."""
    c = st.background(place)
    parts = rest_parts(st, c, place) if c else None
    return sentence(f"there was {c.intro} {parts[1]}") if parts else None


@rule("scene", 3)
def scene_move(st, place, hero):
    """The dog ran around the park."""
    c = st.background(place)
    return sentence(move_clause(st, c, place)) if c else None


@rule("scene", 2)
def scene_many(st, place, hero):
    """Two cats sat on the mat. / Three ducks swam across the pond."""
    c = st.background(place)
    if c is None:
        return None
    a = c.animal
    few = NUMBERS[:2] if place.kind == "home" else NUMBERS[:6]
    flock = Character(f"{st.one(few)} {a.noun.plural}", a.noun.plural, "pl", animal=a, human=False)
    text = rest_clause(st, flock, place) if st.chance(0.5) else None
    return sentence(text or move_clause(st, flock, place))


@rule("scene")
def scene_there_were(st, place, hero):
    """There were lots of ducks at the pond."""
    c = st.background(place)
    if c is None or place.kind == "home":
        return None
    return sentence(f"there were {st.one(('lots of', 'many', 'some') + NUMBERS[:5])} {c.animal.noun.plural} "
                    f"{place.at}")


@rule("scene")
def scene_sound(st, place, hero):
    """The cow mooed. / "Quack!" said the duck."""
    c = st.background(place)
    if c is None:
        return None
    if st.chance(0.4):
        return animal_call(st, c)
    text = sound_clause(st, c)
    return sentence(text) if text else None


@rule("scene")
def scene_eat(st, place, hero):
    """The rabbit nibbled on a carrot."""
    c = st.background(place)
    return sentence(eat_clause(st, c)) if c else None


@rule("scene")
def scene_trick(st, place, hero):
    """The dog wagged its tail."""
    c = st.background(place)
    text = trick_clause(st, c) if c else None
    return sentence(text) if text else None


@rule("scene", 2)
def scene_thing(st, place, hero):
    """There was a big red ball under the table. / The park had a big fountain."""
    if st.chance(0.5):
        toy = st.draw(TOYS).noun if st.chance(0.6) else st.draw(TREASURES)
        return sentence(f"there was {st.thing_np(toy)} {st.spot_phrase(st.draw(place.ground))}")
    n = st.draw(place.things)
    if n.mass:
        return sentence(f"there was {n.sing} all over {place.the}")
    if st.chance(0.5):
        return sentence(f"{place.the} had {with_a(st.one(('big', 'little', 'old', 'new', 'pretty')) + ' ' + n.sing)}")
    if st.chance(0.6):
        return sentence(f"there was {with_a(n.sing)} {place.at}")
    return sentence(f"there were {st.one(('some', 'two', 'lots of', 'many'))} {n.plural} {place.at}")


@rule("scene", 2)
def scene_weather(st, place, hero):
    """The sun was shining. / Outside, it was raining."""
    if place.indoors:
        return sentence(f"outside, {st.weather_line(place)}")
    return sentence(st.weather_line(place))


@rule("scene")
def scene_describe(st, place, hero):
    """The park was quiet and green."""
    a, b = st.draw(PLACE_LOOKS), st.draw(PLACE_LOOKS)
    if a == b:
        return sentence(f"{place.the} was {st.one(('very', 'so', 'nice and'))} {a}")
    return sentence(f"{place.the} was {a} and {b}")


@rule("scene")
def scene_hear(st, place, hero):
    """Lily could hear the birds singing."""
    c = st.background(place)
    if c is None or hero is None:
        return None
    a = c.animal
    if a.sound is not None:
        doing, sense = a.sound.ing, "hear"
    else:
        doing, sense = st.one(a.moves).ing(c), "see"
    where = f" {place.at}" if st.chance(0.4) else ""
    return sentence(f"{st.subj(hero)} could {sense} {st.one(('the', 'some'))} {a.noun.plural} {doing}{where}")


@rule("scene", 2)
def scene_watch(st, place, hero):
    """Lily watched a frog hopping across the pond."""
    c = st.background(place)
    if c is None or hero is None:
        return None
    who = st.subj(hero)
    m, adv, where = move_parts(st, c, place)
    look = st.one(("watched", "saw", "spotted", "noticed"))
    return sentence(" ".join(w for w in (who, look, c.intro, m.ing(c), adv, where) if w))


@rule("scene")
def scene_while(st, place, hero):
    """While Lily read a book, the cat slept on the rug."""
    c = st.background(place)
    if c is None or hero is None:
        return None
    first = f"while {st.subj(hero)} {st.draw(acts_of(hero, place)).past(hero)}"
    return sentence(f"{first}, {rest_clause(st, c, place) or move_clause(st, c, place)}")


@rule("scene")
def scene_pair(st, place, hero):
    """The cat sat on the mat, and the dog slept under the table."""
    a, b = st.background(place), st.background(place)
    if a is None or b is None or a.kind == b.kind:
        return None
    first = rest_clause(st, a, place) or move_clause(st, a, place)
    second = rest_clause(st, b, place) or move_clause(st, b, place)
    return sentence(f"{first}{st.one((', and', ' and', ' while'))} {second}")


@rule("scene")
def scene_sensing(st, place, hero):
    """Lily could smell fresh bread."""
    if hero is None:
        return None
    n, kind = st.food(None)
    if place.indoors and place.key != "kitchen" and place.kind != "home":
        return None
    if kind in ("drink", "sweet") or not place.indoors:
        sense = st.one(("the fresh air", "the flowers", "the warm sun on " + hero.his + " face",
                        "the soft wind"))
        return sentence(f"{st.subj(hero)} could {'feel' if 'sun' in sense or 'wind' in sense else 'smell'} {sense}")
    what = n.sing if n.mass else n.plural
    return sentence(f"{st.subj(hero)} could smell {st.one(('fresh', 'warm', 'yummy'))} {what} in the kitchen")



@rule("scene")
def scene_vehicle(st, place, hero):
    """A red bus rumbled down the street. / The truck honked its horn."""
    if place.key not in ("town", "farm", "park", "school", "market"):
        return None
    n, moves, noise = st.draw(VEHICLES)
    thing = Character(f"the {n.sing}", n.sing, "n", n.sing, with_a(n.sing), human=False)
    if st.chance(0.4):
        return sentence(f"{thing.name} {noise.past(thing)}")
    where = st.one(("down the street", "past the shop", "around the corner", "over the bridge", "along the road"))
    return sentence(f"{with_a(st.draw(COLORS) + ' ' + n.sing)} {st.one(moves).past(thing)} {where}")


@rule("scene")
def scene_sky(st, place, hero):
    """An airplane flew high above the park."""
    if place.indoors:
        return None
    n, how = st.draw(FLYING_THINGS)
    return sentence(f"{with_a(n.sing)} {st.one(how)} high above {place.the}")

HOME_SOUNDS = split_phrases(_places["home_sounds"])


@rule("scene")
def scene_home_sound(st, place, hero):
    """The clock ticked on the wall."""
    if not place.indoors:
        return None
    return sentence(st.one(HOME_SOUNDS))

def scene(st, place: Place, hero: Character | None = None, n: int = 1) -> list[str]:
    """n scene sentences about place."""
    out: list[str] = []
    for _ in range(n * 4):
        text = st.expand("scene", place, hero)
        if text:
            out.append(text)
            if len(out) == n:
                break
    return out


# --- openings: who the story is about ---------------------------------------------------------------

@rule("intro", 4)
def intro_once(st, hero, place):
    return sentence(f"once upon a time, there was {hero.intro}")


@rule("intro", 2)
def intro_lived(st, hero, place):
    where = st.one(("in a small house near the forest", "in a big city", "in a little village by the sea",
                    "on a farm", "in a cozy house on a hill", "in a house with a red door", "in a small town",
                    "near a big park", "by a quiet lake", "at the edge of the woods"))
    if hero.animal is not None and not hero.animal.pet and hero.animal.homes[0] in PLACES:
        where = PLACES[hero.animal.homes[0]].at  # a frog lives at the pond, not in a big city
    return sentence(f"once upon a time, {where}, there lived {hero.intro}")


@rule("intro", 2)
def intro_there_once(st, hero, place):
    return sentence(f"there once was {hero.intro}")


@rule("intro", 2)
def intro_who_loved(st, hero, place):
    return sentence(f"{hero.name} was {with_a(hero.desc)} who loved to {st.draw(acts_of(hero, place)).base(hero)}")


@rule("intro")
def intro_age(st, hero, place):
    if not hero.human:
        return sentence(f"{hero.name} was {with_a(hero.desc)} who lived {place.at}")
    return sentence(f"{hero.name} was {with_a(hero.desc)}. {cap(hero.he)} was {st.one(AGES)} years old")


@rule("intro")
def intro_this_is(st, hero, place):
    return sentence(f"this is a story about {hero.intro}")


@rule("trait", 3)
def trait_loved(st, hero, place):
    return sentence(f"{st.subj(hero)} loved to {st.draw(acts_of(hero, place)).base(hero)}")


@rule("trait")
def trait_loved_ing(st, hero, place):
    return sentence(f"{st.subj(hero)} {st.one(('loved', 'liked', 'enjoyed'))} "
                    f"{st.draw(acts_of(hero, place)).ing(hero)}")


@rule("trait", 2)
def trait_toy(st, hero, place):
    whose = hero.his if hero is st.topic and st.chance(0.6) else hero.possessive
    return sentence(f"{whose} favorite toy was {st.thing_np(st.draw(TOYS).noun, adj_p=0.6)}")


@rule("trait")
def trait_every_day(st, hero, place):
    return sentence(f"every day, {st.subj(hero)} {st.draw(acts_of(hero, place)).past(hero)} {place.at}")


@rule("trait")
def trait_food(st, hero, place):
    n, _ = st.food(hero)
    return sentence(f"{st.subj(hero)} liked {n.sing if n.mass else n.plural} more than anything")


@rule("trait")
def trait_character(st, hero, place):
    also = f", and everyone liked {hero.him}" if st.chance(0.3) else ""
    return sentence(f"{st.subj(hero)} was very {st.draw(TRAITS)}{also}")


ANIMAL_HOMES: dict[str, str] = _animals["dens"]  # group -> phrases: where an animal hero lives


@rule("trait")
def trait_lives(st, hero, place):
    if hero.human:
        family = st.one(("mom and dad", "mom", "dad", "grandma", "grandpa", "big sister", "little brother",
                         "family", "parents", "two cats", "dog"))
        return sentence(f"{st.subj(hero)} lived with {hero.his} {family} in {with_a(st.one(HOUSE_LOOKS))} house")
    family = st.one(("family", "mom", "brothers and sisters", "friends", "grandma"))
    den = st.one(split_phrases(ANIMAL_HOMES.get(hero.animal.group if hero.animal else "pet", "in a cozy little home")))
    return sentence(f"{st.subj(hero)} lived {den} with {hero.his} {family}")


@rule("trait")
def trait_pet(st, hero, place):
    if not hero.human:
        return trait_character(st, hero, place)
    pet = st.creature(st.draw(PETS))
    name = st.fresh_name(PET_NAMES)
    return sentence(f"{st.subj(hero)} had {pet.intro} {st.one(('named', 'called'))} {name}")


@rule("trait")
def trait_clothes(st, hero, place):
    if not hero.human:
        return trait_loved(st, hero, place)
    return sentence(f"{st.subj(hero)} always wore {hero.his} {garment(st)}")


PAIRS = tuple(split_words(_things["pairs"]))  # worn two at a time


def garment(st) -> str:
    """"red dress", "blue boots": a colour and something to wear (pairs in the plural)."""
    item = st.draw(CLOTHES)
    return f"{st.draw(COLORS)} {item.plural if item.sing in PAIRS else item.sing}"

# --- how people and animals look --------------------------------------------------------------------

HAIR = tuple(split_words(_people["looks"]["hair"]))
HAIR_COLORS = tuple(split_words(_people["looks"]["hair_colors"]))
EYE_COLORS = tuple(split_words(_people["looks"]["eye_colors"]))
FACE_THINGS = tuple(split_phrases(_people["looks"]["face"]))
# What an animal looks like, by group: {color} is one of its colours.
ANIMAL_LOOKS: dict[str, str] = _animals["looks"]


@rule("trait")
def trait_looks(st, hero, place):
    """She had long curly hair and green eyes. / The cat had soft white fur."""
    if hero.animal is not None:
        looks = split_phrases(ANIMAL_LOOKS[hero.animal.group])
        color = st.one(hero.animal.colors or ("brown",))
        a, b = st.one(looks), st.one(looks)
        both = a if a == b else f"{a} and {b}"
        return sentence(f"{st.subj(hero)} had {both}".format(color=color))
    if st.chance(0.6):
        return sentence(f"{st.subj(hero)} had {st.one(HAIR)} {st.one(HAIR_COLORS)} hair and {st.one(EYE_COLORS)} eyes")
    return sentence(f"{st.subj(hero)} had {st.one(FACE_THINGS).format(his=hero.his, he=hero.he)}")

def opening(st, hero: Character, place: Place, traits: int = 1) -> list[str]:
    """The first sentence or two: who the hero is, and what they love."""
    out = [st.expand("intro", hero, place)]
    st.forget()
    st.topic = hero  # after an introduction, "she" means the hero
    for _ in range(traits):
        for _ in range(3):  # do not say the same thing twice ("who loved to swing. She loved to swing.")
            line = st.expand("trait", hero, place)
            if line[-12:] not in out[0]:
                break
        out.append(line)
    return out


# --- endings -----------------------------------------------------------------------------------------

@rule("ending", 3)
def end_friends(st, cast, place):
    if len(cast) > 1:
        return sentence(f"from that day on, {st.group(*cast).name} were "
                        f"{st.one(('best friends', 'good friends', 'friends'))}")
    return sentence(f"from that day on, {cast[0].name} was always {st.draw(MOODS['happy'].words)}")


@rule("ending", 2)
def end_played(st, cast, place):
    who = st.group(*cast) if len(cast) > 1 else cast[0]
    return sentence(f"{st.subj(who)} played {place.at} until the sun went down")


@rule("ending", 2)
def end_slept(st, cast, place):
    hero = cast[0]
    return sentence(f"that night, {hero.name} {st.one(('went to bed', 'fell asleep', 'slept'))} with a big smile "
                    f"on {hero.his} face")


@rule("ending")
def end_happily(st, cast, place):
    return sentence("and they all lived happily ever after")


@rule("ending", 2)
def end_best_day(st, cast, place):
    return sentence(f"it was the best day {cast[0].name} had ever had")


@rule("ending")
def end_every_day(st, cast, place):
    if place.kind == "home" or place.key == "school":
        return None
    who = st.group(*cast) if len(cast) > 1 else cast[0]
    return sentence(f"after that, {who.name} {st.one(('went', 'came back'))} {place.to} every "
                    f"{st.one(('day', 'week', 'morning', 'Saturday', 'summer'))}")


@rule("ending")
def end_tired_happy(st, cast, place):
    who = st.group(*cast) if len(cast) > 1 else cast[0]
    return sentence(f"at the end of the day, {who.name} {who.was} {st.draw(MOODS['tired'].words)} but "
                    f"{st.draw(MOODS['happy'].words)}")


@rule("ending")
def end_remembered(st, cast, place):
    return sentence(f"{cast[0].name} would always remember that {st.one(('day', 'adventure', 'afternoon'))}")


@rule("ending")
def end_hug(st, cast, place):
    if len(cast) > 1 and cast[0].human:
        return sentence(f"{cast[0].name} gave {cast[1].name} a big hug, and everyone was happy")
    if place.indoors:
        return sentence(f"{cast[0].name} smiled, and everything in {place.the} felt warm and cozy")
    return sentence(f"{cast[0].name} smiled, and the sun shone down on {place.the}")


AFFECTION = split_phrases(_animals["affection"])


@rule("ending")
def end_affection(st, cast, place):
    """The puppy licked Lily's face."""
    people = [c for c in cast if c.human]
    animals = [c for c in cast if c.animal is not None and not c.human and c.animal.group in ("pet", "farm")]
    if not people or not animals:
        return None
    line = st.one(AFFECTION).format(animal=animals[0].name, hero=people[0].name)
    return sentence(line, st.one((".", "!")))

def ending(st, cast: list[Character], place: Place) -> str:
    for _ in range(10):
        text = st.expand("ending", cast, place)
        if text:
            return text
    return sentence("the end")


def moral(st, key: str, hero: Character) -> str:
    text = st.one(MORALS[key])
    return sentence(st.one((f"{hero.name} learned that {text}", f"that day, {hero.name} learned that {text}",
                            f"and {hero.name} knew that {text}")))


# --- conversations when two characters meet ---------------------------------------------------------

@rule("chat", 3)
def chat_play(st, a, b, place):
    act = st.draw(acts_of(a, place))
    ask = st.one(("Do you want to play with me?", "Can I play too?", "Will you be my friend?",
                  f"Would you like to {act.base(b)} with me?", f"Let's {act.base(a)} together!"))
    return [say(st, a, ask, b), say(st, b, st.one(YES) + st.one(("!", "!", ".")), a, "agree", "happy")]


@rule("chat", 2)
def chat_names(st, a, b, place):
    where = st.one((".", "!", f", and I live {place.at}."))
    return [say(st, a, f"{st.one(GREETINGS)}! My name is {a.name}. What is your name?", b),
            say(st, b, f"I am {b.name}{where}", a, "reply")]


@rule("chat")
def chat_what_doing(st, a, b, place):
    act = st.draw(acts_of(b, place))
    more = st.one(("It is so much fun!", "Do you want to join me?", "Come and see!"))
    return [say(st, a, "What are you doing?", b), say(st, b, f"I am {act.ing(b)}. {more}", a, "reply")]


@rule("chat")
def chat_how_are_you(st, a, b, place):
    word = st.draw(MOODS["happy"].words)
    more = st.one(("And you?", "What a nice day!", "Look at the sky!", "It is a lovely day."))
    return [say(st, a, f"{st.one(GREETINGS)}, {b.name}! How are you today?", b),
            say(st, b, f"I am {word}, thank you! {more}", a, "reply", "happy")]


@rule("chat")
def chat_look(st, a, b, place):
    """"Look! The cat is sitting on the mat!" said Lily. (The present tense, in speech.)"""
    c = st.background(place)
    parts = rest_parts(st, c, place) if c else None
    if parts is None:
        return chat_play(st, a, b, place)
    act, where = parts
    line = f"{st.one(HAPPY_WOWS)}! {cap(c.name)} is {act.ing(c)} {where}!"
    return [say(st, a, line, b), say(st, b, st.one(("I see it!", "How funny!", "It looks so happy.",
                                                     "It is so cute!")), a, "reply", "happy")]


@rule("chat")
def chat_pet(st, a, b, place):
    """"Do you have a pet?" "Yes! I have a dog named Rex. He sleeps on my bed every night." """
    if not (a.human and b.human):
        return chat_play(st, a, b, place)
    pet = st.pet()
    room = st.draw(HOME_ROOMS)
    parts = rest_parts(st, pet, room)
    habit = f" {cap(pet.he)} {parts[0].present(pet)} {parts[1]} every {st.one(('day', 'night', 'morning'))}." \
        if parts else ""
    return [say(st, a, "Do you have a pet?", b),
            say(st, b, f"Yes! I have {pet.intro}.{habit}", a, "reply", "happy")]


@rule("chat")
def chat_food(st, a, b, place):
    n, _ = st.food(b)
    m, _ = st.food(a)
    likes = n.sing if n.mass else n.plural
    return [say(st, a, "What do you like to eat?", b),
            say(st, b, f"I like {likes}! What about you?", a, "reply"),
            say(st, a, f"I like {m.sing if m.mass else m.plural}.", b, "reply")]


@rule("chat")
def chat_where(st, a, b, place):
    other = st.draw(OUTINGS)
    return [say(st, a, "Where are you going?", b),
            say(st, b, f"I am going {other.to}. Do you want to come with me?", a, "reply"),
            say(st, a, st.one(YES) + "!", b, "agree", "happy")]


@rule("chat")
def chat_why_sad(st, a, b, place):
    problem = st.one(("I have no one to play with.", "I lost my way home.", "Nobody wants to play with me.",
                      "I am all alone.", f"I can't find my {st.draw(TOYS).noun.sing}."))
    comfort = st.one(("You can play with me!", "Don't be sad. I will be your friend!", "I can help you!",
                      "Come and play with me!"))
    return [say(st, a, "Why are you sad?", b), say(st, b, problem, a, "reply", "sad"),
            say(st, a, comfort, b, "say", "kind")]


