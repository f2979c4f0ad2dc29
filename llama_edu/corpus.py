"""A reproducible, procedurally generated corpus of simple English children's stories.

Why this exists
---------------
llama_edu trains a tiny LLaMA (about 6M parameters, a 4096-piece SentencePiece BPE vocabulary) for about half
an hour on two CPU cores, and the app then shows students its attention maps for prompts such as
"The cat sat on the mat". Those pictures only mean something if the model has learned real English structure:
which word is the subject, which verb goes with it, what a preposition attaches to. A model that small, trained
that briefly, learns nothing of the kind from web text; it *can* learn it from text in the style of TinyStories:
short, simple and consistent, yet varied enough that it must learn grammar rather than memorise lines.

Classrooms are offline and datasets come with licences, so we do not ship one: we generate it. This module is a
small stochastic grammar, standard library only:

* Word lists written out below (first names, animals, objects, foods, places, adjectives, verbs with their
  irregular forms, adverbs, ...), so a 20 MB sample has thousands of distinct words.
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

Determinism: everything draws from the one ``random.Random`` the caller passes in; nothing iterates over a set
or uses ``hash()``, so a seed gives byte-identical text in every process, whatever PYTHONHASHSEED is.

Files: ``write_corpus`` writes ``train.txt`` and ``val.txt``, one story per line (SentencePiece reads one
"sentence" per line; a story is about 130 to 1,000 characters, far under its 4192-byte limit). The alphabet is
small on purpose: ASCII letters, space and . , ! ? " ' (numbers are words), because with character_coverage=1.0
every distinct character costs the tokenizer a vocabulary slot.

    python -m llama_edu.corpus data/stories --chars 20000000 --seed 0
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# ======================================================================================================
# 1. Words and their forms
# ======================================================================================================


def split_words(spec: str) -> list[str]:
    """Whitespace-separated words; "_" joins a multi-word item ("teddy_bear" -> "teddy bear"). Order kept."""
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


NOUNS: dict[str, Noun] = {}  # every noun named in a list below, by its singular


def nouns(spec: str, mass: bool = False) -> list[Noun]:
    """Parse "cat mouse/mice teddy_bear" into Nouns (and register them, so other tables can name them)."""
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


VERBS: dict[str, Verb] = {}


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


_parse_verbs("""
    sit+:sat run+:ran:run swim+:swam:swum fly:flew:flown see:saw:seen take:took:taken give:gave:given
    eat:ate:eaten drink:drank:drunk go:went:gone come:came:come get+:got:gotten make:made find:found
    hold:held have:had say:said tell:told think:thought know:knew:known feel:felt leave:left
    bring:brought buy:bought catch:caught teach:taught sleep:slept sweep:swept keep:kept creep:crept
    leap:leapt build:built send:sent bend:bent stand:stood
    write:wrote:written ride:rode:ridden hide:hid:hidden bite:bit:bitten slide:slid shine:shone
    break:broke:broken wake:woke:woken freeze:froze:frozen
    forget+:forgot:forgotten begin+:began:begun sing:sang:sung ring:rang:rung sink:sank:sunk
    swing:swung spin+:spun win+:won dig+:dug stick:stuck hang:hung draw:drew:drawn grow:grew:grown
    throw:threw:thrown blow:blew:blown show:showed:shown fall:fell:fallen hear:heard lose:lost light:lit
    meet:met read:read feed:fed let+:let put+:put cut+:cut hit+:hit set+:set
    wear:wore:worn tear:tore:torn shake:shook:shaken lie:lay:lain lay:laid pay:paid
    do:did:done hurt:hurt mean:meant sell:sold drive:drove:driven rise:rose:risen
    spread:spread fight:fought weep:wept

    hop+ skip+ stop+ clap+ hug+ nod+ drop+ grab+ wag+ trot+ plan+ pat+ tap+ rub+ hum+ zip+ nap+
    trip+ step+ slip+ flap+ grin+ plod+ pop+ mop+ dip+ spot+ knit+ shop+ tug+ snap+ scrub+
    sob+ chop+ wrap+ drag+ sip+ stir+ pet+ shrug+ drip+ flip+ jog+

    walk jump climb crawl dance march race wander stroll tiptoe stomp waddle gallop roll zoom dash rush
    hurry splash paddle float drift glide flutter scurry slither bounce twirl sneak wiggle wobble sprint
    scamper dart soar swoop skate ski sail stumble prance shuffle tumble bound peck pounce prowl
    amble wade perch

    bark meow purr moo quack oink bleat neigh chirp tweet hoot roar buzz hiss squeak croak howl growl
    cluck honk trumpet squawk snort caw coo gobble bray grunt squeal chatter mew yip+ cheep crow peep
    snuffle click whistle

    smile laugh giggle cry frown sigh shout yell whisper cheer gasp sniff pout shiver yawn blush wave wink
    tremble scream sniffle stretch blink wipe cuddle kiss beam puff lick tilt lean huff grumble murmur
    mumble ask reply answer explain exclaim add suggest promise agree call announce wonder
    chuckle holler

    play look watch listen help thank visit follow chase tickle pick pull push carry clean wash fix open
    close kick toss paint color bake cook pour peel share count collect gather plant water smell taste
    nibble munch chew fetch search check explore notice point wish hope want need like
    love enjoy try learn practice finish start decide remember rescue lift reach tie fold
    dress brush comb tidy pack deliver invite welcome greet arrive stay wait rest
    snuggle knock dust spill bump crash land glow sparkle twinkle flash rumble drizzle melt warm dry
    fill empty stack balance bloom sprout blossom crack hatch scratch turn worry cover cross miss
    pretend imagine decorate mix sprinkle weed rake load glue sort rock strum+ squeeze bang hunt
    nuzzle gnaw sway swirl patter whirl glisten shimmer curl slurp
    dangle juggle
    flop+ bustle hover spell sketch shade hike camp fish
    strut+ trundle scuttle inch dive:dove wind:wound flick prick stuff poke slap+ bury squirt spray swish
    stare beat:beat:beaten bask gulp milk peek polish row ruffle twitch fluff mow roast seek:sought knead
    mend study change mail hammer beep toast name mutter tick creak crackle clatter rustle
    rattle rinse twist line launch
""")


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


# ======================================================================================================
# 2. Word lists
# ======================================================================================================
# Order matters: the first entries of a list are the most frequent in the corpus.

GIRL_NAMES = Bag(split_words("""
    Lily Mia Emma Lucy Anna Sara Amy Ella Zoe Sophie Ruby Rosie Daisy Molly Ava Olivia Grace Chloe Maya Nora
    Hannah Alice Clara Ivy Leah Julia Kate Jenny Sally Susie Polly Holly Poppy Bella Stella Luna Hazel Violet
    Willow Penny Jess Tess Nina Lena Mila Eva Freya Isabel Evie Amelia Emily Charlotte Harper Abigail Ellie
    Layla Zara Aria Scarlett Aurora Hope Joy Rose Iris Jasmine Fiona Gemma Heidi Megan Natalie Paige Rachel
    Tara Wendy Yasmin Bonnie Carly Dora Eliza Greta Hattie Ingrid Josie Kitty Lottie Maisie Nell Olive Pearl
    Rita Sadie Tilly Una Vera Winnie Yara Zelda Abby Beth Cara Diana Elsa Flora Gina Helen Ida Jade Kira
    Laura Mabel Nadia Opal Pia Rhea Sofia Tina Uma Vicky Wren Lola Mina Priya Aisha Fatima Leila Amara Mei
    Yuki Hana Sakura Lucia Carmen Rosa Elena Maria Ines Camila Valentina Chiara Astrid Anya Katya Olga Tanya
    Keiko Aiko Naomi Esther Ruth Miriam Leona Bianca Gabriella Nia Imani Zuri Ayana Kaya Tala Nova Cleo Edie
    Maddie Annie Milly Lizzie Becky Katie Amber Millie Matilda Phoebe Imogen Harriet Florence Edith Martha
    Agnes Alma Beatrice Cora Delia Esme Frances Gwen Iona Juno Lara Lydia Margot Nancy Orla Pippa Rowena
    Sylvie Thea Ursula Verity Xenia Yvonne Zoey Anika Bea Dot Effie Fern Goldie Hetty Isla Janet Kim Leni
    Marnie Noor Odette Petra Quinn Rina Suki Tamsin Ulla Vida Wanda Ximena Yoko Zadie Adele Blair Celia Daphne
    Elodie Farah Gloria Harriet Ilse Jolie Kirsten Lorna Mirabel Nola Oona Perla Rosalind Sabine Tove Vanessa
    Winona Yasmina Zinnia Alba Brooke Cassie Della Ember Fleur Gilda Honor Indira Jana Kenzie Lilou Maeve Nella
    Ottilie Prue Roxy Selma Trudy Vesna Wilma Anouk Birdie Clemmie Dulcie Etta Frida Greer Hedda Isadora
"""), flat=12)

BOY_NAMES = Bag(split_words("""
    Tom Ben Sam Max Leo Jack Tim Dan Joe Finn Noah Liam Oliver Harry Charlie George Oscar Alfie Archie Henry
    Theo Lucas Ethan Mason Logan Owen Ryan Adam Andy Billy Bobby Danny Eddie Freddie Frankie Gus Hugo Ian
    Jamie Jim Kevin Luke Mark Matt Mike Nick Ned Pete Paul Rob Ron Seth Ted Toby Tony Will Zack Arlo Felix
    Jasper Milo Otto Rufus Silas Hector Ivan Jonah Kai Levi Micah Nate Omar Ali Hassan Yusuf Ravi Arjun Dev
    Raj Kenji Hiro Chen Wei Jun Carlos Diego Mateo Pablo Luis Marco Luca Paolo Hans Lars Erik Sven Pierre
    Louis Kofi Kwame Jabari Tariq Amir Eli Isaac Jacob Daniel David Michael Peter Simon Victor Walter Xavier
    Zane Dylan Evan Gavin Grant Hank Jay Keith Lenny Marty Neil Percy Quentin Ralph Ross Stan Tucker Wade
    Wyatt Caleb Colin Connor Declan Elliot Ezra Gabriel Harvey Jude Kit Louie Miles Nico Reggie Rowan Ruben
    Sebastian Stanley Teddy Tommy Arthur Albert Fred Ernie Bert Otis Ollie Rudy Sid Barney Alex Benny Edwin
    Frank Gregory Howard Jesse Joel Kieran Leon Martin Nathan Patrick Rory Sean Timothy Vincent Warren Zeke
    Abe Cody Dexter Felipe Ivo Jonas Kenny Malik Omari Pedro Rafael Santiago Tobias Umar Vlad Yuri Ziggy Ansel
    Bastian Cyrus Dario Emil Fergus Gideon Horace Idris Jago Kasper Linus Magnus Niall Orrin Piers Rupert Soren
    Thaddeus Ulric Valentin Wilfred Yannis Zeb Ambrose Boris Casper Dmitri Eamon Florian Gus Hamish Ignatius
    Jethro Kofi Lorcan Mungo Nils Osric Percival Quincy Rolf Sacha Tarquin Ugo Virgil Woody Xander Yorick
"""), flat=12)

PET_NAMES = Bag(split_words("""
    Spot Fluffy Rex Buddy Whiskers Mittens Patch Biscuit Pepper Coco Ginger Shadow Snowball Bubbles Peanut
    Pickles Muffin Lucky Rusty Socks Boots Button Noodle Waffles Pudding Nugget Pip Squeak Hoppy Fuzzy Sparky
    Bingo Scout Duke Pumpkin Honey Sugar Marble Pebble Smudge Sooty Tufty Toffee Mocha Jelly Bean Puddles
    Dotty Freckles Sunny Misty Stormy Fudge Cinnamon Nutmeg Maple Clover Bramble Thistle Acorn Sprout Dash
    Flash Blaze Champ Chip Chester Bruno Rocky Poppet Squiggles Wiggles Nibbles Gizmo Sandy Taffy Twinkle
    Binky Patches Lulu Fifi Gigi Momo Kiki Bobo Zuzu Pogo Jinx Basil Olive Dumpling Sprinkles Cupcake Fig
