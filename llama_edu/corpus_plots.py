"""The plots of the story corpus (llama_edu/corpus.py): a beginning, a problem and an ending, built from the
smaller productions of llama_edu/corpus_telling.py. Each plot is registered with @rule("plot", weight) and returns
its sentences; Story.expand("plot") picks one by weight and order of definition, so the order of the plots below
is part of the corpus (tests/test_corpus_split.py). Their tables come from llama_edu/corpus_data/plots.yaml.
"""

from __future__ import annotations

from .corpus_telling import (HAPPY_WOWS, Character, acts_of, animal_call, but, cause, chat_why_sad, eat_clause, ending,
                             feel_clause, garment, moral, move_clause, move_parts, opening, react_clause, rest_clause,
                             rest_parts, rule, say, scene, sound_clause, then, trick_clause)
from .corpus_words import Bag, Phrase, cap, corpus_data, nouns, phrases, sentence, split_phrases, split_words, with_a
from .corpus_world import (AGES, ALL_ANIMALS, ANIMAL_BY_NAME, COLORS, CROPS, DAYS, DO_ADVERBS, DRINK_VERBS, EAT_VERBS,
                           FAIRY_FOLK, FAUNA, FOLK_GENDER, FOOD_BY_KIND, HIDING_SPOTS, HOME_ROOMS, JOBS, MOODS, NUMBERS,
                           ORDINALS, OUTINGS, PETS, PLACES, SURNAMES, THANKS, TITLES, TOYS, Place, Spot)

_things, _animals, _places, _plots = (corpus_data(name) for name in ("things", "animals", "places", "plots"))

# --- plots: a beginning, a problem and an ending -----------------------------------------------------

def went_to(st, who: Character, place: Place, with_whom: Character | None = None) -> str:
    """Lily went to the park with Mom."""
    if who.human:
        verb_word = st.one(("went", "went", "walked", "ran", "hurried", "skipped"))
    else:  # only ways of moving that can take you somewhere: a kitten does not "pounce to the park"
        ways = [m.verb.past for m in (who.moves or who.animal.moves) if m.verb.base in TRAVEL_MOVES]
        verb_word = st.one(["went"] + ways)
    company = f" with {with_whom.name}" if with_whom is not None else ""
    return f"{st.subj(who)} {verb_word} {place.to}{company}"


TRAVEL_MOVES = tuple(split_words(_animals["ways_of_moving"]["travel"]))


def outing_for(st, hero: Character) -> Place:
    """Where a hero would go: children go anywhere; animals stay where they live."""
    if hero.human or hero.animal is None:
        return st.draw(OUTINGS)
    homes = [PLACES[h] for h in hero.animal.homes if h in PLACES and PLACES[h].kind != "home"]
    return st.one(homes) if homes else PLACES["park"]


BIG_TOYS = tuple(split_words(_things["big_toys"]))


@rule("plot", 3)
def plot_lost_toy(st):
    hero = st.hero()
    home = st.draw(HOME_ROOMS)
    family = st.chance(0.7)
    helper = st.grown_up(hero) if family else st.friend(hero, home)
    toy = st.draw(TOYS)
    while toy.noun.sing in BIG_TOYS:  # a bike does not get lost under a pillow
        toy = st.draw(TOYS)
    t = toy.noun.sing
    out = opening(st, hero, home)
    out.append(sentence(f"{st.subj(hero)} had {st.thing_np(toy.noun, adj_p=0.7)} that {hero.he} loved very much"))
    out.append(sentence(f"{st.subj(hero)} {st.one(toy.verbs).past(hero)} {hero.his} {t} every day"))
    out += scene(st, home, hero, st.one((0, 1, 1)))
    problem = st.one((f"could not find {hero.his} {t}", f"looked for {hero.his} {t}, but it was gone",
                      f"wanted to play with {hero.his} {t}, but it was not there"))
    out.append(sentence(f"{st.when()}, {st.subj(hero)} {problem}"))
    out.append(cause(st, lambda: feel_clause(st, hero, "sad"), lambda: react_clause(st, hero, "sad")))
    if st.chance(0.4):
        out.append(sentence(f"{st.subj(hero)} tried to remember where {hero.he} had left it"))
    if not family:
        out.append(sentence(f"{helper.intro} was visiting {hero.name} that day"))  # a friend, not yet introduced
        st.forget()
    out.append(say(st, hero, f"Where is my {t}?", helper, tone="sad"))
    out.append(say(st, helper, st.one(("Let's look for it together.", "Don't worry, we will find it.",
                                       "Did you look under your bed?", "I will help you look.")), hero, tone="kind"))
    both = st.group(hero, helper)
    tried: list[Spot] = []
    for i in range(st.one((1, 2, 2, 3))):
        spot = st.draw(HIDING_SPOTS)
        if spot in tried:
            continue
        tried.append(spot)
        look = st.one(("looked", "checked", "searched", "peeked"))
        if not tried[:-1]:
            out.append(but(st, lambda: f"{st.subj(both)} {look} {spot.phrase()}", lambda: "it was not there"))
        else:
            out.append(f"{sentence(f'then {st.subj(both)} {look} {spot.phrase()}')} It was not there either.")
    found = st.draw(HIDING_SPOTS)
    while found in tried:
        found = st.draw(HIDING_SPOTS)
    r = st.rng.random()
    if r < 0.4:
        out.append(sentence(f"at last, {st.subj(hero)} found {hero.his} {t} {found.phrase()}", "!"))
    else:
        pet = st.creature(st.draw(PETS))
        if r < 0.7:
            out.append(sentence(f"just then, {pet.name} {st.one(('came in', 'walked in', 'ran in'))} with the {t}",
                                "!"))
            out.append(sentence(f"{pet.name} had been playing with it {found.phrase()}"))
        else:
            out.append(sentence(f"then {st.subj(hero)} saw {pet.name} {st.one(('sitting', 'sleeping', 'lying'))} "
                                f"{found.phrase()}"))
            out.append(sentence(f"{hero.possessive} {t} was right next to it", "!"))
        st.forget()
    out.append(sentence(react_clause(st, hero, "happy")))
    thanks = f"{st.one(THANKS)}, {helper.name}!" if helper.name[0].isupper() else f"{st.one(THANKS)}!"
    out.append(say(st, hero, thanks, helper, "cheer", "happy"))
    if st.chance(0.5):
        keep = st.one(("back in the toy box", "on the shelf", "in a safe place", "next to the bed"))
        out.append(sentence(f"from then on, {hero.name} always put {hero.his} {t} {keep}"))
    else:
        out.append(ending(st, [hero], home))
    return out


@rule("plot", 3)
def plot_new_friend(st):
    hero = st.hero()
    place = outing_for(st, hero)
    grown = st.grown_up(hero) if hero.human and st.chance(0.7) else None
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when(day=True)}, {went_to(st, hero, place, grown)}"))
    out += scene(st, place, hero, st.one((1, 1, 2)))
    friend = st.friend(hero, place)
    spot = st.spot_phrase(st.draw(place.ground))
    doing = st.one(("sitting all alone", f"sitting {spot}", "looking sad", "crying softly", f"waiting {spot}",
                    f"playing near the {st.draw(place.things).sing}"))
    out.append(sentence(f"{st.one(('there', 'soon', 'suddenly', 'then'))}, {st.subj(hero)} saw {friend.intro} "
                        f"{doing}"))
    st.forget()
    if "sad" in doing or "crying" in doing:
        out += chat_why_sad(st, hero, friend, place)
    else:
        if st.chance(0.3):
            out.append(cause(st, lambda: f"{st.subj(friend)} was {st.draw(MOODS['shy'].words)}",
                             lambda: react_clause(st, friend, "shy")))
        out += st.expand("chat", hero, friend, place)
    both = st.group(hero, friend)
    first = st.draw(acts_of(both, place))
    second = st.draw(acts_of(both, place))
    while second is first and len(acts_of(both, place)) > 1:
        second = st.draw(acts_of(both, place))
    out.append(then(st, lambda: f"{st.subj(both)} {first.past(both)} together",
                    lambda: f"{st.subj(both)} {second.past(both)}"))
    fun = st.one(("laughed and had lots of fun", "had so much fun", "laughed all afternoon",
                  "played until it was time to go home"))
    out.append(sentence(f"{st.subj(both)} {fun}"))
    if st.chance(0.3):
        out.append(moral(st, "friend", hero))
    out.append(ending(st, [hero, friend], place))
    return out


BAD_WEATHER = {weather: (bad["noun"], split_phrases(bad["lines"])) for weather, bad in _places["bad_weather"].items()}


