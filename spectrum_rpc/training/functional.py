"""The functional test table: templated cases with the decision the server should take.

Every template and filler below was written for this project from the categories of issue 20;
none is copied from a published suite. Nothing here is training data: the table measures the
model, and a model tuned on it would say nothing about the sites it will meet.

Expansion is deterministic: each pattern is filled with every combination of the fillers its
slots name (no sampling), in the order written. A slot spelled with a capital (`{Group}`)
capitalises its filler, for patterns that open with it.

Difficulty, by one rule: a case is EASY when a careful human moderator would never hesitate
over it AND its surface words point the right way (a lexicon plus a word-level model that
weighs them sensibly should get it: an explicit threat verb at "you", an identity word in a
plain statement, a common swear word masked in a common way, a classic prize-and-premium-number
scam, a plain link in a plain sentence). It is HARD when getting it right needs reading the
meaning against the words: veiled threats, hate without insult words, negation, quotation,
reclaimed words, strong swear words that insult no one, clinical sexual vocabulary,
scams told as a story, ordinary texts that use scam words ("won", "claim", "verify").
"""

from __future__ import annotations

import string
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product

from .. import labels as L
from ..engine import Engine

EASY, HARD = "easy", "hard"
TOX, SEX, PHISH = (L.TOXICITY,), (L.SEXUAL,), (L.PHISHING,)
EVERY_LABEL = (L.TOXICITY, L.SEXUAL, L.PHISHING)

CATEGORIES = (
    "threats", "dehumanisation", "implicit_derogation", "insult_no_profanity", "negated_hate",
    "counter_speech", "reclaimed_slurs", "non_hateful_profanity", "spelling_variation",
    "identity_neutral", "short_text", "sexual_explicit_request", "sexual_innocent", "spam",
    "ham_lookalike",
)


@dataclass(frozen=True)
class Case:
    """One text, one label, and whether the server should flag that label at its threshold."""

    text: str
    label: str
    expected: bool
    category: str
    difficulty: str
    template: str = ""  # "family: pattern", to find which templates fail


@dataclass(frozen=True)
class Group:
    """An identity group as a plural noun, an adjective and a first-person member."""

    plural: str
    adjective: str
    member: str


# The identity groups every group template is filled with, hateful and neutral alike, so that a
# model flagging every mention of a group gains nothing.
GROUPS = (
    Group("women", "female", "a woman"),
    Group("gay men", "gay", "a gay man"),
    Group("lesbians", "lesbian", "a lesbian"),
    Group("trans people", "trans", "a trans woman"),
    Group("Muslims", "Muslim", "a Muslim"),
    Group("Jews", "Jewish", "Jewish"),
    Group("Christians", "Christian", "a Christian"),
    Group("Black people", "Black", "Black"),
    Group("immigrants", "immigrant", "an immigrant"),
    Group("disabled people", "disabled", "disabled"),
    Group("Mexicans", "Mexican", "Mexican"),
)

# Fillers shared by several templates; a template may add its own.
FILLERS: dict[str, tuple[str, ...]] = {
    "group": tuple(g.plural for g in GROUPS),
    "adj": tuple(g.adjective for g in GROUPS),
    "member": tuple(g.member for g in GROUPS),
    "harm": ("kill you", "stab you", "shoot you", "strangle you",
             "beat you until you stop breathing", "break both your legs",
             "burn your house down with you inside", "slit your throat"),
    "fate": ("die in a fire", "get hit by a bus", "get cancer and suffer for years",
             "choke to death tonight", "die slowly and alone", "never wake up"),
    "kin": ("kids", "wife", "dog", "mum"),
    "insult": ("an idiot", "a moron", "pathetic", "a complete loser", "stupid", "worthless",
               "an imbecile", "a clown", "useless", "a brainless fool"),
    "thing": ("pizza", "concert", "match", "book", "film"),
    "amount": ("500", "1000", "2500"),
    "premium": ("09061234567", "09050001234"),
    "shortcode": ("80082", "62468"),
    "bad_url": ("http://secure-account-verify.co", "http://bit.ly/2xQv9Lk"),
}


