"""Profanity: document 001's three modes, evasions, innocent look-alikes, word lists, offsets,
censoring, long texts."""

import pickle

import pytest

from spectrum_rpc.engine import load_engine
from spectrum_rpc.engine.profanity import (
    CENSOR_FIRST,
    CHUNK,
    MAX_WORD_CHARS,
    MAX_WORDS,
    Match,
    Mode,
    Profanity,
    censor,
)
from spectrum_rpc.engine.spelling import english_words

MODES = list(Mode)


@pytest.fixture(scope="module")
def profanity() -> Profanity:
    return Profanity(load_engine().lexicon, english_words())


def found(profanity, text, mode, **lists):
    return [(m.text, m.canonical, m.mode) for m in profanity.find(text, mode, **lists)]


# Document 001, "Swear Words and Profanity": the value, the modes that detect it, the match.
@pytest.mark.parametrize(("text", "lowest"), [
    ("fuck", Mode.NORMAL), ("ffuuccckkk", Mode.SUSPICIOUS), ("kcuf", Mode.PARANOID)])
@pytest.mark.parametrize("mode", MODES)
def test_document_examples_are_found_from_their_mode_on(profanity, text, lowest, mode):
    expected = [(text, "fuck", lowest)] if MODES.index(mode) >= MODES.index(lowest) else []
    assert found(profanity, text, mode) == expected


@pytest.mark.parametrize(("text", "span", "canonical"), [
    ("FUCK, no", "FUCK", "fuck"),
    ("oh FUCK off", "FUCK off", "fuck"),
    ("Fucking great", "Fucking", "fuck"),
    ("what a bitch!", "bitch", "bitch"),
])
def test_plain_words_are_normal_in_every_mode(profanity, text, span, canonical):
    for mode in MODES:
        assert found(profanity, text, mode) == [(span, canonical, Mode.NORMAL)]


@pytest.mark.parametrize(("text", "span", "canonical"), [
    ("you f4ck1ng idiot", "f4ck1ng", "fuck"),
    ("what a b1tch", "b1tch", "bitch"),
    ("this is sh!t", "sh!t", "shit"),
    ("oh fuuuuuck", "fuuuuuck", "fuck"),
    ("nice asssss", "asssss", "ass"),
    ("ffuucckk", "ffuucckk", "fuck"),
    ("f.u.c.k", "f.u.c.k", "fuck"),
    ("f u c k", "f u c k", "fuck"),
    ("f*ck", "f*ck", "fuck"),
    ("f**k", "f**k", "fuck"),
    ("what the f-ck", "f-ck", "fuck"),
    ("you a**hole", "a**hole", "ass"),
    ("f**king hell", "f**king", "fuck"),
    ("shut up, ｂｉｔｃｈ", "ｂｉｔｃｈ", "bitch"),
    ("you fu\u200bck", "fu\u200bck", "fuck"),
    ("fu\u0441k this", "fu\u0441k", "fuck"),
    ("fück", "fück", "fuck"),
])
def test_evasions_are_suspicious(profanity, text, span, canonical):
    assert found(profanity, text, Mode.NORMAL) == []
    for mode in (Mode.SUSPICIOUS, Mode.PARANOID):
        assert found(profanity, text, mode) == [(span, canonical, Mode.SUSPICIOUS)]


@pytest.mark.parametrize(("text", "span", "canonical"), [
    ("kcuf", "kcuf", "fuck"),
    ("gnikcuf", "gnikcuf", "fuck"),
    ("f***", "f***", "fuck"),
    ("fuckface99", "fuckface", "fuck"),
    ("youfuckingidiot", "fucking", "fuck"),
])
def test_paranoid_finds_reversed_half_masked_and_embedded_words(profanity, text, span,
                                                                canonical):
    assert found(profanity, text, Mode.SUSPICIOUS) == []
    assert found(profanity, text, Mode.PARANOID) == [(span, canonical, Mode.PARANOID)]


@pytest.mark.parametrize("text", [
    "This class has an assessment", "Scunthorpe United", "a cocktail party", "shitake risotto",
    "grape juice", "the therapist", "Dickens wrote novels", "a grass snake", "the bass player",
    "cumin and pepper", "Essex and Sussex", "as you like it", "assessed, battered, shattered",
    "a spicy muffin", "I assess the sheets", "peter pan", "a knob of butter", "pussy willow",
])
def test_innocent_look_alikes_are_not_found_in_normal_and_suspicious(profanity, text):
    for mode in (Mode.NORMAL, Mode.SUSPICIOUS):
        assert profanity.find(text, mode) == []


@pytest.mark.parametrize("text", [
    "This class has an assessment", "a cocktail party", "grape juice", "stun the crowd",
    "bonk", "oh", "spin", "god", "assessed", "the therapist"])
def test_paranoid_skips_english_words(profanity, text):
    assert profanity.find(text, Mode.PARANOID) == []


def test_paranoid_flags_unknown_tokens_holding_a_term_and_allowed_words_clear_them(profanity):
    # what PARANOID accepts: a token the vocabulary lacks is searched inside
    assert found(profanity, "Scunthorpe", Mode.PARANOID) == [("cunt", "cunt", Mode.PARANOID)]
    assert found(profanity, "shitake", Mode.PARANOID) == [("shit", "shit", Mode.PARANOID)]
    assert profanity.find("Scunthorpe", Mode.PARANOID, allowed=["Scunthorpe"]) == []


