"""The world the stories happen in: the word lists and world facts of llama_edu/corpus_data/ (people, food, toys
and things, animals, places, weather, feelings, talking, morals), turned into the Bags, nouns, phrases, animals
and places the storyteller (llama_edu/corpus_telling.py) draws from.

Everything is built once, at import, in this order, and the order is part of the corpus: NOUNS keeps the first
listing of a noun (a count noun listed before a mass noun of the same word stays a count noun), and animals and
places look up the nouns listed before them. tests/test_corpus_split.py pins the text that comes out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .corpus_words import NOUNS, VERBS, Bag, Noun, Phrase, Verb, corpus_data, noun, nouns, phrases, split_phrases, \
    split_words

_words, _people, _things = corpus_data("words"), corpus_data("people"), corpus_data("things")
_animals, _places = corpus_data("animals"), corpus_data("places")

# Order matters in every list: its first entries are the most frequent in the corpus. A larger `flat` draws a
# list more evenly (names should be; verbs need not): see Bag.

# --- Names -------------------------------------------------------------------------------------------
GIRL_NAMES = Bag(split_words(_people["names"]["girls"]), flat=12)
BOY_NAMES = Bag(split_words(_people["names"]["boys"]), flat=12)
PET_NAMES = Bag(split_words(_people["names"]["pets"]), flat=10)
SURNAMES = Bag(split_words(_people["names"]["surnames"]), flat=6)

# --- Adjectives, time, numbers, adverbs ---------------------------------------------------------------
TRAITS = Bag(split_words(_words["traits"]))
COLORS = Bag(split_words(_words["colors"]), flat=3)
OBJECT_LOOKS = Bag(split_words(_words["object_looks"]))  # what things feel or look like: toys, objects
PLACE_LOOKS = Bag(split_words(_words["place_looks"]))
WEATHER_WORDS = tuple(split_words(_words["weather"]))
TIMES_OF_DAY = Bag(split_words(_words["times_of_day"]), flat=1)
DAYS = Bag(split_words(_words["days"]), flat=4)
MONTHS = Bag(split_words(_words["months"]), flat=6)
SEASONS: dict[str, str] = _words["seasons"]  # weather -> season
NUMBERS = tuple(split_words(_words["numbers"]))  # two ... twelve: numbers are words
AGES = tuple(split_words(_words["ages"]))
ORDINALS = tuple(split_words(_words["ordinals"]))
# Adverbs by what they can describe, so "ran sleepily" does not happen.
MOVE_ADVERBS = Bag(split_words(_words["adverbs"]["move"]), flat=3)
REST_ADVERBS = Bag(split_words(_words["adverbs"]["rest"]), flat=2)
DO_ADVERBS = Bag(split_words(_words["adverbs"]["do"]), flat=3)

# --- People ------------------------------------------------------------------------------------------
FAMILY = Bag(tuple(_people["family"].items()), flat=1)  # (how narration names them, pronoun key)
TITLES = {gender: tuple(split_words(titles)) for gender, titles in _people["titles"].items()}  # "Mrs", "Mr"


@dataclass(frozen=True)
class Job:
    noun: str  # "farmer"
    where: str  # "on the farm"
    acts: tuple  # Phrases: what the job is ("feed the cows")


JOBS = Bag([Job(name, job["where"], tuple(phrases(job["acts"]))) for name, job in _people["jobs"].items()], flat=4)
nouns(_people["people"])
FAIRY_FOLK = Bag(tuple(_people["fairy_folk"]))
FOLK_GENDER: dict[str, str] = _people["fairy_folk"]  # fairy -> f, wizard -> m, robot -> n

# --- Food --------------------------------------------------------------------------------------------
# kind -> adjectives that suit it, count nouns, mass nouns. Adjectives by kind keep "juicy soup" out.
FOOD: dict[str, tuple[Noun, str]] = {}  # singular -> (noun, kind)
FOOD_BY_KIND: dict[str, Bag] = {}
for _kind, _spec in _things["food"].items():
    _items = nouns(_spec["count"]) + nouns(_spec["mass"], mass=True)
    FOOD_BY_KIND[_kind] = Bag(_items)
    for _n in _items:
        FOOD.setdefault(_n.sing, (_n, _kind))
FOOD_ADJS = {kind: Bag(split_words(spec["adjectives"])) for kind, spec in _things["food"].items()}
CROPS = Bag(nouns(_things["crops"]), flat=4)
nouns(_things["animal_food"])  # what animals eat that people do not
nouns(_things["animal_food_mass"], mass=True)
MEASURES: dict[str, str] = _things["measures"]  # containers for mass food: "a glass of milk"
DRINK_VERBS = Bag(phrases(_things["drink_verbs"]))
EAT_VERBS = Bag(phrases(_things["eat_verbs"]))


# --- Toys and things ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Toy:
    noun: Noun
    verbs: tuple  # Phrases in base form, object slot is the toy: "kick", "throw", "fly"


# Every toy can also be played with.
TOYS = Bag([Toy(nouns(name)[0], tuple(phrases(acts + " | play with"))) for name, acts in _things["toys"].items()])
CLOTHES = Bag(nouns(_things["clothes"]))
TREASURES = Bag(nouns(_things["treasures"]))  # small things that can be found, lost, given or kept
nouns(_things["household"])  # things used in chores and crafts
nouns(_things["household_mass"], mass=True)

# --- Animals -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Animal:
    noun: Noun
    group: str
    sound: Verb | None  # the noise it makes: "barked"
    call: str  # what it says between quotes: "Woof"
    moves: tuple  # Phrases, the most typical first
    rest: str  # which resting spots it uses: "ground", "perch", "water", "bug" or "" (fish never sit)
    homes: tuple  # place keys where it is found
    foods: tuple  # food nouns, most typical first
    tricks: tuple  # Phrases of things it does: "wag {his} tail"
    coats: tuple  # adjectives for its fur, feathers or shell
    colors: tuple  # colours it comes in
    pet: bool
    big: bool  # too big to sit on a mat or a fence: rests on the ground, by or under things


ANIMAL_GROUPS: dict[str, dict] = _animals["groups"]  # defaults per group; every animal may override
# Too big to sit on a mat or a fence: farm, zoo and fairy-tale animals, and a few from the forest.
BIG_GROUPS = tuple(split_words(_animals["big"]["groups"]))
NOT_BIG = tuple(split_words(_animals["big"]["except"]))
ALSO_BIG = tuple(split_words(_animals["big"]["also"]))


def A(name: str, group: str, sound: str = "", call: str = "", **override) -> Animal:
    spec = dict(ANIMAL_GROUPS[group], **override)
    return Animal(
        noun=nouns(name)[0], group=group, sound=VERBS[sound] if sound else None, call=call,
        moves=tuple(phrases(spec["moves"])), rest=spec["rest"], homes=tuple(spec["homes"].split()),
        foods=tuple(noun(f.replace("_", " ")) for f in spec["foods"].split()),
        tricks=tuple(phrases(spec["tricks"])), coats=tuple(spec["coats"].split()),
        colors=tuple(spec["colors"].split()), pet=spec["pet"],
        big=(group in BIG_GROUPS or name.split("/")[0] in ALSO_BIG) and name.split("/")[0] not in NOT_BIG)


ANIMALS = [A(name, **spec) for name, spec in _animals["animals"].items()]  # the cat first
ANIMAL_BY_NAME = {a.noun.sing: a for a in ANIMALS}
PETS = Bag([a for a in ANIMALS if a.pet and a.rest == "ground" and a.group == "pet"], flat=1.5)
ALL_ANIMALS = Bag(ANIMALS, flat=4)

# --- Places ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spot:
    prep: str  # on, under, by, in, next to ...
    noun: Noun

    def phrase(self, adj: str = "") -> str:
        return f"{self.prep} the {adj + ' ' if adj else ''}{self.noun.sing}"


def spots(spec: str) -> Bag:
    """"on:mat under:table next_to:window" -> a Bag of Spots (the first the most frequent)."""
    out = []
    for tok in spec.split():
        prep, _, thing = tok.partition(":")
        out.append(Spot(prep.replace("_", " "), noun(thing.replace("_", " "))))
    return Bag(out, flat=1.2)


@dataclass
class Place:
    key: str
    name: str  # "park", "living room"
    prep: str  # be there: "in the park", "at the beach", "on the farm"
    kind: str  # home, town, nature, water
    ground: Bag  # where people and four-legged animals sit, lie or sleep
    perch: Bag | None  # where birds and squirrels perch
    water: Bag | None  # where frogs, ducks and turtles rest
    bugs: Bag | None  # where bugs sit
    things: Bag  # what else is there to see or find
    acts: Bag  # activities people do here: Phrases ("fly a kite")
    paths: tuple  # how land walkers cross it: "around", "across", ...
    article: bool = True  # False: "at school", "to town" (but still "the school" elsewhere)

    @property
    def the(self) -> str:
        return f"the {self.name}"

    @property
    def at(self) -> str:  # "in the park", but "at school" and "in town"
        return f"{self.prep} {self.the if self.article else self.name}"

    @property
    def to(self) -> str:
        return f"to {self.the if self.article else self.name}"

    @property
    def indoors(self) -> bool:
        return self.key in INDOOR_PLACES

    def rest_spots(self, rest: str) -> Bag | None:
        return {"ground": self.ground, "perch": self.perch, "water": self.water, "bug": self.bugs}.get(rest)


PLACES: dict[str, Place] = {}
INDOOR_PLACES = tuple(_places["indoors"].split())


def P(key: str, prep: str, kind: str, ground: str, things: str, acts: str, perch: str = "", water: str = "",
      bugs: str = "", paths: str = "around across through", article: bool = True) -> None:
    PLACES[key] = Place(key, key.replace("_", " "), prep, kind, spots(ground), spots(perch) if perch else None,
                        spots(water) if water else None, spots(bugs) if bugs else None,
                        Bag(NOUNS[n.sing] for n in nouns(things)), Bag(phrases(acts)), tuple(paths.split()), article)


nouns(_places["place_things"])
nouns(_places["place_things_mass"], mass=True)
for _key, _spec in _places["places"].items():
    P(_key, **_spec)
nouns(_places["more_place_things"])
HOME_ROOMS = Bag([PLACES[k] for k in _places["home_rooms"].split()], flat=1)
OUTINGS = Bag([PLACES[k] for k in _places["outings"].split()], flat=2)

# Things on wheels (and wings) that go through town: (noun, how it moves, the noise it makes).
VEHICLES = Bag([(nouns(name)[0], tuple(phrases(v["moves"])), Phrase(v["noise"]))
                for name, v in _things["vehicles"].items()], flat=3)
FLYING_THINGS = Bag([(nouns(name)[0], tuple(split_phrases(how))) for name, how in _things["flying_things"].items()])

# Which animals live where (in ANIMALS order, so the cat leads in the house).
FAUNA: dict[str, Bag] = {}
for _key in PLACES:
    _here = [a for a in ANIMALS if _key in a.homes]
    if _here:
        FAUNA[_key] = Bag(_here, flat=1.0)

# Where a lost thing can be at home, and places it can hide outdoors.
HIDING_SPOTS = Bag(spots(_places["hiding_spots"]).items)
nouns(_places["hiding_things"])

# Weather: sentences that set the scene, by weather. Past tense; {place} is "the park" etc.
WEATHER_LINES = {weather: split_phrases(lines) for weather, lines in _places["weather_lines"].items()}
WEATHER_BAG = Bag(WEATHER_WORDS, flat=1.5)

# --- Feelings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mood:
    words: Bag  # adjectives: "happy", "glad"
    any: Bag  # reactions anyone (or any animal) can have: Phrases
    human: Bag  # reactions that need hands and faces


def mood(words: str, any_: str, human: str) -> Mood:
    return Mood(Bag(split_words(words)), Bag(phrases(any_)), Bag(phrases(human)))


MOODS = {key: mood(m["words"], m["any"], m["human"]) for key, m in _words["moods"].items()}

# --- Talking and morals ------------------------------------------------------------------------------
GREETINGS = split_phrases(_words["greetings"])
YES = split_phrases(_words["agreeing"])
THANKS = split_phrases(_words["thanks"])
MORALS = {key: split_phrases(lines) for key, lines in _words["morals"].items()}
