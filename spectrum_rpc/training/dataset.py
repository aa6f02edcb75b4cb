"""Training data: recorded feedback turned into labelled samples, plus the base corpus.

Feedback rules (one place, also quoted in the retrain report):

- `shouldBlock: false` makes every model label negative, except labels the moderator marked true.
- `labels` name model labels: a true label is positive (insult, harassment, hate and threat
  also imply toxicity), a false one negative (`toxic: false` -> toxicity negative).
- `shouldBlock: true` with none of the decision labels (toxicity, sexual, phishing) positive
  is also a positive for toxicity, the general "this should be blocked" label, so the
  server's decision can learn it; other labels stay unknown, not negative.
- Rows with the same content SHA-256 are merged: the most recent row wins (then the highest id).
- Excluded rows are skipped. A stratified share of the rows is held out for evaluation: within
  each stratum (shouldBlock x first positive label) rows are ranked by a seeded hash of their
  content, so a row keeps its side as feedback grows.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import labels as L
from ..engine import sha256
from ..store import FeedbackRecord
from .corpus import SEED, Sample, load_corpus
from .recipe import enron_samples, lure_samples, template_samples, written_samples

FEEDBACK_SOURCE = "feedback"
# feedback label -> model labels a `true` makes positive
POSITIVE: dict[str, tuple[str, ...]] = {
    "toxic": (L.TOXICITY,),
    "sexual": (L.SEXUAL,),
    "phishing": (L.PHISHING,),
    "insult": (L.TOXICITY, L.HARASSMENT),
    "harassment": (L.HARASSMENT, L.TOXICITY),
    "hate": (L.HATE, L.TOXICITY),
    "threat": (L.VIOLENCE, L.TOXICITY),
    "violence": (L.VIOLENCE,),
    "self_harm": (L.SELF_HARM,),
    "profanity": (),  # scored by the lexicon, not learnt
}
# feedback label -> the model label a `false` makes negative
NEGATIVE: dict[str, str] = {
    "toxic": L.TOXICITY,
    "sexual": L.SEXUAL,
    "phishing": L.PHISHING,
    "harassment": L.HARASSMENT,
    "hate": L.HATE,
    "violence": L.VIOLENCE,
    "self_harm": L.SELF_HARM,
}


def targets_of(should_block: bool, labels: dict[str, bool] | None) -> dict[str, int]:
    """Map one correction onto 0/1 targets per model label (see the module docstring)."""
    labels = labels or {}
    out: dict[str, int] = {}
    for name, value in labels.items():
        if value:
            for label in POSITIVE.get(name, ()):
                out[label] = 1
    for name, value in labels.items():
        if not value and name in NEGATIVE:
            out.setdefault(NEGATIVE[name], 0)
    if not should_block:
        for label in L.MODEL_LABELS:
            out.setdefault(label, 0)
    elif not any(out.get(k) for k in L.REQUIRED) and labels.get("toxic") is not False:
        out[L.TOXICITY] = 1
    return out


@dataclass(frozen=True)
class Correction:
    """One merged feedback row as training sees it."""

    id: int
    key_id: str
    content_sha256: str
    text: str
    should_block: bool
    targets: dict[str, int]

    def sample(self) -> Sample:
        return Sample(self.text, FEEDBACK_SOURCE, dict(self.targets))

    def stratum(self) -> tuple[bool, str]:
        first = next((k for k in sorted(self.targets) if self.targets[k]), "")
        return self.should_block, first


@dataclass
class FeedbackSet:
    """Merged corrections split into training rows and the evaluation holdout."""

    train: list[Correction]
    holdout: list[Correction]
    counts: dict[str, int] = field(default_factory=dict)

    def key_shares(self) -> dict[str, float]:
        """Return each key's share of the merged rows."""
        rows = [*self.train, *self.holdout]
        per_key = Counter(r.key_id for r in rows)
        return {k: n / len(rows) for k, n in per_key.most_common()} if rows else {}

    def content_digest(self, part: str) -> str:
        """Return one SHA-256 over the sorted content hashes of `train` or `holdout`."""
        rows = self.train if part == "train" else self.holdout
        joined = "\n".join(sorted(r.content_sha256 for r in rows))
        return hashlib.sha256(joined.encode()).hexdigest()


