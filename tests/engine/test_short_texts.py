"""Short and ordinary texts (issue 20): masked words resolve through the lexicon, placeholders
are one feature, and the evidence prior keeps a one-word text near the model's base rate."""

import numpy as np
import pytest

from spectrum_rpc import labels as L
from spectrum_rpc.engine import Entry, Featurizer, Lexicon, grams, load_engine
from spectrum_rpc.engine.normalize import normalize, normalize_pieces, normalize_with_offsets
from spectrum_rpc.settings import ThresholdSettings

SERVED = {label: getattr(ThresholdSettings(), label).reject for label in L.DECIDED}

MASKED = [
    ("f*ck", "f_ck"),
    ("f**k you", "f__k you"),
    ("sh*t!", "sh_t!"),
    ("a**hole", "a__hole"),
    ("f***", "f___"),
    ("$h*t", "sh_t"),  # leet first, then the mask
    ("F#CK", "f_ck"),
]
# A star or hash that masks no letter inside a word is left alone.
UNMASKED = ["word*", "c#", "#tag", "*bold*", "2*3", "5 * 4", "f*"]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_masked_letters_become_one_word(text, expected):
    assert normalize(text) == expected
    assert normalize_with_offsets(text)[0] == expected
    assert " ".join(normalize_pieces([text]).words) == expected


@pytest.mark.parametrize("text", UNMASKED)
def test_other_stars_and_hashes_stay(text):
    assert "_" not in normalize(text)


def test_lexicon_resolves_a_masked_word_to_its_term():
    lexicon = Lexicon([Entry("fuck", "sexual", 2.0), Entry("fvck", "sexual", 2.0, "fuck"),
                       Entry("fags", "slur", 3.0), Entry("shit", "other", 2.0)])
    assert lexicon.unmask(["f_ck", "you", "sh__"]) == ["fuck", "you", "shit"]
    # two terms mask alike: the one whose canonical form more terms share, before severity
    assert lexicon.unmask(["f___"]) == ["fuck"]
    # the first letter is never masked, nor a whole word; ordinary words stay
    assert lexicon.unmask(["_uck", "____", "my_var"]) == ["_uck", "____", "my_var"]
    assert [e.term for e in lexicon.scoring_hits("f_ck", lexicon.unmask(["f_ck"]))] == ["fuck"]


def test_a_masked_word_has_the_features_of_the_word_it_masks():
    lexicon = Lexicon([Entry("fuck", "sexual", 2.0)])
    assert list(grams(normalize("f*ck you"), lexicon)) == list(grams("fuck you", lexicon))


def test_placeholders_have_no_char_ngrams():
    lexicon = Lexicon([])
    assert list(grams(normalize("https://example.com/x"), lexicon)) == [" xurlx "]
    assert list(grams(normalize("07700900123"), lexicon)) == [" xnumx "]


@pytest.fixture(scope="module")
def engine():
    return load_engine()


def _logits(engine, texts, prior):
    model = engine.model
    kept = model.evidence_prior
    try:
        model.evidence_prior = prior
        features = Featurizer.for_model(model, engine.lexicon).featurize(texts)
        return model.logits(*features[:4])
    finally:
        model.evidence_prior = kept


def test_the_shipped_model_has_an_evidence_prior(engine):
    assert engine.model.evidence_prior > 0


def test_evidence_prior_shrinks_short_texts_toward_the_base_rate(engine):
    bias = _logits(engine, [""], 0.0)[0]
    short = "a"
    long = ("The committee met on Tuesday to review the budget for the new library wing and "
            "agreed to publish the minutes next week, after a long debate about parking.")
    plain = _logits(engine, [short, long], 0.0) - bias
    shrunk = _logits(engine, [short, long], engine.model.evidence_prior) - bias
    assert np.all(np.abs(shrunk[0]) < 0.3 * np.abs(plain[0]) + 1e-9)  # a: a common word
    assert np.allclose(shrunk[1], plain[1], rtol=0.1, atol=0.05)  # a sentence: hardly at all
    assert np.all(np.sign(shrunk) == np.sign(plain))  # evidence keeps its direction


@pytest.mark.parametrize("text", ["f*ck", "sh!t", "b1tch", "f**k you", "you a**hole"])
def test_masked_profanity_is_toxic(engine, text):
    assert engine.classify([text])[0][L.TOXICITY] >= SERVED[L.TOXICITY]


# Every bare link the spam training data labels is spam (41 of 41 YouTube comments), and the
# evidence prior does not pull a link alone under the phishing threshold (2026.12.06-spamkind-1:
# 0.662 and 0.895 against 0.38; 2026.12.06-sexual-1: 0.312 and 0.499 against 0.21): a known
# false alarm, kept visible.
BARE_LINK = pytest.mark.xfail(strict=True, reason="a link alone still reads as spam")


@pytest.mark.parametrize("text", [
    "a", "ok", "lol", "yes", "no", "I", "42", "😂", "hi", "hello", "thanks", "John",
    pytest.param("https://www.wikipedia.org", marks=BARE_LINK),
    pytest.param("www.bbc.co.uk/news", marks=BARE_LINK), "good morning", "x = x + 1",
    "Bonjour à tous", "I am a gay man", "my muslim neighbours", "gay", "jew", "black people",
])
def test_short_ordinary_texts_are_not_flagged(engine, text):
    scores = engine.classify([text])[0]
    assert {label: scores[label] for label in L.DECIDED if scores[label] >= SERVED[label]} == {}
