"""Spelling: misspellings corrected with symspellpy's dictionary; profanity, allowed words,
links, names and other languages left alone; offsets of everything else kept."""

import pytest

from spectrum_rpc.engine import load_engine
from spectrum_rpc.engine.spelling import (
    MAX_CHARS,
    SKIPPED_LANGUAGE,
    SKIPPED_SIZE,
    Speller,
    english_words,
    is_english,
)


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(frozenset(load_engine().lexicon.word_terms()))


@pytest.mark.parametrize(("text", "corrected"), [
    ("I recieve it tomorow", "I receive it tomorrow"),
    ("definately, absolutly!", "definitely, absolutely!"),
    ("Recieve it now.", "Receive it now."),  # case kept at a sentence start
    ("Fine. Definately yes", "Fine. Definitely yes"),
    ("dont worry, youre right", "don't worry, you're right"),
    ("a mesage\nfor you", "a message\nfor you"),
])
def test_misspellings_are_corrected(speller, text, corrected):
    result = speller.correct(text)
    assert result.text == corrected and result.skipped is None


@pytest.mark.parametrize("text", [
    "the fuk you doing, biatch",  # lexicon words are not misspellings
    "shiit, biiitch",  # nor stretched ones
    "see http://exmaple.com/pathh or www.exmaple.com",
    "mail jonh@exmaple.com",
    "ping @jonhdoe about #hashtagg",
    "room 12b, recieve2 and abc123",
    "my iPhone and the NASSA report",  # capitals inside
    "ask Xiomara and Brendon",  # capitalised mid-sentence: names
    "sooooo cool, yesss",  # stretched for effect
    "café naïve résumé Überraschung",
    "it's ok, lol",  # short words
])
def test_words_that_are_not_misspellings_are_left_alone(speller, text):
    result = speller.correct(text)
    assert (result.text, result.edits) == (text, ())


def test_allowed_words_and_kept_spans_are_not_corrected(speller):
    assert speller.correct("I recieve it", allowed=["RECIEVE"]).text == "I recieve it"
    assert speller.correct("I recieve it", keep=[(2, 9)]).text == "I recieve it"
    assert speller.correct("I recieve it", keep=[(0, 1)]).text == "I receive it"


def test_edits_carry_original_offsets_and_nothing_else_changes(speller):
    text = "😀 Thnaks, I recieve your mesage!"
    result = speller.correct(text)
    pieces, last = [], 0
    for edit in result.edits:
        assert text[edit.begin:edit.end] == edit.original
        pieces += [text[last:edit.begin], edit.replacement]
        last = edit.end
    assert "".join(pieces) + text[last:] == result.text
    assert [e.original for e in result.edits] == ["recieve", "mesage"]


@pytest.mark.parametrize("language", ["fr", "de", "pt-BR"])
def test_other_languages_come_back_unchanged(speller, language):
    result = speller.correct("I recieve it", language=language)
    assert (result.text, result.edits, result.skipped) == ("I recieve it", (), SKIPPED_LANGUAGE)


def test_english_locales_are_english():
    assert all(map(is_english, ["en", "EN", "en-US", "en_GB"]))
    assert not any(map(is_english, ["fr", "eng-x", "", "es-EN"]))


def test_texts_past_the_size_limit_come_back_unchanged(speller):
    text = "recieve " * (MAX_CHARS // 8 + 1)
    result = speller.correct(text)
    assert (result.text, result.skipped) == (text, SKIPPED_SIZE)
    assert speller.correct(text[:MAX_CHARS]).text.startswith("receive receive")


def test_no_correction_lands_on_a_lexicon_word(speller):
    lexicon_words = set(load_engine().lexicon.word_terms())
    result = speller.correct("shiet, fcuk, biatch, cnut, fagot, dikc")
    assert not {e.replacement for e in result.edits} & lexicon_words


def test_english_words_come_from_the_shipped_dictionary():
    words = english_words()
    assert len(words) > 80_000 and "receive" in words and "recieve" not in words