def _expand(pattern: str, fillers: Mapping[str, Sequence[str]]) -> Iterator[str]:
    """Yield `pattern` filled with every combination of its slots' fillers, in order."""
    slots = list(dict.fromkeys(n for _, n, _, _ in string.Formatter().parse(pattern) if n))
    choices = [[v[:1].upper() + v[1:] if slot[0].isupper() else v
                for v in fillers[slot.lower()]] for slot in slots]
    for values in product(*choices):
        yield pattern.format(**dict(zip(slots, values, strict=True)))


def _family(name: str, category: str, difficulty: str, expected: bool, labels: Sequence[str],
            patterns: Iterable[str], **own: Sequence[str]) -> list[Case]:
    """Return the cases of a family of patterns, one per filled text and label."""
    fillers = {**FILLERS, **own}
    return [Case(text, label, expected, category, difficulty, f"{name}: {pattern}")
            for pattern in patterns for text in _expand(pattern, fillers) for label in labels]


def _threats() -> list[Case]:
    c = "threats"
    return [
        *_family("harm_you", c, EASY, True, TOX, [
            "I am going to {harm}.",
            "Say that again and I will {harm}.",
        ]),
        *_family("death_wish", c, EASY, True, TOX, ["I hope you {fate}."]),
        *_family("violence_at_group", c, EASY, True, TOX, [
            "{Group} should all be lined up and shot.",
            "Someone needs to kill every last one of those {group}.",
        ]),
        *_family("veiled", c, HARD, True, TOX, [
            "I know where you live, and I know when you are home alone.",
            "It would be a real shame if something happened to your {kin}.",
            "Keep talking and you will find out what happens to people like you.",
            "Watch your back when you walk home tonight.",
            "Sleep with one eye open from now on.",
            "You won't feel so brave when I am standing at your front door.",
            "Next time I see you, you are leaving in an ambulance.",
            "People have disappeared for saying less than that.",
            "Enjoy your last week on this earth.",
            "Nice car. It would be a pity if it caught fire one night.",
            "I have your address now. See you soon.",
        ]),
        *_family("veiled_at_group", c, HARD, True, TOX, [
            "{Group} in this town had better start looking over their shoulders.",
            "When the day comes, we will remember which houses the {group} live in.",
        ]),
    ]


def _hate() -> list[Case]:
    return [
        *_family("vermin", "dehumanisation", EASY, True, TOX, [
            "{Group} are vermin.",
            "{Group} are nothing but parasites.",
            "{Group} are filthy animals.",
        ]),
        *_family("not_human", "dehumanisation", HARD, True, TOX, [
            "{Group} are not really people.",
            "{Group} breed like rats and spread like a disease.",
            "{Group} belong in a zoo, not on our streets.",
        ]),
        *_family("insulting_generalisation", "implicit_derogation", EASY, True, TOX, [
            "{Group} are stupid and lazy.",
            "All {group} are liars and thieves.",
        ]),
        *_family("stereotype", "implicit_derogation", HARD, True, TOX, [
            "{Group} should not be allowed to vote.",
            "Never hire {group}, they always cause trouble in the end.",
            "I don't want {group} living anywhere near my children.",
            "{Group} ruin everything they get their hands on.",
        ]),
        *_family("negation", "negated_hate", HARD, False, TOX, [
            "I would never say that {group} are vermin.",
            "It is simply not true that {group} are lazy or stupid.",
            "{Group} are not a threat to anyone, whatever the papers say.",
            "I don't hate {group}, and I never will.",
        ]),
        *_family("counter", "counter_speech", HARD, False, TOX, [
            "Calling {group} vermin is hateful, and it has no place on this forum.",
            'Someone sprayed "{group} out" on the bus shelter; we painted over it this morning.',
            "If you hear someone say that {group} are animals, tell them they are wrong.",
            "The post claiming that {group} are dangerous was removed because it was hate speech.",
        ]),
    ]