@rule("plot", 2)
def plot_rainy_day(st):
    st.weather = st.one(("rainy", "rainy", "stormy", "windy", "cold"))
    weather_noun, lines = BAD_WEATHER[st.weather]
    hero = st.child() if st.chance(0.8) else st.pet()
    helper = st.grown_up(hero)
    out_place = st.draw(OUTINGS)
    room = PLACES[st.one(("living_room", "kitchen", "bedroom"))]
    out = opening(st, hero, out_place)
    wanted = st.draw(acts_of(hero, out_place))
    out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} wanted to {wanted.base(hero)} {out_place.at}"))
    out.append(sentence(f"but when {st.subj(hero)} looked out of the window, {st.one(lines)}"))
    out.append(cause(st, lambda: f"{st.subj(hero)} could not go outside", lambda: feel_clause(st, hero, "sad")))
    if st.chance(0.4):
        out.append(sentence(f"{st.subj(hero)} hoped the {weather_noun} would stop soon"))
    out.append(say(st, helper, st.one((f"Why are you sad, {hero.name}?", "What is wrong?", "Why the long face?")),
                   hero, tone="kind"))
    too = {"rain": "wet", "storm": "stormy", "wind": "windy", "cold": "cold"}[weather_noun]
    out.append(say(st, hero, f"I wanted to {wanted.base(hero)}, but it is too {too}.", helper, "reply", "sad"))
    inside = st.draw(room.acts)
    out.append(say(st, helper, f"We can {inside.base(helper)} instead!", hero, "suggest", "happy"))
    both = st.group(hero, helper)
    out.append(sentence(f"{st.subj(both)} {inside.past(both)} {room.at}"))
    out += scene(st, room, hero, st.one((1, 1, 2)))
    out.append(sentence(f"{st.subj(hero)} forgot all about the {weather_noun}"))
    if st.weather in ("rainy", "stormy") and st.chance(0.6):
        out.append(then(st, lambda: "the rain stopped", lambda: "the sun came out"))
        out.append(sentence(f"there was a {st.one(('big', 'beautiful', 'bright'))} rainbow in the sky", "!"))
        out.append(sentence(f"{st.subj(hero)} pointed at it"))
        out.append(say(st, hero, f"{st.one(HAPPY_WOWS)}! A rainbow!", helper, "cheer"))
    out.append(ending(st, [hero], room))
    return out


@rule("plot", 3)
def plot_helping_animal(st):
    hero = st.child()
    place = st.draw(OUTINGS)
    if place.key not in FAUNA:
        place = PLACES["park"]
    creature = st.creature(st.draw(FAUNA[place.key]))
    trouble = st.one(("hungry", "cold", "lost", "hurt", "stuck"))
    if creature.animal.group in ("sea", "bug") or creature.animal.rest in ("", "water"):
        trouble = st.one(("hungry", "lost"))
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when(day=True)}, {went_to(st, hero, place)}"))
    out += scene(st, place, hero, 1)
    out.append(sentence(f"{st.one(('suddenly', 'then', 'there'))}, {st.subj(hero)} heard a "
                        f"{st.one(('little', 'soft', 'sad', 'tiny'))} noise"))
    parts = rest_parts(st, creature, place)
    where = parts[1] if parts else place.at
    out.append(sentence(f"{creature.intro} was {where}", st.one((".", "!"))))
    st.forget()
    st.topic = creature
    kind = creature.kind
    if trouble == "hungry":
        out.append(sentence(f"{st.subj(creature)} looked very hungry"))
        n, food_kind = st.food(creature)
        out.append(say(st, hero, st.one((f"Are you hungry, little {kind}?", "Poor thing! You must be hungry.")),
                       creature, tone="kind"))
        out.append(sentence(f"{st.subj(hero)} {st.one(('found', 'brought', 'gave it'))} {st.food_np(n, food_kind)}"))
        drink = food_kind == "drink" or n.sing in ("nectar", "milk", "water")
        munch = st.draw(DRINK_VERBS if drink else EAT_VERBS)
        if munch.verb.base == "share":
            munch = EAT_VERBS.items[0]
        how = st.one(("all up", "happily", "quickly", "in no time"))
        out.append(sentence(f"{st.subj(creature)} {munch.past(creature)} it {how}"))
    elif trouble == "cold":
        out.append(cause(st, lambda: f"{st.subj(creature)} was cold and wet", lambda: "it was shivering"))
        wrap = st.one(("scarf", "jacket", "blanket", "sweater"))
        out.append(sentence(f"{st.subj(hero)} wrapped {creature.name} in {hero.his} {wrap}"))
        out.append(sentence(f"soon {creature.name} was warm again"))
    elif trouble == "lost":
        out.append(say(st, hero, f"Are you lost, little {kind}?", creature, tone="kind"))
        out.append(sentence(f"{st.subj(creature)} looked {st.draw(MOODS['scared'].words)}"))
        out.append(sentence(f"{st.subj(hero)} helped {creature.name} look for its family"))
        out.append(sentence(f"at last, they found {with_a('big ' + kind)} {place.at}"))
        out.append(sentence(f"it was the {kind}'s {st.one(('mother', 'mom', 'family'))}", "!"))
    elif trouble == "hurt":
        out.append(sentence(f"{st.subj(creature)} had hurt its {st.one(('paw', 'leg', 'wing', 'foot', 'tail'))}"))
        grown = st.grown_up(hero)
        out.append(sentence(f"{st.subj(hero)} ran to get {grown.name}"))
        out.append(sentence(f"{st.subj(grown)} {st.one(('gently', 'carefully'))} put a bandage on it"))
        out.append(say(st, grown, "It will be better soon.", hero, tone="kind"))
    else:
        stuck = st.one(("in a bush", "under a fence", "in the mud", "behind a big rock", "in a hole"))
        out.append(sentence(f"{st.subj(creature)} was stuck {stuck}", "!"))
        out.append(sentence(f"{st.subj(hero)} {st.draw(DO_ADVERBS)} pulled {creature.name} out"))
    extra = animal_call(st, creature) or (sentence(trick_clause(st, creature)) if creature.animal.tricks else None)
    if extra:
        out.append(extra)
    out.append(cause(st, lambda: f"{st.subj(hero)} had helped {creature.name}",
                     lambda: feel_clause(st, hero, "proud")))
    out.append(ending(st, [hero], place) if st.chance(0.5) else moral(st, "help", hero))
    return out


@rule("plot", 2)
def plot_sharing(st):
    hero = st.hero()
    place = st.draw(HOME_ROOMS) if st.chance(0.5) else outing_for(st, hero)
    friend = st.friend(hero, place)
    is_food = st.chance(0.5)
    if is_food:
        n, kind = st.food(hero)
        thing = st.food_np(n, kind)
        name = n.sing if n.mass or " of " in thing or thing.startswith(("a ", "an ")) else n.plural
    else:
        toy = st.draw(TOYS)
        thing, name = st.thing_np(toy.noun, adj_p=0.6), toy.noun.sing
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when()}, {st.subj(hero)} had {thing}"))
    out.append(sentence(f"{friend.intro} came {st.one(('over', 'by', 'along'))}"))
    st.forget()
    st.topic = friend
    ask = st.one(("Can I have some too?", "Can I have some, please?")) if is_food else \
        st.one((f"Can I play with your {name}?", f"Can I have a turn with your {name}?"))
    out.append(say(st, friend, ask, hero))
    out.append(say(st, hero, st.one(("No! It is mine!", "No, it is all mine!", "No, I want it for myself!")),
                   friend, st.one(("shouted", "grumpy")), "angry"))
    out.append(cause(st, lambda: f"{st.subj(hero)} would not share", lambda: feel_clause(st, friend, "sad")))
    out.append(sentence(f"{st.subj(friend)} {st.one(('walked away', 'sat down all alone', 'looked at the ground'))}"))
    out.append(sentence(f"{st.subj(hero)} {st.one(('did not feel good', 'felt bad', 'felt sorry'))}"))
    out.append(say(st, hero, st.one((f"I am sorry, {friend.name}. Let's share!", "Wait! We can share!",
                                     "You can have some. Sharing is more fun!")), friend, tone="kind"))
    out.append(sentence(f"{st.subj(friend)} smiled"))
    both = st.group(hero, friend)
    together = f"shared the {name}" if is_food else st.one(("played together", "took turns", "had fun together"))
    out.append(sentence(f"{st.subj(both)} {together} {place.at}"))
    out.append(moral(st, "share", hero))
    return out


@rule("plot", 2)
def plot_fear(st):
    hero = st.child() if st.chance(0.8) else st.pet()
    helper = st.grown_up(hero)
    room = PLACES[st.one(("bedroom", "living_room", "kitchen", "attic"))]
    out = opening(st, hero, room)
    if st.chance(0.5):
        night = st.one(("one night", "late one night", "one dark night"))
        out.append(sentence(f"{night}, {st.subj(hero)} heard a strange noise {st.draw(HIDING_SPOTS).phrase()}"))
        out.append(cause(st, lambda: feel_clause(st, hero, "scared"), lambda: react_clause(st, hero, "scared")))
        call = f"{helper.name}! There is a monster!" if helper.name[0].isupper() else "Help! There is a monster!"
        out.append(say(st, hero, call, helper, "cried"))
        out.append(sentence(f"{st.subj(helper)} came in and turned on the light"))
        pet = st.creature(st.draw(PETS))
        while pet.animal is hero.animal:
            pet = st.creature(st.draw(PETS))
        out.append(f"It was not a monster. {sentence(f'it was just {pet.intro}', '!')}")
        text = rest_clause(st, pet, room)
        if text:
            out.append(sentence(text))
        extra = animal_call(st, pet)
        if extra:
            out.append(extra)
        out.append(sentence(f"{st.subj(hero)} laughed"))
    else:
        scary = st.one(("the dark", "thunder", "the big slide", "deep water", "the tall ladder", "big dogs",
                        "the loud vacuum cleaner", "the first day of school", "spiders", "the noisy storm"))
        out.append(sentence(f"{st.subj(hero)} was afraid of {scary}"))
        out.append(say(st, hero, f"I am scared of {scary}.", helper, tone="scared"))
        out.append(say(st, helper, st.one(("It is okay to be scared. I am right here with you.",
                                           "Let's try it together. I will hold your hand.",
                                           "Take a deep breath. You are braver than you think.")),
                       hero, "reply", "kind"))
        out.append(sentence(f"{st.subj(hero)} took a deep breath"))
        out.append(but(st, lambda: f"{st.subj(hero)} was still a little scared", lambda: f"{hero.he} tried anyway"))
        out.append(sentence("it was not so bad after all", st.one((".", "!"))))
        out.append(sentence(react_clause(st, hero, "proud")))
    out.append(moral(st, "brave", hero) if st.chance(0.5) else ending(st, [hero], room))
    return out


