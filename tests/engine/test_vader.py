"""FastVader scores exactly as vaderSentiment's own SentimentIntensityAnalyzer."""

import random

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from spectrum_rpc.engine.vader import FastVader

# Words each of VADER's rules reads: lexicon words, boosters and dampeners, negations, "no",
# "least", "but", "kind of", "never so", "without doubt", idioms and special cases, emojis,
# emoticons, capitals and punctuation.
WORDS = ("good great love hate awful bad terrible nice happy sad fucking idiot the a it is was "
         "very extremely kinda sort of kind barely so this not never isn't don't mayn't aint "
         "without doubt no or nor least at but cut mustard the shit bomb bad ass yeah right "
         "kiss death to die for beating heart under weather GREAT HATE VERY NOT :) :( :D <3 lol "
         "wtf 😀 😡 ❤️ 👍 ! !! ? ??? ... ok okay meeting report").split()


def sentences(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 18))]
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text.capitalize() + rng.choice([".", "!", "?!", "!!!!!", ""])
        out.append(text)
    return out


@pytest.fixture(scope="module")
def both() -> tuple[SentimentIntensityAnalyzer, FastVader]:
    return SentimentIntensityAnalyzer(), FastVader()


def test_same_scores_as_the_library_on_word_salads(both):
    library, fast = both
    texts = sentences(3000, seed=5)
    assert [fast.polarity_scores(t) for t in texts] == [library.polarity_scores(t) for t in texts]


@pytest.mark.parametrize("text", [
    "", "   ", "not good", "no good", "never so good", "without doubt good", "at least good",
    "least good", "kind of good", "it was good but the food was awful", "GOOD but not GREAT",
    "the shit", "I am so happy 😀😀", "😡", "yeah right", "he is no good or nor bad",
    "Not bad at all. Not good either.", "isn't it great??", "VADER is VERY smart!!!",
])
def test_same_scores_as_the_library_on_each_rule(both, text):
    library, fast = both
    assert fast.polarity_scores(text) == library.polarity_scores(text)
