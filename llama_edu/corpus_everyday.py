"""Everyday life: the second genre of the story corpus (version 2 of llama_edu/corpus.py).

The stories of version 1 taught the tiny model one small world (animals resting on mats, picnics, lost kites) so
well that it scored 0.22 bits per character on its own held-out stories and 3.3 on sentences a class types: it
was certain of its world and had never seen a digit, a question about the sky, a bus to school or a name such as
Jürgen. This genre writes short texts of the English children read and write: a day at home and at school,
meals, weather and what people do because of it, numbers in digits (counting, sums, ages, times, prices),
towns and cities, true answers to questions children ask, and people talking. Each text is one to a dozen
sentences, so a model also learns that a text can end after a single sentence.

The words are data (llama_edu/corpus_data/everyday.yaml); sums are computed, so every one is right; facts about
the world are written there, checked by hand. Determinism as in the rest of the corpus: every choice draws from
the random.Random passed in, nothing iterates over a set.
"""

from __future__ import annotations

from dataclasses import dataclass

from .corpus_words import (VERBS, Bag, Chooser, Phrase, _parse_verbs, cap, corpus_data, phrases, pluralize,
                           split_phrases, split_words, with_a)

_d = corpus_data("everyday")
_parse_verbs(" ".join(v for v in _d["verbs"].split() if v.partition(":")[0] not in VERBS))


def _bag_of_phrases(spec: str, flat: float = 3.0) -> Bag:
    return Bag(phrases(spec), flat=flat)


def _pairs(spec: str) -> list[tuple[str, str]]:
    """'apple/apples egg/eggs' -> [('apple', 'apples'), ('egg', 'eggs')]."""
    return [tuple(tok.replace("_", " ").split("/")) for tok in spec.split()]


GIRLS = Bag(split_words(_d["names"]["girls"]), flat=40)  # names of many origins, drawn almost evenly
BOYS = Bag(split_words(_d["names"]["boys"]), flat=40)
SURNAMES = Bag(split_words(_d["names"]["surnames"]), flat=20)
FAMILY = Bag(tuple(_d["family"].items()), flat=3)
RELATIVES = Bag(split_words(_d["relatives"]), flat=4)
JOBS = {job.replace("_", " "): (where.replace("_", " "), phrases(" | ".join(acts)))
        for job, (where, *acts) in ((j, split_phrases(spec)) for j, spec in _d["grownups"].items())}
JOB_NAMES = Bag(tuple(JOBS), flat=4)
ROOMS, HOME_THINGS = Bag(split_words(_d["rooms"])), Bag(split_words(_d["home_things"]), flat=6)
ROUTINE = {part: _bag_of_phrases(spec) for part, spec in _d["routine"].items()}
SUBJECTS, SCHOOL_THINGS = Bag(split_words(_d["subjects"]), flat=4), Bag(split_words(_d["school_things"]), flat=5)
SCHOOL_ACTS, SCHOOL_EVENTS = _bag_of_phrases(_d["school_acts"]), Bag(split_phrases(_d["school_events"]), flat=3)
MEALS = Bag(split_words(_d["meals"]), flat=2)
DISHES = {meal: Bag(split_words(spec), flat=3) for meal, spec in _d["dishes"].items()}
COOKING, TASTES, DRINKS = _bag_of_phrases(_d["cooking"]), Bag(split_words(_d["tastes"])), Bag(split_words(_d["drinks"]))
WEATHER = {w: (split_phrases(spec["say"]), phrases(spec["do"])) for w, spec in _d["weather"].items()}
WEATHER_KINDS = Bag(tuple(WEATHER), flat=3)
SEASONS = {season: split_phrases(spec) for season, spec in _d["seasons"].items()}
DAYS, MONTHS, TIMES = split_words(_d["days"]), split_words(_d["months"]), Bag(split_words(_d["times"]), flat=3)
TOWN = Bag(split_words(_d["town"]), flat=4)
TRANSPORT = {vehicle: phrases(spec) for vehicle, spec in _d["transport"].items()}
CITIES = {city.replace("_", " "): split_phrases(spec) for city, spec in _d["cities"].items()}  # [country, facts...]
CITY_NAMES = Bag(tuple(CITIES), flat=6)
QUESTIONS = [(q["q"], split_phrases(q["a"])) for q in _d["questions"]]
CHAT = [(split_phrases(c["q"]), split_phrases(c["a"])) for c in _d["chat"]]
COLORS, SPEECH = Bag(split_words(_d["colors"])), Bag(split_words(_d["speech"]), flat=1)
FEELINGS, LOST = Bag(split_words(_d["feelings"]), flat=4), Bag(split_words(_d["things_to_lose"]), flat=4)
WHERE_FOUND = Bag(split_phrases(_d["where_found"]), flat=4)
COUNTABLES, MONEY = _pairs(_d["countables"]), _pairs(_d["money"])
EVENTS = [(thing, phrases(what), phrases(then)) for thing, spec in _d["events"].items()
          for what, then in [spec.split(">>")]]