"""), flat=10)

SURNAMES = Bag(split_words("Brown Green White Smith Lee Park Gray Hill Wood Rose Bell Moon Fox Berry Stone"),
               flat=6)

# --- Adjectives ---------------------------------------------------------------------------------------
TRAITS = Bag(split_words("""
    kind happy friendly brave curious shy gentle clever smart funny silly playful cheerful polite helpful
    honest generous careful busy lazy grumpy naughty quiet noisy wise proud bossy greedy sleepy cheeky sweet
    patient jolly loving thoughtful caring bouncy lively daring timid fearless clumsy sneaky stubborn
    selfish chatty calm bright bubbly dreamy merry nosy fussy spoiled humble mischievous adventurous creative
    hardworking energetic thoughtful tidy messy giggly speedy sensible modest gracious cuddly plucky spirited
    sunny zippy graceful sturdy nimble clever wobbly
"""))
COLORS = Bag(split_words("""
    red blue green yellow orange purple pink brown black white gray golden silver spotted striped
    turquoise violet lilac scarlet crimson navy maroon teal amber indigo
"""), flat=3)
# What things feel or look like; toys and objects draw from these.
OBJECT_LOOKS = Bag(split_words("""
    new shiny soft old favorite special bright pretty tiny big little round smooth bumpy fuzzy sparkly
    wooden plastic broken heavy light squishy bouncy tall long magic colorful dusty muddy lovely huge funny
    strange noisy sticky striped spotted glittery fancy beautiful precious lucky cozy gleaming shimmering
    enormous little tiny chunky crinkly crumpled dented faded fluffy knobbly lumpy polished rusty scratchy silky
    sparkling speckled spotless squeaky stripy velvety wrinkly
"""))
PLACE_LOOKS = Bag(split_words("""
    quiet sunny busy shady big beautiful peaceful green warm noisy cozy pretty bright huge small muddy
    lovely wide calm wild magical secret cool dark windy leafy sleepy cheerful crowded dusty misty golden
    grassy rocky sandy silent still friendly bustling enchanted spacious tidy chilly breezy lively colorful
"""))
WEATHER_WORDS = ("sunny", "rainy", "windy", "snowy", "cloudy", "foggy", "stormy", "hot", "cold")
TIMES_OF_DAY = Bag(split_words("day morning afternoon evening night"), flat=1)
DAYS = Bag(split_words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday"), flat=4)
MONTHS = Bag(split_words("January February March April May June July August September October November December"),
             flat=6)
SEASONS = {"sunny": "summer", "hot": "summer", "rainy": "spring", "windy": "fall", "snowy": "winter",
           "cold": "winter", "cloudy": "autumn", "foggy": "autumn", "stormy": "summer"}
NUMBERS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
AGES = ("three", "four", "five", "six", "seven", "eight", "nine", "ten")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")

# --- Adverbs (by what they can describe, so "ran sleepily" does not happen) ----------------------------
MOVE_ADVERBS = Bag(split_words("""
    quickly slowly happily fast carefully quietly proudly bravely excitedly playfully lazily gracefully
    eagerly merrily busily swiftly boldly clumsily noisily silently cheerfully wildly gently
"""), flat=3)
REST_ADVERBS = Bag(split_words("quietly peacefully happily lazily sleepily calmly comfortably patiently "
                               "contentedly"), flat=2)
DO_ADVERBS = Bag(split_words("carefully quickly slowly gently bravely patiently happily proudly neatly "
                             "quietly"), flat=3)

# --- People ------------------------------------------------------------------------------------------
# The grown-ups of the stories: (how narration names them, pronoun key). Order: most frequent first.
FAMILY = Bag((("Mom", "f"), ("Dad", "m"), ("Grandma", "f"), ("Grandpa", "m"), ("Mommy", "f"), ("Daddy", "m"),
              ("Granny", "f"), ("Nana", "f"), ("Papa", "m")), flat=1)
TITLES = {"f": ("Mrs", "Miss", "Ms"), "m": ("Mr",)}  # no full stop after them: every "." ends a sentence


@dataclass(frozen=True)
class Job:
    noun: str  # "farmer"
    where: str  # "on the farm"
    acts: tuple  # Phrases: what the job is ("feed the cows")


def jobs(spec: str) -> list[Job]:
    """Lines "farmer | on the farm | feed the cows; milk the cows"."""
    out = []
    for line in spec.strip().splitlines():
        name, where, acts = (part.strip() for part in line.split("|"))
        out.append(Job(name, where, tuple(Phrase(a.strip()) for a in acts.split(";"))))
    return out


JOBS = Bag(jobs("""
    teacher | at school | teach children to read; help children learn new words; read stories to the class
    farmer | on the farm | feed the cows; milk the cows; drive the tractor; plant corn; collect the eggs
    baker | at the bakery | bake bread; make birthday cakes; sell fresh buns; roll out the dough
    doctor | at the hospital | help sick children; listen to hearts; give medicine to sick people
    nurse | at the hospital | take care of sick people; put on bandages; check how tall children are
    firefighter | at the fire station | put out fires; rescue cats from trees; drive the big red fire truck
    police officer | in town | help people cross the street; keep the town safe; find lost children
    mail carrier | in town | deliver letters; bring packages to every house
    librarian | at the library | find books for children; read stories to children; put books back on the shelves
    fisherman | at the lake | catch fish; sail a little boat; mend the nets
    zookeeper | at the zoo | feed the animals; clean the cages; wash the elephants
    gardener | in the park | plant flowers; pull the weeds; water the roses; cut the grass
    cook | at the cafe | cook soup; chop vegetables; make pancakes
    builder | in town | build houses; hammer nails; carry bricks
    bus driver | in town | drive the bus; pick up children; help people find their way
    pilot | at the airport | fly planes; fly high above the clouds
    vet | at the animal hospital | help sick animals; check on puppies and kittens; give medicine to a sick cat
    dentist | in town | clean teeth; count teeth
    painter | in town | paint pictures; paint houses; mix colors
    singer | at the theater | sing songs; practice every day
    clown | at the circus | juggle balls; make people laugh; ride a tiny bike
    sailor | by the sea | sail ships; tie knots; look at the stars at night
    shopkeeper | at the market | sell fruit; count coins; stack the apples
    mechanic | in town | fix cars; change tires
    lifeguard | at the beach | watch the swimmers; keep everyone safe in the water
    ranger | in the forest | take care of the forest; help lost hikers; count the birds
    scientist | at the lab | study the stars; look at tiny bugs; mix things in tubes
    astronaut | at the space center | fly to the moon; float in space; wear a big white helmet
"""), flat=4)
nouns("teacher farmer baker doctor nurse firefighter police_officer mail_carrier librarian "
      "fisherman/fishermen zookeeper gardener cook builder bus_driver pilot vet dentist painter singer clown "
      "sailor shopkeeper mechanic lifeguard ranger scientist astronaut king queen prince princess wizard "
      "witch fairy/fairies elf/elves giant pirate knight mermaid robot ghost child/children man/men "
      "woman/women person/people baby/babies brother sister friend neighbor cousin")
FAIRY_FOLK = Bag(split_words("fairy wizard princess prince king queen knight pirate giant elf mermaid robot"))
FOLK_GENDER = {"fairy": "f", "wizard": "m", "princess": "f", "prince": "m", "king": "m", "queen": "f",
               "knight": "m", "pirate": "m", "giant": "m", "elf": "f", "mermaid": "f", "robot": "n"}

# --- Food --------------------------------------------------------------------------------------------
# kind -> (adjectives that suit it, count nouns, mass nouns). Adjectives by kind keep "juicy soup" out.
FOOD_KINDS = {
    "fruit": ("juicy sweet ripe fresh big little",
              "apple banana orange pear peach plum grape cherry/cherries strawberry/strawberries "
              "blueberry/blueberries raspberry/raspberries lemon melon watermelon pineapple mango/mangoes "
              "kiwi coconut apricot fig tangerine nectarine papaya grapefruit clementine blackberry/blackberries "
              "cranberry/cranberries gooseberry/gooseberries", "fruit"),
    "vegetable": ("fresh crunchy big little",
                  "carrot tomato/tomatoes pea bean cucumber radish", "corn broccoli lettuce spinach celery"),
    "baked": ("warm sweet yummy fresh soft big little golden tasty delicious crispy",
              "cake cookie cupcake muffin pie biscuit cracker pancake waffle bun bagel pretzel donut scone "
              "tart brownie cinnamon_roll gingerbread_man/gingerbread_men croissant crumpet pastry/pastries "
              "shortbread_cookie oatmeal_cookie pretzel", "bread toast gingerbread"),
    "meal": ("hot warm yummy tasty big delicious",
             "sandwich pizza sausage egg hot_dog taco dumpling meatball omelet burrito noodle "
             "fishcake quesadilla", "soup rice pasta spaghetti stew porridge oatmeal cereal salad cheese macaroni "
             "mashed_potato"),
    "sweet": ("sweet sticky yummy big little delicious",
              "lollipop jelly_bean marshmallow candy_cane", "honey jam chocolate candy ice_cream pudding "
              "popcorn yogurt custard fudge"),
    "drink": ("warm cold fresh sweet", "", "milk juice water tea cocoa lemonade hot_chocolate apple_juice"),
}
FOOD: dict[str, tuple[Noun, str]] = {}  # singular -> (noun, kind)
FOOD_BY_KIND: dict[str, Bag] = {}
for _kind, (_adjs, _count, _mass) in FOOD_KINDS.items():
    _items = nouns(_count) + nouns(_mass, mass=True)
    FOOD_BY_KIND[_kind] = Bag(_items)
    for _n in _items:
        FOOD.setdefault(_n.sing, (_n, _kind))
FOOD_ADJS = {kind: Bag(split_words(spec[0])) for kind, spec in FOOD_KINDS.items()}
# What animals eat that people do not (all mass or counted in the story's words).
CROPS = Bag(nouns("carrot tomato pumpkin bean pea cucumber radish potato/potatoes cabbage onion beet "
                  "lettuce sunflower rose tulip daisy/daisies poppy/poppies strawberry/strawberries"), flat=4)
nouns("bone worm fly/flies bug seed nut acorn crumb berry/berries leaf/leaves mushroom fish/fish "
      "shrimp/shrimp insect")
nouns("grass hay meat seaweed bamboo nectar clover oats corn birdseed", mass=True)
# Containers for mass food: "a glass of milk". Only listed foods get one.
MEASURES = {"milk": "glass cup bowl", "juice": "glass cup", "water": "glass bowl", "tea": "cup",
            "cocoa": "cup mug", "lemonade": "glass jug", "hot chocolate": "cup mug", "soup": "bowl",
            "porridge": "bowl", "oatmeal": "bowl", "cereal": "bowl", "bread": "slice piece loaf",
            "cheese": "piece slice", "honey": "jar pot spoonful", "jam": "jar spoonful",
            "ice cream": "bowl scoop", "popcorn": "bowl bag", "pudding": "bowl", "chocolate": "piece bar",
            "toast": "slice piece", "stew": "bowl", "rice": "bowl", "pasta": "plate bowl",
            "spaghetti": "plate bowl", "salad": "bowl plate", "fudge": "piece", "corn": "bowl",
            "apple juice": "glass cup", "yogurt": "pot bowl", "custard": "bowl", "candy": "bag piece"}
DRINK_VERBS = Bag(phrases("drink | sip | slurp up | gulp down"))
EAT_VERBS = Bag(phrases("eat | munch on | nibble on | enjoy | gobble up | taste | chew on | share"))

# --- Toys and things ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Toy:
    noun: Noun
    verbs: tuple  # Phrases in base form, object slot is the toy: "kick", "throw", "fly"


def toys(spec: str) -> list[Toy]:
    """Lines "ball: kick | throw | bounce". Every toy can also be played with."""
    out = []
    for line in spec.strip().splitlines():
        name, _, acts = line.partition(":")
        out.append(Toy(nouns(name.strip())[0], tuple(phrases(acts + " | play with"))))
    return out


TOYS = Bag(toys("""
    ball: kick | throw | bounce | catch | roll | chase
    kite: fly
    doll: hug | dress | carry | rock
    teddy_bear: hug | cuddle | carry | hold
    toy_car: push | race | roll
    toy_train: push | pull
    toy_boat: sail | float
    truck: push | load | fill
    robot: fix | build
    puzzle: finish | do
    balloon: hold | blow up | carry
    drum: bang | play
    whistle: blow
    bike: ride
    scooter: ride
    wagon: pull | push
    top: spin
    puppet: wave | hold
    book: read | open
    rubber_duck: squeeze | float
    toy_plane: fly | throw
    trumpet: play | blow
    xylophone: play
    guitar: play | strum
    hula_hoop: spin | twirl
    frisbee: throw | catch
    rocking_horse: ride | rock
    skateboard: ride
    jump_rope: swing
    yoyo: spin
    sailboat: sail | float
    tambourine: shake | tap
    dinosaur: hold | carry
    marble: roll | flick
    spinning_top: spin
    kaleidoscope: turn | look through
    pinwheel: spin | blow on
    snow_globe: shake | turn
    music_box: open | wind
    paper_plane: fold | throw | fly
    toy_soldier: march | line up
    rag_doll: hug | carry
    bubble_wand: wave | dip
    jigsaw_puzzle: finish | do
    wooden_horse: ride | rock
    toy_drum: bang | play
    toy_rocket: launch | fly
    water_gun: squirt | fill