# Things children learn, and where they practise them.
SKILLS = Bag([(Phrase(skill), tuple(where.split())) for skill, where in _plots["skills"].items()])


@rule("plot", 2)
def plot_learning(st):
    hero = st.child()
    helper = st.grown_up(hero)
    skill, places = st.draw(SKILLS)
    place = PLACES[st.one(places)]
    out = opening(st, hero, place)
    out.append(sentence(f"{st.subj(hero)} wanted to learn how to {skill.base(hero)}"))
    if place.kind == "home":
        out.append(sentence(f"{st.when(day=True)}, {st.subj(helper)} and {hero.name} went {place.to}"))
    else:
        out.append(sentence(f"{st.when(day=True)}, {st.subj(helper)} took {hero.name} {place.to}"))
    out.append(say(st, helper, "Let's try! I will help you.", hero, tone="kind"))
    oops = st.one(("fell down", "slipped", "wobbled and fell", "got it wrong", "could not do it"))
    out.append(then(st, lambda: f"{st.subj(hero)} tried to {skill.base(hero)}", lambda: f"{st.subj(hero)} {oops}"))
    out.append(cause(st, lambda: f"{st.subj(hero)} felt {st.draw(MOODS['sad'].words)}",
                     lambda: f"{st.subj(hero)} wanted to give up"))
    out.append(say(st, helper, st.one(("Don't give up! Try again.", "Everyone falls at first. Try one more time!",
                                       "You can do it! Keep trying.")), hero, tone="kind"))
    out.append(sentence(f"{st.subj(hero)} tried again, and again, and again"))
    out.append(sentence(f"at last, {st.subj(hero)} could {skill.base(hero)}", "!"))
    out.append(say(st, hero, f"{st.one(HAPPY_WOWS)}! I did it!", helper, "cheer"))
    out.append(sentence(react_clause(st, hero, "proud")))
    out.append(moral(st, "try", hero) if st.chance(0.6) else ending(st, [hero], place))
    return out


CLOTHES_FOR: dict[str, str] = _things["clothes_for_weather"]  # weather -> phrases


def dress_for_weather(st, hero: Character) -> str:
    """Before they left, Lily put on her raincoat."""
    item = st.one(split_phrases(CLOTHES_FOR[st.weather]))
    return sentence(f"before they left, {st.subj(hero)} put on {hero.his} {item}")

@rule("plot", 3)
def plot_trip(st):
    hero = st.hero()
    grown = st.grown_up(hero)
    place = outing_for(st, hero)
    out = opening(st, hero, place)
    who = st.group(hero, grown)
    if hero.human and st.chance(0.4):
        out.append(dress_for_weather(st, hero))
    out.append(sentence(f"{st.when(day=True)}, {went_to(st, who, place)}"))
    if st.chance(0.6):
        out.append(sentence(st.weather_line(place)))
    out += scene(st, place, hero, st.one((2, 3, 3, 4)))
    out.append(sentence(f"{st.subj(hero)} {st.draw(acts_of(hero, place)).past(hero)}"))
    if st.chance(0.5):
        out.append(sentence(eat_clause(st, who)))
    out += scene(st, place, hero, st.one((1, 2)))
    back = st.one(("at the end of the day", "in the evening", "when the sun went down", "later"))
    out.append(sentence(f"{back}, {st.subj(who)} went home"))
    out.append(ending(st, [hero], place))
    return out


CHORES = {room: Bag(phrases(chores)) for room, chores in _plots["chores"].items()}


@rule("plot", 2)
def plot_helping_out(st):
    hero = st.hero()
    helper = st.grown_up(hero)
    room = st.draw(HOME_ROOMS)
    chore = st.draw(CHORES[room.key])
    out = opening(st, hero, room)
    out.append(sentence(f"{st.when(day=True)}, {st.subj(helper)} was busy {chore.ing(helper)} {room.at}"))
    out.append(say(st, hero, st.one(("Can I help?", "May I help you?", "Can I help you, please?")), helper))
    out.append(say(st, helper, st.one(("Yes, please!", "Of course you can!", "Thank you, that would be lovely.")),
                   hero, "reply", "happy"))
    out.append(sentence(f"{st.subj(hero)} {st.draw(DO_ADVERBS)} helped {helper.name} {chore.base(hero)}"))
    if st.chance(0.5):
        oops = st.one(("dropped a spoon", "spilled some water", f"got dirt on {hero.his} nose",
                       "tripped over a bucket", "made a big mess"))
        out.append(but(st, lambda: f"{st.subj(hero)} {oops}", lambda: f"{helper.name} just laughed"))
        out.append(say(st, helper, st.one(("Never mind, we can clean it up.", "Oops! That happens to everyone.",
                                           "What a funny helper you are!")), hero, "grown", "kind"))
    out += scene(st, room, hero, 1)
    n, kind = st.food(hero)
    out.append(sentence(f"when they were done, {helper.name} gave {hero.name} {st.food_np(n, kind)} as a thank you"))
    out.append(say(st, helper, f"{st.one(THANKS)} for your help!", hero, tone="kind"))
    out.append(moral(st, "help", hero) if st.chance(0.5) else ending(st, [hero], room))
    return out


THROWN_TOYS = [t for t in TOYS.items if t.verbs[0].verb.base in ("kick", "throw", "roll", "spin", "bounce")]


@rule("plot", 2)
def plot_honesty(st):
    hero = st.child()
    helper = st.grown_up(hero)
    room = PLACES[st.one(("living_room", "kitchen", "bedroom"))]
    broke = st.one(("vase", "cup", "lamp", "plate", "bowl", "mug", "jar", "picture frame", "clock"))
    toy = st.one(THROWN_TOYS)
    out = opening(st, hero, room)
    out.append(sentence(f"{st.when()}, {st.subj(hero)} was {toy.verbs[0].ing(hero)} {hero.his} {toy.noun.sing} "
                        f"{room.at}"))
    out.append(f"{cap(st.one(('crash', 'oh no', 'bang')))}! "
               + sentence(f"{hero.his} {toy.noun.sing} hit {helper.possessive} {broke}, and it broke"))
    hide = st.draw(HIDING_SPOTS).phrase()
    out.append(cause(st, lambda: feel_clause(st, hero, "scared"), lambda: f"{st.subj(hero)} hid the pieces {hide}"))
    out.append(sentence(f"{st.one(('later that day', 'that evening', 'soon'))}, {helper.name} asked, "
                        f"\"Where is my {broke}?\"", ""))
    st.forget()
    out.append(sentence(f"{st.subj(hero)} wanted to say nothing"))
    out.append(but(st, lambda: f"{st.subj(hero)} knew that was not right", lambda: f"{st.subj(hero)} told the truth"))
    out.append(say(st, hero, f"I am sorry, {helper.name}. I broke your {broke}.", helper, tone="sad"))
    out.append(say(st, helper, st.one(("Thank you for telling me the truth. I am not angry.",
                                       "It is okay. Accidents happen. I am glad you told me.",
                                       "Thank you for being honest. Let's fix it together.")), hero, "reply", "kind"))
    fix = st.one(("cleaned up the pieces together", f"glued the {broke} back together", "fixed it with some glue"))
    out.append(sentence(f"{st.subj(st.group(hero, helper))} {fix}"))
    out.append(moral(st, "honest", hero))
    return out


@rule("plot", 2)
def plot_race(st):
    fast_a = ANIMAL_BY_NAME[st.one(("rabbit", "fox", "horse", "cheetah", "dog", "squirrel", "deer", "kangaroo"))]
    slow_a = ANIMAL_BY_NAME[st.one(("turtle", "snail", "hedgehog", "sloth", "duckling", "caterpillar"))]
    fast, slow = st.pet(fast_a), st.pet(slow_a)
    place = PLACES[st.one(("meadow", "forest", "park", "farm", "hill"))]
    goal = st.one(("the big tree", "the old bridge", "the top of the hill", "the red barn", "the pond"))
    out = [sentence(f"{st.one(('once upon a time', 'long ago', 'a long time ago'))}, {fast.intro} lived {place.at}"),
           sentence(f"{fast.name} was very fast, and {fast.he} was very proud of it"),
           sentence(f"{slow.intro} lived {place.at} too")]
    st.forget()
    out.append(say(st, fast, f"You are so slow, {slow.name}! I bet I can beat you in a race!", slow,
                   st.one(("laughed", "said", "shouted"))))
    out.append(say(st, slow, f"Let's race to {goal}.", fast, "reply", "kind"))
    dash = st.one(("quickly", "fast", "swiftly"))
    out.append(then(st, lambda: "the race began", lambda: f"{fast.name} {fast_a.moves[0].past(fast)} away {dash}"))
    nap = st.one(("lay down for a nap", "sat down under a tree and fell asleep", "decided to take a little nap"))
    out.append(cause(st, lambda: f"{st.subj(fast)} was far ahead", lambda: f"{st.subj(fast)} {nap}"))
    out.append(sentence(f"{slow.name} kept going, slowly but surely"))
    out.append(sentence(f"when {fast.name} woke up, {slow.name} was already at {goal}", "!"))
    out.append(sentence(f"{slow.name} won the race"))
    out.append(sentence(f"{fast.name} {st.one(('was very surprised', 'learned a big lesson', 'said sorry'))}"))
    out.append(moral(st, "patient", slow) if st.chance(0.7) else ending(st, [slow, fast], place))
    return out


PARTY_GAMES = Bag(phrases(_plots["party_games"]))


