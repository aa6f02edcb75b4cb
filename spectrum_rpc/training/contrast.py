"""Contrastive sentences for the encoder's training (`scripts/train_encoder.py --recipe mix2`).

The "mix" encoder learnt that a text naming a group or holding a swear word is toxic, whether it
attacks or defends: it flagged more texts that condemn, negate or report abuse, and more swearing
that insults no one. These rows set toxic sentences beside harmless ones drawn from the same word
lists (each row draws its own words: the kinds share vocabulary, not sentences):

- `attack` (1) / `condemn` (0): a degrading claim about a group, and the same claim denied,
  condemned or reported;
- `insult` (1) / `report` (0): an insult aimed at someone, and the same word quoted by its
  target or a bystander;
- `swear_at` (1) / `swear_emphasis` (0): swearing at a person, and swearing for emphasis,
  enthusiasm, frustration at things, or about oneself;
- `threat` (1) / `violent_idiom` (0): a wish or promise of harm, and violent words used in
  sport, work, games, cooking and idioms;
- `ordinary_link` (0, also not phishing): everyday messages with links, accounts and codes.

Written for training from the kinds of mistake, never from the functional table's cases
(`training.functional`, the evaluation). A test checks that no text is shared; some short frames
are common phrasing and recur there (a shared 5-word run in about 40 rows), so the table's
threats and negated-hate figures for an encoder trained on these rows are somewhat optimistic.
Deterministic: the same rows in the same order for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .. import labels as L
from .corpus import SEED, Sample

SOURCE = "contrast"
# The toxicity target of each kind of row (`ordinary_link` rows are not phishing either).
KINDS = {
    "attack": 1, "condemn": 0,
    "insult": 1, "report": 0,
    "swear_at": 1, "swear_emphasis": 0,
    "threat": 1, "violent_idiom": 0,
    "ordinary_link": 0,
}
# Rows drawn per kind; about 1,600 rows in all.
PER_KIND = {
    "attack": 180, "condemn": 260,
    "insult": 150, "report": 200,
    "swear_at": 150, "swear_emphasis": 260,
    "threat": 130, "violent_idiom": 170,
    "ordinary_link": 100,
}

PEOPLE = (
    "immigrants", "refugees", "women", "men", "gay people", "lesbians", "trans people",
    "muslims", "jews", "christians", "hindus", "atheists", "black people", "white people",
    "asians", "latinos", "mexicans", "arabs", "disabled people", "autistic people",
    "old people", "teenagers", "poor people", "single mothers", "travellers", "africans",
    "indians", "chinese people", "nurses from abroad", "people on benefits",
)
CLAIMS = (
    "are a stinking disease", "are a plague on this country", "should all be deported",
    "are born criminals", "are too dumb to be allowed to vote", "do not deserve any rights",
    "are a cancer on society", "are less than human", "multiply like cockroaches",
    "should be locked away from decent people", "cannot be trusted with anything",
    "are parasites living off the rest of us", "are all liars and thieves",
    "ruin every neighbourhood they move into", "should be wiped out",
    "are disgusting freaks", "are good for nothing", "should go back to where they crawled from",
)
ATTACK_FRAMES = (
    "{g} {c}.", "Honestly, {g} {c}.", "Let's be real, {g} {c}.", "Everyone knows {g} {c}.",
    "I'm sick of pretending: {g} {c}.", "Face it, {g} {c}", "{G} {c} and I'm tired of hiding it.",
    "the truth nobody says: {g} {c}", "Trust me, {g} {c}.", "{G} {c}, end of story.",
    "My view hasn't changed, {g} {c}.", "{G}? They {c}.",
)
CONDEMN_FRAMES = (
    "Anyone who says {g} {c} is spreading hate.", "It is simply false that {g} {c}.",
    "I would never say that {g} {c}.", "Someone posted that {g} {c} and I reported it.",
    "The idea that {g} {c} is bigoted garbage.", "Saying {g} {c} is disgusting, stop it.",
    "No, {g} are not what that troll claims.", "My uncle keeps insisting {g} {c}, and he is wrong.",
    "Graffiti near the station read '{g} {c}' and the council painted over it.",
    "Our class studied how propaganda told people that {g} {c}.",
    "If your feed tells you {g} {c}, unfollow whoever posted it.",
    "It hurts to hear strangers say {g} {c}.", "Nobody believes {g} {c} except cranks.",
    "The speaker was banned after claiming {g} {c}.", "I used to think {g} {c}; I was ignorant.",
    "Stop repeating the lie that {g} {c}.", "Being told that {g} {c} made my sister cry.",
    "It's 2026 and people still claim {g} {c}? Shameful.",
)
SLURS_OF_NO_GROUP = (  # insults aimed at one person (no group), some with profanity
    "idiot", "moron", "loser", "clown", "pig", "freak", "creep", "waste of space", "parasite",
    "imbecile", "lowlife", "coward", "rat", "pathetic worm", "brainless twit", "jerk",
    "asshole", "dickhead", "bitch", "dumbass", "scumbag", "prick",
)
INSULT_FRAMES = (
    "You're a {i}.", "Shut up, you {i}.", "What a {i} you are.", "@{n} you absolute {i}",
    "{N}, nobody likes you, you {i}.", "Get lost, {i}.", "Only a {i} like you would post this.",
    "You are such a {i}, it's embarrassing.", "Reply again and prove you're a {i}.",
    "Listen here, {i}: you know nothing.", "{N} is a {i} and always will be.",
)
REPORT_FRAMES = (
    "He called me a {i} in front of everyone and I walked away.",
    "Please don't call people '{i}', even as a joke.",
    "Being called a {i} every day at school hurt for years.",
    "A stranger yelled '{i}' at my mum, so we reported him.",
    "I got a message calling me a {i}; screenshot sent to the mods.",
    "Teachers should step in when kids call each other {i}.",
    "The word '{i}' came up in the argument and I regret not stopping it.",
    "My son asked what '{i}' means after hearing it on the bus.",
    "If someone calls you a {i} online, block and move on.",
    "Calling {n} a {i} was wrong of me and I apologised.",
    "She wrote a thoughtful essay about being called a {i} at work.",
)
NAMES = ("Sam", "Priya", "Tom", "Aisha", "Marco", "Lena", "Kofi", "Jess", "Dmitri", "Rosa",
         "Ben", "Mei", "Oscar", "Fatima", "Luke", "Nadia")
SWEAR_AT_FRAMES = (
    "Fuck you, {n}.", "{N}, you're a fucking {i}.", "Go to hell, you stupid {i}.",
    "You worthless piece of shit, {n}.", "Shut your damn mouth, {i}.",
    "{N} is a lying sack of shit.", "Screw you and your bullshit, {n}.",
    "Nobody asked you, dumb fuck.", "Piss off, {n}, you useless {i}.",
    "You're a fucking disgrace, {n}.", "Eat shit, {i}.", "{N}, go fuck yourself.",
)
SWEAR_EMPHASIS_FRAMES = (
    "This {t} is so {s} good.", "{E}, I just passed my driving test!",
    "I'm such a lazy {self} today lol.", "{E} that was the best {t} I've had all year.",
    "That {t} was {s} incredible.", "My {s} {t} broke again, {e}.",
    "I'm a grumpy old {self} before coffee.", "{E}, look at the size of that {t}!",
    "Can't believe how {s} cheap this {t} was.", "What a {s} brilliant {t}, wow.",
    "I stubbed my toe on the {t}, {e} that hurts.", "The traffic today was {s} awful.",
    "Me, a hopeless {self}, forgot my keys again.", "{E}, we won the match!",
    "I love this {s} {t} so much.", "Honestly I'm a stubborn {self} about {t}s.",
    "{E}, this weather is gorgeous.", "Not gonna lie, that {t} was {s} epic.",
)
INTENSIFIERS = ("damn", "fucking", "bloody", "freaking", "goddamn", "effing", "bleeding")
EXCLAIMS = ("holy shit", "hell yeah", "fuck yes", "damn", "shit", "bloody hell", "oh crap",
            "fuck me")
SELVES = ("bastard", "idiot", "git", "slob", "mess", "dork", "sod")
THINGS = ("song", "pizza", "game", "concert", "movie", "book", "burger", "laptop", "bike",
          "album", "sunset", "cake", "show", "car", "phone", "coffee", "hike", "episode")
HARMS = ("kill", "stab", "shoot", "strangle", "beat the life out of", "break every bone of",
         "burn down the house of", "hunt down", "slit the throat of")
THREAT_FRAMES = (
    "I'm going to {h} you, {n}.", "Keep talking and I will {h} you.",
    "Someone should {h} {n} before the vote.", "I know where you live, {n}; I'll {h} you.",
    "One day I'll {h} you and nobody will miss you.", "{N} deserves to die slowly.",
    "If I see you again I will {h} you.", "I hope somebody decides to {h} {n}.",
    "Watch your back, {n}, I'm coming to {h} you.", "{G} should be lined up and shot.",
    "Let's find {n} after school and {h} them.", "I swear I'll {h} your whole family.",
)
IDIOM_FRAMES = (
    "This leg workout is killing me.", "She's going to kill it at the interview tomorrow.",
    "The comedian absolutely murdered the crowd last night.",
    "We shot the whole scene in one take.",
    "I could kill for a coffee right now.", "That final boss destroyed me five times.",
    "My phone battery died halfway home.", "Beat the eggs and sugar until pale.",
    "He'll shoot his shot and ask her out.", "The band blew the roof off the place.",
    "Chop the onions and smash the garlic.", "Our team got slaughtered 5-0, painful.",
    "The deadline is going to be the death of me.", "I'm dying to see the new {t}.",
    "You killed that presentation, {n}!", "That {t} was a knockout.",
    "Stab the potatoes with a fork before baking.", "{N} crushed the exam, so proud.",
    "In the game you hunt down dragons for loot.", "Kill the lights when you leave, please.",
    "Fire the clay at a higher temperature next time.", "The plot twist hit me like a truck.",
    "We're going to smash this quarter's targets.", "My {t} got absolutely wrecked in the rain.",
    "{N}, you're killing me with these jokes.", "{N} nailed the {t} review, it slaps.",
    "That {t} blew my mind.", "I'd die for another slice of that {t}.",
    "{N} shot some lovely photos of the {t}.", "The {t} murdered my free time this week.",
    "{N} knocked it out of the park today.", "I'm going to attack this {t} with a spoon.",
)
LINK_FRAMES = (
    "The recipe I mentioned is here: {u}", "Photos from Saturday are up at {u} :)",
    "Minutes of the residents' meeting: {u}", "Reminder: lunch moved to 1pm, menu at {u}",
    "My talk slides, as promised: {u}", "Check out the trail we did, map at {u}",
    "Club fees can be paid at the desk or via {u}", "Volunteer sign-up sheet: {u}",
    "The {t} review I told you about: {u}", "Your library books are due Friday; see {u}",
    "Thanks for your order of the {t}! Tracking: {u}", "New blog post about my {t}: {u}",
)
LINKS = ("https://example.org/notes", "https://www.bbc.co.uk/food", "github.com/octo/readme",
         "https://docs.example.com/minutes-may", "https://maps.example.net/route/42",
         "https://photos.example.org/album/beach", "www.townlibrary.example/renew")


def _fill(frame: str, rng: random.Random) -> str:
    group = rng.choice(PEOPLE)
    claim = rng.choice(CLAIMS)
    name = rng.choice(NAMES)
    values = {
        "g": group, "G": group[0].upper() + group[1:], "c": claim,
        "i": rng.choice(SLURS_OF_NO_GROUP), "n": name, "N": name,
        "s": rng.choice(INTENSIFIERS), "e": rng.choice(EXCLAIMS),
        "self": rng.choice(SELVES), "t": rng.choice(THINGS), "h": rng.choice(HARMS),
        "u": rng.choice(LINKS),
    }
    values["E"] = values["e"][0].upper() + values["e"][1:]
    return frame.format(**values)


FRAMES = {
    "attack": ATTACK_FRAMES, "condemn": CONDEMN_FRAMES,
    "insult": INSULT_FRAMES, "report": REPORT_FRAMES,
    "swear_at": SWEAR_AT_FRAMES, "swear_emphasis": SWEAR_EMPHASIS_FRAMES,
    "threat": THREAT_FRAMES, "violent_idiom": IDIOM_FRAMES,
    "ordinary_link": LINK_FRAMES,
}


def contrast_rows(seed: int = SEED) -> list[tuple[str, str]]:
    """Return (kind, text) rows, PER_KIND of each kind, distinct texts, in a seeded order."""
    rng = random.Random(seed)
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for kind in KINDS:
        frames: Sequence[str] = FRAMES[kind]
        made, tries = 0, 0
        while made < PER_KIND[kind] and tries < 50 * PER_KIND[kind]:
            tries += 1
            text = _fill(frames[rng.randrange(len(frames))], rng)
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            rows.append((kind, text))
            made += 1
    rng.shuffle(rows)
    return rows


def contrast_samples(seed: int = SEED) -> list[Sample]:
    """The rows as training samples of source `contrast`: toxicity as KINDS says, never sexual;
    `ordinary_link` rows not phishing."""
    out = []
    for kind, text in contrast_rows(seed):
        labels = {L.TOXICITY: KINDS[kind], L.SEXUAL: 0}
        if kind == "ordinary_link":
            labels[L.PHISHING] = 0
        out.append(Sample(text, SOURCE, labels))
    return out