def _insults() -> list[Case]:
    c = "insult_no_profanity"
    return [
        *_family("insult_word", c, EASY, True, TOX, [
            "You are {insult}.",
            "Everyone here can see that you are {insult}.",
        ]),
        *_family("insult_no_word", c, HARD, True, TOX,
                 ["{burn}", "Read your own post again. {burn}"], burn=(
                     "You are a waste of oxygen.",
                     "Did your parents drop you on your head as a baby?",
                     "You have the personality of a wet paper towel.",
                     "Your face could curdle milk.",
                     "Even your own mother is embarrassed by you.",
                     "You are the reason shampoo bottles come with instructions.",
                     "Every time you open your mouth, the whole room gets dumber.",
                     "I have met houseplants with more going on upstairs than you.",
                     "Nobody in this group has ever wanted you here.",
                     "Go back to primary school before you post again.",
                     "You contribute nothing to this world except noise.",
                     "Your opinion matters about as much as a cough in a hurricane.",
                 )),
    ]


def _reclaimed() -> list[Case]:
    # In-group self-reference only, and only words that communities have publicly reclaimed
    # (marches, scholarship, self-description); no slur aimed at anyone appears in the table.
    # "queer" is now a common neutral identity word (easy); the others are still used as slurs
    # often enough that reading the speaker's standing is needed (hard).
    c = "reclaimed_slurs"
    return [
        *_family("queer", c, EASY, False, TOX, [
            "I'm queer and I have never been happier.",
            "Our queer book club meets on Thursdays at the library.",
            "Growing up queer in a small town, I felt very alone.",
            "Queer joy is my favourite kind of joy.",
            "As a queer teacher, I want every kid in my class to feel safe.",
            "Proud to be queer, proud of my family.",
        ]),
        *_family("in_group", c, HARD, False, TOX, [
            "Heading to the Dyke March with my girlfriend this afternoon!",
            "Proud dyke, proud aunt, and very proud of my niece today.",
            "We dykes really know how to throw a party.",
            "Crip culture taught me to stop apologising for my wheelchair.",
            "My friends and I call ourselves the crip crew, and we plan every trip around ramps.",
            "As a crip, I review venues for step-free access.",
            "I'm just a proud redneck who loves his truck and his dog.",
            "Us rednecks can fix anything with a roll of duct tape.",
            "Born a hillbilly, still a hillbilly, and I make a mean cornbread.",
            "Us homos are throwing a brunch for pride weekend, everyone's invited.",
            "I'm fat, I'm fabulous, and I'm wearing the swimsuit.",
            "Fat and happy: my body is not a problem to be solved.",
            "Us old homos remember when the bar had no sign on the door.",
            "Crip time means I arrive when my body lets me, and that's fine.",
            "Dyke bar trivia night, and our team won again.",
            "The redneck side of my family makes the best barbecue.",
            "Hillbilly music is the sound of my grandmother's kitchen.",
            "Being a fat woman in the gym, I get stared at, and I keep going.",
        ]),
    ]


def _profanity() -> list[Case]:
    c = "non_hateful_profanity"
    return [
        # Mild words (damn, hell, crap, bloody) that insult no one.
        *_family("mild", c, EASY, False, TOX, [
            "Damn, that was a good {thing}.",
            "That {thing} was bloody brilliant.",
            "What the hell, I missed the whole {thing}.",
            "Crap, I forgot to tell you about the {thing}.",
            "Best damn lasagne I've ever had, you're a genius.",
            "Hell yes, count me in for Saturday!",
        ]),
        # Strong words for emphasis, enthusiasm or self-description.
        *_family("strong", c, HARD, False, TOX, [
            "That {thing} was fucking amazing.",
            "Holy shit, what a {thing}!",
            "Holy shit, I passed my driving test!",
            "I'm so fucking proud of my little sister today.",
            "Shit, I left my keys at the office again.",
            "Fuck yeah, we won the final!",
            "I look like shit this morning, I barely slept.",
            "Fuck me, it's cold out there today.",
            "I'm a lazy bastard on Sundays and I'm fine with that.",
            "This fucking printer jammed again.",
            "No fucking way, you got the job? Congratulations!",
            "I was shitting myself before the interview, but it went well.",
            "My cat is a little shit and I love her.",
            "Fucking finally, the weekend is here.",
        ]),
    ]


