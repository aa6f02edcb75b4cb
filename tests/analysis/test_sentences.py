"""Sentence spans (code-point offsets into the original text) and the analysis's per-sentence
scores with the project's real model."""

from __future__ import annotations

import tracemalloc

import pytest

from spectrum_rpc.analysis.sentences import MAX_SPANS, count, grouped, split
from spectrum_rpc.resources import ANALYZER


def texts(text: str) -> list[str]:
    return [text[b:e] for b, e in split(text)]


@pytest.mark.parametrize(("text", "sentences"), [
    ("Hello there. You are an idiot! Pi is 3.14, ok?  Next\nline here",
     ["Hello there.", "You are an idiot!", "Pi is 3.14, ok?", "Next", "line here"]),
    ('Wow!!! "Really?" Yes.', ["Wow!!!", '"Really?"', "Yes."]),
    ("see www.example.com/a.b for more", ["see www.example.com/a.b for more"]),
    ("  padded.  \n\n  and more  ", ["padded.", "and more"]),
    ("Wait… what？ 好。 ok", ["Wait…", "what？", "好。", "ok"]),
    ("no ending mark", ["no ending mark"]),
    ("", []),
    (" \n\t ", []),
])
def test_split(text, sentences):
    assert texts(text) == sentences


def test_offsets_are_code_points_into_the_original():
    text = "👍🏽 Great post. Ça va? 😀"
    spans = list(split(text))
    assert spans == [(0, 14), (15, 21), (22, 23)]
    assert [text[b:e] for b, e in spans] == ["👍🏽 Great post.", "Ça va?", "😀"]


def test_a_long_run_of_marks_without_space_is_linear():
    # Each mark would restart a naive pattern's scan of the rest of the run.
    text = "!" * 200_000 + "x"
    assert list(split(text)) == [(0, len(text))]


def test_grouped_keeps_at_most_the_bound_and_covers_everything():
    text = " ".join(["a."] * 10)  # sentences at 0, 3, ..., 27
    assert count(text) == 10
    assert grouped(text, 10) == list(split(text)) == [(i * 3, i * 3 + 2) for i in range(10)]
    assert grouped(text, 3) == [(0, 11), (12, 23), (24, 29)]
    assert grouped(text, 1) == [(0, 29)]
    assert grouped("", 3) == [] and count(" \n ") == 0


@pytest.mark.parametrize("unit", ["a. ", "a\n", "Quite an ordinary sentence. "])
def test_grouping_a_long_text_holds_no_list_of_its_sentences(unit):
    # 1 MB of one-character sentences: a list of every sentence would hold tens of MB.
    text = unit * (1_000_000 // len(unit))
    tracemalloc.start()
    try:
        runs = grouped(text, MAX_SPANS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(runs) == MAX_SPANS and runs[0][0] == 0 and runs[-1][1] == len(text.rstrip())
    assert peak < 1_000_000


async def test_sentence_scores_score_each_sentence_with_the_projects_model(app_client):
    analyzer = app_client.app[ANALYZER]
    text = "You are a stupid idiot. Have a lovely day!"
    scored = await analyzer.sentence_scores("default", text)
    assert [(b, e) for b, e, _ in scored] == [(0, 23), (24, 42)]
    for begin, end, scores in scored:
        alone, _ = await analyzer.classifier.score("default", text[begin:end])
        assert scores == {k: round(float(v), 6) for k, v in alone.items()}
    assert scored[0][2]["toxicity"] > 0.5 > scored[1][2]["toxicity"]


async def test_sentence_scores_are_bounded(app_client):
    text = " ".join(f"Sentence {i}." for i in range(MAX_SPANS * 3 + 1))
    scored = await app_client.app[ANALYZER].sentence_scores("default", text)
    assert len(scored) <= MAX_SPANS
    assert scored[0][0] == 0 and scored[-1][1] == len(text)