"""))

CLOTHES = Bag(nouns("""
    hat scarf coat boot sock shoe mitten glove raincoat sweater jacket cap dress shirt cape crown
    necklace bracelet ring bow ribbon belt apron uniform bonnet vest tie slipper sandal helmet
"""))
# Small things that can be found, lost, given or kept.
TREASURES = Bag(nouns("""
    shell stone pebble feather leaf/leaves flower acorn pine_cone button coin key marble bell ribbon
    sticker card letter picture map star jewel crystal seed bead stick coin gem clover
""" + " wishbone"))
# Things used in chores and crafts.
nouns("cup mug plate bowl spoon fork knife/knives pot pan kettle jar bottle box/boxes basket bucket spade "
      "shovel broom mop brush/brushes comb towel blanket pillow cushion lamp clock mirror candle lantern "
      "flashlight umbrella backpack bag ladder rope net hammer nail glue crayon pencil pen paintbrush "
      "notebook ruler eraser paper tray dish/dishes sponge watering_can wheelbarrow rake hose")
nouns("paint water sand mud snow dirt glue flour sugar butter soap string wool", mass=True)

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


# Defaults per group; every animal may override. Keys of `homes` are Place keys (see PLACES).
ANIMAL_GROUPS = {
    "pet": dict(moves="run | walk | jump | trot | race", rest="ground",
                homes="living_room kitchen bedroom porch garden backyard park",
                foods="biscuit", tricks="stretch | yawn | roll over | sniff the air",
                coats="fluffy soft furry", colors="brown black white gray golden spotted", pet=True),
    "farm": dict(moves="walk | trot | run | wander", rest="ground", homes="farm barn meadow",
                 foods="grass hay", tricks="swish {his} tail | flick {his} ears | shake {his} head",
                 coats="", colors="brown white black spotted", pet=False),
    "forest": dict(moves="run | walk | scamper | sneak", rest="ground", homes="forest meadow hill",
                   foods="berry nut acorn", tricks="sniff the air | twitch {his} nose | look around",
                   coats="furry soft", colors="brown red gray", pet=False),
    "bird": dict(moves="fly | flutter | hop | soar | glide | swoop", rest="perch",
                 homes="garden park forest meadow backyard farm", foods="seed worm berry crumb",
                 tricks="flap {his} wings | ruffle {his} feathers | sing a song | tilt {his} head",
                 coats="", colors="blue red yellow brown black", pet=False),
    "pond": dict(moves="swim | paddle | splash", rest="water", homes="pond lake river",
                 foods="bug fly", tricks="blink {his} eyes | splash in the water | dive under the water",
                 coats="", colors="green brown", pet=False),
    "sea": dict(moves="swim | glide | dart | float", rest="", homes="sea", foods="fish shrimp seaweed",
                tricks="splash {his} tail | blow bubbles | dive deep", coats="shiny", colors="gray blue",
                pet=False),
    "wild": dict(moves="walk | run", rest="ground", homes="zoo jungle", foods="leaf fruit",
                 tricks="shake {his} head | look around | stretch", coats="", colors="", pet=False),
    "bug": dict(moves="crawl", rest="bug", homes="garden meadow park forest", foods="leaf",
                tricks="wiggle {his} legs | climb up a stem", coats="tiny", colors="red black green", pet=False),
    "magic": dict(moves="fly | walk", rest="ground", homes="castle mountain cave forest", foods="cake",
                  tricks="flap {his} wings | shake {his} head", coats="", colors="green purple golden",
                  pet=False),
}


# Too big to sit on a mat or a fence: farm, zoo and fairy-tale animals, and a few from the forest.
BIG_GROUPS = ("farm", "wild", "magic")
NOT_BIG = ("hen", "chicken", "chick", "rooster", "turkey", "piglet", "lamb", "monkey", "koala", "sloth", "lemur",
           "snake", "peacock", "flamingo", "kangaroo")
ALSO_BIG = ("bear", "deer", "moose", "wolf")


def A(name: str, group: str, sound: str = "", call: str = "", **override) -> Animal:
    spec = dict(ANIMAL_GROUPS[group], **override)
    return Animal(
        noun=nouns(name)[0], group=group, sound=VERBS[sound] if sound else None, call=call,
        moves=tuple(phrases(spec["moves"])), rest=spec["rest"], homes=tuple(spec["homes"].split()),
        foods=tuple(noun(f.replace("_", " ")) for f in spec["foods"].split()),
        tricks=tuple(phrases(spec["tricks"])), coats=tuple(spec["coats"].split()),
        colors=tuple(spec["colors"].split()), pet=spec["pet"],
        big=(group in BIG_GROUPS or name.split("/")[0] in ALSO_BIG) and name.split("/")[0] not in NOT_BIG)


_HOUSE = "living_room kitchen bedroom porch garden backyard"
ANIMALS = [
    # pets (the cat first: the most frequent animal of the corpus)
    A("cat", "pet", "meow", "Meow", moves="walk | tiptoe | creep | sneak | leap | run | prance | stroll",
      foods="fish milk", tricks="lick {his} paws | swish {his} tail | stretch | purr | wash {his} face",
      homes=_HOUSE + " farm barn"),
    A("dog", "pet", "bark", "Woof", moves="run | walk | trot | race | dash | bound | bounce",
      foods="bone biscuit meat", tricks="wag {his} tail | sniff the ground | dig a hole | roll over | "
      "chase {his} tail", homes=_HOUSE + " park farm beach town"),
    A("kitten", "pet", "mew", "Mew", moves="tiptoe | pounce | run | leap | scamper | tumble",
      foods="milk fish", tricks="chase {his} tail | lick {his} paws | purr | pounce on a leaf"),
    A("puppy/puppies", "pet", "yip", "Yip", moves="run | bounce | scamper | tumble | trot",
      foods="bone biscuit milk", tricks="wag {his} tail | chase {his} tail | roll over | lick {his} nose",
      homes=_HOUSE + " park"),
    A("rabbit", "pet", moves="hop | jump | scamper | bounce | leap", foods="carrot lettuce clover",
      tricks="twitch {his} nose | wiggle {his} ears | wash {his} face", homes=_HOUSE + " meadow forest"),
    A("bunny/bunnies", "pet", moves="hop | bounce | jump", foods="carrot lettuce clover",
      tricks="twitch {his} nose | wiggle {his} ears", homes="garden backyard meadow living_room"),
    A("hamster", "pet", "squeak", "Squeak", moves="scurry | scamper | run", foods="seed nut",
      tricks="stuff {his} cheeks | wash {his} face", homes="living_room bedroom"),
    A("mouse/mice", "pet", "squeak", "Squeak", moves="scurry | scamper | dart | dash | creep",
      foods="cheese crumb seed", tricks="twitch {his} whiskers | nibble a crumb",
      homes="kitchen living_room barn farm attic garden", pet=False),
    A("guinea_pig", "pet", "squeak", "Squeak", moves="scurry | run | scamper", foods="lettuce carrot",
      homes="living_room bedroom"),
    # farm
    A("cow", "farm", "moo", "Moo", moves="walk | wander | plod | trot"),
    A("pig", "farm", "oink", "Oink", moves="trot | run | waddle", foods="apple corn",
      tricks="roll in the mud | wiggle {his} nose | sniff the ground", colors="pink"),
    A("sheep/sheep", "farm", "bleat", "Baa", coats="woolly fluffy soft", colors="white black"),
    A("lamb", "farm", "bleat", "Baa", moves="skip | run | jump | trot", coats="woolly fluffy soft",
      colors="white"),
    A("goat", "farm", "bleat", "Maa", moves="climb | jump | trot | run", foods="grass hay carrot"),
    A("horse", "farm", "neigh", "Neigh", moves="gallop | trot | run | walk", foods="hay apple carrot oats",
      colors="brown black white gray"),
    A("pony/ponies", "farm", "neigh", "Neigh", moves="trot | gallop | run", foods="hay apple carrot",
      colors="brown white gray spotted"),
    A("donkey", "farm", "bray", "Hee haw", moves="trot | walk | plod", foods="hay carrot apple"),
    A("hen", "farm", "cluck", "Cluck", moves="walk | run | strut", foods="seed corn worm",
      tricks="peck at the ground | flap {his} wings | ruffle {his} feathers", colors="brown white red"),
    A("chicken", "farm", "cluck", "Cluck", moves="walk | run | flap", foods="seed corn worm",
      tricks="peck at the ground | flap {his} wings", colors="brown white"),
    A("chick", "farm", "cheep", "Cheep", moves="hop | run | waddle", foods="seed crumb",
      tricks="peck at the ground | flap {his} little wings", coats="fluffy soft", colors="yellow"),
    A("rooster", "farm", "crow", "", moves="strut | walk | run", foods="seed corn",
      tricks="flap {his} wings | puff out {his} chest", colors="red brown"),
    A("duck", "pond", "quack", "Quack", moves="swim | waddle | paddle | splash | fly",
      homes="pond lake river farm park", foods="bread bug seed", tricks="flap {his} wings | "
      "shake {his} feathers | dip {his} head under the water", colors="white brown yellow"),
    A("duckling", "pond", "peep", "Peep", moves="swim | waddle | paddle", homes="pond lake farm park",
      foods="bug seed", tricks="flap {his} little wings", coats="fluffy soft", colors="yellow"),
    A("goose/geese", "pond", "honk", "Honk", moves="waddle | swim | fly | run", homes="pond lake farm",
      foods="grass bread seed", colors="white gray"),
    A("turkey", "farm", "gobble", "Gobble", moves="walk | strut | run", foods="seed corn"),
    A("calf/calves", "farm", "moo", "Moo", moves="walk | trot | run | skip", foods="milk grass hay"),
    A("piglet", "farm", "squeal", "Oink", moves="trot | run | scamper", foods="apple corn",
      tricks="roll in the mud | wiggle {his} curly tail", colors="pink"),
    # forest
    A("fox/foxes", "forest", moves="trot | run | sneak | creep | dash | prowl", foods="berry mouse",
      tricks="swish {his} bushy tail | sniff the air | prick up {his} ears", colors="red orange"),
    A("bear", "forest", "growl", "Grr", moves="walk | amble | run | plod | climb", foods="honey berry fish",
      tricks="scratch {his} back on a tree | sniff the air | stretch", colors="brown black"),
    A("deer/deer", "forest", moves="run | leap | walk | prance", foods="grass leaf acorn",
      tricks="flick {his} ears | lift {his} head", colors="brown"),
    A("squirrel", "forest", "chatter", "", moves="scamper | climb | dash | leap | scurry", rest="perch",
      foods="nut acorn seed", tricks="flick {his} bushy tail | bury a nut | nibble an acorn",
      homes="forest park garden backyard", colors="red gray brown"),
    A("owl", "bird", "hoot", "Hoo", moves="fly | glide | swoop | flutter", homes="forest barn farm",
      foods="mouse bug", tricks="blink {his} big eyes | turn {his} head | ruffle {his} feathers",
      colors="brown white gray"),
    A("wolf/wolves", "forest", "howl", "Awoo", moves="run | trot | prowl | sneak", foods="meat",
      tricks="howl at the moon | sniff the air", colors="gray white"),
    A("hedgehog", "forest", "snuffle", "", moves="shuffle | scurry | waddle | trundle",
      foods="bug worm berry", tricks="curl into a ball | sniff the ground", homes="forest garden meadow"),
    A("badger", "forest", "grunt", "", moves="shuffle | trot | dig", foods="worm bug berry",
      tricks="dig a hole | sniff the ground"),
    A("raccoon", "forest", "chatter", "", moves="sneak | climb | scurry | creep", foods="berry fish crumb",
      tricks="wash {his} paws | peek out from behind a tree"),
    A("chipmunk", "forest", "squeak", "", moves="scamper | scurry | dash | dart", foods="nut seed acorn",
      tricks="stuff {his} cheeks with nuts"),
    A("beaver", "pond", moves="swim | paddle | waddle", homes="river pond lake", foods="leaf",
      tricks="slap {his} flat tail on the water | gnaw on a stick | build a dam"),
    A("moose/moose", "forest", moves="walk | plod | wade", foods="leaf grass", colors="brown"),
    A("skunk", "forest", moves="waddle | shuffle | walk", foods="bug berry", colors="black white"),
    A("bat", "forest", "squeak", "", moves="fly | flutter | swoop", rest="perch", homes="cave forest barn",
      foods="bug fruit", tricks="hang upside down | flap {his} wings"),
    A("mole", "forest", moves="dig | shuffle | crawl", homes="garden meadow forest", foods="worm",
      tricks="dig a tunnel | poke {his} nose out of the ground"),
    # birds
    A("bird", "bird", "sing", "Tweet"),
    A("robin", "bird", "chirp", "Tweet", colors="red brown"),
    A("sparrow", "bird", "chirp", "Chirp", colors="brown gray", homes="town garden park forest meadow backyard farm"),
    A("bluebird", "bird", "sing", "Tweet", colors="blue"),
    A("crow", "bird", "caw", "Caw", colors="black", foods="seed corn crumb"),
    A("pigeon", "bird", "coo", "Coo", homes="town park garden farm castle", colors="gray"),
    A("dove", "bird", "coo", "Coo", colors="white gray"),
    A("eagle", "bird", moves="soar | fly | glide | swoop", homes="mountain hill forest", foods="fish",
      colors="brown"),
    A("seagull", "bird", "squawk", "Squawk", homes="beach river lake", foods="fish crumb"),
    A("parrot", "bird", "squawk", "Hello", homes="jungle zoo living_room", foods="seed fruit nut",
      colors="green red blue yellow", pet=True),
    A("woodpecker", "bird", "tap", "", homes="forest garden park", foods="bug"),
    A("hummingbird", "bird", "hum", "", moves="hover | fly | dart | zip", foods="nectar"),
    A("blackbird", "bird", "sing", "Tweet", colors="black"),
    A("swan", "pond", moves="glide | swim | float | paddle", homes="pond lake river park", foods="bread weed",
      colors="white", tricks="stretch {his} long neck | flap {his} wings"),
    A("flamingo", "wild", moves="wade | walk | fly", rest="water", homes="zoo lake", foods="shrimp",
      colors="pink", tricks="stand on one leg | stretch {his} long neck"),
    A("peacock", "wild", moves="strut | walk", homes="zoo garden castle", foods="seed bug",
      colors="blue green", tricks="spread {his} tail feathers | strut around"),
    A("penguin", "sea", moves="waddle | swim | slide | dive", rest="ground", homes="sea zoo beach",
      foods="fish", tricks="flap {his} little wings | slide on {his} tummy", colors="black white"),
    # pond and river
    A("frog", "pond", "croak", "Ribbit", moves="hop | jump | leap | swim | splash", foods="fly bug",
      homes="pond lake river garden"),
    A("toad", "pond", "croak", "Croak", moves="hop | crawl | jump", homes="pond garden forest",
      foods="bug worm"),
    A("turtle", "pond", moves="crawl | swim | plod | paddle", foods="leaf bug lettuce",
      tricks="hide in {his} shell | poke {his} head out of {his} shell", homes="pond lake river beach zoo"),
    A("fish/fish", "pond", moves="swim | dart | glide | float", rest="", foods="bug crumb",
      tricks="blow bubbles | flick {his} tail | jump out of the water", colors="gold silver orange"),
    A("otter", "pond", moves="swim | splash | slide | float | dive", foods="fish shrimp",
      tricks="float on {his} back | juggle a pebble | roll in the water"),
    A("newt", "pond", moves="crawl | swim", foods="bug worm"),
    A("tadpole", "pond", moves="swim | wiggle", rest="", foods="weed"),
    A("dragonfly/dragonflies", "bug", moves="fly | dart | hover | zip", homes="pond lake meadow river",
      foods="bug", tricks="flash {his} shiny wings"),
    # sea
    A("whale", "sea", "sing", "", moves="swim | glide | float | dive", tricks="blow water into the air | "
      "splash {his} huge tail", foods="shrimp fish"),
    A("dolphin", "sea", "click", "", moves="swim | leap | dive | zoom | glide", tricks="jump out of the water "
      "| flip in the air"),
    A("crab", "sea", moves="scuttle | crawl | dig", rest="water", homes="beach sea", foods="seaweed",
      tricks="wave {his} claws | dig in the sand", colors="red orange"),
    A("seal", "sea", "bark", "Arf", moves="swim | slide | flop | dive", rest="water", homes="beach sea zoo",
      tricks="clap {his} flippers | balance a ball on {his} nose"),
    A("octopus/octopuses", "sea", moves="swim | float | crawl | glide", tricks="wave {his} eight arms | "
      "squirt ink", colors="purple red"),
    A("starfish/starfish", "sea", moves="crawl", rest="water", homes="beach sea", colors="orange pink"),
    A("jellyfish/jellyfish", "sea", moves="float | drift | glide", colors="pink purple clear"),
    A("seahorse", "sea", moves="float | swim | drift", colors="yellow orange"),
    A("shark", "sea", moves="swim | glide", foods="fish", colors="gray"),
    A("lobster", "sea", moves="crawl | scuttle", rest="water", homes="sea beach", colors="red"),
    A("walrus/walruses", "sea", "grunt", "", moves="flop | swim | slide", rest="water",
      homes="sea beach zoo", tricks="wiggle {his} long whiskers"),
    # zoo, jungle and savanna
    A("lion", "wild", "roar", "Roar", moves="walk | run | prowl | pounce", foods="meat",
      tricks="shake {his} big mane | yawn a big yawn", colors="golden"),
    A("tiger", "wild", "growl", "Grr", moves="prowl | run | walk | leap", foods="meat", colors="orange striped"),
    A("elephant", "wild", "trumpet", "", moves="stomp | walk | plod | march", foods="hay leaf banana peanut",
      tricks="spray water with {his} trunk | flap {his} big ears | swing {his} trunk", colors="gray"),
    A("monkey", "wild", "chatter", "Ooh ooh", moves="swing | climb | jump | leap", rest="perch",
      foods="banana fruit", tricks="hang by {his} tail | scratch {his} head | swing from a vine"),
    A("giraffe", "wild", moves="walk | run | gallop", foods="leaf", colors="spotted",
      tricks="stretch {his} long neck | nibble the top of a tree"),
    A("zebra", "wild", moves="run | gallop | trot", foods="grass", colors="striped"),
    A("hippo", "wild", "grunt", "", moves="swim | wade | walk", rest="water", homes="river zoo",
      foods="grass", tricks="open {his} huge mouth | yawn a big yawn"),
    A("rhino", "wild", "snort", "", moves="stomp | run | walk", foods="grass"),
    A("gorilla", "wild", "grunt", "", moves="walk | climb | swing", foods="banana leaf",
      tricks="beat {his} chest | scratch {his} head"),
    A("panda", "wild", moves="waddle | climb | roll | tumble", foods="bamboo", colors="black white",
      tricks="roll on {his} back | munch on bamboo"),
    A("kangaroo", "wild", moves="hop | bounce | jump | leap", foods="grass", homes="zoo meadow"),
    A("koala", "wild", moves="climb | crawl", rest="perch", foods="leaf", colors="gray",
      tricks="hug a branch | sleep all day"),
    A("camel", "wild", moves="walk | plod | trot", homes="desert zoo", foods="hay grass"),
    A("crocodile", "wild", "snap", "", moves="swim | crawl | glide | slide", rest="water",
      homes="river zoo jungle", foods="fish meat", colors="green"),
    A("snake", "wild", "hiss", "Hiss", moves="slither | slide | glide | curl", homes="jungle zoo garden desert",
      foods="mouse bug", tricks="flick {his} tongue | curl up in a coil", colors="green striped"),
    A("cheetah", "wild", moves="run | race | dash | sprint", foods="meat", colors="spotted"),
    A("sloth", "wild", moves="climb | crawl | hang", rest="perch", foods="leaf",
      tricks="hang upside down | smile a slow smile"),
    A("llama", "wild", "hum", "", moves="walk | trot", homes="zoo farm mountain", foods="grass hay",
      coats="woolly fluffy"),
    A("ostrich/ostriches", "wild", moves="run | sprint | strut", foods="seed leaf"),
    A("lemur", "wild", moves="leap | climb | jump", rest="perch", foods="fruit leaf", colors="gray striped"),
    A("leopard", "wild", "growl", "", moves="prowl | climb | leap | run", rest="perch", foods="meat",
      colors="spotted"),
    A("polar_bear", "wild", "growl", "", moves="walk | swim | plod", foods="fish", colors="white",
      homes="zoo sea"),
    # bugs and other small creatures
    A("ant", "bug", moves="crawl | march | hurry", foods="crumb seed sugar", homes="garden meadow park "
      "forest kitchen", tricks="carry a crumb | wave {his} feelers"),
    A("bee", "bug", "buzz", "Buzz", moves="fly | buzz | zoom | zip", foods="nectar",
      tricks="visit the flowers | collect pollen"),
    A("butterfly/butterflies", "bug", moves="flutter | fly | float | drift", foods="nectar",
      tricks="open and close {his} wings", colors="yellow blue orange white"),
    A("ladybug", "bug", moves="crawl | fly", tricks="open {his} spotty wings", colors="red"),
    A("spider", "bug", moves="crawl | climb | creep", tricks="spin a web | hang from a thread", colors="black"),
    A("worm", "bug", moves="wiggle | crawl", foods="dirt", tricks="wiggle into the dirt", colors="pink"),
    A("snail", "bug", moves="crawl | slide | creep", foods="leaf lettuce",
      tricks="hide in {his} shell | poke out {his} eyes"),
    A("caterpillar", "bug", moves="crawl | inch", foods="leaf", tricks="munch on a leaf | curl up",
      colors="green striped"),
    A("grasshopper", "bug", "chirp", "", moves="hop | jump | leap", foods="grass leaf", colors="green"),
    A("beetle", "bug", moves="crawl | scuttle", colors="black shiny green"),
    A("firefly/fireflies", "bug", moves="fly | flutter | float", tricks="glow in the dark | blink {his} light"),
    A("moth", "bug", moves="flutter | fly", colors="white gray brown"),
    A("cricket", "bug", "chirp", "", moves="hop | jump"),
    # more pets, farm animals and wild animals
    A("goldfish/goldfish", "pond", moves="swim | dart | glide", rest="", homes="living_room pond",
      foods="crumb", tricks="blow bubbles | swim in circles", colors="orange gold", pet=True),
    A("gerbil", "pet", "squeak", "Squeak", moves="scurry | scamper | dig", foods="seed nut",
      homes="living_room bedroom"),
    A("canary/canaries", "bird", "sing", "Tweet", homes="living_room garden", colors="yellow", pet=True),
    A("parakeet", "bird", "chirp", "Chirp", homes="living_room garden jungle", colors="green blue", pet=True),
    A("lizard", "wild", moves="scuttle | dart | climb | crawl", rest="bug", homes="desert garden jungle zoo",
      foods="bug", tricks="flick {his} tongue | sit in the sun", colors="green brown"),
    A("alpaca", "farm", "hum", "", moves="walk | trot", homes="farm mountain", coats="woolly fluffy soft"),
    A("mule", "farm", "bray", "Hee haw", moves="trot | plod | walk", foods="hay carrot"),
    A("ox/oxen", "farm", moves="plod | walk", foods="hay grass"),
    A("reindeer/reindeer", "forest", moves="trot | run | prance", homes="forest mountain", foods="moss grass"),
    A("heron", "pond", moves="wade | fly | glide", rest="water", homes="pond lake river", foods="fish",
      tricks="stand on one leg | stretch {his} long neck", colors="gray white"),
    A("stork", "bird", moves="fly | glide | wade", homes="farm meadow lake", foods="fish bug"),
    A("swallow", "bird", "chirp", "Tweet", moves="swoop | fly | dart | glide"),
    A("puffin", "sea", moves="fly | swim | waddle", rest="water", homes="sea beach", foods="fish",
      colors="black white"),
    A("toucan", "bird", "squawk", "Squawk", homes="jungle zoo", foods="fruit", colors="black orange"),
    A("meerkat", "wild", moves="scamper | dig | scurry", foods="bug", homes="zoo desert",
      tricks="stand up tall on {his} back legs | look around"),
    A("hyena", "wild", "laugh", "", moves="run | trot | prowl", foods="meat"),
    A("jaguar", "wild", "growl", "", moves="prowl | leap | climb | run", rest="perch", foods="meat",
      colors="spotted golden", homes="jungle zoo"),
    A("chimpanzee", "wild", "chatter", "Ooh ooh", moves="swing | climb | jump", rest="perch",
      foods="banana fruit", homes="jungle zoo", tricks="scratch {his} head | clap {his} hands"),
    A("orangutan", "wild", moves="swing | climb", rest="perch", foods="fruit leaf", homes="jungle zoo",
      colors="orange"),
    A("armadillo", "wild", moves="scurry | dig | waddle", foods="bug", homes="desert zoo",
      tricks="roll into a ball"),
    A("platypus/platypuses", "pond", moves="swim | paddle | waddle", homes="river zoo", foods="bug worm"),
    A("wombat", "wild", moves="waddle | dig | shuffle", foods="grass", homes="zoo meadow"),
    A("bison/bison", "farm", moves="plod | walk | run", homes="meadow hill", foods="grass"),
    A("weasel", "forest", moves="dash | dart | sneak", foods="mouse", colors="brown"),
    A("salamander", "pond", moves="crawl | swim", homes="pond forest", foods="bug worm", colors="orange black"),
    # creatures of fairy tales
    A("dragon", "magic", "roar", "Roar", moves="fly | stomp | walk | soar", tricks="flap {his} big wings | "
      "blow a puff of smoke | swish {his} long tail", foods="cake apple"),
    A("unicorn", "magic", "neigh", "Neigh", moves="gallop | trot | prance | fly", homes="meadow forest castle",
      foods="apple carrot", colors="white silver", tricks="shake {his} shiny mane"),
    A("dinosaur", "magic", "roar", "Roar", moves="stomp | walk | march | run", homes="jungle mountain",
      foods="leaf", colors="green", tricks="swish {his} long tail | stretch {his} long neck"),
]
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
INDOOR_PLACES = ("living_room", "kitchen", "bedroom", "attic", "school", "library", "bakery", "toy_shop", "museum",
                 "barn")


def P(key: str, prep: str, kind: str, ground: str, things: str, acts: str, perch: str = "", water: str = "",
      bugs: str = "", paths: str = "around across through", article: bool = True) -> None:
    PLACES[key] = Place(key, key.replace("_", " "), prep, kind, spots(ground), spots(perch) if perch else None,
                        spots(water) if water else None, spots(bugs) if bugs else None,
                        Bag(NOUNS[n.sing] for n in nouns(things)), Bag(phrases(acts)), tuple(paths.split()), article)


nouns("mat rug bed sofa couch armchair cushion pillow blanket carpet floor table chair stool windowsill "
      "window door step doormat porch bench swing slide seesaw sandbox log stump rock stone branch fence wall "
      "roof gate path hill haystack lily_pad leaf/leaves flower tree bush/bushes pond stream puddle nest "
      "fountain desk shelf/shelves bookshelf/bookshelves closet drawer toy_box fireplace stove fridge sink "
      "oven cupboard bathtub tower throne boat dock bridge shore bank cliff peak ledge cactus/cacti "
      "palm_tree dune reed mushroom vine waterfall birdbath lamppost statue tractor barn stall beam trunk")
nouns("grass sand hay straw moss snow mud water", mass=True)

P("living_room", "in", "home",
  "on:mat on:rug on:sofa in:armchair by:fire on:cushion under:table by:window on:carpet in:box on:floor "
  "on:couch next_to:fireplace on:blanket",
  "sofa lamp clock rug cushion blanket book shelf picture basket piano box window fireplace plant",
  "build a fort | read a book | do a puzzle | play a game | draw pictures | play with blocks | sing songs | "
  "dance to music | play the piano | build a tower with blocks | play with toy cars | look at picture books",
  perch="on:windowsill on:shelf on:lamp on:curtain_rod", bugs="on:window on:lamp on:wall on:ceiling",
  paths="around across through into")
P("kitchen", "in", "home",
  "on:mat on:floor under:table on:chair by:stove on:stool by:door in:basket on:rug by:fridge on:windowsill "
  "next_to:oven",
  "table chair cup plate bowl spoon pot pan kettle jar oven sink fridge cupboard apron basket tray",
  "bake cookies | make pancakes | make a cake | wash the dishes | set the table | make lemonade | "
  "make sandwiches | make soup | bake bread | decorate cupcakes | make a pie | squeeze oranges",
  perch="on:windowsill on:shelf", bugs="on:window on:table on:wall on:jar", paths="around across into")
P("bedroom", "in", "home",
  "on:bed on:rug on:mat on:pillow under:bed by:window on:blanket in:toy_box on:chair on:carpet in:basket",
  "bed pillow blanket lamp shelf closet toy_box drawer window teddy_bear picture book night_light",
  "read a book | play with dolls | build a tower | have a pillow fight | play dress up | look at the stars | "
  "tidy up the toys | draw pictures | play with a puppet | tell stories",
  perch="on:windowsill on:shelf on:bedpost", bugs="on:window on:wall on:ceiling on:lamp",
  paths="around across into")
P("porch", "on", "home",
  "on:mat on:step on:doormat on:bench by:door in:rocking_chair on:swing on:rug",
  "door step bench swing flowerpot mailbox lamp umbrella boot", "sit in the sun | wait for the mail | "
  "watch the rain | eat ice cream | blow bubbles | play with chalk",
  perch="on:railing on:roof on:mailbox on:swing", bugs="on:railing on:step on:flowerpot", paths="across onto")
P("garden", "in", "home",
  "on:grass under:tree on:bench by:pond on:path on:rock on:step under:bush in:flower_bed by:fence on:swing "
  "on:blanket in:shade",
  "flower tree bush fence gate pond watering_can shed swing bench rock birdhouse wheelbarrow spade hose "
  "vegetable_patch rose sunflower tulip daisy",
  "pick flowers | water the plants | dig in the dirt | plant seeds | look for bugs | chase butterflies | "
  "pick strawberries | play on the swing | play catch | pull up weeds | pick tomatoes | rake the leaves",
  perch="on:fence on:branch on:gate on:birdbath on:roof on:wall on:birdhouse on:shed",
  water="on:rock by:pond on:lily_pad on:log", bugs="on:flower on:leaf on:rose on:daisy on:tomato on:fence "
  "on:sunflower on:tulip")
P("backyard", "in", "home",
  "on:grass under:tree on:swing in:sandbox on:step on:blanket by:fence on:porch in:treehouse on:deck",
  "swing sandbox tree fence ball slide treehouse doghouse clothesline sprinkler puddle kiddie_pool",
  "play on the swing | dig in the sandbox | run through the sprinkler | play catch | jump on the trampoline | "
  "build a snowman | blow bubbles | play tag | have a picnic | kick a ball | splash in the puddles",
  perch="on:fence on:branch on:roof on:clothesline on:treehouse", water="by:puddle in:kiddie_pool",
  bugs="on:flower on:leaf on:fence on:grass")
P("attic", "in", "home",
  "on:box by:window in:trunk on:old_chair on:rug on:floor under:blanket",
  "box trunk old_chair lamp picture suitcase spider_web mirror dollhouse rocking_horse",
  "look through old boxes | dress up in old clothes | find old toys | play pirates",
  perch="on:beam on:windowsill", bugs="on:box on:beam on:window", paths="across around")
P("park", "in", "town",
  "on:bench on:grass under:tree by:pond on:swing on:blanket on:hill by:fountain on:path on:step on:log",
  "bench swing slide tree pond fountain path kite ball gate statue flower sandbox duck_pond bridge "
  "ice_cream_cart",
  "play on the swings | go down the slide | fly a kite | feed the ducks | play catch | kick a ball | "
  "ride a bike | have a picnic | play tag | play hide and seek | roll down the hill | climb a tree | "
  "throw a frisbee | skip rope | ride a scooter | play soccer | race to the big tree",
  perch="on:bench on:branch on:fence on:lamppost on:fountain on:statue", water="by:pond on:rock on:log",
  bugs="on:flower on:leaf on:bench on:tree")
P("playground", "at", "town",
  "on:swing on:slide on:seesaw in:sandbox on:bench on:climbing_frame under:slide on:merry_go_round",
  "swing slide seesaw sandbox bench climbing_frame merry_go_round tunnel ladder",
  "play on the swings | go down the slide | play on the seesaw | dig in the sandbox | play tag | "
  "climb the climbing frame | jump rope | play hopscotch | spin on the merry go round | crawl through the "
  "tunnel", perch="on:fence on:slide on:swing", bugs="on:bench on:slide")
P("school", "at", "town",
  "at:desk on:chair on:rug on:bench by:window on:mat at:table on:step",
  "desk chair book pencil crayon chalk board map globe paint paper ruler backpack clock fish_tank",
  "read books | paint pictures | sing songs | count to ten | learn new words | draw pictures | "
  "play in the yard | write letters | build a model | learn about animals | practice spelling | "
  "do a puzzle | plant seeds in cups", perch="on:windowsill on:fence", article=False,
  paths="around across through")
P("library", "at", "town",
  "on:rug on:chair on:cushion by:window at:table on:beanbag on:step on:bench",
  "book shelf table chair lamp map poster globe computer", "read books | look at pictures | "
  "listen to a story | find a book about dinosaurs | look at maps | read a book about the sea",
  perch="on:windowsill", paths="around through")
P("bakery", "at", "town", "on:stool by:window at:table on:bench by:door",
  "cake bread cookie bun pie muffin loaf/loaves oven tray counter", "buy bread | smell the fresh bread | "
  "pick a cake | eat a warm bun", paths="into around")
P("market", "at", "town", "on:bench by:stall on:box on:step by:fountain",
  "apple banana basket box stall cart orange melon flower cheese", "buy fruit | buy vegetables | "
  "pick some apples | buy flowers | carry the basket", perch="on:stall on:roof on:cart")
P("toy_shop", "at", "town", "on:stool by:window on:rug by:door",
  "doll ball kite teddy_bear puzzle robot train drum yoyo", "look at the toys | pick a new toy | "
  "play with the toy train", paths="into around")
P("zoo", "at", "town", "by:fence on:bench on:rock under:tree on:grass on:path",
  "fence gate cage pool path map bench rock tree sign", "see the lions | watch the monkeys | "
  "feed the goats | look at the penguins | eat ice cream | see the elephants | watch the seals",
  perch="on:branch on:fence on:rock on:sign", water="on:rock by:pool in:pool", bugs="on:leaf on:fence")
P("farm", "on", "nature",
  "on:haystack by:barn on:fence in:hay on:grass under:tree by:gate on:tractor in:field by:pond",
  "barn tractor haystack fence gate field pond bucket cart wheelbarrow scarecrow windmill henhouse",
  "feed the chickens | milk the cow | collect eggs | ride a pony | pick apples | play in the hay | "
  "pet the lambs | ride on the tractor | feed the pigs | brush the horse",
  perch="on:fence on:roof on:gate on:haystack on:weathervane on:tractor on:scarecrow",
  water="by:pond on:rock in:mud", bugs="on:flower on:leaf on:hay on:fence")
P("barn", "in", "nature", "in:hay on:haystack by:door on:straw in:stall on:bale under:ladder",
  "hay haystack bucket stall ladder lantern rope tractor bale saddle", "play in the hay | "
  "feed the horses | climb the ladder | look for eggs", perch="on:beam on:rafter on:ladder on:door",
  bugs="on:hay on:beam on:bucket", paths="into around through")
P("museum", "at", "town", "on:bench by:statue on:step",
  "statue painting dinosaur_skeleton map picture crown sword vase mummy spaceship",
  "look at the dinosaur bones | see old paintings | look at the spaceship | learn about the stars",
  paths="around through")
P("castle", "in", "nature", "on:step by:window on:stairs by:gate on:throne on:wall by:fireplace",
  "tower gate wall crown throne flag window door moat drawbridge", "explore the castle | "
  "climb the tower | dance in the great hall | have a feast", perch="on:tower on:wall on:flag on:roof",
  paths="around through into")
P("forest", "in", "nature",
  "on:log on:stump on:rock under:tree by:stream on:moss under:bush on:path by:pond in:clearing",
  "tree log stump rock bush mushroom path stream nest pine_cone acorn leaf berry flower hole cave",
  "pick berries | look for mushrooms | climb trees | collect pine cones | watch the birds | "
  "follow the path | build a den | hunt for acorns | listen to the birds",
  perch="on:branch on:log on:stump on:rock in:tree", water="by:stream on:rock on:log",
  bugs="on:leaf on:mushroom on:flower on:log on:branch on:moss")
P("meadow", "in", "nature",
  "on:grass in:grass on:hill under:tree by:stream on:rock among:flowers on:blanket",
  "flower grass daisy buttercup tree hill stream clover dandelion poppy",
  "pick flowers | chase butterflies | roll in the grass | have a picnic | fly a kite | "
  "make a daisy chain | blow on dandelions | lie in the sun",
  perch="on:fence on:branch on:rock", water="by:stream on:rock", bugs="on:flower on:daisy on:buttercup on:leaf "
  "on:clover on:dandelion on:poppy")
P("hill", "on", "nature", "on:grass on:rock under:tree on:blanket by:bush",
  "grass rock tree bush path top", "roll down the hill | fly a kite | go sledding | "
  "watch the clouds | have a picnic | look at the view", perch="on:rock on:branch on:fence",
  bugs="on:flower on:grass", paths="up down across over")
P("mountain", "on", "nature", "on:rock by:stream under:tree on:ledge on:grass",
  "rock stream tree ledge peak cave snow path", "climb up the mountain | look at the view | "
  "follow the path | go hiking", perch="on:rock on:peak on:ledge on:branch", paths="up down across")
P("cave", "in", "nature", "on:rock by:wall in:corner by:pool",
  "rock stone crystal pool wall tunnel", "explore the cave | look for crystals | listen to the echo",
  perch="on:ledge on:rock", paths="into through")
P("pond", "at", "water", "on:rock by:water on:log on:grass by:reeds on:bank on:bridge",
  "lily_pad reed rock log water bridge frog duck", "feed the ducks | throw stones | go fishing | "
  "sail a toy boat | watch the fish | splash in the water | count the ducks",
  perch="on:reed on:branch on:rock on:fence", water="on:lily_pad on:rock on:log in:reeds by:bank",
  bugs="on:reed on:leaf on:lily_pad", paths="to around")
P("lake", "at", "water", "on:dock on:rock on:bench on:sand by:water on:grass on:boat",
  "boat dock water rock sand tree duck", "go swimming | go fishing | sail a boat | skip stones | "
  "feed the ducks | have a picnic | row a boat", perch="on:dock on:branch on:rock on:boat",
  water="on:rock on:log by:shore", paths="to around")
P("river", "by", "water", "on:bank on:rock by:bridge on:bridge on:log on:grass",
  "bridge boat rock log water stone", "go fishing | throw stones | watch the boats | sail a toy boat | "
  "skip stones", perch="on:branch on:bridge on:rock", water="on:rock on:log by:bank",
  paths="to along")
P("beach", "at", "nature",
  "on:sand on:towel on:blanket on:rock by:water under:umbrella in:sand on:beach_chair",
  "sand shell rock wave bucket spade towel umbrella boat sandcastle seaweed pebble lighthouse",
  "build a sandcastle | collect shells | swim in the sea | splash in the waves | dig in the sand | "
  "look for crabs | fly a kite | walk along the shore | eat ice cream | jump over the waves",
  perch="on:rock on:post on:boat on:lighthouse", water="on:rock in:rock_pool under:rock on:sand",
  paths="along across to")
P("sea", "in", "water", "on:boat", "wave boat fish shell", "swim | sail a boat",
  perch="on:boat on:mast", water="on:rock", paths="to")
P("jungle", "in", "nature", "under:tree on:log by:river on:rock",
  "tree vine leaf flower river rock log banana waterfall", "explore the jungle | "
  "listen to the parrots | swing on the vines", perch="on:branch on:vine in:tree",
  water="by:river on:rock on:log", bugs="on:leaf on:flower")
P("desert", "in", "nature", "on:sand under:palm_tree on:rock by:cactus",
  "sand cactus rock dune palm_tree oasis", "ride a camel | look for water | build a sand tower",
  perch="on:cactus on:rock on:palm_tree", paths="across through")
P("orchard", "in", "nature", "under:tree on:grass on:ladder on:blanket",
  "apple tree ladder basket pear plum cherry", "pick apples | pick cherries | climb a ladder | "
  "fill a basket with pears", perch="on:branch on:ladder", bugs="on:apple on:leaf on:blossom",
  paths="through around")
P("town", "in", "town", "on:step on:bench by:door on:wall by:lamppost on:curb by:fountain by:bus_stop",
  "shop bakery bus_stop mailbox lamppost fountain bench bridge tower clock street",
  "buy some bread | mail a letter | visit the library | ride the bus | look in the shop windows | "
  "buy new shoes | get a haircut | watch the big trucks", perch="on:roof on:lamppost on:wall on:clock on:bus_stop "
  "on:mailbox", bugs="on:wall on:window", paths="around through across", article=False)
nouns("curtain_rod ceiling bedpost night_light rocking_chair railing flowerpot mailbox flower_bed shade "
      "treehouse deck doghouse clothesline sprinkler kiddie_pool trampoline old_chair suitcase spider_web "
      "dollhouse climbing_frame merry_go_round tunnel chalk board globe fish_tank beanbag poster computer "
      "counter stall cart sign cage pool scarecrow windmill henhouse weathervane rafter bale saddle "
      "dinosaur_skeleton painting sword vase mummy spaceship stairs flag moat drawbridge clearing daisy/daisies "
      "buttercup dandelion poppy/poppies top view crystal corner towel umbrella beach_chair rock_pool post "
      "lighthouse mast oasis blossom sunflower tulip rose vegetable_patch birdhouse shed duck_pond "
      "ice_cream_cart piano plant picture curb bus_stop street shop")
HOME_ROOMS = Bag([PLACES[k] for k in "living_room kitchen bedroom porch garden backyard".split()], flat=1)
OUTINGS = Bag([PLACES[k] for k in ("park beach farm zoo forest meadow playground lake pond hill river orchard "
                                   "town library market museum castle jungle mountain bakery toy_shop cave "
                                   "desert").split()], flat=2)

# Things on wheels (and wings) that go through town: (noun, how it moves, the noise it makes).
VEHICLES = Bag([(nouns(n)[0], tuple(phrases(moves)), Phrase(noise)) for n, moves, noise in (
    ("car", "drive | zoom | roll", "beep {his} horn"), ("bus", "drive | rumble | roll", "honk {his} horn"),
    ("truck", "rumble | drive | roll", "honk {his} horn"), ("bike", "zoom | roll", "ring {his} bell"),
    ("van", "drive | roll", "beep {his} horn"), ("taxi", "drive | zoom", "honk {his} horn"),
    ("fire_truck", "race | zoom | rush", "flash {his} lights"), ("ambulance", "rush | race", "flash {his} lights"),
    ("tractor", "rumble | roll", "puff smoke"), ("scooter", "zoom | roll", "beep {his} horn"),
    ("motorcycle", "roar | zoom", "roar"), ("tram", "roll | rumble", "ring {his} bell"),
    ("garbage_truck", "rumble | roll", "beep"), ("ice_cream_truck", "roll | drive", "play a happy song"))],
    flat=3)
FLYING_THINGS = Bag([(nouns(n)[0], how) for n, how in (
    ("airplane", ("flew", "roared")), ("helicopter", ("flew", "buzzed")), ("hot_air_balloon", ("floated", "drifted")),
    ("kite", ("danced", "flew")), ("rocket", ("zoomed", "shot up")), ("cloud", ("floated", "drifted")))])

# Which animals live where (in ANIMALS order, so the cat leads in the house).
FAUNA: dict[str, Bag] = {}
for _key in PLACES:
    _here = [a for a in ANIMALS if _key in a.homes]
    if _here:
        FAUNA[_key] = Bag(_here, flat=1.0)

# Where a lost thing can be at home, and places it can hide outdoors.
HIDING_SPOTS = Bag(spots("under:bed behind:sofa in:toy_box under:table behind:door in:closet under:pillow "
                         "in:basket behind:curtain under:blanket in:drawer on:shelf in:bathtub under:chair "
                         "in:laundry_basket behind:bookshelf under:cushion in:backpack in:garden "
                         "under:rug in:car in:cupboard").items)
nouns("laundry_basket car")

# Weather: sentences that set the scene, by weather. Past tense; {place} is "the park" etc.
WEATHER_LINES = {
    "sunny": split_phrases("""
        the sun was shining | the sun was bright and warm | the sky was blue and clear |
        the sun shone brightly over {place} | it was a warm and sunny day | there was not a cloud in the sky |
        the sunshine made everything sparkle | the warm sun shone on {place} | the dew glistened on the grass |
        the air shimmered in the heat"""),
    "rainy": split_phrases("""
        it was raining | rain fell on the roof | big drops of rain splashed in the puddles |
        the rain pattered on the windows | gray clouds covered the sky | it rained all morning |
        the rain made little puddles everywhere | a light rain drizzled down | raindrops dripped from the leaves"""),
    "windy": split_phrases("""
        the wind was blowing | the wind blew the leaves around | it was a windy day |
        the wind whistled through the trees | the trees swayed in the wind | a strong wind blew over {place} |
        leaves swirled in the wind | the wind rustled the leaves"""),
    "snowy": split_phrases("""
        snow was falling | snow fell softly on {place} | everything was white with snow |
        soft white snowflakes drifted down | the snow sparkled in the sun | snow covered the ground |
        snowflakes whirled in the air | icicles dangled from the roof"""),
    "cloudy": split_phrases("""
        the sky was gray | big clouds floated across the sky | it was a cloudy day |
        fluffy clouds drifted over {place}"""),
    "foggy": split_phrases("""
        it was foggy | thick fog covered {place} | the fog was so thick that nobody could see far"""),
    "stormy": split_phrases("""
        thunder rumbled in the sky | lightning flashed | a big storm was coming |
        the wind howled and the rain poured | dark clouds rolled across the sky"""),
    "hot": split_phrases("it was a very hot day | the sun was hot | the air was hot and still"),
    "cold": split_phrases("it was a cold day | the air was cold and crisp | frost sparkled on the grass | "
                          "the wind was cold"),
}
WEATHER_BAG = Bag(WEATHER_WORDS, flat=1.5)

# --- Feelings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mood:
    words: Bag  # adjectives: "happy", "glad"
    any: Bag  # reactions anyone (or any animal) can have: Phrases
    human: Bag  # reactions that need hands and faces


def mood(words: str, any_: str, human: str) -> Mood:
    return Mood(Bag(split_words(words)), Bag(phrases(any_)), Bag(phrases(human)))


MOODS = {
    "happy": mood("happy glad cheerful joyful delighted pleased thrilled excited merry jolly",
                  "smile | laugh | jump for joy | dance around | giggle | cheer | spin around in a circle | "
                  "skip around | hum a happy tune | do a little dance | nod",
                  "clap {his} hands | give a big smile | laugh out loud | grin from ear to ear | wink | "
                  "whistle a song"),
    "sad": mood("sad unhappy upset gloomy miserable disappointed glum heartbroken",
                "cry | sigh | frown | sniffle | sob | look down at the ground | hang {his} head | drag {his} feet | "
                "weep", "wipe away {his} tears | hide {his} face in {his} hands | pout | kick a little stone | "
                "lean against the wall | shrug"),
    "scared": mood("scared afraid frightened nervous worried terrified anxious jumpy",
                   "shiver | tremble | hide | freeze | shake | scream | stumble backward | jump",
                   "cover {his} eyes | hold {his} breath | hide under {his} blanket | bite {his} lip | "
                   "grab the nearest hand"),
    "angry": mood("angry mad cross grumpy furious annoyed cranky frustrated",
                  "stomp {his} feet | frown | huff | grumble | pout | stomp away", "cross {his} arms | shout | "
                  "turn red in the face"),
    "tired": mood("tired sleepy exhausted weary drowsy", "yawn | stretch | rub {his} eyes | lie down | "
                  "curl up for a nap", "rest {his} head on a pillow"),
    "surprised": mood("surprised amazed astonished puzzled confused",
                      "gasp | blink | jump back | stare", "open {his} mouth wide | open {his} eyes wide | "
                      "scratch {his} head"),
    "proud": mood("proud pleased brave strong", "smile | stand up tall | grin | beam",
                  "puff out {his} chest | give a big thumbs up"),
    "curious": mood("curious interested eager", "tilt {his} head | look closer | lean in | sniff",
                    "scratch {his} head"),
    "lonely": mood("lonely alone left out", "sigh | look around for a friend | sit by {self}",
                   "hug {his} knees"),
    "hungry": mood("hungry starving", "lick {his} lips | sniff the air", "rub {his} tummy"),
    "kind": mood("kind thankful grateful warm", "smile | nod", "give a hug"),
    "shy": mood("shy bashful quiet timid", "look down at {his} feet | blush | hide behind a tree | smile a little",
                "twist {his} fingers | hide behind {his} hands | whisper"),
}

# --- Talking -----------------------------------------------------------------------------------------
GREETINGS = split_phrases("Hello | Hi | Hi there | Good morning | Hello there")
YES = split_phrases("Yes, please | Yes | Okay | Sure | Of course | Yes, I would love to | That sounds fun")
THANKS = split_phrases("Thank you | Thank you so much | Thanks | Thank you very much")

# --- Morals ------------------------------------------------------------------------------------------
MORALS = {
    "share": split_phrases("sharing is caring | it is more fun to share | sharing makes friends happy | "
                           "good friends share what they have"),
    "honest": split_phrases("it is always best to tell the truth | telling the truth is the right thing to do | "
                            "being honest is important"),
    "brave": split_phrases("being brave means trying even when you are scared | things are not so scary when "
                           "you face them | it is okay to be scared sometimes"),
    "try": split_phrases("if you keep trying, you can do it | practice makes things easier | "
                         "it is okay to fall down, as long as you get back up | never give up"),
    "help": split_phrases("helping others makes everyone happy | a little help goes a long way | "
                          "it feels good to help"),
    "friend": split_phrases("friends come in all shapes and sizes | a new friend can be found anywhere | "
                            "being kind is the best way to make friends"),
    "patient": split_phrases("good things come to those who wait | being patient pays off | "
                             "slow and steady wins the race"),
    "careful": split_phrases("it is important to be careful | it is good to listen to grown ups | "
                             "playing safely is the best way to play"),
}


# ======================================================================================================
# 3. The storyteller
# ======================================================================================================
# Productions are plain functions registered with @rule(kind). A plot calls smaller rules (openings, scene
# sentences, dialogue, connectives, endings); those call clause builders, which call noun-phrase builders.
# A few hundred lines of rules over the word lists above compose into millions of different sentences.

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


BIG_FOODS = ("pineapple", "watermelon", "melon", "coconut", "pumpkin", "cake", "pie", "pizza", "cabbage")
BABY_ANIMALS = ("kitten", "puppy", "chick", "duckling", "lamb", "calf", "piglet", "tadpole", "bunny")
SMALL_FOODS = ("pea", "bean", "grape", "blueberry", "raspberry", "cherry", "nut", "seed", "crumb", "bug", "fly",
               "jelly bean", "acorn", "berry", "insect", "shrimp", "marshmallow")
HOUSE_LOOKS = ("small", "big", "cozy", "little", "white", "yellow", "blue", "pretty", "old", "tall", "warm")
HAPPY_WOWS = split_phrases("Wow | Look | Oh | Hooray | Yay | Oh my | Oh look")
SPEECH = {
    "say": Bag(split_words("said said said whispered explained"), flat=1),
    "reply": Bag(split_words("replied said answered"), flat=1),
    "ask": Bag(split_words("asked asked asked whispered called"), flat=1),
    "shout": Bag(split_words("said shouted cried called exclaimed yelled"), flat=1),
    "cheer": Bag(split_words("cheered laughed shouted squealed giggled hollered"), flat=1),
    "agree": Bag(split_words("agreed replied said answered"), flat=1),  # "Okay," Tom agreed.
    "suggest": Bag(split_words("suggested said"), flat=1),
    "sleepy": Bag(split_words("mumbled murmured yawned whispered"), flat=1),
    "grown": Bag(split_words("said chuckled laughed"), flat=1),  # a grown-up amused by a child
    "grumpy": Bag(split_words("grumbled muttered huffed"), flat=1),
}
TONE_ADVERBS = {
    "happy": ("happily", "cheerfully", "brightly", "excitedly", "proudly"),
    "sad": ("sadly", "quietly", "softly"),
    "kind": ("kindly", "gently", "warmly", "softly", "sweetly", "calmly"),
    "scared": ("nervously", "shyly", "quietly"),
    "angry": ("angrily", "crossly", "firmly", "loudly"),
}


class Story:
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

    # --- randomness: all of it from self.rng ---
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def one(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def draw(self, bag: Bag):
        return bag.draw(self.rng)

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


SOFT_THINGS = ("mat", "rug", "bed", "sofa", "couch", "cushion", "pillow", "blanket", "carpet", "armchair",
               "towel", "beanbag", "doormat")


def acts_of(c: Character, place: Place) -> Bag:
    """What c can do for fun here: people (and children with their pets) do the place's activities; animals
    play as animals do."""
    if c.human:
        return place.acts
    if c.animal is not None and (c.animal.rest in ("", "water") or c.animal.group in ("sea", "pond")):
        return WATER_PLAY
    return ANIMAL_PLAY


ANIMAL_PLAY = Bag(phrases("play hide and seek | play tag | look for food | explore | play in the grass | "
                          "roll in the leaves | chase butterflies | watch the clouds | dig for treasure | "
                          "look for shiny stones | play in the sun | race to the big tree"))
WATER_PLAY = Bag(phrases("play in the water | splash around | blow bubbles | swim in circles | "
                         "play hide and seek | look for shiny pebbles | race to the big rock | float in the sun"))
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

REST_VERBS = {
    "ground": Bag(phrases("sit | lie | sleep | nap | rest | curl up | wait | sit down | stand | play"), flat=0.6),
    "perch": Bag(phrases("sit | perch | rest | sing | wait | sleep"), flat=1),
    "water": Bag(phrases("sit | rest | sleep | wait | sit still | bask in the sun"), flat=1),
    "bug": Bag(phrases("sit | rest | crawl | wait | land"), flat=1),
}
REST_TAILS_IN = ("all day", "for a long time", "all afternoon", "after lunch", "all morning")
REST_TAILS_OUT = REST_TAILS_IN + ("in the sun", "in the warm sunshine", "in the shade")


# A horse does not curl up on a tractor: big animals rest on the ground, or by or under things.
GROUND_LIKE = ("grass", "hay", "straw", "sand", "mud", "moss", "field", "shade", "clearing", "snow", "stall")
BIG_REST = Bag(phrases("lie | rest | sleep | stand | wait | lie down | nap"), flat=1)
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
SWIM_MOVES = "swim paddle splash dive wade".split()
FLY_MOVES = "fly flutter soar swoop hover buzz zip".split()
EITHER_MOVES = "glide float drift dart".split()  # swimming for a fish, flying for a bird
CHILD_MOVES = Bag(phrases("run | walk | skip | hop | race | dance | march | wander | stroll | tiptoe | stomp | "
                          "dash | hurry | jog | rush | zoom"), flat=2)


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


ANIMAL_HOMES = {
    "pet": "in a cozy basket by the fire | in a little house with a blue door | in a warm kitchen",
    "farm": "in a big red barn | on a sunny farm | in a field of tall grass",
    "forest": "in a den under an old oak tree | in a hole under a hill | deep in the green woods",
    "bird": "in a nest high up in a tree | in a little nest under the roof",
    "pond": "in a quiet pond | by a little stream | among the tall reeds",
    "sea": "deep in the blue sea | near a big coral reef | by a rocky shore",
    "wild": "in a big zoo | in the hot jungle | on a wide grassy plain",
    "bug": "under a big green leaf | in a little hole in the ground | in a flower garden",
    "magic": "in a cave on a mountain | in a castle in the clouds | in an enchanted forest",
}


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


TRAVEL_MOVES = ("walk", "run", "hop", "fly", "swim", "trot", "waddle", "crawl", "scurry", "gallop", "slither",
                "scamper", "go", "paddle", "stomp", "plod", "wander")


def outing_for(st, hero: Character) -> Place:
    """Where a hero would go: children go anywhere; animals stay where they live."""
    if hero.human or hero.animal is None:
        return st.draw(OUTINGS)
    homes = [PLACES[h] for h in hero.animal.homes if h in PLACES and PLACES[h].kind != "home"]
    return st.one(homes) if homes else PLACES["park"]


BIG_TOYS = ("bike", "scooter", "wagon", "rocking horse", "skateboard", "wooden horse", "sailboat", "truck",
            "dollhouse", "hula hoop")


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


BAD_WEATHER = {
    "rainy": ("rain", split_phrases("it was raining hard | rain was pouring down | big drops of rain were falling "
                                    "| the rain pattered on the window | it was pouring rain outside")),
    "stormy": ("storm", split_phrases("a big storm had come | thunder rumbled and lightning flashed | "
                                      "the wind howled and the rain poured down")),
    "windy": ("wind", split_phrases("the wind was blowing very hard | the trees were bending in the strong wind")),
    "cold": ("cold", split_phrases("it was freezing cold outside | icy wind was blowing | frost covered everything")),
}


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
SKILLS = Bag([(Phrase(p), tuple(where.split())) for p, where in (
    ("ride a bike", "park backyard"), ("swim", "lake beach"), ("skate", "park"), ("climb the big tree", "park garden"),
    ("tie {his} shoes", "bedroom porch"), ("whistle", "garden porch park"), ("fly a kite", "park hill beach"),
    ("jump rope", "playground backyard"), ("ride a scooter", "park playground"), ("do a cartwheel", "garden park"),
    ("read a book", "bedroom library living_room"), ("catch a ball", "backyard park"), ("skip stones", "lake river"),
    ("build a sandcastle", "beach"), ("swing on the swing", "playground backyard"),
    ("write {his} name", "school kitchen"), ("count to a hundred", "school living_room"),
    ("bake a cake", "kitchen"), ("plant seeds", "garden"), ("play the piano", "living_room"))])


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


CHORES = {
    "kitchen": Bag(phrases("wash the dishes | sweep the floor with a broom | set the table with forks and knives | "
                           "peel the potatoes | stir the soup | knead the bread dough | mix the cake batter | "
                           "cook dinner | dry the cups | wipe the table with a sponge | put away the shopping | "
                           "squeeze the lemons | mop the floor | scrub the pots | rinse the plates | "
                           "empty the dishwasher")),
    "living_room": Bag(phrases("dust the shelves | fold the clothes | tidy the room | pick up the toys | "
                               "sort the socks | clean the windows | wrap the presents | fluff the cushions | "
                               "polish the mirror | water the plants")),
    "bedroom": Bag(phrases("make the bed | fold the clothes | tidy the room | pick up the toys | sort the socks | "
                           "hang up the clothes")),
    "garden": Bag(phrases("water the plants | rake the leaves | pull the weeds | plant the seeds | paint the fence "
                          "| pick the beans | dig a new flower bed | fill the bird feeder")),
    "backyard": Bag(phrases("rake the leaves | wash the car | paint the fence | hang up the washing | "
                            "mow the grass | clean the doghouse")),
    "porch": Bag(phrases("sweep the porch | polish the shoes | water the flowers | paint the steps")),
}


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


PARTY_GAMES = Bag(phrases("play musical chairs | sing happy birthday | dance to music | play hide and seek | "
                          "pop balloons | play pin the tail on the donkey | play tag | eat lots of cake"))


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


ART_TOOLS = ("crayons", "paints", "colored pencils", "markers", "chalk", "pencil")
HANG = ("on the fridge", "on the wall", "over the bed", "by the door", "in the hall")


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


MORNING_STEPS = Bag(phrases("brush {his} teeth | wash {his} face | comb {his} hair | make {his} bed | "
                            "tie {his} shoes | pack {his} backpack | feed the cat | drink a glass of milk"), flat=3)
LESSONS = Bag(phrases("count to twenty | spell new words | write {his} name | draw shapes | sing a new song | "
                      "plant seeds in cups | read a story about a bear | add numbers | name the colors | "
                      "tell the time | say the days of the week"), flat=4)


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


BAKES = {"cookies": "chocolate chips | raisins | nuts | oats", "a cake": "chocolate | strawberries | lemon | cream",
         "muffins": "blueberries | bananas | apples | raisins", "bread": "seeds | cheese | nuts",
         "a pie": "apples | cherries | pumpkin | peaches", "pancakes": "blueberries | bananas | honey | jam",
         "cupcakes": "sprinkles | frosting | chocolate | cherries"}


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


PICNIC_TROUBLE = (
    ("some ants marched across the blanket", "{they} shared a few crumbs with the ants"),
    ("a dog ran off with a sandwich", "{they} laughed and made another one"),
    ("a bee buzzed around the jam", "{they} sat very still until it flew away"),
    ("the wind blew the napkins away", "{they} chased them across the grass"),
    ("it started to rain", "{they} ate under a big tree"),
)


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


TRAVEL = ("rode the train", "drove in the car", "took the bus", "rode in a boat", "took a long train ride")
VISIT_ACTS = Bag(phrases("knit a warm scarf for {him} | show {him} the garden | bake {him} a pie | "
                         "tell {him} stories about the old days | teach {him} a new song | "
                         "let {him} feed the chickens | show {him} some old photos"))


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


PRETEND = {
    "pirates": ("the sofa was their ship", "sailed across the stormy sea", "found a treasure map",
                "dug for treasure and found a box of shiny buttons"),
    "knights": ("a big box was their castle", "rode their brooms like horses", "fought a pretend dragon",
                "rescued the teddy bear from the tower"),
    "astronauts": ("a big box was their rocket", "counted down from ten", "flew all the way to the moon",
                   "walked on the moon and waved at the stars"),
    "explorers": ("the garden was their jungle", "looked for wild animals", "found a shiny green beetle",
                  "made a map of the whole jungle"),
    "chefs": ("the kitchen was their restaurant", "made a pretend soup", "cooked pancakes for the teddy bears",
              "served cake to everyone"),
    "doctors": ("the bedroom was their hospital", "checked the teddy bear's heart", "put a bandage on the doll's arm",
                "gave the toy dog some pretend medicine"),
}


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


@rule("trait")
def trait_clothes(st, hero, place):
    if not hero.human:
        return trait_loved(st, hero, place)
    return sentence(f"{st.subj(hero)} always wore {hero.his} {garment(st)}")


PAIRS = ("sock", "shoe", "boot", "mitten", "glove", "slipper", "sandal")  # worn two at a time


def garment(st) -> str:
    """"red dress", "blue boots": a colour and something to wear (pairs in the plural)."""
    item = st.draw(CLOTHES)
    return f"{st.draw(COLORS)} {item.plural if item.sing in PAIRS else item.sing}"


CLOTHES_FOR = {"rainy": "raincoat | rain boots | umbrella", "stormy": "raincoat | rain boots",
               "cold": "warm coat | woolly hat | scarf | mittens | gloves | sweater",
               "snowy": "warm coat | woolly hat | scarf | mittens | snow boots", "sunny": "sun hat | sandals | cap",
               "hot": "sun hat | sandals | shorts", "windy": "jacket | scarf | hat", "cloudy": "jacket | sweater",
               "foggy": "jacket | sweater"}


def dress_for_weather(st, hero: Character) -> str:
    """Before they left, Lily put on her raincoat."""
    item = st.one(split_phrases(CLOTHES_FOR[st.weather]))
    return sentence(f"before they left, {st.subj(hero)} put on {hero.his} {item}")


# --- how people and animals look; the sounds of a house; music; affection ---------------------------

HAIR = ("long", "short", "curly", "straight", "wavy", "messy", "fluffy")
HAIR_COLORS = ("brown", "black", "red", "blond", "golden", "dark", "light brown")
EYE_COLORS = ("blue", "green", "brown", "gray", "dark", "bright")
FACE_THINGS = ("freckles on {his} nose", "rosy cheeks", "a gap in {his} front teeth", "a big bright smile",
               "dimples when {he} smiled", "round glasses", "a missing tooth", "a bandage on {his} knee")
# What an animal looks like, by group: {color} is one of its colours.
ANIMAL_LOOKS = {
    "pet": "soft {color} fur | a long fluffy tail | big pointy ears | long white whiskers | tiny pink paws | "
           "floppy ears | a wet black nose",
    "farm": "a long swishy tail | big brown eyes | a soft pink nose | strong legs | a shiny {color} coat",
    "forest": "a bushy tail | soft {color} fur | little round ears | sharp claws | a shiny black nose",
    "bird": "bright {color} feathers | a sharp little beak | tiny feet | strong wings",
    "pond": "smooth {color} skin | long legs | webbed feet | big round eyes",
    "sea": "shiny scales | strong flippers | a long tail | big dark eyes",
    "wild": "a long tail | big ears | strong legs | thick {color} fur | a loud voice",
    "bug": "six tiny legs | shiny wings | long feelers | a shiny {color} back",
    "magic": "shiny {color} scales | a long tail | big wings | kind eyes",
}


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


HOME_SOUNDS = split_phrases("""
    the clock ticked on the wall | the kettle whistled in the kitchen | the fire crackled | the old floor creaked |
    the washing machine hummed | rain tapped on the window | the pots and pans clattered | the curtains rustled |
    the door creaked open | the radio played a soft song | the window rattled in the wind""")


@rule("scene")
def scene_home_sound(st, place, hero):
    """The clock ticked on the wall."""
    if not place.indoors:
        return None
    return sentence(st.one(HOME_SOUNDS))


INSTRUMENTS = Bag(nouns("piano drum violin flute guitar trumpet recorder harp cello tambourine xylophone "
                        "triangle banjo harmonica accordion ukulele trombone"), flat=4)


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


AFFECTION = split_phrases("""
    {animal} licked {hero}'s face | {animal} nuzzled {hero}'s hand | {hero} tickled {animal} behind the ears |
    {hero} gave {animal} a big kiss | {animal} snuggled up next to {hero} | {hero} patted {animal} gently |
    {animal} rubbed against {hero}'s legs""")