PLANS = [(Phrase(wish), split_phrases(obstacles)) for wish, obstacles in _d["plans"].items()]
_free = _d["free"]
THINGS, FOLK, BEASTS = (Bag(split_words(_free[k]), flat=20) for k in ("things", "people", "animals"))
SPOTS = Bag(split_words(_free["places"]), flat=20)
TRANSITIVE, BEING_VERBS, INTRANSITIVE, MOVING = (Bag([VERBS[v] for v in split_words(_free[k])], flat=20)
                                                 for k in ("transitive", "beings", "intransitive", "moving"))
THING_ADJECTIVES, BEING_ADJECTIVES = Bag(split_words(_free["thing_adjectives"]), flat=20), Bag(
    split_words(_free["being_adjectives"]), flat=10)
ADVERBS = Bag(split_words(_free["adverbs"]), flat=10)
PREPOSITIONS, DIRECTIONS = Bag(split_words(_free["prepositions"]), flat=6), Bag(split_words(_free["directions"]), flat=4)
PEOPLE_WORDS = frozenset(split_words(_free["people"]))
IRREGULAR_PLURALS = {"mouse": "mice", "sheep": "sheep", "fish": "fish", "child": "children", "man": "men",
                     "woman": "women", "leaf": "leaves", "policeman": "policemen", "tomato": "tomatoes"}
STREETS = ("Hauptstraße", "Schillerstraße", "Gartenstraße", "Bahnhofstraße", "Mühlenweg", "High Street",
           "Church Road", "Park Lane", "Station Road", "Mill Lane", "Oak Avenue", "Rue de la Paix")

PRONOUNS = {"f": ("she", "her", "her", "herself"), "m": ("he", "him", "his", "himself"),
            "pl": ("they", "them", "their", "themselves"), "i": ("I", "me", "my", "myself"),
            "we": ("we", "us", "our", "ourselves"), "you": ("you", "you", "your", "yourselves"),
            "it": ("it", "it", "its", "itself")}


@dataclass(eq=False)
class Person:
    """Who a sentence is about: a name ("Amir", "Mum", "Mrs Weiß", "my sister", "I") and its pronoun key."""
    name: str
    gender: str  # f, m, pl, i (I), we
    named: bool = False  # named once already: pronouns may follow
    grown: bool = False  # a grown-up: no "Grandpa is 9 years old"

    he = property(lambda self: PRONOUNS[self.gender][0])
    him = property(lambda self: PRONOUNS[self.gender][1])
    his = property(lambda self: PRONOUNS[self.gender][2])
    himself = property(lambda self: PRONOUNS[self.gender][3])
    plural = property(lambda self: self.gender in ("pl", "i", "we", "you"))  # takes the base form: "I sit", "they sit"
    was = property(lambda self: "were" if self.gender in ("pl", "we") else "was")


CLASS, YOU = Person("the class", "pl"), Person("you", "you")
AFTER_SCHOOL = Bag([a for a in ROUTINE["day"].items if "school" not in a.rest], flat=3)
AFTER_MEAL = Bag([a for a in ROUTINE["evening"].items if "dinner" not in a.rest], flat=3)
AFTER_BREAKFAST = Bag([a for a in ROUTINE["day"].items if "lunch" not in a.rest], flat=3)
ANSWER_TAGS = Bag([w for w in SPEECH.items if w != "asked"], flat=1)
JOB_AT = {where: job for job, (where, _) in JOBS.items()}  # "bakery" -> "baker"
GROCERIES = Bag(split_words(_d["groceries"]), flat=4)


class Telling(Chooser):
    """One everyday text: its random stream, its main person and how they were last named."""

    def __init__(self, rng):
        self.rng = rng

    def child(self) -> Person:
        return Person(self.draw(GIRLS), "f") if self.chance(0.5) else Person(self.draw(BOYS), "m")

    def grown_up(self) -> Person:
        roll = self.rng.random()
        if roll < 0.6:
            return Person(*self.draw(FAMILY), grown=True)
        if roll < 0.8:
            gender = "f" if self.chance(0.5) else "m"
            title = self.one(("Mrs", "Ms") if gender == "f" else ("Mr",))
            return Person(f"{title} {self.draw(SURNAMES)}", gender, grown=True)
        gender = "f" if self.chance(0.5) else "m"
        return Person(f"the {self.draw(JOB_NAMES)}", gender, grown=True)

    def anyone(self) -> Person:
        """The main person of a text: mostly a child, sometimes the narrator, a family member or a group."""
        roll = self.rng.random()
        if roll < 0.55:
            return self.child()
        if roll < 0.68:
            return Person("I", "i")
        if roll < 0.76:
            return Person("we", "we")
        if roll < 0.86:
            relative = self.one(("my brother", "my sister", "my friend", "my cousin", "my little brother",
                                 "my big sister", "my best friend", "our neighbour"))
            gender = "f" if "sister" in relative else "m" if "brother" in relative else self.one(("f", "m"))
            return Person(relative, gender)
        if roll < 0.94:
            a, b = self.child(), self.child()
            return Person(f"{a.name} and {b.name}", "pl") if a.name != b.name else a
        return self.grown_up()

    def ref(self, p: Person, start: bool = False) -> str:
        """The name the first time, a pronoun often after that; capitalised at the start of a sentence."""
        word = p.he if p.named and self.chance(0.55) else p.name
        p.named = True
        return cap(word) if start else word

    def number(self, low: int, high: int) -> str:
        """A number as digits most of the time, sometimes as a word, as people write them."""
        n = low + int(self.rng.random() * (high - low + 1))
        return _WORDS[n] if n < len(_WORDS) and self.chance(0.25) else str(n)


_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]


def _s(text: str, end: str = ".") -> str:
    return cap(text) + end


def _when(t: Telling) -> str:
    roll = t.rng.random()
    if roll < 0.3:
        return f"on {t.one(DAYS)}"
    if roll < 0.45:
        return f"on {t.one(DAYS)} {t.one(('morning', 'afternoon', 'evening'))}"
    if roll < 0.6:
        return t.one(("yesterday", "last week", "this morning", "today", "after lunch", "at the weekend"))
    return t.draw(TIMES)


# ---- the kinds of text: each returns a list of sentences about p ---------------------------------------------------
def day(t: Telling, p: Person) -> list[str]:
    out = []
    for part in ("morning", "day", "evening"):
        for _ in range(1 + int(t.rng.random() * 2)):
            act = t.draw(ROUTINE[part])
            roll = t.rng.random()
            if roll < 0.35:
                out.append(_s(f"{t.ref(p, True)} {act.past(p)}"))
            elif roll < 0.5:
                opener = {"morning": ("In the morning", "Every morning", "First"), "day": ("Later", "After that",
                          "In the afternoon"), "evening": ("In the evening", "After dinner", "Before bed")}[part]
                lead = t.one(opener)
                if lead == "After dinner" and "dinner" in act.rest:
                    lead = "In the evening"
                verb = act.present(p) if lead.startswith("Every") else act.past(p)
                out.append(_s(f"{lead}, {t.ref(p)} {verb}"))
            elif roll < 0.65:
                other = t.draw(ROUTINE[{"morning": "day", "day": "evening"}.get(part, part)])
                if other is act:
                    continue
                out.append(_s(f"{t.ref(p, True)} {act.past(p)} and then {other.past(p)}"))
            elif roll < 0.75:
                out.append(_s(f"{t.ref(p, True)} had to {act.base(p)}"))
            elif roll < 0.85:
                grown = t.grown_up()
                out.append(_s(f"{grown.name} asked {p.name if p.gender not in ('i', 'we') else p.him} to {act.base(p)}"))
            else:
                out.append(_s(f"{t.ref(p, True)} did not want to {act.base(p)}, but {p.he} did it anyway"))
    return out


def weather(t: Telling, p: Person) -> list[str]:
    kind = t.draw(WEATHER_KINDS)
    says, dos = WEATHER[kind]
    say, act = t.one(says), t.one(dos)
    roll = t.rng.random()
    if roll < 0.25:
        first = _s(f"{say}, so {t.ref(p)} {act.past(p)}")
    elif roll < 0.5:
        first = _s(f"because {say}, {t.ref(p)} {act.past(p)}")
    elif roll < 0.7:
        first = _s(f"{t.ref(p, True)} {act.past(p)} because {say}")
    elif roll < 0.85:
        first = _s(f"{_when(t)} {say}") + " " + _s(f"{t.ref(p, True)} {act.past(p)}")
    else:
        first = _s(f"{say}") + " " + _s(f"{t.ref(p, True)} decided to {act.base(p)}")
    out = [first]
    if t.chance(0.5):
        other = t.one(dos)
        if other is not act:
            out.append(_s(f"{t.ref(p, True)} also {other.past(p)}"))
    if t.chance(0.35):
        season = t.one(tuple(SEASONS))
        out.append(_s(f"in {season} {t.one(SEASONS[season])}"))
    if t.chance(0.3):
        out.append(_s(f"it was {t.number(-5, 35)} degrees outside"))
    return out


