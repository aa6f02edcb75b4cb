"""Evaluate the engine on the held-out test sets at the served thresholds, side by side with
the previous model (`--before-rev`: the package of an earlier git revision, its model scored by
its own code; or `--before`: a model directory scored by this tree's code) and
alt-profanity-check (toxicity); then the functional table per category.

Each model is judged at the thresholds it is served with: the decided labels (toxicity, sexual,
phishing) at the defaults its training chose (engine.json's `served_calibration`, or with the
encoder tier on, its stacked scores' thresholds `encoder.thresholds`, which the
`[thresholds]` defaults in settings.py repeat: a test holds them equal), 0.5 for models older
than the pooled calibration; the other labels at 0.5. The last column, the F1 at the best
threshold in hindsight on the test set itself, is the ceiling no calibration can pass.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.engine import Engine, load_engine
from spectrum_rpc.training import Report, data_dir, load_corpus, report
from spectrum_rpc.training import served_thresholds as from_directory
from spectrum_rpc.training.functional import CATEGORIES, EASY, HARD, accuracy_by, build_table, run

HEADER = (f"| {'test set':<16} | {'label':<10} | {'model':<26} | {'thr':>4} | {'n':>5} | "
          f"{'pos':>5} | {'ROC-AUC':>7} | {'prec':>5} | {'recall':>6} | {'F1':>5} | "
          f"{'ECE':>5} | {'best F1':>7} |")
REFERENCE = "alt-profanity-check"
OLD_DEFAULT = 0.5  # every label's threshold before the pooled calibration
MODELS_PATH = "spectrum_rpc/models"
# Enron's test subsets hold 12,000 e-mails: a fixed sample keeps a run to minutes.
MAX_ROWS = 3000


def row(test: str, label: str, model: str, threshold: float, r: Report) -> str:
    """Format one markdown table row."""
    return (f"| {test:<16} | {label:<10} | {model:<26} | {threshold:>4.2f} | {r.n:>5} | "
            f"{r.positives:>5} | {r.roc_auc:>7.3f} | {r.precision:>5.3f} | {r.recall:>6.3f} | "
            f"{r.f1:>5.3f} | {r.ece:>5.3f} | {r.best_f1:>7.3f} |")


def served_thresholds(engine: Engine | PastEngine) -> dict[str, float]:
    """Return the thresholds `engine` is served with (see the module docstring)."""
    source = engine.source
    # the encoder tier's thresholds only where it is loaded (it scores the stacked labels)
    chosen = ({} if source is None else
              from_directory(source, encoder=getattr(engine, "encoder", None) is not None))
    return {label: chosen.get(label, OLD_DEFAULT) for label in L.ALL}


# Run in a subprocess with an earlier revision's package first on the path: score the texts of
# a JSON file with that revision's shipped engine, write the scores and the engine's labels.
_SCORE = """
import json, sys
import numpy as np
from spectrum_rpc.engine import load_engine
engine = load_engine()
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
np.save(sys.argv[2], engine.score(texts) if texts else np.zeros((0, len(engine.labels))))
print(json.dumps({"version": engine.version, "labels": list(engine.labels)}))
"""


class PastEngine:
    """The engine shipped at an earlier git revision, scored by that revision's own code (its
    normalisation and features included) in a subprocess: as it was served."""

    def __init__(self, rev: str, scratch: Path):
        archive = subprocess.run(["git", "archive", rev, "spectrum_rpc"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive, check=True)
        self.root = scratch
        self.source = scratch / MODELS_PATH
        self.version, self.labels = "", ()
        self.score([])

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Return the (texts x labels) probabilities, as `Engine.score`."""
        given, out = self.root / "texts.json", self.root / "scores.npy"
        given.write_text(json.dumps(list(texts)), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(self.root)}
        answer = subprocess.run([sys.executable, "-c", _SCORE, str(given), str(out)], env=env,
                                check=True, capture_output=True, text=True, cwd=self.root)
        info = json.loads(answer.stdout.strip().splitlines()[-1])
        self.version, self.labels = info["version"], tuple(info["labels"])
        return np.load(out)

    def classify(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Return per-label probabilities, as `Engine.classify`."""
        return [dict(zip(self.labels, row, strict=True)) for row in self.score(texts).tolist()]


def _sample(samples: list, limit: int) -> list:
    if len(samples) <= limit:
        return samples
    keep = np.sort(np.random.default_rng(0).choice(len(samples), limit, replace=False))
    return [samples[i] for i in keep]


def evaluate(root: Path, engines: Mapping[str, Engine | PastEngine],
             compare: bool = True) -> list[str]:
    """Return markdown table lines for every (test set, label) the data annotates."""
    corpus = load_corpus(root)
    served = {name: served_thresholds(engine) for name, engine in engines.items()}
    lines = ["models: " + ", ".join(f"{name} = {e.version}" for name, e in engines.items()),
             "", HEADER, "|---" * 12 + "|"]
    for test, samples in corpus.tests.items():
        samples = _sample(samples, MAX_ROWS)
        texts = [s.text for s in samples]
        scores = {name: engine.score(texts) for name, engine in engines.items()}
        baseline = _baseline(texts) if compare and any(L.TOXICITY in s.labels
                                                       for s in samples) else None
        for label in L.ALL:
            have = [i for i, s in enumerate(samples) if label in s.labels]
            if not have:
                continue
            y = np.array([samples[i].labels[label] for i in have])
            for name, engine in engines.items():
                t = served[name][label]
                p = scores[name][have, engine.labels.index(label)]
                lines.append(row(test, label, name, t, report(y, p, t)))
            if baseline is not None and label == L.TOXICITY:
                lines.append(row(test, label, REFERENCE, OLD_DEFAULT,
                                 report(y, baseline[have], OLD_DEFAULT)))
    lines += ["", *_ordinary_prompts(corpus.tests["moderation_test"], engines, served)]
    return lines


def _ordinary_prompts(samples: Sequence, engines: Mapping[str, Engine | PastEngine],
                      served: Mapping[str, Mapping[str, float]]) -> list[str]:
    """What each model's phishing threshold costs on the moderation test prompts (none is
    spam: OpenAI's prompts and chat messages)."""
    texts = [s.text for s in samples]
    out = []
    for name, engine in engines.items():
        t = served[name][L.PHISHING]
        p = engine.score(texts)[:, engine.labels.index(L.PHISHING)]
        flagged = [texts[i] for i in np.flatnonzero(p >= t)]
        out.append(f"- {name}: phishing flags {len(flagged)} of {len(texts)} moderation test "
                   f"prompts at {t:.2f} ({len(flagged) / len(texts):.1%})")
    return out


def functional_lines(engines: Mapping[str, Engine | PastEngine]) -> list[str]:
    """Return the functional table's accuracy per category for every model, each at its
    served thresholds."""
    table = build_table()
    names = list(engines)
    results = {}
    for name, engine in engines.items():
        outcomes = run(engine, table, served_thresholds(engine))
        results[name] = (accuracy_by(outcomes, lambda c: (c.category, c.difficulty)),
                         accuracy_by(outcomes, lambda c: c.category),
                         accuracy_by(outcomes, lambda c: c.difficulty),
                         (sum(o.correct for o in outcomes), len(outcomes)))
    head = " | ".join(f"{n} easy | {n} hard | {n} all" for n in names)
    lines = [f"| category | {head} |", "|---" + "|---:" * (3 * len(names)) + "|"]
    for category in CATEGORIES:
        cells = []
        for name in names:
            split, whole, _, _ = results[name]
            cells += [_cell(split.get((category, EASY))), _cell(split.get((category, HARD))),
                      _cell(whole.get(category))]
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    cells = []
    for name in names:
        _, _, level, total = results[name]
        cells += [_cell(level.get(EASY)), _cell(level.get(HARD)), _cell(total)]
    lines.append("| **all** | " + " | ".join(cells) + " |")
    return lines


def _cell(counts: tuple[int, int] | None) -> str:
    if counts is None:
        return "—"
    right, total = counts
    return f"{right / total:.2f} ({total})"


def _baseline(texts: list[str]) -> np.ndarray:
    from profanity_check import predict_prob

    return np.asarray(predict_prob(texts), dtype=float)


def main(argv: list[str] | None = None) -> None:
    """Print the evaluation tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--models", type=Path, help="model directory (default: shipped)")
    parser.add_argument("--before", type=Path, help="a previous model directory to compare")
    parser.add_argument("--before-rev", help="compare with the model shipped at this git "
                        "revision, scored by that revision's code (extracted to a temp dir)")
    parser.add_argument("--linear-only", action="store_true", help="also score the model "
                        "with its encoder tier switched off (engine.encoder = false)")
    parser.add_argument("--no-compare", action="store_true", help="skip alt-profanity-check")
    parser.add_argument("--no-functional", action="store_true", help="skip the functional table")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        engines: dict[str, Engine | PastEngine] = {}
        if args.before_rev:
            engines["before"] = PastEngine(args.before_rev, Path(scratch))
        elif args.before is not None:
            engines["before"] = load_engine(args.before)
        engines["spectrum-rpc"] = load_engine(args.models)
        if args.linear_only:
            engines["linear only"] = engines["spectrum-rpc"].without_encoder()
        lines = evaluate(data_dir(args.data_dir), engines, not args.no_compare)
        if not args.no_functional:
            lines += ["", "Functional table, accuracy (cases) at each model's served "
                      "thresholds:", "", *functional_lines(engines)]
    from bench_classify import show  # scripts/ is on sys.path when run as a script

    show(lines, "Quality", "evaluate.py", argv, args.write)


if __name__ == "__main__":
    main()
