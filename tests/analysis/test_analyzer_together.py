"""moderateText scores the whole text, its sentences and runs the other detectors at the same
time: the whole text's score is held until the others have started (they never would if they
waited for it), and the answer is the same as when each runs alone."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from spectrum_rpc.analysis import Analyzer, Options
from spectrum_rpc.resources import ANALYZER, CLASSIFIER

TEXT = "You are a stupid idiot. Mail me at example@gmail.com. Have a nice day!"
SENTENCES = 3
EVERY = Options(detect=frozenset({"labels", "spans", "sentences", "pii"}))
# Polling steps before giving up: the others have not started while the whole text waits.
PATIENCE = 3000


@dataclass
class HeldClassifier:
    """The app's classifier, holding the whole text's score until the sentences' scores and
    the detectors (the span model) have started."""

    real: object
    analyzer: Analyzer | None = None
    sentences: list[str] = field(default_factory=list)

    @property
    def engine(self):
        return self.real.engine

    def others_started(self) -> bool:
        detection = self.analyzer._detection
        return (len(self.sentences) == SENTENCES
                and detection is not None and "spans" in detection._built)

    async def score(self, project: str, text: str):
        if text != TEXT:
            self.sentences.append(text)
        else:
            for _ in range(PATIENCE):
                if self.others_started():
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("the detectors waited for the whole text's score")
        return await self.real.score(project, text)


async def test_scores_sentences_and_detectors_run_together(app_client):
    app = app_client.app
    held = HeldClassifier(app[CLASSIFIER])
    held.analyzer = Analyzer(held, app[ANALYZER].policies)
    try:
        together = await held.analyzer.moderate("default", TEXT, EVERY)
    finally:
        await held.analyzer.close()
    alone = await app[ANALYZER].moderate("default", TEXT, EVERY)
    assert together == alone
    assert together["spans"] and len(together["sentences"]) == SENTENCES