def _masking() -> list[Case]:
    c = "spelling_variation"
    frames = ["{masked}", "{masked}, nobody wants you here."]
    return [
        # Common swear words, commonly masked, in a common insulting frame.
        *_family("masked_swear", c, EASY, True, TOX, frames, masked=(
            "f*** you", "f**k you", "fu*k you", "go f*** yourself", "shut the f*** up",
            "f u c k you", "you piece of sh*t", "you stupid b*tch", "you f***ing idiot",
            "you're an a$$hole", "fck you", "screw you, you sh1t",
        )),
        # Insult words that are not swear words, unusual masks, acronyms.
        *_family("masked_other", c, HARD, True, TOX, frames, masked=(
            "you're an id10t", "you m0r0n", "what a l0s3r you are", "you st*pid cow", "kys",
            "you 1d10t", "sh!thead", "d u m b a s s", "f.u.c.k o.f.f", "phuck you", "fvck you",
            "you are a m.o.r.o.n", "eat sh1t and d1e", "stfu you tw@t",
        )),
    ]


def _identity() -> list[Case]:
    c = "identity_neutral"
    return [
        # Identity words draw sexual false alarms too, so the self-statement is asked of both.
        *_family("self", c, EASY, False, (L.TOXICITY, L.SEXUAL), ["I am {member}."]),
        *_family("plain", c, EASY, False, TOX, [
            "My {adj} neighbours brought us food when the baby was born.",
            "Proud to be {member}, and proud of my family.",
            "{Group} are welcome at our running club.",
        ]),
        # Facts about harm done to groups: the words of violence, none of its intent.
        *_family("facts", c, HARD, False, TOX, [
            "{Group} still face discrimination when they look for a flat.",
            "The report counts attacks on {group} in the city last year.",
            "Many {group} were murdered in the war, and we remember them today.",
        ]),
    ]


def _short() -> list[Case]:
    c = "short_text"
    return [
        *_family("short", c, EASY, False, EVERY_LABEL, ["{short}"], short=(
            # letters and one-word replies
            "a", "b", "x", "I", "k", "ok", "okay", "lol", "yes", "no", "yep", "nope", "thanks",
            "ty", "sure", "maybe", "hmm", "lmao", "brb", "gg", "wow", "nice", "same", "+1", "?",
            "!!!", "...",
            # numbers
            "0", "1", "42", "2024", "3.14", "100%", "$5", "07700 900123",
            # emoji and emoticons
            "😂", "👍", "❤️", "🙏🙏", "🔥🔥🔥", ":)", ":-(", "<3", "xD",
            # URLs alone
            "https://www.wikipedia.org", "https://github.com/python/cpython",
            "www.bbc.co.uk/news", "https://example.com/", "http://localhost:8080/healthz",
            # greetings
            "hi", "hello", "hey there", "good morning", "gm", "good night everyone", "hiya",
            # names
            "John", "Maria", "Mohammed", "Nguyen", "Priya Sharma",
            # code
            "print('hello')", "x = x + 1", "SELECT * FROM users;", "git commit -m 'fix'",
            "for i in range(10): pass", "<div></div>", "rm -rf build/",
            # other languages
            "Bonjour à tous", "¿Dónde está la estación?", "Danke schön", "Ciao, come stai?",
            "Obrigado!", "Привет", "你好", "こんにちは", "مرحبا", "Dziękuję bardzo",
        )),
        # Short texts whose letters collide with lexicon words: a name, a shell command,
        # other languages' ordinary words.
        *_family("collision", c, HARD, False, EVERY_LABEL, ["{short}"], short=(
            "Dick Smith", "Fanny", "kill -9 1234", "Slut på filmen var bra", "Je kunt het!",
            "Scunthorpe", "Middlesex",
        )),
    ]


