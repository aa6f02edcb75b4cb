"""The language Scorer answers exactly as py3langid's own identifier (the real model)."""

from __future__ import annotations

import random
import string

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from spectrum_rpc.engine.langscore import Scorer
from spectrum_rpc.training import data_dir

LINGUA = data_dir() / "language" / "lingua"

EDGE_CASES = ["", " ", "  a  b  ", "word ", " word", "ok", "lol", "THE MEETING IS AT NOON",
              "x" * 200, "a" + " " * 50 + "b", "😀😂🔥 good", "tab\tand\nnewline here",
              "Ça va très bien, merci beaucoup.", "我不明白为什么会议被改到了星期四下午。",
              "Я не понимаю, почему встречу перенесли на вечер четверга.",
              "mixed English und Deutsch et français y español"]


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def word_salads(n: int) -> list[str]:
    rng = random.Random(3)
    words = ("the a meeting report great idiot love call now free prize click link "
             "der die das und ist nicht le la et est pas el que por los "
             "Über élan naïve café 東京 Москва !!! ?? 123 @user http://x.example").split()
    return [" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(n)]


def test_same_answers_on_edge_cases_and_word_salads(identifier):
    scorer = Scorer(identifier)
    texts = EDGE_CASES + word_salads(2000)
    # twice: the second pass reads the remembered walks and converted rows
    for _ in range(2):
        assert [scorer.classify(t) for t in texts] == [identifier.classify(t) for t in texts]


def test_same_answers_when_the_row_cache_fills_and_starts_anew(identifier):
    scorer = Scorer(identifier, row_limit=64)  # smaller than one text's rows: a fresh cache
    texts = EDGE_CASES + word_salads(300)
    assert [scorer.classify(t) for t in texts] == [identifier.classify(t) for t in texts]


def distinct_words(n: int) -> list[str]:
    """Texts of random words, nearly all new: what fills the word-walk cache fastest."""
    rng = random.Random(5)
    letters = string.ascii_lowercase + "éüßабвгд"
    return [" ".join("".join(rng.choices(letters, k=rng.randint(1, 20)))
                     for _ in range(rng.randint(1, 12))) for _ in range(n)]


def test_same_answers_when_the_walk_cache_fills_and_starts_anew(identifier):
    scorer = Scorer(identifier, walk_limit=100)
    sizes, answers = [], []
    for text in EDGE_CASES + distinct_words(400):
        answers.append(scorer.classify(text))
        sizes.append(len(scorer._walks))
    assert max(sizes) <= 100 + 12  # the limit, passed by at most one text's words
    resets = sum(after < before for before, after in zip(sizes, sizes[1:], strict=False))
    assert resets >= 10  # about 2,600 words into a cache of 100
    assert answers == [identifier.classify(t) for t in EDGE_CASES + distinct_words(400)]


def test_same_answers_on_the_lingua_test_data(identifier):
    if not LINGUA.is_dir():
        pytest.skip(f"../shared/data not found: {LINGUA} (language test material)")
    scorer = Scorer(identifier)
    texts = []
    for kind in ("sentences", "word-pairs", "single-words"):
        for path in sorted((LINGUA / kind).glob("*.txt")):
            texts += path.read_text(encoding="utf-8").splitlines()[:40]
    assert len(texts) > 5000
    assert [scorer.classify(t) for t in texts] == [identifier.classify(t) for t in texts]


def test_an_identifier_without_the_internals_it_reads_is_asked_itself(identifier):
    class Other:
        nb_ptc = identifier.nb_ptc
        min_confidence = None

        def classify(self, text):
            return ("xx", 0.5)

    assert Scorer(Other()).classify("the meeting is at noon") == ("xx", 0.5)