def school(t: Telling, p: Person) -> list[str]:
    teacher = Person(f"{t.one(('Mrs', 'Ms', 'Mr'))} {t.draw(SURNAMES)}", "f")
    teacher.gender = "m" if teacher.name.startswith("Mr ") else "f"
    subject = t.draw(SUBJECTS)
    out = [t.one((_s(f"on {t.one(DAYS)} the class had {subject}"), _s(f"the first lesson was {subject}"),
                  _s(f"{t.ref(p, True)} {'love' if p.plural else 'loves'} {subject}"),
                  _s(f"in {subject}, {teacher.name} asked the class to {t.draw(SCHOOL_ACTS).base(CLASS)}")))]
    for _ in range(1 + int(t.rng.random() * 3)):
        roll = t.rng.random()
        act = t.draw(SCHOOL_ACTS)
        if roll < 0.3:
            out.append(_s(f"{t.ref(p, True)} {act.past(p)}"))
        elif roll < 0.45:
            out.append(_s(f"{teacher.name} wrote {t.number(2, 100)} on the board and asked who could "
                          f"{t.one(('read it', 'count to it', 'say it in German', 'add 10 to it', 'write it in words'))}"))
        elif roll < 0.6:
            friend = t.child()
            out.append(_s(f"{t.ref(p, True)} could not find {p.his} {t.draw(SCHOOL_THINGS)}, so {friend.name} "
                          f"lent {p.him} one"))
        elif roll < 0.75:
            event = t.draw(SCHOOL_EVENTS)
            out.append(_s(f"{t.ref(p, True)} {p.was} {t.draw(FEELINGS)} because there was {event} "
                          f"on {t.one(DAYS)}"))
        elif roll < 0.88:
            out.append(_s(f"after school, {t.ref(p)} {t.draw(AFTER_SCHOOL).past(p)}"))
        else:
            out.append(_s(f'"{cap(act.base(YOU))}, please," said {teacher.name}'))
    return out


def meal(t: Telling, p: Person) -> list[str]:
    which = t.draw(MEALS)
    key = {"a picnic": "lunch", "a snack": "snack", "tea": "dinner", "supper": "dinner"}.get(which, which)
    dish = t.draw(DISHES[key]).replace("_", " ")
    cook, grown = t.draw(COOKING), t.grown_up()
    out = [t.one((_s(f"for {which}, {t.ref(p)} had {dish}"), _s(f"{grown.name} made {dish} for {which}"),
                  _s(f"{t.ref(p, True)} {p.was} hungry, so {p.he} ate {t.draw(DISHES['snack']).replace('_', ' ')}")))]
    roll = t.rng.random()
    if roll < 0.3:
        out.append(_s(f"{t.ref(p, True)} helped {grown.name} {cook.base(p)}"))
    elif roll < 0.5:
        food = dish.removeprefix("a ").removeprefix("an ").removeprefix("some ")
        was = "were" if food.endswith("s") and " " not in food else "was"
        out.append(_s(f"the {food} {was} {t.draw(TASTES)}"))
    elif roll < 0.7:
        items = list(dict.fromkeys(t.draw(GROCERIES) for _ in range(4)))
        listed = ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]
        out.append(f'"We need {listed} from the {t.one(("shop", "supermarket", "market"))}," said {grown.name}.')
    else:
        out.append(_s(f"{t.ref(p, True)} drank a glass of {t.draw(DRINKS).replace('_', ' ')}"))
    if t.chance(0.4):
        then = AFTER_BREAKFAST if which == "breakfast" else AFTER_MEAL
        out.append(_s(f"after {which.replace('a ', 'the ')}, {t.ref(p)} {t.draw(then).past(p)}"))
    return out


def talk(t: Telling, p: Person) -> list[str]:
    other = t.child() if t.chance(0.6) else t.grown_up()
    speaker = p if p.gender not in ("i", "we", "pl") else t.child()
    out = []
    for _ in range(1 + int(t.rng.random() * 3)):
        questions, answers = t.one(CHAT)
        q, a = _fill(t, t.one(questions), other), _fill(t, t.one(answers), other)
        comma = "" if a.endswith(("?", "!")) else ","
        stop = "" if a.endswith(("?", "!")) else "."
        roll = t.rng.random()
        if roll < 0.4:
            out.append(f'"{q}" asked {speaker.name}. "{a}{comma}" said {other.name}.')
        elif roll < 0.7:
            out.append(f'{cap(speaker.name)} asked {other.name}, "{q}" {cap(other.name)} '
                       f'{t.one(("said", "replied", "answered"))}, "{a}{stop}"')
        else:
            out.append(f'"{q}" {other.name} wanted to know. "{a}{comma}" {speaker.name} {t.draw(ANSWER_TAGS)}.')
        speaker, other = other, speaker
    return out