def _sexual() -> list[Case]:
    frames = ["{request}", "hey cutie, {request}"]
    return [
        *_family("explicit", "sexual_explicit_request", EASY, True, SEX, frames, request=(
            "send me nudes", "send nudes", "send me a nude pic", "show me your tits",
            "I want to see you naked", "take your clothes off on camera for me",
            "let's have sex tonight", "I want to fuck you", "wanna sext?",
            "show me your dick", "send me a video of you touching yourself",
            "I want to suck your cock",
        )),
        *_family("euphemism", "sexual_explicit_request", HARD, True, SEX, frames, request=(
            "send me something spicy from the shower",
            "what are you wearing right now? take it off and show me",
            "my parents are out, come over and get in my bed",
            "I'll pay you for private photos, no clothes",
            "add me on snap so you can show me more of you",
            "got any pics you wouldn't show your mum?",
            "you up? I'm so horny",
            "let's video call, but only if you keep your top off",
            "I want you on your knees for me tonight",
            "show me what's under that dress",
        )),
        *_family("small_talk", "sexual_innocent", EASY, False, SEX, [
            "Would you like to grab a coffee on Saturday?",
            "I had a lovely time at dinner last night.",
            "Are you free for a walk in the park this weekend?",
            "My date brought me flowers, how sweet is that?",
            "What kind of music are you into?",
            "Can I call you tonight after work?",
            "Our first date was at a bowling alley and I lost badly.",
            "We've been together ten years today!",
            "I think I have a crush on someone at work.",
            "She said yes! We're getting married in June.",
            "He held my hand the whole film, I'm smiling like an idiot.",
            "Any tips for a first date that isn't just drinks?",
            "My partner and I are planning a weekend in the mountains.",
            "Is it too soon to introduce him to my parents?",
            "Happy anniversary to my favourite person.",
            "I'm going on a date with the guy from the bookshop!",
            "Do you want to come to my cousin's wedding with me?",
            "We matched on the app last week and talk every day.",
            "Our baby is due in March, we can't wait.",
            "They kissed at the end of the film and the whole cinema cheered.",
        ]),
        *_family("clinical", "sexual_innocent", HARD, False, SEX, [
            "Where can I get tested for sexually transmitted infections?",
            "How effective are condoms at preventing pregnancy?",
            "Our school's sex education class covers consent this term.",
            "I've booked my breast cancer screening for Monday.",
            "The doctor examined my testicles and said the lump is harmless.",
            "Is it normal for puberty to start at nine?",
            "My gynaecologist recommended a smear test.",
            "The museum has a room of classical nude sculptures.",
            "Erectile dysfunction can be an early sign of heart disease.",
            "How do I talk to my teenager about safe sex?",
            "Breastfeeding in public is legal here.",
            "The vet neutered our cat last week.",
            "What's the difference between sex and gender?",
            "Vaginal dryness is common during menopause, my doctor said.",
            "The biology lesson today was about how sperm reach the egg.",
            "Our midwife explained what happens to the cervix in labour.",
            "Penile cancer is rare but treatable when caught early.",
            "A sex therapist helped us talk to each other again.",
            "My son asked where babies come from, and I answered honestly.",
            "The clinic offers free contraception to anyone under 25.",
        ]),
    ]


