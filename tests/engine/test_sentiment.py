"""Sentiment: VADER's labels by its documented ±0.05 rule, long texts in pieces."""

import pytest

from spectrum_rpc.engine.sentiment import (
    MAX_CHARS,
    NEGATIVE,
    NEUTRAL,
    PIECE_CHARS,
    POSITIVE,
    SentimentAnalyzer,
    label_of,
    pieces,
)


@pytest.fixture(scope="module")
def analyzer() -> SentimentAnalyzer:
    return SentimentAnalyzer()


@pytest.mark.parametrize(("text", "label"), [
    ("I love this, it is great!", POSITIVE),
    ("Thanks so much, you made my day :)", POSITIVE),
    ("you are a fucking idiot", NEGATIVE),
    ("This is the worst service ever. Never again.", NEGATIVE),
    ("The meeting is at 5pm in room 4.", NEUTRAL),
    ("", NEUTRAL),
])
def test_clear_texts_get_their_label(analyzer, text, label):
    result = analyzer.analyze(text)
    assert result.label == label
    assert -1.0 <= result.score <= 1.0
    assert result.negative + result.neutral + result.positive == pytest.approx(1.0, abs=0.01)


def test_label_follows_vaders_thresholds():
    assert [label_of(c) for c in (0.05, 0.0499, 0.0, -0.0499, -0.05, 1.0, -1.0)] == [
        POSITIVE, NEUTRAL, NEUTRAL, NEUTRAL, NEGATIVE, POSITIVE, NEGATIVE]


def test_score_is_vaders_compound_for_one_sentence(analyzer):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "The food was good but the service was awful!"
    assert analyzer.analyze(text).score == SentimentIntensityAnalyzer().polarity_scores(
        text)["compound"]


def test_long_texts_are_scored_in_pieces_and_truncated(analyzer):
    text = "What a wonderful day. " * (MAX_CHARS // 22 + 100)
    result = analyzer.analyze(text)
    assert result.label == POSITIVE and result.truncated
    assert not analyzer.analyze("What a wonderful day.").truncated


def test_pieces_are_bounded_and_keep_every_word():
    text = "word " * 1000 + "end. Next sentence! And\n\nanother one?"
    cut = list(pieces(text))
    assert max(map(len, cut)) <= PIECE_CHARS
    assert " ".join(cut).split() == text.split()