def _fill(t: Telling, text: str, answerer: Person) -> str:
    return text.format(name=answerer.name, city=t.draw(CITY_NAMES),
                       town=t.draw(TOWN).replace("_", " "), color=t.draw(COLORS),
                       snack=t.draw(DISHES["snack"]).replace("_", " "), hour=t.number(1, 12))


def question(t: Telling, p: Person) -> list[str]:
    q, answers = t.one(QUESTIONS)
    a = t.one(answers)
    asker = p if p.gender in ("f", "m") and not p.name.startswith(("Mr", "Mrs", "Ms", "the ")) else t.child()
    grown = t.grown_up()
    roll = t.rng.random()
    if roll < 0.45:
        out = [f'"{q}" asked {asker.name}.', f'"{a}," said {grown.name}.']
    elif roll < 0.7:
        out = [f'{cap(asker.name)} looked up and asked, "{q}"', f'{cap(grown.name)} {t.one(("smiled", "thought for a moment", "laughed"))}. "{a}."']
    else:
        out = [q, _s(a)]  # as in a book of questions
    if t.chance(0.3):
        out.append(_s(f"{t.ref(asker, True)} {t.one(('had never known that', 'wanted to learn more', 'told the whole class the next day', 'thought about it all evening'))}"))
    return out


def numbers(t: Telling, p: Person) -> list[str]:
    sing, plural = t.one(COUNTABLES)
    a, b = 1 + int(t.rng.random() * 12), 1 + int(t.rng.random() * 12)
    roll = t.rng.random()
    if roll < 0.2:
        return [_s(f"{t.ref(p, True)} had {a} {sing if a == 1 else plural}"),
                _s(f"then {t.child().name} gave {p.him} {b} more"),
                _s(f"now {p.he} had {a + b} {plural}")]
    if roll < 0.35:
        op = t.rng.random()
        if op < 0.4:
            return [f"What is {a} plus {b}?", _s(f"{a} plus {b} is {a + b}")]
        if op < 0.6:
            return [f"{a} + {b} = {a + b}.", f"{a + b} - {b} = {a}."]
        if op < 0.8:
            return [f"What is {a} times {b}?", _s(f"{a} times {b} is {a * b}")]
        return [_s(f"{a + b} take away {b} leaves {a}")]
    if roll < 0.5:
        n = 3 + int(t.rng.random() * 10)
        return [_s(f"{t.ref(p, True)} counted to {n}: " + ", ".join(str(i) for i in range(1, n + 1)))]
    if roll < 0.62:
        if p.grown:
            p = t.child()
        age = 1 + int(t.rng.random() * 14)
        rel, other = t.one(("brother", "sister", "cousin")), 1 + int(t.rng.random() * 14)
        return [_s(f"{t.ref(p, True)} {'am' if p.gender == 'i' else 'are' if p.plural else 'is'} {age} years old"),
                _s(f"{p.his} {rel} is {other}" + (", so " + (f"{p.he} {'am' if p.gender == 'i' else 'are' if p.plural else 'is'} {abs(age - other)} "
                                                              f"{'year' if abs(age - other) == 1 else 'years'} {'older' if age > other else 'younger'}")
                                                  if age != other else ", the same age"))]
    if roll < 0.75:
        city, hour, minute = t.draw(CITY_NAMES), 1 + int(t.rng.random() * 12), t.one(("00", "15", "30", "45", "10", "20"))
        vehicle = t.one(("train", "bus", "plane", "coach"))
        form = t.rng.random()
        at = f"{hour}:{minute}" if form < 0.4 else (f"{hour} o'clock" if form < 0.7 else f"half past {hour}")
        return [_s(f"the {vehicle} to {city} left at {at}"), _s(f"{t.ref(p, True)} {'were' if p.plural and p.gender != 'i' else 'was'} "
                                                                 f"{t.one(('just in time', 'five minutes late', 'already on it', 'waiting on the platform'))}")]
    if roll < 0.87:
        sing_money, plural_money = t.one(MONEY)
        price, paid = a, a + b
        return [_s(f"the {sing} cost {price} {sing_money if price == 1 else plural_money}"),
                _s(f"{t.ref(p, True)} paid with {paid} {plural_money} and got {paid - price} back")]
    street = t.one(STREETS)
    return [_s(f"{t.ref(p, True)} {'live' if p.plural else 'lives'} at number {t.number(1, 120)}, {street}"),
            _s(f"the house has {t.number(2, 9)} windows and a {t.one(('red', 'green', 'blue', 'yellow'))} door")]