@rule("plot", 2)
def plot_birthday(st):
    hero = st.hero()
    home = PLACES[st.one(("living_room", "garden", "backyard", "kitchen"))]
    friends = [st.friend(hero, home) for _ in range(st.one((1, 2, 2, 3)))]
    out = opening(st, hero, home)
    age = st.one(AGES)
    out.append(sentence(f"{st.when()}, it was {hero.possessive} birthday", "!"))
    if hero.human:
        out.append(sentence(f"{st.subj(hero)} was {age} years old"))
    intros = [f.intro for f in friends]
    guests = " and ".join(intros) if len(intros) < 3 else ", ".join(intros[:-1]) + ", and " + intros[-1]
    if st.chance(0.5):
        invited = "one friend" if len(friends) == 1 else f"{NUMBERS[len(friends) - 2]} friends"  # words, not digits
        out.append(sentence(f"{st.subj(hero)} had invited {invited} to the party"))
    out.append(sentence(f"{guests} {st.one(('came to the party', 'arrived at the party', 'came with presents'))}"))
    st.forget()
    if st.chance(0.4):
        out.append(sentence(f"{hero.name} greeted everyone at the door"))
    gift = st.draw(TOYS)
    out.append(sentence(f"{friends[0].name} gave {hero.name} {st.thing_np(gift.noun, adj_p=0.6)}"))
    out.append(say(st, hero, f"{st.one(THANKS)}! I love it!", friends[0], "cheer", "happy"))
    cake = st.one(("chocolate", "strawberry", "lemon", "carrot", "vanilla", "banana"))
    candles = age if hero.human else st.one(AGES[:3])
    if hero.human and st.chance(0.5):
        grown = st.grown_up(hero)
        out.append(say(st, grown, "It is time for cake!", None, "announced"))
    out.append(sentence(f"there was a big {cake} cake with {candles} candles"))
    out.append(sentence(f"{hero.name} made a wish and blew out the candles"))
    everyone = Character("everyone", "group", "pl")
    out.append(sentence(f"then everyone {st.draw(PARTY_GAMES).past(everyone)}"))
    out += scene(st, home, hero, st.one((0, 1)))
    out.append(sentence("it was the best birthday ever", "!"))
    return out


@rule("plot", 2)
def plot_stuck(st):
    hero = st.child()
    place = PLACES[st.one(("park", "garden", "backyard", "farm", "playground"))]
    thing = st.one(("kite", "ball", "frisbee", "balloon", "toy plane", "cat", "kitten"))
    out = opening(st, hero, place)
    where = st.one(("in a tall tree", "on the roof", "on top of the fence", "in a high branch"))
    if thing in ("cat", "kitten"):
        out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} saw a little {thing} {where}"))
        out.append(sentence(f"the {thing} could not get down"))
        out.append(animal_call(st, st.creature(ANIMAL_BY_NAME[thing])) or sentence("it was scared"))
        st.forget()
        it = "it"
    else:
        out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} was playing with {hero.his} {thing} {place.at}"))
        up = {"in a tall tree": "into a tall tree", "on the roof": "onto the roof",
              "on top of the fence": "onto the top of the fence", "in a high branch": "into a high branch"}[where]
        out.append(sentence(f"{st.one(('a gust of wind', 'a big jump', 'a strong kick'))} sent the {thing} {up}"))
        out.append(sentence(f"{hero.his} {thing} was stuck", "!"))
        it = "it"
    out.append(sentence(f"{st.subj(hero)} tried to reach {it}, but {hero.he} was too small"))
    if st.chance(0.5):
        helper = st.grown_up(hero)
        out.append(sentence(f"{st.subj(hero)} ran to get {helper.name}"))
        out.append(sentence(f"{st.subj(helper)} brought a tall ladder and climbed up"))
        out.append(sentence(f"{helper.name} got the {thing} down {st.draw(DO_ADVERBS)}"))
    else:
        big = ANIMAL_BY_NAME[st.one(("giraffe", "elephant", "horse", "bear", "bird"))]
        helper = st.pet(big)
        how = {"giraffe": "stretched out {his} long neck", "elephant": "reached up with {his} long trunk",
               "horse": "stood on {his} back legs", "bear": "climbed up the tree", "bird": "flew up and pushed it"}
        out.append(sentence(f"just then, {helper.intro} came by"))
        out.append(sentence(f"{helper.name} {how[big.noun.sing].format(his=helper.his)} and got the {thing} down"))
    out.append(say(st, hero, f"{st.one(THANKS)}, {helper.name}!", helper, "cheer", "happy"))
    out.append(sentence(react_clause(st, hero, "happy")))
    cast = [hero, helper] if helper.animal is not None else [hero]  # "best friends" with a giraffe, not with Dad
    out.append(ending(st, cast, place) if st.chance(0.6) else moral(st, "help", hero))
    return out


@rule("plot", 5)
def plot_quiet_day(st):
    """A day at home or out: mostly scene sentences (the cat sat on the mat, the dog ran in the park)."""
    hero = st.hero()
    place = st.draw(HOME_ROOMS) if st.chance(0.55) else outing_for(st, hero)
    start = st.rng.random()
    if start < 0.4:
        out = [sentence(f"it was {with_a(st.weather)} {st.one(('day', 'morning', 'afternoon'))} {place.at}")]
        out += scene(st, place, hero, 1)
        out.append(sentence(f"{hero.intro} was {place.at} too"))
        st.forget()
    elif start < 0.7:
        out = [sentence(f"{st.when()}, {hero.name} was {place.at}")]
    else:
        out = opening(st, hero, place, traits=0)
        out.append(sentence(f"{st.when()}, {st.subj(hero)} was {place.at}"))
    out += scene(st, place, hero, st.one((3, 4, 4, 5, 6)))
    out.append(sentence(f"{st.subj(hero)} {st.draw(acts_of(hero, place)).past(hero)}"))
    out += scene(st, place, hero, st.one((1, 2, 3)))
    if st.chance(0.5):
        out.append(sentence(eat_clause(st, hero)))
    if st.chance(0.5):
        out.append(ending(st, [hero], place))
    else:
        out.append(sentence(f"it was a {st.one(('quiet', 'happy', 'lovely', 'good', 'peaceful'))} day"))
    return out


@rule("plot", 2)
def plot_garden_grows(st):
    hero = st.hero()
    place = PLACES[st.one(("garden", "backyard", "farm"))]
    crop = st.draw(CROPS)
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} planted some {crop.sing} seeds {place.at}"))
    out.append(sentence(f"every day, {st.subj(hero)} watered the seeds and waited"))
    out.append(but(st, lambda: f"{st.subj(hero)} looked and looked", lambda: "nothing happened"))
    out.append(say(st, hero, "When will my seeds grow?", None, "asked"))
    out.append(sentence(f"{st.one(('after many days', 'a week later', 'one morning'))}, {st.subj(hero)} saw a tiny "
                        f"green sprout", "!"))
    out.append(sentence(f"the sprout grew {st.one(('taller and taller', 'bigger and bigger', 'every day'))}"))
    out.append(sentence(f"soon there were {st.one(('lots of', 'many', 'beautiful'))} {crop.plural} {place.at}"))
    out.append(sentence(react_clause(st, hero, "proud")))
    out.append(moral(st, "patient", hero) if st.chance(0.5) else ending(st, [hero], place))
    return out


@rule("plot", 2)
def plot_snow_day(st):
    st.weather = "snowy"
    hero = st.child() if st.chance(0.8) else st.pet()
    place = PLACES[st.one(("backyard", "park", "hill"))]
    friend = st.friend(hero, place)
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} woke up and looked out of the window"))
    out.append(sentence("everything was white", "!"))
    out.append(say(st, hero, f"{st.one(HAPPY_WOWS)}! It snowed!", None, "cheer"))
    if hero.human:
        out.append(sentence(f"{st.subj(hero)} put on {hero.his} {st.one(('boots', 'mittens', 'gloves'))}, "
                            f"{hero.his} {st.one(('warm coat', 'woolly hat', 'red scarf'))} and {hero.his} "
                            f"{st.one(('snow pants', 'thick socks', 'blue sweater'))}"))
    out.append(sentence(f"{st.subj(hero)} met {friend.intro} {place.at}"))
    st.forget()
    both = st.group(hero, friend)
    games = ["built a big snowman", "made snow angels", "went sledding down the hill", "had a snowball fight",
             "caught snowflakes on their tongues", "built a snow fort", "went skating on the frozen pond",
             "skied down the little hill"]
    for _ in range(st.one((1, 2, 2))):
        game = st.one(games)
        games.remove(game)
        out.append(sentence(f"{st.subj(both)} {game}"))
    if "built a big snowman" not in games:
        out.append(sentence(f"the snowman had a carrot nose and "
                            f"{st.one(('two black buttons for eyes', 'a red scarf', 'stick arms', 'a funny hat'))}"))
    out.append(sentence(f"when {st.subj(both)} got cold, they went inside and drank some hot cocoa"))
    out.append(ending(st, [hero, friend], place))
    return out