def test_without_vocabulary_paranoid_reads_english_words_too():
    bare = Profanity(load_engine().lexicon)
    assert bare.find("assessment", Mode.PARANOID) != []


@pytest.mark.parametrize("mode", MODES)
def test_banned_words_are_custom_profanity_in_every_mode(profanity, mode):
    matches = profanity.find("Acme sells covid19 tests", mode, banned=["acme", "covid19"])
    assert [(m.text, m.canonical, m.category, m.severity, m.mode) for m in matches] == [
        ("Acme", "acme", "custom", 2.0, Mode.NORMAL),
        ("covid19", "covid19", "custom", 2.0, Mode.NORMAL)]
    assert profanity.find("acme", mode, banned=["acme"], severity=3)[0].severity == 3.0


@pytest.mark.parametrize(("text", "lowest"), [
    ("a.c.m.e", Mode.SUSPICIOUS), ("aaccmmee", Mode.SUSPICIOUS), ("a*me", Mode.SUSPICIOUS),
    ("emca", Mode.PARANOID), ("acmecorp", Mode.PARANOID)])
@pytest.mark.parametrize("mode", MODES)
def test_banned_words_get_the_same_evasion_handling(profanity, text, lowest, mode):
    matches = profanity.find(text, mode, banned=["acme"])
    if MODES.index(mode) < MODES.index(lowest):
        assert matches == []
    else:
        assert [(m.canonical, m.mode) for m in matches] == [("acme", lowest)]


@pytest.mark.parametrize("mode", MODES)
def test_allowed_words_are_never_flagged(profanity, mode):
    assert profanity.find("damn it, d4mn, daaaamn, nmad", mode, allowed=["damn"]) == []
    assert profanity.find("shit", mode, allowed=["damn"]) != []
    # an allowed word beats the same banned word
    assert profanity.find("acme", mode, banned=["acme"], allowed=["ACME"]) == []


def test_a_banned_innocent_word_is_flagged(profanity):
    assert profanity.find("a sheet of paper") == []
    assert [m.text for m in profanity.find("a sheet of paper", banned=["sheet"])] == ["sheet"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("text", [
    "😀😀 née à Zürich, fuck that", "İİİ fuck", "𝐟𝐮𝐜𝐤 and ｆｕｃｋ, fuck", "ﬀuck\n\n\tshit  ass"])
def test_offsets_are_code_points_into_the_original(profanity, mode, text):
    matches = profanity.find(text, mode)
    assert matches
    for m in matches:
        assert text[m.begin:m.end] == m.text


def test_astral_characters_before_a_match_count_once(profanity):
    (match,) = profanity.find("😀 fuck")
    assert (match.begin, match.end) == (2, 6)


@pytest.mark.parametrize("mode", MODES)
def test_long_texts_are_searched_in_chunks_without_losses_or_repeats(profanity, mode):
    unit = "some ordinary words here and there, then fuck. "
    text = unit * (3 * CHUNK // len(unit))
    matches = profanity.find(text, mode)
    assert len(matches) == text.count("fuck")
    assert [m.begin for m in matches] == [i for i in range(len(text))
                                          if text.startswith("fuck", i)]


def test_limit_caps_the_matches(profanity):
    assert len(profanity.find("fuck " * 100, limit=7)) == 7


def test_censor_masks_matches_only_and_keeps_lengths(profanity):
    text = "f**k this sh!t, oral sex"
    matches = profanity.find(text, Mode.SUSPICIOUS)
    assert censor(text, matches) == "**** this ****, **** ***"
    assert censor(text, matches, CENSOR_FIRST) == "f*** this s***, o*** ***"
    assert censor(text, matches, char="#") == "#### this ####, #### ###"
    assert censor("clean", []) == "clean"
    with pytest.raises(ValueError):
        censor(text, matches, "grawlix")


def test_word_lists_are_bounded(profanity):
    with pytest.raises(ValueError, match="at most 1000"):
        profanity.find("x", banned=[f"w{i}" for i in range(MAX_WORDS + 1)])
    with pytest.raises(ValueError, match="longer than"):
        profanity.find("x", allowed=["a" * (MAX_WORD_CHARS + 1)])
    with pytest.raises(ValueError, match="severity"):
        profanity.find("x", banned=["acme"], severity=4)
    assert profanity.find("x", banned=[f"w{i}" for i in range(MAX_WORDS)]) == []


def test_compiled_lists_are_cached_and_the_cache_is_bounded():
    small = Profanity(load_engine().lexicon, cache_size=2)
    first = small.compiled(["acme"], ())
    assert small.compiled(["acme"], ()) is first
    small.compiled(["b"], ())
    small.compiled(["c"], ())
    assert small.compiled(["acme"], ()) is not first  # evicted, compiled anew
    assert small.compiled((), ()) is None


def test_unknown_mode_is_refused(profanity):
    with pytest.raises(ValueError):
        profanity.find("fuck", "STRICT")
    assert profanity.find("fuck", "PARANOID")[0].mode == Mode.NORMAL


def test_matches_pickle():
    match = Match("fuck", 0, 4, "fuck", "sexual anatomy / sexual acts", 2.2, Mode.NORMAL)
    assert pickle.loads(pickle.dumps(match)) == match
