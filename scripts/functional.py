"""Score the functional table (issue 20) with the engine at the served thresholds.

Prints accuracy per category (easy, hard, all) and per difficulty, with the number of cases,
then the templates with the most failing cases and a few of their failures.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from spectrum_rpc.engine import load_engine
from spectrum_rpc.settings import ThresholdSettings
from spectrum_rpc.training.functional import (
    CATEGORIES,
    EASY,
    EVERY_LABEL,
    HARD,
    Outcome,
    accuracy_by,
    build_table,
    run,
)


def _cell(counts: tuple[int, int] | None) -> str:
    if counts is None:
        return "—"
    right, total = counts
    return f"{right / total:.2f} ({total})"


def category_lines(outcomes: Sequence[Outcome]) -> list[str]:
    """Return the per-category and per-difficulty markdown table."""
    split = accuracy_by(outcomes, lambda c: (c.category, c.difficulty))
    whole = accuracy_by(outcomes, lambda c: c.category)
    lines = ["| category | easy | hard | all |", "|---|---:|---:|---:|"]
    for category in CATEGORIES:
        lines.append(f"| {category} | {_cell(split.get((category, EASY)))} | "
                     f"{_cell(split.get((category, HARD)))} | {_cell(whole.get(category))} |")
    level = accuracy_by(outcomes, lambda c: c.difficulty)
    total = (sum(o.correct for o in outcomes), len(outcomes))
    lines.append(f"| **all** | {_cell(level.get(EASY))} | {_cell(level.get(HARD))} | "
                 f"{_cell(total)} |")
    return lines


def label_lines(outcomes: Sequence[Outcome]) -> list[str]:
    """Return accuracy per label on the cases it should flag and on those it should not."""
    split = accuracy_by(outcomes, lambda c: (c.label, c.expected))
    lines = ["| label | should flag | should not flag |", "|---|---:|---:|"]
    for label in EVERY_LABEL:
        lines.append(f"| {label} | {_cell(split.get((label, True)))} | "
                     f"{_cell(split.get((label, False)))} |")
    return lines


def worst_lines(outcomes: Sequence[Outcome], templates: int, examples: int) -> list[str]:
    """Return the templates with the most failing cases, each with a few failures."""
    failures: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if not outcome.correct:
            failures[outcome.case.template].append(outcome)
    sizes = accuracy_by(outcomes, lambda c: c.template)
    ranked = sorted(failures, key=lambda t: (-len(failures[t]), sizes[t][1]))[:templates]
    lines = []
    for template in ranked:
        wrong = failures[template]
        first = wrong[0].case
        lines.append(f"- `{template}` ({first.category}, {first.difficulty}): "
                     f"{len(wrong)} of {sizes[template][1]} wrong")
        for outcome in wrong[:examples]:
            case = outcome.case
            verdict = "missed" if case.expected else "false alarm"
            lines.append(f"  - {verdict}: {case.text!r} {case.label} {outcome.confidence:.3f}")
    return lines


def functional_report(model_dir: Path | None, thresholds: Mapping[str, float],
                      templates: int = 15, examples: int = 3) -> list[str]:
    """Return the markdown report: the version and thresholds, the table, the worst templates."""
    engine = load_engine(model_dir)
    outcomes = run(engine, build_table(), thresholds)
    shown = ", ".join(f"{label} {value}" for label, value in thresholds.items())
    return [f"engine {engine.version}, thresholds: {shown}; accuracy (cases)", "",
            *category_lines(outcomes), "", *label_lines(outcomes), "",
            "Templates with the most failing cases:", "",
            *worst_lines(outcomes, templates, examples)]


def _thresholds(default: float | None, overrides: Sequence[str]) -> dict[str, float]:
    served = ThresholdSettings()
    thresholds = {label: default if default is not None else getattr(served, label).reject
                  for label in EVERY_LABEL}
    for item in overrides:
        label, _, value = item.partition("=")
        if label not in thresholds or not value:
            raise SystemExit(f"--label-threshold wants LABEL=VALUE with LABEL in {EVERY_LABEL}")
        thresholds[label] = float(value)
    return thresholds


def main(argv: list[str] | None = None) -> None:
    """Print (and with --write, record) the functional table's figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=Path, help="model directory (default: shipped)")
    parser.add_argument("--threshold", type=float,
                        help="every label's threshold (default: the served defaults)")
    parser.add_argument("--label-threshold", action="append", default=[], metavar="LABEL=VALUE",
                        help="one label's threshold (repeatable), e.g. toxicity=0.25")
    parser.add_argument("--templates", type=int, default=15, help="worst templates listed")
    parser.add_argument("--examples", type=int, default=3, help="failures shown per template")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    thresholds = _thresholds(args.threshold, args.label_threshold)
    lines = functional_report(args.models, thresholds, args.templates, args.examples)
    from bench_classify import show  # scripts/ is on sys.path when run as a script

    show(lines, "Functional table", "functional.py", argv, args.write)


if __name__ == "__main__":
    main()