@rule("plot", 2)
def plot_bedtime(st):
    hero = st.hero()
    helper = st.grown_up(hero)
    room = PLACES["bedroom"]
    out = opening(st, hero, room)
    out.append(sentence(f"{st.one(('one night', 'that night', 'one evening'))}, {st.subj(hero)} could not sleep"))
    restless = st.one(("tossed and turned", "looked at the ceiling", "counted sheep", f"hugged {hero.his} teddy bear"))
    out.append(sentence(f"{st.subj(hero)} {restless}"))
    out.append(say(st, hero, f"{helper.name}, I can't sleep." if helper.name[0].isupper() else "I can't sleep.",
                   helper, "sleepy"))
    if st.chance(0.5):
        book = st.one(("a brave knight", "a little dragon", "a lost puppy", "a magic tree", "a friendly ghost",
                       "a sleepy bear", "the moon and the stars", "a pirate ship"))
        out.append(sentence(f"{st.subj(helper)} sat on the bed and read a story about {book}"))
    else:
        out.append(sentence(f"{st.subj(helper)} sang a {st.one(('soft', 'quiet', 'sweet', 'gentle'))} song"))
    out.append(sentence(f"outside, the {st.one(('moon', 'stars'))} {st.one(('shone', 'glowed', 'sparkled'))} "
                        f"in the dark sky"))
    out += scene(st, room, hero, 1)
    out.append(sentence(f"soon {hero.possessive} eyes {st.one(('grew heavy', 'closed', 'began to close'))}"))
    out.append(sentence(f"{st.subj(hero)} {st.one(('fell fast asleep', 'fell asleep', 'drifted off to sleep'))}"))
    out.append(say(st, helper, "Good night, sleep tight.", None, "whispered"))
    out.append(sentence(f"{st.subj(hero)} dreamed of {st.draw(TOYS).noun.plural} and "
                        f"{st.draw(ALL_ANIMALS).noun.plural}"))
    return out


WISHES = ("to fly like a bird", "to talk to animals", "to visit the moon", "for my friends to be happy",
          "for a big {toy}", "for {pet} of my own")


@rule("plot", 2)
def plot_magic(st):
    hero = st.child()
    place = PLACES[st.one(("forest", "meadow", "garden", "beach", "castle", "cave"))]
    find = st.one(("a shiny stone", "a magic wand", "a golden key", "a little bottle", "a sparkly shell",
                   "an old lamp", "a tiny door in a tree", "a magic feather"))
    folk = st.draw(FAIRY_FOLK)
    desc = f"{st.one(('tiny', 'friendly', 'kind', 'little', 'old', 'happy'))} {folk}"
    being = Character(f"the {folk}", folk, FOLK_GENDER[folk], desc, with_a(desc))
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} found {find} {place.at}"))
    if st.chance(0.5):
        out.append(sentence(f"{st.subj(hero)} wondered what it {st.one(('could be', 'was for', 'would do'))}"))
    out.append(sentence(f"suddenly, {being.intro} appeared", "!"))
    st.forget()
    st.topic = being
    out.append(say(st, being, st.one(("Thank you for finding my treasure! I will give you one wish.",
                                      "Hello! I have been waiting for a kind child like you.",
                                      "You found me! Now you can make a wish.")), hero, tone="kind"))
    wish = st.one(WISHES).format(toy=st.draw(TOYS).noun.sing, pet=with_a(st.draw(PETS).noun.sing))
    out.append(sentence(f"{st.subj(hero)} thought and thought"))
    out.append(say(st, hero, f"I wish {'I could ' + wish[3:] if wish.startswith('to ') else wish}!", being))
    magic = st.one(("there was a flash of light", "stars sparkled everywhere", "the wind began to sing"))
    out.append(sentence(f"{st.subj(being)} waved {being.his} {st.one(('wand', 'hand', 'arms'))}, and {magic}"))
    if wish.startswith("to fly"):
        out.append(sentence(f"{hero.name} flew over {place.the} like a bird"))
    elif wish.startswith("to talk"):
        c = st.background(place) or st.creature(ANIMAL_BY_NAME["bird"])
        out.append(sentence(f"{c.name} looked at {hero.name} and said hello"))
    elif wish.startswith("to visit"):
        out.append(sentence(f"{hero.name} flew up to the moon and back"))
    else:
        out.append(sentence(f"{hero.possessive} wish came true", "!"))
    out.append(sentence(react_clause(st, hero, "surprised")))
    out.append(ending(st, [hero], place))
    return out


@rule("plot", 2)
def plot_animal_day(st):
    """A day in the life of an animal: where it goes, what it eats, what it says, whom it meets."""
    hero = st.pet(st.draw(ALL_ANIMALS))
    place = outing_for(st, hero)
    out = [sentence(st.one((f"{hero.intro} lived {place.at}", f"once upon a time, {hero.intro} lived {place.at}",
                            f"{place.at}, there lived {hero.intro}")))]
    st.topic = hero
    wake = st.one(("woke up early", "woke up with the sun", "stretched and yawned"))
    out.append(sentence(f"every morning, {st.subj(hero)} {wake}"))
    out.append(sentence(move_clause(st, hero, place)))
    text = rest_clause(st, hero, place)
    if text:
        out.append(sentence(text))
    out.append(sentence(eat_clause(st, hero)))
    text = sound_clause(st, hero) or trick_clause(st, hero)
    if text:
        out.append(sentence(text))
    other = st.background(place)
    if other is not None and other.animal is not hero.animal:
        friend = st.pet(other.animal)
        out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} met {friend.intro}"))
        st.forget()
        out += st.expand("chat", hero, friend, place)
        both = st.group(hero, friend)
        out.append(sentence(move_clause(st, both, place) + " together"))
        out.append(ending(st, [hero, friend], place))
    else:
        out.append(ending(st, [hero], place))
    return out


# --- more plots: jobs, art, school, baking, camping, spring, picnics, visits, games, pretending -------

def named_adult(st, gender: str | None = None) -> Character:
    """A grown-up who is not family: "Mrs Green", "Mr Park"."""
    g = gender or st.one(("f", "m"))
    name = f"{st.one(TITLES[g])} {st.draw(SURNAMES)}"
    return Character(name, "woman" if g == "f" else "man", g, name, name)


@rule("plot", 2)
def plot_grow_up(st):
    """A child meets someone at work and wants that job: "A farmer feeds the cows every morning." """
    hero = st.child()
    job = st.draw(JOBS)
    helper = st.grown_up(hero)
    worker = named_adult(st)
    act = st.one(job.acts)
    other = st.one([a for a in job.acts if a is not act] or job.acts)
    out = opening(st, hero, PLACES["living_room"], traits=0)
    out.append(sentence(f"{st.subj(hero)} wanted to be {with_a(job.noun)} when {hero.he} grew up"))
    out.append(sentence(f"every day, {st.subj(hero)} pretended to {act.base(hero)}"))
    out.append(sentence(f"{st.when(day=True)}, {st.subj(helper)} took {hero.name} to meet {with_a(job.noun)} "
                        f"{job.where}"))
    out.append(sentence(f"the {job.noun} was {with_a(st.one(('kind', 'friendly', 'busy', 'cheerful', 'tall')))} "
                        f"{worker.kind} named {worker.name}"))
    st.forget()
    me = Character("I", "me", "pl")  # "I" takes the plural verb form: I feed, I bake
    out.append(say(st, worker, f"Hello, {hero.name}! I {act.base(me)} every day.", hero, tone="happy"))
    out.append(say(st, hero, st.one(("Can I help?", "Can I try?", "Can you show me how?")), worker))
    out.append(sentence(f"{st.subj(worker)} showed {hero.name} how to {other.base(hero)}"))
    out.append(sentence(f"{st.subj(hero)} {other.past(hero)} too"))
    out.append(say(st, helper, f"{cap(with_a(job.noun))} works very hard. {cap(worker.he)} "
                               f"{other.present(worker)} every day.", hero, "explained"))
    out.append(say(st, hero, f"When I grow up, I will {act.base(hero)} too!", helper, "cheer"))
    out.append(ending(st, [hero], PLACES["town"]) if st.chance(0.4) else
               sentence(f"that night, {hero.name} dreamed of being {with_a(job.noun)}"))
    return out


ART_TOOLS = tuple(split_words(_plots["art_tools"]))
HANG = tuple(split_phrases(_plots["hang"]))


@rule("plot", 2)
def plot_drawing(st):
    """A child draws a picture, and the picture is itself a little scene: "a cat sitting on a mat"."""
    hero = st.child()
    room = PLACES[st.one(("living_room", "kitchen", "bedroom", "school"))]
    helper = st.grown_up(hero)
    tool = st.one(ART_TOOLS)
    out = opening(st, hero, room)
    out.append(sentence(f"{st.when()}, {st.subj(hero)} took out {hero.his} {tool} and a big sheet of paper"))
    home = st.one([PLACES[k] for k in ("living_room", "garden", "park", "farm", "meadow", "pond")])
    subject = st.creature(st.draw(FAUNA[home.key]))
    parts = rest_parts(st, subject, home)
    if parts:
        picture = f"{with_a(subject.kind)} {parts[0].ing(subject)} {parts[1]}"
    else:
        m, _, where = move_parts(st, subject, home)
        picture = f"{with_a(subject.kind)} {m.ing(subject)} {where}"
    out.append(sentence(f"{st.subj(hero)} {st.one(('drew', 'drew', 'painted', 'sketched'))} {picture}"))
    color = st.draw(COLORS)
    out.append(sentence(f"{st.subj(hero)} colored the {subject.kind} {color} and the sky "
                        f"{st.one(('blue', 'bright blue', 'pink and orange'))}"))
    if st.chance(0.5):
        oops = st.one((f"{hero.his} {tool.split()[-1].rstrip('s')} broke", "some paint spilled on the table",
                       "the paper tore a little", f"{hero.he} made a big smudge"))
        goes_on = st.one(("kept going", "did not give up", "fixed it"))
        out.append(but(st, lambda: oops, lambda: f"{st.subj(hero)} {goes_on}"))
    out.append(sentence(f"when {st.subj(hero)} was done, {hero.he} showed the picture to {helper.name}"))
    out.append(say(st, helper, st.one(("What a beautiful picture!", "I love it!", "You are a real artist!",
                                       "That is the best picture I have ever seen!")), hero, tone="happy"))
    out.append(sentence(f"{st.subj(helper)} hung the picture {st.one(HANG)}"))
    out.append(sentence(react_clause(st, hero, "proud")))
    return out


