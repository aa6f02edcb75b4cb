"""Normalisation: evasions collapse to the plain word, innocent words stay as they are."""

import pytest

from spectrum_rpc.engine.normalize import normalize, normalize_with_offsets

EVASIONS = [
    ("f4ck", "fack"),  # leet 4 -> a; the lexicon is normalised the same way
    ("b1tch", "bitch"),
    ("@ss", "ass"),
    ("$h1t", "shit"),
    ("b!tch", "bitch"),
    ("fuuuuuck", "fuck"),
    ("f.u.c.k", "fuck"),
    ("f u c k", "fuck"),
    ("f-u-c-k", "fuck"),
    ("f.u.c.king", "fucking"),
    ("FUCK", "fuck"),
    ("ｆｕｃｋ", "fuck"),  # fullwidth, NFKC
    ("fu\u200bck", "fuck"),  # zero-width space
    ("fu\u00adck", "fuck"),  # soft hyphen
    ("fúck", "fuck"),  # combining accent
    ("fu\u0441k", "fuck"),  # Cyrillic es
    ("\u0431itch".replace("\u0431", "b"), "bitch"),
    ("\u03b1ss", "ass"),  # Greek alpha
    ("𝐟𝐮𝐜𝐤", "fuck"),  # mathematical bold
]

INNOCENT = ["class", "assessment", "scunthorpe", "cocktail", "gay", "muslim", "black",
            "hello!", "2024", "good morning", "the u.s. army", "bookkeeper", "e.g. this"]


@pytest.mark.parametrize(("text", "expected"), EVASIONS)
def test_evasions_normalise_to_the_plain_word(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_words_keep_their_letters(text):
    assert normalize(text) == text


def test_urls_emails_and_long_numbers_become_placeholders():
    out = normalize("Visit https://win.example.com/x or mail me@spam.com, call 09061701461")
    assert "xurlx" in out and "xemailx" in out and "xnumx" in out


@pytest.mark.parametrize(
    "text",
    [s for s, _ in EVASIONS] + INNOCENT
    + ["Ça va? Ｈｅｌｌｏ  wörld", "𝐟𝐮𝐜𝐤 y0u!!!", "мама мыла раму", "日本語のテキスト",
       "a\u0301\u0302b", "f u c k  you\n\tnow", "f. u. c. k. off"],
)
def test_offset_path_produces_the_same_string(text):
    out, starts, ends = normalize_with_offsets(text)
    assert out == normalize(text)
    assert len(starts) == len(ends) == len(out)
    assert all(0 <= s < e <= len(text) for s, e in zip(starts, ends, strict=True))


@pytest.mark.parametrize(
    "text",
    ["You are a F4CK1NG idiot, caf\u00e9 \u00a8 \u203e e\u0301 www.x.com/a 09061701461 !!",
     "the f u c k you s h i t. I am a b c, fuuuuck \uff41\uff53\uff53 fu\u0441k \u200bhi"],
)
def test_pieces_normalise_as_their_joined_text(text):
    from spectrum_rpc.engine.normalize import normalize_pieces, normalize_tokens

    cuts = [0, *(i + 1 for i, c in enumerate(text) if c == " "), len(text)]
    pieces = [text[a:b] for a, b in zip(cuts, cuts[1:])]  # noqa: B905
    stream = normalize_pieces(pieces)
    for start in range(len(pieces)):
        for stop in range(start, len(pieces) + 1):
            joined, tokens = normalize_tokens("".join(pieces[start:stop]))
            if stream.rewrites_spaced(start, stop):  # the caller normalises these alone
                assert stream.joined(start, stop) != joined
                continue
            assert stream.joined(start, stop) == joined
            edges = stream.token_edges
            assert stream.tokens[edges[start]:edges[stop]] == tokens