def _phishing() -> list[Case]:
    accounts = ("bank account", "PayPal account", "Apple ID", "Netflix account")
    return [
        *_family("classic", "spam", EASY, True, PHISH, [
            "WINNER!! You have been selected to receive a £{amount} prize. Call {premium} now "
            "to claim.",
            "URGENT: your {account} has been suspended. Verify your details at {bad_url} "
            "within 24 hours.",
            "Congratulations! You have won a free {prize}. Text CLAIM to {shortcode} to collect.",
            "FREE entry into our weekly draw to win £{amount} cash! Txt WIN to {shortcode} now. "
            "T&Cs apply.",
            "Your parcel could not be delivered. Pay the £1.99 redelivery fee at {bad_url} today.",
        ], account=accounts, prize=("iPhone", "holiday to Spain", "£500 gift card", "laptop")),
        *_family("story", "spam", HARD, True, PHISH, [
            "Hi Mum, I dropped my phone in the bath, this is my new number. Can you send "
            "£{amount} for my rent today? I'll explain later x",
            "Earn £{amount} a week working from home, no experience needed. Message me on "
            "WhatsApp to start.",
            "I turned £200 into £{amount} in a week with crypto trading. DM me and I'll show "
            "you how.",
            "HMRC: you are due a tax refund of £{amount}. Complete your claim before midnight.",
            "Your order for £{amount} has been placed. If you did not make this purchase, call "
            "our fraud team on 020 7946 0321 immediately.",
            "Hello dear, I am a widow with a large inheritance and I need a trusted friend to "
            "help me move £{amount} abroad.",
            "Invoice 4471 is overdue. Please pay £{amount} to our new bank details today to "
            "avoid legal action.",
            "You have been chosen for our paid survey panel! Reply with your bank details and "
            "we will send your first £{amount}.",
        ]),
        *_family("plain_link_or_price", "ham_lookalike", EASY, False, PHISH, [
            "Here are the minutes from Tuesday's meeting: https://docs.example.org/minutes",
            "Tickets are £12 on the door, kids go free.",
            "I found the recipe here: https://www.bbcgoodfood.com/recipes/lasagne",
            "Can you pay me back the £8 for the pizza?",
            "The train was £45 return, not bad at all.",
            "Wedding photos are up at https://photos.example.com/album/wedding",
            "The bake sale raised £320 for the school library!",
            "The new timetable is on the council website: https://www.example.gov.uk/buses",
            "I paid £3.50 for a coffee, this city is getting expensive.",
            "Slides from my talk: https://github.com/example/talk-slides",
            "The plumber charged £90 to fix the leak.",
            "Rent goes up to £950 in April, same as the flat next door.",
            "Here's the map for Sunday's walk: https://maps.example.com/route/123",
            "The school trip costs £15, please send it in by Friday.",
            "Book club is reading this one next: https://openlibrary.org/works/OL45804W",
            "Tesco has strawberries for £1.25 this week.",
            "Our band's new song is up: https://soundcloud.com/example/new-song",
            "Parking at the hospital is £2 an hour.",
            "The match report is here: https://www.example.com/sport/report",
            "Bought a second-hand bike for £60, it rides like new.",
        ]),
        *_family("scam_words", "ham_lookalike", HARD, False, PHISH, [
            "I won the pub quiz last night, the prize was a bottle of wine!",
            "Congratulations on your new job, you deserve it!",
            "Don't forget to claim your travel expenses by Friday.",
            "IT says we all need to verify our email addresses before Monday's switch-over.",
            "My bank called to say my new card is in the post.",
            "The raffle winner gets a free weekend at the cottage, tickets £2 each.",
            "Call me on 07700 900123 when you land.",
            "Urgent: the meeting has moved to room 4.",
            "Free pizza in the kitchen, first come first served!",
            "You've been selected for Sunday's five-a-side team.",
            "Your account at the library has been renewed until next year.",
            "Text me the code from the door when you get there.",
            "Claim your seat early, the hall fills up fast.",
            "We won £20 on the lottery and spent it on chips.",
            "The prize draw at the fete raised money for the hospice.",
            "Limited offer at the bakery: two loaves for the price of one.",
            "Please confirm your attendance for the staff party by Thursday.",
            "Act now, the early-bird tickets for the conference end tonight.",
            "My PayPal payment to the landlord went through, all sorted.",
            "Grandma won a cash prize at bingo and bought everyone cake.",
        ]),
    ]


def build_table() -> list[Case]:
    """Return the whole table in a fixed order."""
    return [*_threats(), *_hate(), *_insults(), *_reclaimed(), *_profanity(), *_masking(),
            *_identity(), *_short(), *_sexual(), *_phishing()]


@dataclass(frozen=True)
class Outcome:
    """A case, the engine's confidence for its label, and whether that was flagged."""

    case: Case
    confidence: float
    flagged: bool

    @property
    def correct(self) -> bool:
        return self.flagged == self.case.expected


def run(engine: Engine, cases: Sequence[Case], thresholds: Mapping[str, float]) -> list[Outcome]:
    """Score every case and decide it as classifyText does (rounded confidence >= threshold)."""
    texts = list(dict.fromkeys(case.text for case in cases))
    rows = dict(zip(texts, engine.classify(texts), strict=True))
    outcomes = []
    for case in cases:
        confidence = round(float(rows[case.text][case.label]), 6)
        outcomes.append(Outcome(case, confidence, confidence >= thresholds[case.label]))
    return outcomes


def accuracy_by(outcomes: Iterable[Outcome], key: Callable[[Case], Hashable]
                ) -> dict[Hashable, tuple[int, int]]:
    """Return (correct, total) per key, in first-seen order."""
    counts: dict[Hashable, list[int]] = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        count = counts[key(outcome.case)]
        count[0] += outcome.correct
        count[1] += 1
    return {k: (right, total) for k, (right, total) in counts.items()}