MORNING_STEPS = Bag(phrases(_plots["morning_steps"]), flat=3)
LESSONS = Bag(phrases(_plots["lessons"]), flat=4)


@rule("plot", 2)
def plot_school_day(st):
    hero = st.child()
    helper = st.grown_up(hero)
    school = PLACES["school"]
    teacher = named_adult(st)
    friend = st.child()
    out = [sentence(f"{st.one(('on', 'early on', 'on a sunny'))} {st.draw(DAYS)} morning, {hero.name} woke up early")]
    st.topic = hero
    if st.chance(0.4):
        out.append(sentence(f"it was {hero.his} {st.one(ORDINALS[:3])} day of school"))
    steps = [st.draw(MORNING_STEPS)]
    while len(steps) < 2:
        step = st.draw(MORNING_STEPS)
        if step is not steps[0]:
            steps.append(step)
    out.append(then(st, lambda: f"{st.subj(hero)} {steps[0].past(hero)}",
                    lambda: f"{st.subj(hero)} {steps[1].past(hero)}"))
    out.append(sentence(f"{st.subj(hero)} put on {hero.his} {garment(st)}"))
    n, kind = st.food(hero)
    out.append(sentence(f"for breakfast, {st.subj(hero)} ate {st.food_np(n, kind)}"))
    how = st.one(("walked to school with", "rode the bus to school with", "rode {his} bike to school with",
                  "went to school with"))
    out.append(sentence(f"then {st.subj(hero)} {how.format(his=hero.his)} {helper.name}"))
    out.append(sentence(f"at school, {st.subj(hero)} said hello to {hero.his} teacher, {teacher.name}"))
    lesson = st.draw(LESSONS)
    st.forget()
    out.append(sentence(f"that day, {teacher.name} taught the children how to {lesson.base(Character('', '', 'pl'))}"))
    out.append(sentence(f"{hero.name} {st.one(('practiced very hard', 'listened carefully', 'tried {his} best'))}"
                        .format(his=hero.his)))
    out += scene(st, school, hero, 1)
    out.append(sentence(f"at lunch, {hero.name} {eat_clause(st, hero).split(' ', 1)[1]} with {friend.intro}"))
    st.forget()
    out.append(sentence(f"after school, {hero.name} told {helper.name} all about {hero.his} day"))
    out.append(say(st, hero, f"Today I learned how to {lesson.base(hero)}!", helper, "cheer"))
    out.append(ending(st, [hero, friend], school) if st.chance(0.3) else
               sentence(f"{hero.name} could not wait to go back to school the next day"))
    return out


BAKES: dict[str, str] = _plots["bakes"]  # what -> phrases: what goes in it


@rule("plot", 2)
def plot_baking(st):
    hero = st.hero()
    helper = st.grown_up(hero)
    kitchen = PLACES["kitchen"]
    bake = st.one(tuple(BAKES))
    them = bake[2:] if bake.startswith("a ") else bake  # "the cake" / "the cookies"
    extra = st.one(split_phrases(BAKES[bake]))
    both = st.group(hero, helper)
    out = opening(st, hero, kitchen)
    out.append(sentence(f"{st.when()}, {st.subj(both)} decided to bake {bake}"))
    out.append(sentence(f"first, {st.subj(both)} put flour, sugar and butter in a big bowl"))
    out.append(sentence(f"{st.subj(hero)} cracked {st.one(('two', 'three', 'four'))} eggs"))
    out.append(then(st, lambda: f"{st.subj(helper)} poured in some milk",
                    lambda: f"{st.subj(hero)} stirred and stirred"))
    out.append(sentence(f"{st.subj(both)} added some {extra}"))
    if st.chance(0.5):
        out.append(but(st, lambda: f"{st.subj(hero)} got flour on {hero.his} nose",
                       lambda: f"{st.subj(both)} just laughed"))
    out.append(sentence(f"then {st.subj(helper)} put the {them} in the oven"))
    out.append(sentence(f"soon, the kitchen smelled {st.one(('wonderful', 'sweet', 'so good', 'warm and yummy'))}"))
    out += scene(st, kitchen, hero, st.one((0, 1)))
    finish = st.one(("sprinkled sugar on top", "put on some icing", "added a cherry on top", "let them cool"))
    was = "was" if bake.startswith("a ") or bake == "bread" else "were"
    out.append(sentence(f"when the {them} {was} ready, {st.subj(hero)} {finish}"))
    guests = st.one(("{his} friends", "the neighbors", "{his} whole family", "{his} little brother",
                     "{his} grandma"))
    out.append(sentence(f"{st.subj(hero)} shared the {them} with {guests.format(his=hero.his)}"))
    out.append(say(st, hero, f"These are the best {them if not bake.startswith('a ') else them + 's'} ever!", None,
                   "cheer") if not bake.startswith("a ") else
               say(st, hero, f"This is the best {them} ever!", None, "cheer"))
    out.append(ending(st, [hero, helper], kitchen))
    return out


@rule("plot", 2)
def plot_camping(st):
    hero = st.hero()
    helper = st.grown_up(hero)
    place = PLACES[st.one(("forest", "mountain", "lake", "meadow"))]
    both = st.group(hero, helper)
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when(day=True)}, {st.subj(both)} went camping {place.at}"))
    spot = st.one(("in a clearing", "by a little stream", "under the tall trees", "on the soft grass",
                   "near the water", "on a flat spot"))
    out.append(sentence(f"{st.subj(both)} put up {with_a(st.draw(COLORS))} tent {spot}"))
    out.append(sentence(f"{st.subj(hero)} collected sticks for the campfire"))
    out += scene(st, place, hero, st.one((1, 2)))
    out.append(sentence(f"when it got dark, {st.subj(both)} sat by the campfire and roasted marshmallows"))
    out.append(sentence(f"the stars {st.one(('twinkled', 'sparkled', 'shone'))} in the sky"))
    night = st.background(place)
    if night is not None and night.animal.sound is not None:
        out.append(sentence(f"somewhere, {with_a(night.kind)} {night.animal.sound.past}"))
    story = st.one(("a brave little bear", "a lost star", "a friendly ghost", "a dragon who was afraid of the dark",
                    "a boat that could fly"))
    out.append(sentence(f"{st.subj(helper)} told a story about {story}"))
    out.append(sentence(f"then {st.subj(hero)} snuggled into {hero.his} sleeping bag"))
    sounds = st.one(("crickets chirping", "owls hooting", "wind in the trees", "frogs croaking"))
    out.append(sentence(f"{st.subj(hero)} fell asleep listening to the {sounds}"))
    out.append(ending(st, [hero], place))
    return out


@rule("plot", 2)
def plot_spring(st):
    """Eggs hatch, flowers bloom: the verbs of spring."""
    hero = st.hero()
    place = PLACES[st.one(("farm", "garden", "backyard", "meadow", "park"))]
    mother = ANIMAL_BY_NAME[st.one(("hen", "duck", "bird", "robin"))]
    baby = {"hen": "chick", "duck": "duckling", "bird": "baby bird", "robin": "baby bird"}[mother.noun.sing]
    out = opening(st, hero, place)
    where = "in the henhouse" if mother.noun.sing == "hen" else st.one(("in a bush", "in a tree", "by the pond",
                                                                       "under the hedge"))
    out.append(sentence(f"one spring morning, {st.subj(hero)} found {with_a(mother.noun.sing)} sitting on a nest "
                        f"{where}"))
    n = st.one(("three", "four", "five"))
    out.append(sentence(f"in the nest, there were {n} {st.one(('little', 'tiny', 'smooth', 'speckled'))} eggs"))
    out.append(sentence(f"every day, {st.subj(hero)} came to look at the eggs"))
    out.append(sentence(f"{st.one(('one morning', 'a few days later', 'then one day', 'early one morning'))}, one "
                        f"egg began to crack", "!"))
    out.append(sentence(f"tap, tap, tap. Out came a tiny {baby}", "!"))
    out.append(sentence(f"the {baby} {st.one(('peeped', 'cheeped', 'blinked its eyes', 'shook its wet feathers'))}"))
    out.append(sentence(f"soon, all {n} eggs had hatched"))
    out.append(say(st, hero, f"{st.one(HAPPY_WOWS)}! Baby {baby.split()[-1]}s!", None, "cheer"))
    spring = st.one(("the flowers bloomed", "the trees blossomed", "the snow had melted", "new leaves sprouted",
                     "the grass grew green again", "the bees buzzed from flower to flower"))
    out.append(sentence(f"all around, {spring}"))
    out.append(sentence(react_clause(st, hero, "happy")))
    out.append(ending(st, [hero], place))
    return out


PICNIC_TROUBLE = tuple(_plots["picnic_trouble"].items())  # (what goes wrong, what {they} do)