def merge(rows: Iterable[FeedbackRecord]) -> tuple[list[Correction], dict[str, int]]:
    """Drop excluded rows, merge rows of the same content (most recent wins); count all that."""
    counts = Counter(rows=0, excluded=0, duplicates=0, conflicts=0)
    latest: dict[str, FeedbackRecord] = {}
    answers: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        counts["rows"] += 1
        if row.excluded:
            counts["excluded"] += 1
            continue
        answers[row.content_sha256].add(json.dumps(targets_of(row.should_block, row.labels),
                                                   sort_keys=True))
        kept = latest.get(row.content_sha256)
        if kept is not None:
            counts["duplicates"] += 1
        if kept is None or (row.created_at, row.id) > (kept.created_at, kept.id):
            latest[row.content_sha256] = row
    counts["conflicts"] = sum(1 for a in answers.values() if len(a) > 1)
    merged = [Correction(r.id, r.key_id, r.content_sha256, r.content, r.should_block,
                         targets_of(r.should_block, r.labels))
              for r in sorted(latest.values(), key=lambda r: r.id)]
    counts["merged"] = len(merged)
    return merged, dict(counts)


def split(corrections: Sequence[Correction], share: float, seed: int = SEED
          ) -> tuple[list[Correction], list[Correction]]:
    """Return (train, holdout): per stratum, the round(share * n) rows of lowest seeded hash."""
    strata: dict[tuple[bool, str], list[Correction]] = defaultdict(list)
    for c in corrections:
        strata[c.stratum()].append(c)
    held: set[int] = set()
    for members in strata.values():
        ranked = sorted(members, key=lambda c: _rank(seed, c.content_sha256))
        held.update(c.id for c in ranked[: int(round(len(members) * share))])
    return ([c for c in corrections if c.id not in held],
            [c for c in corrections if c.id in held])


def _rank(seed: int, content_sha256: str) -> str:
    return hashlib.sha256(f"{seed}:{content_sha256}".encode()).hexdigest()


def feedback_set(rows: Iterable[FeedbackRecord], holdout_share: float) -> FeedbackSet:
    """Merge and split recorded feedback."""
    merged, counts = merge(rows)
    train, holdout = split(merged, holdout_share)
    counts.update(train=len(train), holdout=len(holdout))
    return FeedbackSet(train, holdout, counts)


# -- the base corpus ----------------------------------------------------------------------

@dataclass
class BaseCorpus:
    """Public labelled data: training pool, calibration sets, named test sets, file hashes."""

    path: str
    layout: str
    train: list[Sample]
    calibration: dict[str, list[Sample]]
    tests: dict[str, list[Sample]]
    files: dict[str, str]

    def summary(self) -> dict:
        """Return the data-manifest entry: sources, row counts, file hashes."""
        sources = Counter(s.source for s in self.train)
        return {"path": self.path, "layout": self.layout, "train_rows": len(self.train),
                "train_sources": dict(sorted(sources.items())),
                "tests": {k: len(v) for k, v in self.tests.items()}, "files_sha256": self.files}


def load_base(path: Path | None) -> BaseCorpus | None:
    """Load the base corpus at `path`, or return None when there is none.

    Two layouts: the shared data set (`toxicity/olid/...`, split exactly as the shipped models
    were trained), or plain JSON lines: `train.jsonl`, `test_<name>.jsonl` and optional
    `calibration_<label>.jsonl`, one `{"text": ..., "labels": {label: 0|1}}` per line.
    """
    if path is None or not path.is_dir():
        return None
    if (path / "toxicity" / "olid").is_dir():
        corpus = load_corpus(path)
        # as the engine's train(): the written rows (solicitation: sexual only; contrast:
        # toxicity only), then the Enron e-mails (phishing only) last
        train = [*corpus.train, *template_samples(), *lure_samples(), *written_samples(),
                 *enron_samples(corpus.phishing_rows)]
        return BaseCorpus(str(path), "shared-data", train, corpus.calibration, corpus.tests,
                          _hashes(path))
    if (path / "train.jsonl").is_file():
        tests = {p.stem[len("test_"):]: _jsonl(p) for p in sorted(path.glob("test_*.jsonl"))}
        calibration = {p.stem[len("calibration_"):]: _jsonl(p)
                       for p in sorted(path.glob("calibration_*.jsonl"))}
        return BaseCorpus(str(path), "jsonl", _jsonl(path / "train.jsonl"), calibration, tests,
                          _hashes(path))
    return None


def _jsonl(path: Path) -> list[Sample]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [Sample(r["text"], r.get("source", path.stem),
                   {k: int(v) for k, v in r["labels"].items()}) for r in rows]


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256(p) for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}
