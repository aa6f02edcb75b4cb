"""The ordinary texts a label should not flag, as the evaluation scripts compare models on them
(scripts/evaluate_toxicity_rows.py, scripts/evaluate_solicitation.py)."""

from __future__ import annotations

from spectrum_rpc import labels as L
from spectrum_rpc.training import ordinary_texts
from spectrum_rpc.training.corpus import Corpus, Sample


def test_only_the_texts_annotated_negative_are_ordinary():
    def row(text: str, **labels: int) -> Sample:
        return Sample(text, "x", dict(labels))

    corpus = Corpus(
        train=[],
        calibration={},
        tests={"moderation_test": [row("hi", toxicity=0, sexual=1), row("idiot", toxicity=1),
                                   row("unannotated")],
               "sms_test": [row("see you", phishing=0), row("win cash", phishing=1)]},
        development={"moderation_dev": [row("thanks", toxicity=0), row("moron", toxicity=1)],
                     "sms_dev": [row("ok", phishing=0)]},
    )
    assert ordinary_texts(corpus, L.TOXICITY, "toxic") == {
        "moderation test, not toxic": ["hi"], "moderation dev, not toxic": ["thanks"],
        "SMS ham, test": ["see you"], "SMS ham, dev": ["ok"]}
    sexual = ordinary_texts(corpus, L.SEXUAL, "sexual")
    assert sexual["moderation test, not sexual"] == []  # "hi" is annotated sexual
    assert sexual["moderation dev, not sexual"] == []  # nothing there is annotated for sexual