@rule("ending")
def end_affection(st, cast, place):
    """The puppy licked Lily's face."""
    people = [c for c in cast if c.human]
    animals = [c for c in cast if c.animal is not None and not c.human and c.animal.group in ("pet", "farm")]
    if not people or not animals:
        return None
    line = st.one(AFFECTION).format(animal=animals[0].name, hero=people[0].name)
    return sentence(line, st.one((".", "!")))


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


COLLECTIONS = Bag(nouns("shell stone pebble feather leaf/leaves button sticker marble acorn pine_cone coin "
                        "postcard bottle_cap crystal"), flat=4)


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


BUILDS = (("a tall tower", "with blocks", "living_room"), ("a big sandcastle", "with wet sand", "beach"),
          ("a fort", "with pillows and blankets", "living_room"), ("a birdhouse", "with wood and nails", "backyard"),
          ("a boat", "out of a big box", "backyard"), ("a bridge", "with sticks and stones", "river"),
          ("a snowman", "with lots of snow", "backyard"), ("a castle", "with old boxes", "bedroom"))
KNOCKERS = ("the cat jumped on it", "a big wave washed over it", "the wind blew it over", "the dog ran into it",
            "{his} little brother bumped into it")


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


# ======================================================================================================
# 4. Public API
# ======================================================================================================