@rule("plot", 2)
def plot_picnic(st):
    hero = st.hero()
    friend = st.friend(hero) if st.chance(0.5) else st.grown_up(hero)
    place = PLACES[st.one(("park", "meadow", "beach", "hill", "garden", "lake"))]
    both = st.group(hero, friend)
    out = opening(st, hero, place)
    family = friend.name.startswith(("his ", "her ")) or friend.name in ("Mom", "Dad", "Grandma", "Grandpa", "Mommy",
                                                                          "Daddy", "Granny", "Nana", "Papa")
    company = friend.name if family else friend.intro
    out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} and {company} went on a picnic {place.at}"))
    st.forget()
    packed = [st.food(None) for _ in range(3)]
    foods = [st.food_np(n, kind, many=True) for n, kind in packed]
    out.append(sentence(f"{st.subj(both)} packed a basket with {foods[0]}, {foods[1]} and {foods[2]}"))
    ground = st.draw(place.ground)
    while ground.noun.sing in ("blanket", "towel", "beach chair", "swing", "bench"):  # not "a blanket on the towel"
        ground = st.draw(place.ground)
    out.append(sentence(f"{st.subj(both)} spread a big {st.draw(COLORS)} blanket {st.spot_phrase(ground)}"))
    n, kind = packed[0]
    out.append(sentence(f"{st.subj(both)} {st.draw(DRINK_VERBS if kind == 'drink' else EAT_VERBS).past(both)} the "
                        f"{n.sing if n.mass else n.plural}"))
    out += scene(st, place, hero, st.one((1, 2)))
    trouble, fix = st.one(PICNIC_TROUBLE)
    out.append(sentence(f"{st.one(('suddenly', 'just then', 'then'))}, {trouble}", "!"))
    st.forget()
    out.append(sentence(fix.format(they=both.name)))
    out.append(ending(st, [hero, friend] if not friend.name[0].isupper() or friend.kind in ("girl", "boy")
                      else [hero], place))
    return out


TRAVEL = tuple(split_phrases(_plots["travel"]))
VISIT_ACTS = Bag(phrases(_plots["visit_acts"]))


@rule("plot", 2)
def plot_visit(st):
    hero = st.child()
    parent = Character(*st.one((("Mom", "mom", "f"), ("Dad", "dad", "m"))))
    elder = Character(*st.one((("Grandma", "grandma", "f"), ("Grandpa", "grandpa", "m"), ("Nana", "nana", "f"),
                               ("Aunt May", "aunt", "f"), ("Uncle Joe", "uncle", "m"))))
    lives = st.one(("on a farm", "by the sea", "in the mountains", "in a big city", "in a little village",
                    "far away"))
    out = opening(st, hero, PLACES["living_room"])
    out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} and {parent.name} went to visit {elder.name}, who "
                        f"lived {lives}"))
    st.forget()
    out.append(sentence(f"{hero.name} and {parent.name} {st.one(TRAVEL)}"))
    field = st.one((PLACES["farm"], PLACES["meadow"], PLACES["forest"], PLACES["lake"]))
    seen = st.background(field)
    if seen is not None:
        m, adv, where = move_parts(st, seen, field)
        out.append(sentence(f"out of the window, {hero.name} saw {seen.animal.noun.plural} {m.ing(seen)}"))
    out.append(sentence(f"when they arrived, {hero.name} knocked on the door"))
    out.append(sentence(f"{elder.name} opened the door and gave {hero.name} a big hug"))
    out.append(say(st, elder, st.one(("Welcome! I missed you so much!", "Look how tall you are!",
                                      "Come in, come in! I made cookies.")), hero, tone="happy"))
    out.append(sentence(f"{st.subj(elder)} {st.draw(VISIT_ACTS).past(hero)}"))
    stay = st.one(("three days", "a whole week", "the weekend", "two days"))
    out.append(sentence(f"{st.subj(hero)} stayed for {stay}"))
    out.append(sentence(f"when it was time to go, {st.subj(hero)} waved goodbye"))
    out.append(say(st, hero, f"I will miss you, {elder.name}!", elder, "called"))
    out.append(sentence(f"{elder.name} promised to visit soon"))
    return out


@rule("plot", 2)
def plot_hide_and_seek(st):
    hero = st.hero()
    place = st.draw(HOME_ROOMS) if st.chance(0.5) else PLACES[st.one(("park", "garden", "backyard", "forest"))]
    friend = st.friend(hero, place)
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when()}, {st.subj(hero)} and {friend.intro} played hide and seek {place.at}"))
    st.forget()
    out.append(sentence(f"{friend.name} closed {friend.his} eyes and counted to {st.one(('ten', 'twenty', 'five'))}"))
    hide = st.draw(HIDING_SPOTS) if place.indoors else None
    hide_at = hide.phrase() if hide else st.spot_phrase(st.draw(place.ground))
    out.append(sentence(f"{hero.name} {st.one(('tiptoed', 'ran', 'crept', 'hurried'))} away and hid {hide_at}"))
    first = st.draw(HIDING_SPOTS).phrase() if place.indoors else st.spot_phrase(st.draw(place.ground))
    if first == hide_at:
        first = "in the hall" if place.indoors else "behind a tree"
    out.append(sentence(f"{st.subj(friend)} looked {first}, but {hero.name} was not there"))
    out.append(sentence(f"then {st.subj(friend)} heard a little giggle"))
    out.append(sentence(f"{st.subj(friend)} peeked {hide_at} and found {hero.name}", "!"))
    out.append(say(st, friend, "Found you!", hero, "shouted"))
    out.append(sentence(f"{hero.name} and {friend.name} laughed and laughed"))
    out.append(say(st, hero, "Now it is my turn to count!", friend, "cheer"))
    out.append(ending(st, [hero, friend], place))
    return out


PRETEND = {game: (p["setting"], *split_phrases(p["deeds"])) for game, p in _plots["pretend"].items()}


@rule("plot", 2)
def plot_pretend(st):
    hero = st.child()
    friend = st.child()
    room = st.draw(HOME_ROOMS)
    game = st.one(tuple(PRETEND))
    setting, *deeds = PRETEND[game]
    both = st.group(hero, friend)
    out = opening(st, hero, room)
    played = st.one(("pretended to be", "played"))
    out.append(sentence(f"{st.when()}, {st.subj(hero)} and {friend.intro} {played} {game}"))
    st.forget()
    out.append(sentence(setting))
    out.append(sentence(f"{both.name} {deeds[0]}"))
    st.topic = both
    out.append(then(st, lambda: f"{st.subj(both)} {deeds[1]}", lambda: f"{st.subj(both)} {deeds[2]}"))
    out.append(say(st, hero, st.one(("This is the best game ever!", "Let's play again tomorrow!",
                                     "We did it!")), friend, "cheer"))
    out.append(sentence(f"{hero.name} imagined that {hero.he} was a real {game[:-1] if game.endswith('s') else game}"))
    out.append(ending(st, [hero, friend], room))
    return out


INSTRUMENTS = Bag(nouns(_things["instruments"]), flat=4)


@rule("plot", 2)
def plot_music(st):
    """Practice, a wrong note, a concert, applause."""
    hero = st.child()
    helper = st.grown_up(hero)
    teacher = named_adult(st)
    inst = st.draw(INSTRUMENTS).sing
    out = opening(st, hero, PLACES["living_room"])
    out.append(sentence(f"{st.subj(hero)} wanted to learn to play the {inst}"))
    out.append(sentence(f"every {st.draw(DAYS)}, {st.subj(hero)} went to {teacher.name} for a lesson"))
    out.append(sentence(f"{teacher.name} showed {hero.name} how to hold the {inst}"))
    st.forget()
    out.append(but(st, lambda: f"at first, {st.subj(hero)} played all the wrong notes",
                   lambda: f"{st.subj(hero)} practiced every day"))
    song = st.one(("a happy song", "a slow song", "a little tune", "a song about the sea"))
    out.append(sentence(f"soon, {st.subj(hero)} could play {song}"))
    out.append(sentence(f"{st.when()}, there was a concert at {st.one(('school', 'the town hall', 'the library'))}"))
    out.append(sentence(f"{st.subj(hero)} was {st.draw(MOODS['scared'].words)}, but {hero.he} walked onto the stage"))
    how = st.one(("beautifully", "very well", "with a big smile", "perfectly"))
    out.append(sentence(f"{st.subj(hero)} played the {inst} {how}"))
    moved = st.one(("cheered the loudest", f"had tears in {helper.his} eyes", "stood up and clapped"))
    out.append(sentence(f"everyone clapped and cheered, and {helper.name} {moved}"))
    out.append(say(st, helper, "I am so proud of you!", hero, tone="happy"))
    out.append(moral(st, "try", hero) if st.chance(0.5) else sentence(react_clause(st, hero, "proud")))
    return out


# --- everyday adventures: a pet's bath, a collection, fishing, building, shopping, getting lost -------

@rule("plot", 2)
def plot_pet_care(st):
    hero = st.child()
    pet = st.pet()
    helper = st.grown_up(hero)
    home = PLACES[st.one(("backyard", "garden", "kitchen"))]
    out = opening(st, hero, home, traits=0)
    out.append(sentence(f"{st.subj(hero)} had {pet.intro}"))
    n, kind = st.food(pet)
    out.append(sentence(f"every morning, {st.subj(hero)} gave {pet.name} {st.food_np(n, kind)}"))
    mess = st.one(("rolled in the mud", "jumped into a big puddle", "played in the dirt", "ran through the "
                                                                                         "muddy garden"))
    out.append(sentence(f"{st.when(day=True)}, {st.subj(pet)} {mess} and got very dirty"))
    out.append(say(st, helper, f"{pet.name} needs a bath!", hero, "laughed" if st.chance(0.3) else ""))
    out.append(sentence(f"{st.subj(hero)} filled a big tub with warm water and soap"))
    fuss = st.one(("wiggled and splashed water everywhere", f"shook and sprayed water all over {hero.name}",
                   "tried to jump out of the tub"))
    out.append(cause(st, lambda: f"{st.subj(pet)} did not like the bath", lambda: f"{st.subj(pet)} {fuss}"))
    out.append(sentence(f"{st.subj(hero)} laughed and laughed"))
    out.append(sentence(f"then {st.subj(hero)} dried {pet.name} with a big fluffy towel and brushed {pet.his} "
                        f"{'fur' if pet.animal.group == 'pet' else 'back'}"))
    if pet.kind in ("dog", "puppy"):
        out.append(sentence(f"after that, {st.subj(st.group(hero, pet))} went for a walk in the park"))
        out.append(sentence(f"{hero.name} threw a stick, and {pet.name} fetched it"))
    out.append(ending(st, [hero, pet], home))
    return out


