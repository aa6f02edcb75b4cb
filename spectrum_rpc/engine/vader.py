"""VADER's scoring with each word lower-cased once: the same scores as vaderSentiment 3.3.2.

vaderSentiment lower-cases every word of a sentence again for each lexicon word it checks for
negations and idioms (and scans its 60 negations as a list), so a 100-character sentence cost
about 0.14 ms. `FastVader.polarity_scores` is the library's method with the words lower-cased
once per sentence and only the neighbours each rule reads looked at; the rules, their order and
their arithmetic are the library's, line for line (tests/engine/test_vader.py compares both on
thousands of sentences). Emoji descriptions, punctuation emphasis and "but" stay the library's.
"""

from __future__ import annotations

import string

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    allcap_differential,
)

_PUNCTUATION = string.punctuation

_NEGATE = frozenset(NEGATE)
# Every word of the phrases `_special_idioms_check` looks for.
_IDIOM_WORDS = frozenset(word for phrase in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in phrase
                         for word in phrase.split(" "))


def _strip_punc_if_word(token: str) -> str:
    """vaderSentiment's `SentiText._strip_punc_if_word`: the token without leading and
    trailing punctuation, unless that leaves two characters or fewer (an emoticon)."""
    stripped = token.strip(_PUNCTUATION)
    return token if len(stripped) <= 2 else stripped


def _negated(lower: str) -> bool:
    """vaderSentiment's `negated([word])` for one lower-cased word."""
    return lower in _NEGATE or "n't" in lower


def _scalar(word: str, lower: str, valence: float, is_cap_diff: bool) -> float:
    """vaderSentiment's `scalar_inc_dec` given the word lower-cased."""
    scalar = 0.0
    if lower in BOOSTER_DICT:
        scalar = BOOSTER_DICT[lower]
        if valence < 0:
            scalar *= -1
        if word.isupper() and is_cap_diff:
            if valence > 0:
                scalar += C_INCR
            else:
                scalar -= C_INCR
    return scalar


class FastVader(SentimentIntensityAnalyzer):
    """A SentimentIntensityAnalyzer whose `polarity_scores` lower-cases each word once."""

    def __init__(self) -> None:
        super().__init__()
        # The library replaces a character found in its emoji lexicon; a text with none of
        # them is left as it is (then stripped).
        self._emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)

    def polarity_scores(self, text: str) -> dict[str, float]:
        """Return VADER's neg / neu / pos / compound scores of `text`."""
        if not self._emoji_chars.isdisjoint(text):
            text = self._describe_emojis(text)
        text = text.strip()
        words = [_strip_punc_if_word(token) for token in text.split()]  # as SentiText does
        is_cap_diff = allcap_differential(words)
        lower = [w.lower() for w in words]
        sentiments: list[float] = []
        lexicon = self.lexicon
        for i, item in enumerate(lower):
            if item not in lexicon or item in BOOSTER_DICT or (
                    i < len(lower) - 1 and item == "kind" and lower[i + 1] == "of"):
                sentiments.append(0)  # what the library's rules give such a word
                continue
            sentiments.append(self._valence(is_cap_diff, words, lower, i))
        sentiments = self._but_check(words, sentiments)
        return self.score_valence(sentiments, text)

    def _describe_emojis(self, text: str) -> str:
        # The library's loop, unchanged.
        text_no_emoji = ""
        prev_space = True
        for chr in text:
            if chr in self.emojis:
                description = self.emojis[chr]
                if not prev_space:
                    text_no_emoji += " "
                text_no_emoji += description
                prev_space = False
            else:
                text_no_emoji += chr
                prev_space = chr == " "
        return text_no_emoji

    def _valence(self, is_cap_diff: bool, words: list[str], lower: list[str], i: int) -> float:
        """vaderSentiment's `sentiment_valence` of word i (0 for a word not in the lexicon)."""
        lexicon = self.lexicon
        item, item_lowercase = words[i], lower[i]
        if item_lowercase not in lexicon:
            return 0
        valence = lexicon[item_lowercase]
        if item_lowercase == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (i > 0 and lower[i - 1] == "no") or (i > 1 and lower[i - 2] == "no") or (
                i > 2 and lower[i - 3] == "no" and lower[i - 1] in ["or", "nor"]):
            valence = lexicon[item_lowercase] * N_SCALAR
        if item.isupper() and is_cap_diff:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(0, 3):
            if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                s = _scalar(words[i - (start_i + 1)], lower[i - (start_i + 1)], valence,
                            is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lower, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lower, i)
        return _least_check(valence, lower, i, lexicon)


def _negation_check(valence: float, lower: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _negated(lower[i - 1]):
            valence = valence * N_SCALAR
    if start_i == 1:
        if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if lower[i - 3] == "never" and (lower[i - 2] == "so" or lower[i - 2] == "this") or (
                lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lower: list[str], i: int) -> float:
    # Words hold no space, so a phrase below matches only where each of its words does.
    if _IDIOM_WORDS.isdisjoint(lower[i - 3:i + 3]):
        return valence
    onezero = f"{lower[i - 1]} {lower[i]}"
    twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    twoone = f"{lower[i - 2]} {lower[i - 1]}"
    threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    threetwo = f"{lower[i - 3]} {lower[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lower) - 1 > i:
        zeroone = f"{lower[i]} {lower[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lower) - 1 > i + 1:
        zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _least_check(valence: float, lower: list[str], i: int, lexicon: dict[str, float]) -> float:
    if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence
