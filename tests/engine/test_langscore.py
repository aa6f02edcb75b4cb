"""The language Scorer answers exactly as py3langid's own identifier (the real model)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from spectrum_rpc.engine.langscore import Scorer

DATA = Path(os.environ.get("SPECTRUM_RPC_DATA_DIR")
            or Path(__file__).resolve().parents[3] / "shared" / "data")
LINGUA = DATA / "language" / "lingua"

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