COLLECTIONS = Bag(nouns(_things["collections"]), flat=4)


@rule("plot", 2)
def plot_collection(st):
    hero = st.hero()
    item = st.draw(COLLECTIONS)
    place = PLACES[st.one(("beach", "forest", "park", "garden", "meadow", "river"))]
    friend = st.friend(hero, place)
    out = opening(st, hero, place, traits=0)
    out.append(sentence(f"{st.subj(hero)} loved to collect {item.plural}"))
    box = st.one(("an old shoe box", "a glass jar", "a little tin", "a wooden box", "a paper bag"))
    shelf = st.one(("under the bed", "on a shelf", "by the window"))
    out.append(sentence(f"{st.subj(hero)} kept them in {box} {shelf}"))
    have = st.one(NUMBERS[4:])
    colors = [st.draw(COLORS) for _ in range(2)]
    special = st.one(("shiny gold", "very tiny", "almost as big as a hand", "shaped like a heart"))
    out.append(sentence(f"{st.subj(hero)} had {have} {item.plural}"))
    out.append(sentence(f"some were {colors[0]}, some were {colors[1]}, and one was {special}"))
    out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} went {place.to} to look for more"))
    out += scene(st, place, hero, 1)
    spot = st.spot_phrase(st.draw(place.ground))
    out.append(sentence(f"{st.subj(hero)} found {st.thing_np(item, adj_p=0.8)} {spot}"))
    out.append(sentence(f"it was the most beautiful {item.sing} {hero.he} had ever seen"))
    out.append(sentence(f"{st.subj(hero)} showed it to {friend.intro}"))
    st.forget()
    out.append(say(st, friend, f"{st.one(HAPPY_WOWS)}! I have never seen {with_a(item.sing)} like that!", hero))
    more = NUMBERS[NUMBERS.index(have) + 1] if have != NUMBERS[-1] else "thirteen"
    out.append(sentence(f"that night, {hero.name} counted {hero.his} {item.plural} again. Now there were {more}", "!"))
    return out


@rule("plot", 2)
def plot_fishing(st):
    hero = st.child()
    helper = st.grown_up(hero)
    place = PLACES[st.one(("lake", "river", "pond"))]
    both = st.group(hero, helper)
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when(day=True)}, {st.subj(both)} went fishing {place.at}"))
    out.append(sentence(f"{st.subj(both)} took two fishing rods, a bucket and some worms"))
    out.append(sentence(f"{st.subj(both)} sat {st.spot_phrase(st.draw(place.ground))} and waited"))
    out.append(sentence(f"the water was {st.one(('calm', 'still', 'cool and clear', 'sparkling in the sun'))}"))
    out += scene(st, place, hero, st.one((1, 2)))
    out.append(sentence(f"suddenly, {hero.possessive} line {st.one(('tugged', 'wiggled', 'jerked'))}", "!"))
    out.append(sentence(f"{st.subj(hero)} pulled and pulled"))
    if st.chance(0.3):
        out.append(sentence(f"it was an old {st.one(('boot', 'hat', 'bucket', 'sock'))}", "!"))
        out.append(sentence(f"{both.name} laughed so hard that {hero.name} almost fell into the water"))
    else:
        fish = f"{st.one(('big', 'little', 'shiny'))} {st.one(('silver', 'gold', 'spotted', 'green'))} fish"
        out.append(sentence(f"it was a {fish}", "!"))
        out.append(say(st, hero, st.one(("I caught a fish!", "Look what I caught!")), helper, "cheer"))
        out.append(sentence(f"{st.subj(both)} looked at it for a moment, and then {hero.name} let it go back into "
                            f"the water"))
    out.append(ending(st, [hero], place))
    return out


BUILDS = tuple((thing, b["how"], b["where"]) for thing, b in _plots["builds"].items())  # what, how, where
KNOCKERS = tuple(split_phrases(_plots["knockers"]))


@rule("plot", 2)
def plot_building(st):
    hero = st.hero()
    friend = st.friend(hero)
    thing, how, where = st.one(BUILDS)
    place = PLACES[where]
    both = st.group(hero, friend)
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when()}, {st.subj(hero)} and {friend.intro} decided to build {thing} {how}"))
    st.forget()
    work = st.one(("worked very hard", "planned it together", "gathered everything they needed"))
    grow = st.one(("bigger and bigger", "taller and taller", "piece by piece"))
    out.append(then(st, lambda: f"{st.subj(both)} {work}", lambda: f"{st.subj(both)} built it {grow}"))
    the_thing = "the " + thing.split(" ", 1)[1]  # "a tall tower" -> "the tall tower"
    out.append(sentence(f"at last, {the_thing} was finished", "!"))
    if st.chance(0.6):
        knock = st.one(KNOCKERS).format(his=hero.his)
        if place.key == "beach":
            knock = "a big wave washed over it"
        out.append(sentence(f"{st.one(('but then', 'just then', 'suddenly'))}, {knock}", "!"))
        out.append(sentence(f"{the_thing} fell down with a crash"))
        out.append(cause(st, lambda: f"{st.subj(both)} had worked so hard", lambda: feel_clause(st, both, "sad")))
        out.append(say(st, hero, st.one(("Let's build it again, even better!", "We can build it again!",
                                         "Don't worry, we can fix it!")), friend, "suggest", "happy"))
        better = st.one(("stronger", "even bigger", "wider at the bottom"))
        out.append(sentence(f"this time, {st.subj(both)} made it {better}"))
    out.append(say(st, friend, "We did it!", hero, "cheer"))
    out.append(ending(st, [hero, friend], place))
    return out


@rule("plot", 2)
def plot_shopping(st):
    hero = st.child()
    helper = st.grown_up(hero)
    place = PLACES[st.one(("market", "bakery", "town", "market"))]
    out = opening(st, hero, place)
    out.append(sentence(f"{st.when(day=True)}, {st.subj(helper)} and {hero.name} went {place.to} to buy food "
                        f"for {st.one(('dinner', 'the week', 'a picnic', 'a party'))}"))
    st.forget()
    wants = [st.food(None) for _ in range(3)]
    names = [n.sing if n.mass else n.plural for n, _ in wants]
    out.append(sentence(f"they needed {names[0]}, {names[1]} and {names[2]}"))
    out.append(sentence(f"{hero.name} carried the {st.one(('basket', 'bag', 'list'))}"))
    out += scene(st, place, hero, st.one((1, 2)))
    seller = named_adult(st)
    out.append(sentence(f"the shopkeeper, {seller.name}, had {st.one(('lots of', 'so many', 'big piles of'))} "
                        f"{st.draw(FOOD_BY_KIND['fruit']).plural}"))
    st.forget()
    out.append(say(st, hero, f"Can we buy some {names[0]}, please?", seller, "asked"))
    out.append(sentence(f"{hero.name} paid {seller.name} with {st.one(('three', 'four', 'five'))} shiny coins"))
    gift = st.one(("a free apple", "a little sticker", "a sweet cookie", "a red balloon"))
    out.append(sentence(f"{seller.name} smiled and gave {hero.name} {gift}"))
    out.append(say(st, hero, f"{st.one(THANKS)}!", seller, "cheer"))
    out.append(ending(st, [hero], place))
    return out


@rule("plot", 2)
def plot_lost_way(st):
    hero = st.hero()
    place = PLACES[st.one(("forest", "meadow", "town", "park", "farm"))]
    helper = st.grown_up(hero)
    out = opening(st, hero, place)
    lure = st.one(("a yellow butterfly", "a little rabbit", "a winding path", "a red balloon", "a funny sound"))
    out.append(sentence(f"{st.when(day=True)}, {st.subj(hero)} followed {lure} deeper and deeper into "
                        f"{place.the}"))
    out.append(sentence(f"when {st.subj(hero)} looked around, {hero.he} did not know where {hero.he} was"))
    out.append(cause(st, lambda: feel_clause(st, hero, "scared"), lambda: react_clause(st, hero, "scared")))
    guide_a = FAUNA.get(place.key)
    if guide_a is not None and st.chance(0.6):
        guide = st.pet(st.draw(guide_a))
        came = st.one(("came by", f"saw {hero.him}", "peeked out from behind a tree"))
        out.append(sentence(f"just then, {guide.intro} {came}"))
        st.forget()
        out.append(say(st, guide, "Are you lost? I know the way. Follow me!", hero, tone="kind"))
        out.append(sentence(f"{hero.name} followed {guide.name} past {with_a(st.draw(place.things).sing)} and "
                            f"{with_a(st.draw(place.things).sing)}"))
    else:
        out.append(sentence(f"then {st.subj(hero)} remembered that {helper.name} always said to stay in one place "
                            f"when you are lost"))
        out.append(sentence(f"{st.subj(hero)} sat down {st.spot_phrase(st.draw(place.ground))} and waited"))
        guide = None
    looking = st.one(("waving", f"calling {hero.his} name", f"running toward {hero.him}"))
    out.append(sentence(f"at last, {hero.name} saw {helper.name} {looking}"))
    out.append(sentence(f"{hero.name} ran to {helper.name} and gave {'her' if helper.gender == 'f' else 'him'} a "
                        f"big hug"))
    out.append(say(st, helper, "I am so glad you are safe!", hero, tone="kind"))
    if guide is not None:
        out.append(say(st, hero, f"{st.one(THANKS)}, {guide.name}!", guide, "called"))
    out.append(moral(st, "careful", hero))
    return out

