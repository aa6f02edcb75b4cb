"""Contrastive toxicity sentences: for the encoder's "mix2" recipe (`scripts/train_encoder.py
--recipe mix2`) and, switched off (`recipe.CONTRAST_ROWS`; measured, not shipped), the linear
tier's toxicity label.

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
(`training.functional`, the evaluation): a test checks that no training row shares a text, a
run of 5 words or a whole short case with a table case. The first draft's rows did in 43 rows
(common phrasing such as "I know where you live", "lined up and shot", "I would never say
that"); those five frames and one claim were rewritten before the rows joined the linear tier.
That rewrite also changed the encoder's "mix2" rows, whose figures in docs/BENCHMARKS.md were
measured on the first draft (that recipe is not shipped). The rows label toxicity (and sexual
0, `ordinary_link` phishing 0) for the encoder; the linear tier takes their toxicity only.
Deterministic: the same rows in the same order for a given seed.

`development_rows` draws a separate development part (DEVELOPMENT: frames and filler words of
its own, none of TRAINING's; DEV_SEED) for fitting the encoder's bands and stack
(`train_encoder.py stack --contrast-dev`), never for training; it was not rewritten (about 45
of its rows share a 5-word run with a table case).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import labels as L
from .corpus import DEV_SEED, SEED, Sample
from .written import draw_rows

SOURCE = "contrast"
# A separate draw for fitting the encoder's band and stack (`development_samples`): its own
# frames and words (DEVELOPMENT, none of TRAINING's), its own seed, never trained on.
DEV_SOURCE = "contrast_dev"
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
    "are a stinking disease", "are a plague on this country", "should all get deported",
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
    "Not once in my life have I claimed {g} {c}.", "Someone posted that {g} {c} and I reported it.",
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
    "I'm going to {h} you, {n}.", "Keep talking and see what happens when I {h} you.",
    "Someone should {h} {n} before the vote.", "I've got your home address, {n}; I'll {h} you.",
    "One day I'll {h} you and nobody will miss you.", "{N} deserves to die slowly.",
    "If I see you again I will {h} you.", "I hope somebody decides to {h} {n}.",
    "Watch your back, {n}, I'm coming to {h} you.", "{G} ought to face a firing squad.",
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
    "The recipe I mentioned is here: {u}", "Saturday's photos can be found at {u} :)",
    "Minutes of the residents' meeting: {u}", "Reminder: lunch moved to 1pm, menu at {u}",
    "My talk slides, as promised: {u}", "Check out the trail we did, map at {u}",
    "Club fees can be paid at the desk or via {u}", "Volunteer sign-up sheet: {u}",
    "The {t} review I told you about: {u}", "Your library books are due Friday; see {u}",
    "Thanks for your order of the {t}! Tracking: {u}", "New blog post about my {t}: {u}",
)
LINKS = ("https://example.org/notes", "https://www.bbc.co.uk/food", "github.com/octo/readme",
         "https://docs.example.com/minutes-may", "https://maps.example.net/route/42",
         "https://photos.example.org/album/beach", "www.townlibrary.example/renew")


@dataclass(frozen=True)
class Vocabulary:
    """The frames of each kind and the words they are filled with."""

    frames: Mapping[str, Sequence[str]]
    people: Sequence[str]
    claims: Sequence[str]
    insults: Sequence[str]
    names: Sequence[str]
    intensifiers: Sequence[str]
    exclaims: Sequence[str]
    selves: Sequence[str]
    things: Sequence[str]
    harms: Sequence[str]
    links: Sequence[str]


def _fill(frame: str, rng: random.Random, words: Vocabulary) -> str:
    group = rng.choice(words.people)
    claim = rng.choice(words.claims)
    name = rng.choice(words.names)
    values = {
        "g": group, "G": group[0].upper() + group[1:], "c": claim,
        "i": rng.choice(words.insults), "n": name, "N": name,
        "s": rng.choice(words.intensifiers), "e": rng.choice(words.exclaims),
        "self": rng.choice(words.selves), "t": rng.choice(words.things),
        "h": rng.choice(words.harms), "u": rng.choice(words.links),
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
TRAINING = Vocabulary(FRAMES, PEOPLE, CLAIMS, SLURS_OF_NO_GROUP, NAMES, INTENSIFIERS, EXCLAIMS,
                      SELVES, THINGS, HARMS, LINKS)

# The development draw's frames and words, written apart from the training ones above (a test
# checks that no frame or word is shared, and that no text is a functional table case).
DEV_PER_KIND = {
    "attack": 70, "condemn": 120,
    "insult": 60, "report": 100,
    "swear_at": 60, "swear_emphasis": 120,
    "threat": 50, "violent_idiom": 80,
    "ordinary_link": 40,
}
DEV_PEOPLE = (
    "sikhs", "buddhists", "roma", "polish workers", "irish people", "deaf people",
    "bisexual people", "non-binary people", "migrants", "pakistanis", "nigerians", "catholics",
    "mormons", "fat people", "foreign students", "asylum seekers", "feminists",
    "people with dementia", "country folk", "factory workers",
)
DEV_CLAIMS = (
    "are rats that breed in filth", "should be kicked out of the country",
    "are a burden we should get rid of", "are subhuman", "are nothing but trash",
    "should never be allowed near children", "are animals, plain and simple",
    "are a stain on this nation", "are too stupid to live among us",
    "belong in cages", "spread like a virus", "are a waste of oxygen",
    "should not be allowed to have kids", "are filthy and lazy",
)
DEV_ATTACK_FRAMES = (
    "{G} {c}.", "Sorry not sorry, {g} {c}.", "Say it with me: {g} {c}.",
    "I'll say it again, {g} {c}!", "Fact: {g} {c}.", "{G} {c}, and that's the truth.",
    "Wake up people, {g} {c}.", "It's obvious that {g} {c}.", "lol {g} {c}",
    "Nobody wants to admit it but {g} {c}.",
)
DEV_CONDEMN_FRAMES = (
    "The claim that {g} {c} is a hateful lie.", "Whoever wrote that {g} {c} should be ashamed.",
    "It is not true that {g} {c}, and it never was.", "He told the whole bus that {g} {c}; "
    "the driver threw him off.", "Posters saying {g} {c} were torn down by students.",
    "I flagged a comment claiming {g} {c}.", "History shows where saying {g} {c} leads.",
    "My grandfather was taught that {g} {c}, and he spent his life unlearning it.",
    "Reporters exposed a group chat where officers said {g} {c}.",
    "Claiming {g} {c} is not free speech, it is bigotry.",
    "When a neighbour said {g} {c}, the whole street stood up to her.",
    "Do not believe anyone telling you {g} {c}.",
    "The moderators removed a thread arguing that {g} {c}.",
    "We teach our kids that anyone who says {g} {c} is wrong.",
)
DEV_INSULTS = (
    "buffoon", "nitwit", "halfwit", "simpleton", "twat", "dimwit", "numpty", "tosser",
    "sleazebag", "bonehead", "weasel", "snake", "muppet", "wanker", "douche", "cretin",
)
DEV_INSULT_FRAMES = (
    "You utter {i}.", "Nobody cares, {i}.", "Typical {i} behaviour from {n}.",
    "{N}, stop talking, you {i}.", "Imagine being such a {i}.", "Hey {i}, log off.",
    "You're the biggest {i} on this site.", "{N} is nothing but a {i}.",
    "Go away, {i}, nobody invited you.",
)
DEV_REPORT_FRAMES = (
    "Someone called my brother a {i} and he cried all night.",
    "Is it ever okay to call a colleague a {i}? I don't think so.",
    "My coach called me a {i} and I quit the team.",
    "I was called a {i} for asking a question; that hurt.",
    "Calling {n} a '{i}' in the group chat got my friend kicked out.",
    "We talked in class about why words like '{i}' hurt people.",
    "Got called a {i} by a random account, reported and blocked.",
    "The ref heard him call {n} a {i} and sent him off.",
    "Being labelled a {i} as a kid stayed with me for years.",
    "Please stop calling new members '{i}', it drives people away.",
)
DEV_NAMES = ("Alex", "Chloe", "Ravi", "Yusuf", "Ingrid", "Pedro", "Hana", "Callum", "Zara",
             "Tomasz", "Amara", "Jonas")
DEV_SWEAR_AT_FRAMES = (
    "Fuck off, {n}, you {i}.", "{N}, you're a shitty {i}.", "Damn you, {n}, you lying {i}.",
    "Up yours, {i}.", "{N} can go fuck himself.", "Shut the hell up, {n}.",
    "You're full of shit, {n}.", "Get fucked, {i}.", "{N}, you piece of crap.",
)
DEV_SWEAR_EMPHASIS_FRAMES = (
    "That {t} was {s} amazing.", "{E}, I got the job!", "I'm a {self} for forgetting the {t}.",
    "{E}, the {t} is finally fixed.", "It's {s} freezing out here.",
    "I {s} love this {t}.", "{E}, my {t} just died on me.", "Such a {s} lovely {t}.",
    "The {t} ran out, {e}.", "I'm a total {self} when it comes to {t}s.",
    "This {t} is {s} perfect.", "{E}, we made it to the final!",
)
DEV_INTENSIFIERS = ("fricking", "flipping", "bloody well", "shitting", "fucken", "frigging")
DEV_EXCLAIMS = ("fuck yeah", "holy crap", "shit yes", "goddamn", "what the hell", "jesus christ",
                "holy fuck")
DEV_SELVES = ("numbskull", "klutz", "scatterbrain", "goof", "plonker")
DEV_THINGS = ("festival", "sandwich", "printer", "podcast", "match", "novel", "jacket",
              "kettle", "garden", "holiday", "lecture", "tacos")
DEV_HARMS = ("murder", "smash the skull of", "torch the car of", "put a bullet in",
             "drown", "cut up", "make an example of")
DEV_THREAT_FRAMES = (
    "I will {h} you, {n}, mark my words.", "Say that again and I'll {h} you.",
    "Somebody needs to {h} {n}.", "Sleep with one eye open, {n}, I'm going to {h} you.",
    "{N}, I'll {h} you the second I find you.", "We're coming to {h} {n} tonight.",
    "I'd happily {h} {n} and laugh about it.", "{G} deserve to be shot on sight.",
)
DEV_IDIOM_FRAMES = (
    "That spin class murdered my legs.", "You'll slay the audition, {n}.",
    "The {t} absolutely killed it.", "I'm starving, I could eat a horse.",
    "We got destroyed in the pub quiz.", "{N} stabbed at the salad with a fork.",
    "Our striker shot from thirty yards.", "This heat is killing my plants.",
    "Whisk the cream until stiff, then fold.", "{N} is dying to tell you about the {t}.",
    "The {t} was a total bloodbath for our team.", "My laptop crashed and burned.",
    "{N} smashed the {t}, what a result.", "Time to kill some zombies on the console.",
    "That {t} knocked me flat, so good.", "Cut the dough into eight pieces.",
)
DEV_LINK_FRAMES = (
    "Choir rehearsal schedule is at {u}", "Here's the {t} I was talking about: {u}",
    "Parents' evening slots can be booked on {u}", "Pics from the {t}: {u}",
    "Agenda for Monday's call: {u}", "Bus times changed, new timetable at {u}",
    "The allotment waiting list is at {u}",
)
DEV_LINKS = ("https://calendar.example.com/choir", "https://www.example.net/blog/post-7",
             "https://school.example.org/booking", "drive.example.com/folder/trip",
             "https://transit.example.gov/timetables")
DEVELOPMENT = Vocabulary(
    {"attack": DEV_ATTACK_FRAMES, "condemn": DEV_CONDEMN_FRAMES,
     "insult": DEV_INSULT_FRAMES, "report": DEV_REPORT_FRAMES,
     "swear_at": DEV_SWEAR_AT_FRAMES, "swear_emphasis": DEV_SWEAR_EMPHASIS_FRAMES,
     "threat": DEV_THREAT_FRAMES, "violent_idiom": DEV_IDIOM_FRAMES,
     "ordinary_link": DEV_LINK_FRAMES},
    DEV_PEOPLE, DEV_CLAIMS, DEV_INSULTS, DEV_NAMES, DEV_INTENSIFIERS, DEV_EXCLAIMS, DEV_SELVES,
    DEV_THINGS, DEV_HARMS, DEV_LINKS)


def contrast_rows(seed: int = SEED, words: Vocabulary = TRAINING,
                  per_kind: Mapping[str, int] = PER_KIND) -> list[tuple[str, str]]:
    """Return (kind, text) rows, `per_kind` of each kind, distinct texts, in a seeded order."""
    return draw_rows(KINDS, per_kind, seed, lambda kind, rng: _fill(
        words.frames[kind][rng.randrange(len(words.frames[kind]))], rng, words))


def _samples(rows: Sequence[tuple[str, str]], source: str) -> list[Sample]:
    out = []
    for kind, text in rows:
        labels = {L.TOXICITY: KINDS[kind], L.SEXUAL: 0}
        if kind == "ordinary_link":
            labels[L.PHISHING] = 0
        out.append(Sample(text, source, labels))
    return out


def contrast_samples(seed: int = SEED) -> list[Sample]:
    """The rows as training samples of source `contrast`: toxicity as KINDS says, never sexual;
    `ordinary_link` rows not phishing."""
    return _samples(contrast_rows(seed), SOURCE)


def toxicity_samples(seed: int = SEED) -> list[Sample]:
    """The rows as the linear tier's toxicity samples (`training.recipe`): source `contrast`,
    toxicity as KINDS says and no other label, so no other label's fit sees them."""
    return [Sample(text, SOURCE, {L.TOXICITY: KINDS[kind]}) for kind, text in contrast_rows(seed)]


def development_rows(seed: int = DEV_SEED) -> list[tuple[str, str]]:
    """Return the development draw's (kind, text) rows: DEVELOPMENT's frames and words (none
    shared with TRAINING's), DEV_PER_KIND of each kind."""
    return contrast_rows(seed, DEVELOPMENT, DEV_PER_KIND)


def development_samples(seed: int = DEV_SEED) -> list[Sample]:
    """The development draw as samples of source DEV_SOURCE, labelled as `contrast_samples`
    labels its rows: for fitting the encoder's band and stack (`training.encoder`), never for
    training."""
    return _samples(development_rows(seed), DEV_SOURCE)