MAX_STORY_CHARS = 3000  # SentencePiece skips lines over 4192 bytes; stories stay well under that


def generate_story(rng) -> str:
    """One story as a single line of text (no newline), drawn from rng, a random.Random."""
    for _ in range(20):
        text = " ".join(s for s in Story(rng).expand("plot") if s)
        if len(text) <= MAX_STORY_CHARS:
            return text
    return text  # never reached in practice: no plot produces 20 over-long stories in a row


def generate_stories(n: int, seed: int = 0) -> list[str]:
    """n stories from random.Random(seed): the same seed always gives the same stories."""
    rng = random.Random(seed)
    return [generate_story(rng) for _ in range(n)]


_WORD = re.compile(r"[a-z]+")


def distinct_words(texts) -> int:
    """Distinct lowercase words (runs of letters) in an iterable of texts."""
    seen: set[str] = set()  # only its size is used, so set order cannot leak into the output
    for text in texts:
        seen.update(_WORD.findall(text.lower()))
    return len(seen)


def write_corpus(out_dir, n_chars: int = 20_000_000, seed: int = 0, val_fraction: float = 0.02) -> dict:
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
        with open(path, "w", encoding="ascii", newline="\n") as f:
            while chars < target:
                story = generate_story(rng)
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
    args = parser.parse_args(argv)
    start = time.perf_counter()
    stats = write_corpus(args.out_dir, args.chars, args.seed, args.val_fraction)
    for key, value in stats.items():
        print(f"{key}: {value:,}")
    print(f"seconds: {time.perf_counter() - start:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
