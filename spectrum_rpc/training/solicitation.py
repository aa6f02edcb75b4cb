"""Sexual solicitation sentences for the sexual label's training (issue 20, part 2).

The sexual label learns from 65 positives of the moderation samples' training part (mostly
stories and descriptions) and the lexicon's "sexual anatomy / sexual acts" words, so a short
explicit request without such a word (asking for naked pictures, to undress on camera, for sex)
scored low. These rows set such requests beside harmless requests of the same shape, drawn from
word lists written for this module (each row draws its own words):

- `explicit_request` (1): asking someone for naked or sexual pictures and videos;
- `undress` (1): telling or asking someone to undress for the writer or a camera;
- `proposition` (1): sexual propositions and sexting solicitations;
- `photo_request` (0): asking for a picture of a pet, a view, a document, a repair, food...;
- `file_request` (0): asking for a file, a report, an invoice, slides...;
- `clothes_off` (0): taking off shoes, coats, jewellery, changing for sport or a swim;
- `date` (0): dinner dates, affection and plans without sex;
- `clinical` (0): medical and sexual-health questions, sex education;
- `art_shopping` (0): nude art, nude-coloured clothes, underwear and swimwear shopping.

Written for training from the category's name, never from the functional table's cases
(`training.functional`, kept for evaluation only): a test checks that no text, and no run of 5
words, is shared with a table case. The rows label `sexual` only (every other label is unknown
for them, so no other label's fit sees them), and `training.recipe.train` adds them after the
vocabulary and idf are chosen (they choose no feature). Deterministic: the same rows in the
same order for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from .. import labels as L
from .corpus import SEED, Sample

SOURCE = "solicitation"
# The sexual target of each kind of row.
KINDS = {
    "explicit_request": 1, "undress": 1, "proposition": 1,
    "photo_request": 0, "file_request": 0, "clothes_off": 0, "date": 0, "clinical": 0,
    "art_shopping": 0,
}
# Rows drawn per kind (fewer when a kind's frames and words cannot make that many distinct
# texts); 768 rows in all, 380 positive.
PER_KIND = {
    "explicit_request": 170, "undress": 80, "proposition": 130,
    "photo_request": 110, "file_request": 70, "clothes_off": 60, "date": 80, "clinical": 28,
    "art_shopping": 40,
}

# Who a message is addressed to (an empty string: nobody named).
CALLS = ("", "", "", "babe", "baby", "sexy", "gorgeous", "hun", "Jess", "Marco", "Kira", "Dan",
         "Leila", "Tomas")
# The asking verbs, shared by the requests and their look-alikes.
ASK = ("send me", "can you send me", "could u send me", "dm me", "snap me", "text me",
       "I need", "I want", "drop me", "you should send me", "hurry up and send me",
       "pls send", "whatsapp me", "share", "mail me", "show me")
EXPLICIT_THINGS = (
    "your nudes", "some nudes", "a nude selfie", "naked pics", "a naked photo of you",
    "a pic of your boobs", "a photo of your tits", "a vid of you naked",
    "a topless pic", "pics of you with nothing on", "a recording of you pleasuring yourself",
    "a sexy pic in your underwear", "a pic of your bare ass", "your spicy pics",
    "something naughty, no clothes", "a shower pic, nothing covered", "your private pics",
    "a pic of your naked body", "a clip of you playing with yourself", "a lingerie pic",
    "pics in just your panties", "a nude of you in bed", "a full body nude",
)
EXPLICIT_FRAMES = (
    "{a} {x}", "{a} {x} {c}", "{c} {a} {x}", "{a} {x} tonight", "{a} {x} rn",
    "{a} {x} or we're done", "{a} {x}, I'll delete it after", "{a} {x}, nobody will know",
    "{a} {x}, I sent you mine", "{a} {x} before bed", "{a} {x} pleaseee", "{a} {x} asap ;)",
    "{c} I'm bored, {a} {x}", "{a} {x}, you owe me", "{a} {x} and I'll pay",
    "you promised me {x}, {a} it now", "how much for {x}", "I'll give you 50 bucks for {x}",
    "swap {x}? you go first", "{c} quit teasing and send {x}",
    "if you loved me you'd send {x}", "{a} {x} on snap, it disappears",
)
CLOTHES = ("top", "shirt", "bra", "dress", "clothes", "jeans", "panties", "underwear", "boxers",
           "knickers", "skirt", "everything")
UNDRESS_FRAMES = (
    "take your {w} off for me {c}", "{c} strip for me on cam", "get naked and video call me",
    "lose the {w} and {a} a pic", "I want to watch you take off your {w}",
    "get your {w} off, I'm on facetime", "undress for me slowly {c}",
    "{c} pull your {w} down and let me see", "turn the camera on and get out of your {w}",
    "strip down to nothing and {a} the video", "let me see you without your {w} {c}",
    "peel that {w} off and show me everything", "get on cam and take off your {w}",
    "go to the bathroom, take off your {w} and film it",
)
ACTS = ("fuck", "have sex with", "sleep with", "bang", "screw", "go down on", "ride",
        "suck you off and then fuck")
PROPOSITION_FRAMES = (
    "I really want to {v} you tonight {c}", "{c} come over so I can {v} you",
    "wanna {v} me? my place is free", "let's {v} after the party, I'll bring condoms",
    "I'm so horny, come {v} me", "my bed is empty, come and {v} me {c}",
    "can't stop thinking about how I'd {v} you", "meet me in the car park, I'm dying to {v} you",
    "{c} fancy some sexting? I'll go first", "let's sext tonight {c}", "are you up for sexting rn",
    "talk dirty to me {c}", "tell me what you'd do to me in bed", "describe how you touch yourself",
    "I'm touching myself thinking of you, what are you wearing?",
    "I need you naked in my bed tonight {c}", "looking for a hookup to {v} tonight, dm me",
    "any girls near me want to {v}? no strings", "rate my body and I'll show you more ;)",
    "I'm hard just reading your messages {c}", "I'm so wet thinking about you {c}",
    "let's do it on cam, you and me, no clothes", "be my dirty little secret tonight",
    "{c} I want your mouth on me", "come sit on my lap with nothing on",
)
PHOTO_THINGS = (
    "a pic of your dog", "a photo of the cat", "the photos from the wedding",
    "a picture of the receipt", "a photo of the view from your hotel", "a pic of the sunset",
    "a photo of the damage to the car", "a pic of your new haircut", "a shot of the menu",
    "a screenshot of the error", "a photo of the meter reading", "pics of the garden",
    "a picture of the whiteboard", "a selfie from the concert", "a pic of the cake",
    "a photo of the rash so the nurse can see it", "the holiday pics", "a pic of the puppy",
    "a photo of the leak under the sink", "a pic of the parking sign", "a picture of your outfit",
    "a photo of the timetable", "a pic of grandma's recipe card", "a snap of the new kitchen",
)
FILE_THINGS = (
    "the file", "the report", "the invoice", "the slides", "the spreadsheet", "the contract",
    "your CV", "the minutes", "the recipe", "the tracking number", "the draft",
    "the link to the meeting", "the quarterly numbers", "the seating plan", "the lesson notes",
    "the floor plan", "the address of the venue", "your bank details for the rent split",
)
SAFE_FRAMES = (
    "{a} {x}", "{a} {x} {c}", "{c} {a} {x}", "{a} {x} tonight", "{a} {x} rn",
    "{a} {x} when you get a sec", "{a} {x} before the meeting", "{a} {x} pleaseee",
    "{a} {x} asap", "{c} I'm bored at work, {a} {x}", "{a} {x}, you owe me",
    "you promised me {x}, {a} it now", "{c} quit stalling and send {x}",
    "{a} {x}, thanks!", "{a} {x} on snap",
)
OFF_THINGS = ("shoes", "boots", "coat", "jacket", "muddy trainers", "hat", "wet socks",
              "jewellery", "watch", "glasses", "apron", "helmet")
CLOTHES_OFF_FRAMES = (
    "take your {o} off before you come in {c}", "please take off your {o} at the door",
    "take off your {o} and stay a while", "remove your {o} for the x-ray",
    "strip the bed and put the sheets in the wash",
    "get changed into your kit, training starts at six",
    "pack a swimsuit, the hotel has a pool", "put your pyjamas on and brush your teeth",
    "{c} take your {o} off, you're dripping on the carpet", "leave your {o} in the locker",
    "change out of your work clothes and come to the pub", "the dress code says no {o} inside",
    "the changing rooms are on the left", "hang your {o} up in the hall",
)
DATE_FRAMES = (
    "want to grab dinner with me on friday {c}?", "I'd love to take you to the movies",
    "come over and I'll cook for you {c}", "let's go for a walk by the river tonight",
    "I miss you, call me when you're home {c}", "wanna come watch a film at mine?",
    "can I take you out for coffee sometime?", "you looked lovely tonight {c}",
    "good night {c}, sweet dreams", "I booked us a table for eight", "text me when you land {c}",
    "can't wait to see you this weekend {c}", "send me a kiss emoji {c}",
    "I want to hold your hand all day", "thinking of you {c}, hope the exam went well",
    "let's plan a picnic for sunday", "happy anniversary {c}, love you",
)
CLINICAL_FRAMES = (
    "is it normal to bleed a little after sex?", "which clinic near me tests for chlamydia?",
    "how do I do a breast self-exam?", "what's the best contraception after giving birth?",
    "can the pill cause mood swings?", "how long after a vasectomy is it effective?",
    "does my partner need treating for thrush too?", "what causes pain during intercourse?",
    "is a lump in the testicle always serious?", "how accurate are home pregnancy tests?",
    "what age should kids learn about puberty at school?",
    "my doctor wants a pelvic exam, what happens?", "can you get an STI from oral sex?",
    "how often should I get a smear test?", "erectile problems at 40, who should I see?",
    "our sex ed class covered consent today", "what are the signs of menopause?",
    "is it safe to have sex during pregnancy?", "which vaccines protect against HPV?",
    "how do condoms compare with the coil?", "is it normal to have no sex drive after a baby?",
    "what does a urologist check at a prostate exam?", "can stress stop my periods?",
    "the nurse showed us how to put on a condom in health class",
    "how soon after sex can a pregnancy test tell?", "what is the morning-after pill?",
    "is it safe to breastfeed after a c-section?", "the clinic does free HIV tests on tuesdays",
)
ART_SHOPPING_FRAMES = (
    "the life drawing class needs a new nude model", "Michelangelo's David is a marble nude",
    "our essay is on the nude in renaissance painting", "do these nude heels go with navy?",
    "looking for a nude bra that doesn't show under white shirts", "that nude lipstick suits you",
    "the gallery covered the nude statue for the school visit",
    "which swimsuit should I get for the holiday, the red or the black?",
    "my underwear drawer needs a clear-out", "socks and underwear are 3 for 2 this week",
    "the shop has lingerie on sale, want anything for your mum's birthday?",
    "does this dress make me look ok? send me your honest opinion",
    "the museum's naked bronze figures are from 300 BC",
    "a nude beach is called a naturist beach in the guidebook",
    "{c} send me a pic of the jacket you tried on",
    "the fitting rooms were full so I bought both tops",
    "the painting shows two naked cherubs above the altar",
    "I returned the bikini, the straps were too thin", "bras and briefs are on the second floor",
    "the sculpture garden has three bronze nudes by Rodin",
    "my photography course covers the nude as a classical subject",
    "{c} which pyjamas should I order, the striped or the plain?",
    "the nude tights were sold out so I got black",
)
FRAMES: Mapping[str, Sequence[str]] = {
    "explicit_request": EXPLICIT_FRAMES, "undress": UNDRESS_FRAMES,
    "proposition": PROPOSITION_FRAMES, "photo_request": SAFE_FRAMES, "file_request": SAFE_FRAMES,
    "clothes_off": CLOTHES_OFF_FRAMES, "date": DATE_FRAMES, "clinical": CLINICAL_FRAMES,
    "art_shopping": ART_SHOPPING_FRAMES,
}
THINGS: Mapping[str, Sequence[str]] = {
    "explicit_request": EXPLICIT_THINGS, "photo_request": PHOTO_THINGS,
    "file_request": FILE_THINGS,
}


def _fill(kind: str, frame: str, rng: random.Random) -> str:
    things = THINGS.get(kind, ("",))
    values = {"a": rng.choice(ASK), "c": rng.choice(CALLS), "x": rng.choice(things),
              "w": rng.choice(CLOTHES), "v": rng.choice(ACTS), "o": rng.choice(OFF_THINGS)}
    text = " ".join(frame.format(**values).split())
    text = text.replace(" ,", ",").replace(" ?", "?").replace(", ,", ",")
    text = text.lstrip(", ")
    return text[0].upper() + text[1:] if rng.random() < 0.5 else text


def solicitation_rows(seed: int = SEED, per_kind: Mapping[str, int] = PER_KIND
                      ) -> list[tuple[str, str]]:
    """Return (kind, text) rows, up to `per_kind` of each kind, distinct texts, in a seeded
    order."""
    rng = random.Random(seed)
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for kind in KINDS:
        frames = FRAMES[kind]
        made, tries = 0, 0
        while made < per_kind[kind] and tries < 50 * per_kind[kind]:
            tries += 1
            text = _fill(kind, frames[rng.randrange(len(frames))], rng)
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            rows.append((kind, text))
            made += 1
    rng.shuffle(rows)
    return rows


def solicitation_samples(seed: int = SEED) -> list[Sample]:
    """The rows as training samples of source SOURCE, labelled `sexual` only (as KINDS says)."""
    return [Sample(text, SOURCE, {L.SEXUAL: KINDS[kind]})
            for kind, text in solicitation_rows(seed)]