def town(t: Telling, p: Person) -> list[str]:
    city = t.draw(CITY_NAMES)
    country, *facts = CITIES[city]
    roll = t.rng.random()
    if roll < 0.35:
        how = t.one(("train", "plane", "car", "bus"))
        return [_s(f"{_when(t)} {t.ref(p)} went to {city}"), _s(f"{p.he} {t.one(TRANSPORT[how]).past(p)}"),
                _s(f"{city} is in {country}, and {t.one(facts)}")]
    if roll < 0.6:
        return [_s(f"{t.ref(p, True)} {'live' if p.plural else 'lives'} in {city}"), _s(t.one(facts))]
    place = t.draw(TOWN).replace("_", " ")
    out = [_s(f"{_when(t)} {t.ref(p)} went to the {place} with {t.grown_up().name}")]
    job = JOB_AT.get(place)
    if job:
        worker = Person(f"the {job}", "f" if t.chance(0.5) else "m")
        out.append(_s(f"at the {place}, {worker.name} {t.one(JOBS[job][1]).past(worker)}"))
    if t.chance(0.5):
        out.append(_s(f"the {place} was {t.one(('busy', 'quiet', 'full of people', 'closed', 'very crowded', 'nearly empty'))}"))
    return out


def lost(t: Telling, p: Person) -> list[str]:
    thing = t.draw(LOST).replace("_", " ")
    found = t.draw(WHERE_FOUND).format(his=p.his)
    look = t.draw(WHERE_FOUND).format(his=p.his)
    them, they = ("them", "they were") if thing.endswith("s") else ("it", "it was")
    return [_s(f"{t.ref(p, True)} could not find {p.his} {thing}"), _s(f"{p.he} looked {look}, but {they} not there"),
            _s(f"in the end, {p.he} found {them} {found}")]


def events(t: Telling, p: Person) -> list[str]:
    """Things that happen by themselves, and what people do about them: cause and effect in many frames."""
    out = []
    for _ in range(1 + int(t.rng.random() * 3)):
        thing, what, then = t.one(EVENTS)
        ev, act = t.one(what), t.one(then)
        it = ev.past(p)
        roll = t.rng.random()
        if roll < 0.2:
            out.append(_s(f"when {thing} {it}, {t.ref(p)} {act.past(p)}"))
        elif roll < 0.35:
            out.append(_s(f"{thing} {it}, so {t.ref(p)} {act.past(p)}"))
        elif roll < 0.47:
            out.append(_s(f"after {thing} {it}, {t.ref(p)} {act.past(p)}"))
        elif roll < 0.6:
            out.append(_s(f"suddenly, {thing} {it}"))
        elif roll < 0.72:
            out.append(_s(f"{t.ref(p, True)} {t.one(('heard', 'watched', 'saw'))} {thing} {ev.base(p)}"))
        elif roll < 0.84:
            out.append(_s(f"{_when(t)}, {thing} {it}"))
        else:
            out.append(_s(f"{thing} {it}") + " " + _s(f"{t.ref(p, True)} {act.past(p)}"))
    return out


def plans(t: Telling, p: Person) -> list[str]:
    """What someone wanted to do, what got in the way, and what they did instead."""
    (wish, obstacles), instead = t.one(PLANS), t.draw(ROUTINE["evening"])
    why = t.one(obstacles).format(he=p.he, his=p.his, was=p.was)
    roll = t.rng.random()
    if roll < 0.4:
        first = _s(f"{t.ref(p, True)} wanted to {wish.base(p)}, but {why}")
    elif roll < 0.7:
        first = _s(f"{t.ref(p, True)} could not {wish.base(p)} because {why}")
    else:
        first = _s(f"{t.ref(p, True)} {p.was} going to {wish.base(p)}") + " " + _s(f"then {why}")
    return [first, _s(f"{t.one(('instead', 'in the end', 'so in the end'))}, {t.ref(p)} {instead.past(p)}")]


def _noun_phrase(t: Telling, bag: Bag, owner: Person | None = None) -> tuple[str, bool]:
    """("the old kite", plural?) with a determiner, sometimes an adjective, sometimes a number or a plural."""
    word = t.draw(bag)
    adjective = f"{t.draw(THING_ADJECTIVES if bag is THINGS else BEING_ADJECTIVES)} " if t.chance(0.3) else ""
    plural = IRREGULAR_PLURALS.get(word) or pluralize(word)
    roll = t.rng.random()
    if roll < 0.4:
        return f"the {adjective}{word}", False
    if roll < 0.65:
        return with_a(adjective + word), False
    if roll < 0.78 and owner is not None:
        return f"{owner.his} {adjective}{word}", False
    if roll < 0.9:
        return f"{t.one(('two', 'three', 'some', 'many', 'the', '2', '5', 'ten'))} {adjective}{plural}", True
    return f"the {adjective}{plural}", True


