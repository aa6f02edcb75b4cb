"""Lexicon: whole-word matches with spans in the original text, masking, per-project words."""

import pytest

from spectrum_rpc.engine import load_engine
from spectrum_rpc.engine.lexicon import CUSTOM_CATEGORY, Entry, Lexicon


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_engine().lexicon


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("you f4ck1ng idiot", "f4ck1ng"),
        ("what a b1tch", "b1tch"),
        ("nice @ss dude", "@ss"),
        ("oh fuuuuuck", "fuuuuuck"),
        ("f.u.c.k this", "f.u.c.k"),
        ("f.u.c.k this", "f.u.c.k"),
        ("well f.u.c.k you", "f.u.c.k you"),  # multi-word lexicon term
        ("shut up, ｂｉｔｃｈ!", "ｂｉｔｃｈ"),
        ("you ass\u200bhole", "ass\u200bhole"),
        ("fu\u0441k this", "fu\u0441k"),
        ("Fucking great", "Fucking"),
        ("two cunts", "cunts"),
    ],
)
def test_evasions_are_found_with_original_spans(lexicon, text, span):
    matches = lexicon.find(text)
    assert [text[m.start:m.end] for m in matches] == [span]


@pytest.mark.parametrize(
    "text",
    ["This class has an assessment", "Scunthorpe United", "a cocktail party", "I am gay",
     "my muslim neighbours", "black lives matter", "Dickens wrote novels", "a grass snake",
     "the bass player", "I was 69 in 2024", "I watch the BBC", "therapist", "Sussex", "cumin"],
)
def test_innocent_look_alikes_are_not_found(lexicon, text):
    assert lexicon.find(text) == []


def test_mask_replaces_only_the_offending_spans(lexicon):
    assert lexicon.mask("f.u.c.k1ng class, @sshole") == "********** class, *******"


def test_match_carries_category_and_severity(lexicon):
    (match,) = lexicon.find("nigger")
    assert match.category == "racial / ethnic slurs" and match.severity == 3.0


def test_with_words_adds_banned_and_removes_allowed(lexicon):
    derived = lexicon.with_words(banned=["grapefruit", "Sh1tcoin"], allowed=["ass"])
    assert [m.term for m in derived.find("a grapefruit, a shitcoin")] == ["grapefruit", "shitcoin"]
    assert derived.find("grapefruit")[0].category == CUSTOM_CATEGORY
    assert derived.find("nice ass") == []
    assert lexicon.find("nice ass") != []  # the original is untouched


def test_longest_match_wins_and_suffixes_are_accepted():
    small = Lexicon([Entry("fuck", "x", 2), Entry("fucker", "x", 3), Entry("ass", "y", 1)])
    assert [(m.term, m.start, m.end) for m in small.find("fucker fucks fucking assess")] == [
        ("fucker", 0, 6), ("fuck", 7, 12), ("fuck", 13, 20)]


def test_round_trip_through_records():
    small = Lexicon([Entry("B1tch", "insult", 2.5)])
    again = Lexicon.from_records(small.to_records())
    assert again.find("bitch") == small.find("bitch")


def test_phrase_hits_start_with_an_opening_pair(lexicon):
    # the long-text path looks for phrases only where the tokens hold an opening pair
    from spectrum_rpc.engine.normalize import TOKEN, normalize

    openings = set(lexicon.phrase_openings())
    # (`c*nty` was a phrase here until masked words became one token, `c_nty`: see
    # tests/engine/test_short_texts.py)
    text = normalize("well son of a bitch, go to hell! kiss my asses (oral sexy) sh!+ "
                     "fucking a dog's bollocks b to the inch what the fucking hell")
    assert "_" not in text
    hits = lexicon.phrase_hits(text)
    assert len(hits) >= 5
    tokens = TOKEN.findall(text)
    pairs = set(zip(tokens, tokens[1:]))  # noqa: B905
    for entry in hits:
        first, second = TOKEN.findall(entry.term)[:2]
        assert (first, second) in openings
        assert any(pair in pairs for pair in openings if pair[0] == first)


def test_entries_carry_their_canonical_form(lexicon):
    by_term = {e.term: e for e in lexicon.entries}
    assert by_term["assfvcker"].canonical == "fuck"
    assert by_term["fuck"].canonical == "fuck"


def test_canonical_form_defaults_to_the_term_and_round_trips():
    small = Lexicon([Entry("B1tch", "insult", 2.5), Entry("fvck", "x", 2, "Fuck")])
    assert [e.canonical for e in small.entries] == ["bitch", "fuck"]
    records = small.to_records()
    assert "canonical" not in records[0] and records[1]["canonical"] == "fuck"
    assert Lexicon.from_records(records).entries == small.entries


def test_occurrences_include_terms_inside_words_and_word_entries_map_inflections():
    small = Lexicon([Entry("fuck", "x", 2), Entry("ass", "y", 1)])
    assert [(s, e, x.term) for s, e, x in small.occurrences("fuckface class")] == [
        (0, 4, "fuck"), (11, 14, "ass")]
    assert list(small.hits("fuckface class")) == []
    assert small.word_entries()["fucking"].term == "fuck"
    with pytest.raises(TypeError):
        small.word_entries()["x"] = small.entries[0]  # read-only


def test_fold_decides_how_terms_are_indexed():
    as_written = Lexicon([Entry("Covid19", "custom", 2)], fold=str.lower)
    assert [e.term for e in as_written.entries] == ["covid19"]
    assert [e.term for e in Lexicon([Entry("Covid19", "custom", 2)]).entries] == ["covidi9"]