def _place(t: Telling) -> str:
    return f"{t.draw(PREPOSITIONS)} the {t.draw(SPOTS)}"


def _someone(t: Telling, p: Person) -> Person:
    roll = t.rng.random()
    if roll < 0.45:
        return p
    if roll < 0.7:
        return t.child()
    kind = t.draw(BEASTS) if t.chance(0.5) else t.draw(FOLK)
    return Person(f"the {kind}", t.one(("f", "m")) if kind in PEOPLE_WORDS else "it")


def _clause(t: Telling, p: Person) -> str:
    """One clause in the past tense: who did what to what, where and how."""
    who = _someone(t, p)
    subject = t.ref(who)
    roll = t.rng.random()
    if roll < 0.3:
        verb, (thing, _) = t.draw(TRANSITIVE), _noun_phrase(t, THINGS, who)
        text = f"{subject} {verb.past} {thing}"
    elif roll < 0.45:
        verb, (being, _) = t.draw(BEING_VERBS), _noun_phrase(t, BEASTS if t.chance(0.6) else FOLK)
        text = f"{subject} {verb.past} {being}"
    elif roll < 0.55:
        text = f"{subject} {t.draw(INTRANSITIVE).past}"
    elif roll < 0.68:
        text = f"{subject} {t.draw(MOVING).past} {t.draw(DIRECTIONS)} the {t.draw(SPOTS)}"
    elif roll < 0.8:
        text = f"{subject} {who.was} {t.draw(BEING_ADJECTIVES)}"
    elif roll < 0.9:
        verb, (thing, _) = t.draw(TRANSITIVE), _noun_phrase(t, THINGS, who)
        text = f"{subject} did not {verb.base} {thing}"
    else:
        verb, (thing, _) = t.draw(TRANSITIVE), _noun_phrase(t, THINGS, who)
        modal = t.one(("wanted to", "tried to", "had to", "could", "liked to", f"{who.was} going to"))
        text = f"{subject} {modal} {verb.base} {thing}"
    if t.chance(0.35):
        text += f" {_place(t)}"
    if t.chance(0.2):
        text += f" {t.draw(ADVERBS).replace('_', ' ')}"
    return text


def _verb_object(t: Telling, who: Person) -> tuple:
    """A verb and a fitting object: a thing for most verbs, an animal or a person for verbs that take one."""
    if t.chance(0.7):
        return t.draw(TRANSITIVE), _noun_phrase(t, THINGS, who)[0]
    return t.draw(BEING_VERBS), _noun_phrase(t, BEASTS if t.chance(0.6) else FOLK)[0]


def _sentence(t: Telling, p: Person) -> str:
    """One free sentence in one of the shapes English sentences take."""
    who = _someone(t, p)
    verb, thing = _verb_object(t, who)
    roll = t.rng.random()
    if roll < 0.16:
        return _s(_clause(t, p))
    if roll < 0.3:
        joiner = t.one((", and", ", but", ", so", " when", " because", " after", " before", " while", " until"))
        return _s(_clause(t, p) + joiner + " " + _clause(t, p))
    if roll < 0.36:
        noun, plural = _noun_phrase(t, THINGS if t.chance(0.6) else BEASTS)
        if noun.startswith("the "):
            noun = with_a(noun[4:]) if not plural else "some " + noun[4:]
        return _s(f"there {'were' if plural else 'was'} {noun} {_place(t)}")
    if roll < 0.42:
        lead = t.one(("did", "why did", "where did", "when did", "how did"))
        return _s(f"{lead} {t.ref(who)} {verb.base} {thing}", "?")
    if roll < 0.48:
        present = verb.base if who.plural else verb.third
        return _s(f"{t.ref(who)} {t.one(('often', 'always', 'never', 'sometimes', 'usually'))} {present} {thing}")
    if roll < 0.54:
        has = "have" if who.plural else "has"
        return _s(f"{t.ref(who)} {t.one((has, 'had', has + ' just', has + ' never', 'had already'))} {verb.pp} {thing}")
    if roll < 0.6:
        return _s(f"{t.one(('have you', 'has anyone', 'have they', 'has she', 'has he'))} {t.one(('', 'ever ', 'already '))}"
                  f"{verb.pp} {thing}", "?")
    if roll < 0.66:
        return _s(f"{t.one(('can', 'could', 'will', 'shall', 'would', 'should'))} {t.one(('I', 'we', 'you', 'they'))} "
                  f"{verb.base} {thing}", "?")
    if roll < 0.72:
        return _s(f"{t.one(('please', 'let us', 'do not', 'try to', 'remember to', 'never'))} {verb.base} {thing}",
                  t.one((".", ".", "!")))
    if roll < 0.77:
        items = [_noun_phrase(t, THINGS)[0] for _ in range(2 + int(t.rng.random() * 3))]
        return _s(f"{t.ref(who)} {verb.past if verb in TRANSITIVE.items else t.draw(TRANSITIVE).past} "
                  f"{', '.join(items[:-1])} and {items[-1]}")
    if roll < 0.82:
        other = _someone(t, p)
        verb2, _ = _verb_object(t, other)  # the object is drawn (and left out), as the stream has it
        return _s(f"{t.ref(who)} {verb.past} {thing} that {other.name} had {verb2.pp}")
    if roll < 0.87:
        is_ = "are" if who.plural and who.gender != "i" else "am" if who.gender == "i" else "is"
        return _s(f"{t.ref(who)} {t.one((is_, who.was))} {verb.ing} {thing}")
    if roll < 0.92:
        other = _someone(t, p)
        said = t.one(("said", "thought", "knew", "told us", f"{who.was} sure"))
        return _s(f"{t.ref(who)} {said} that {_clause(t, other)}")
    if roll < 0.96:
        other = _someone(t, p)
        whom = other.him if other.gender in ("i", "we") else other.name if other is not who else "us"
        return _s(f"{t.ref(who)} {t.one(('asked', 'told', 'helped', 'wanted'))} {whom} to {verb.base} {thing}")
    return _s(f"{t.one(('who', 'what', 'where', 'why'))} {t.one(('did', 'will', 'can', 'should'))} "
              f"{t.one(('we', 'they', 'you', 'I'))} {verb.base}", "?")


def free(t: Telling, p: Person) -> list[str]:
    """Plain sentences with wide choices in every slot: statements, questions, commands, clauses joined as English
    joins them, the tenses a class writes in."""
    return [_sentence(t, p) for _ in range(1 + int(t.rng.random() * 4))]


KINDS = ((free, 8), (events, 3), (plans, 1.2), (day, 3), (weather, 2), (school, 2), (meal, 2), (talk, 2), (question, 1.5), (numbers, 2), (town, 1.5),
         (lost, 0.7))


def everyday_text(rng) -> str:
    """One everyday text as a single line: one to three episodes about one person, sometimes cut to its first
    sentence (a line a student might type)."""
    t = Telling(rng)
    p = t.anyone()
    total = sum(w for _, w in KINDS)
    sentences: list[str] = []
    for _ in range(1 + int(rng.random() * 3)):
        pick, acc = rng.random() * total, 0.0
        for kind, weight in KINDS:
            acc += weight
            if pick < acc:
                break
        sentences += kind(t, p)
    sentences = _vary(t, sentences)
    if rng.random() < 0.2:
        sentences = sentences[:1]
    return " ".join(sentences)


# Words that may start a sentence and are written in lower case inside one ("She" -> "she", but never "Amir").
_LOWER_STARTS = ("He ", "She ", "They ", "We ", "It ", "The ", "My ", "Our ", "There ", "Every ", "Suddenly, ",
                 "In the ", "On ", "After ", "When ", "Because ", "Then ", "Later, ", "First ", "Instead, ")
_OPENERS = ("That morning,", "Later that day,", "Just then,", "After a while,", "One evening,", "At last,",
            "The next day,", "A little later,", "Soon,", "Meanwhile,", "That afternoon,", "Before long,")
_JOINERS = (", and", " and", ", and then", " before")


def _lower_start(sentence: str) -> str | None:
    """The sentence as it reads inside another one, or None where its first word must keep its capital."""
    if sentence.startswith(_LOWER_STARTS):
        return sentence[0].lower() + sentence[1:]
    return None


def _vary(t: Telling, sentences: list[str]) -> list[str]:
    """The same events told less predictably: now and then two narrated sentences in a row become one ("She got
    up, and she fed the cat."), or a sentence gets a time word in front ("Just then, the phone rang.")."""
    out: list[str] = []
    for sentence in sentences:
        quoted = '"' in sentence or sentence.endswith("?")
        lower = None if quoted else _lower_start(sentence)
        previous = out[-1] if out else ""
        if lower and previous.endswith(".") and '"' not in previous and "?" not in previous and t.chance(0.15):
            out[-1] = previous[:-1] + t.one(_JOINERS) + " " + lower
        elif lower and not lower.startswith(("suddenly", "then", "later", "instead", "after", "when", "because",
                                             "on ", "in the", "every", "first")) and t.chance(0.1):
            out.append(f"{t.one(_OPENERS)} {lower}")
        else:
            out.append(sentence)
    return out
