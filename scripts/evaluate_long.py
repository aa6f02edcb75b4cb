"""Measure the worst-part rule on long texts: labelled positives hidden in long harmless text,
and long harmless texts (false alarms), before and after in the same run.

    .venv/bin/python scripts/evaluate_long.py --data-dir ../shared/data [--write]

Positives are the test parts' (never trained on): the moderation samples' sexual prompts, OLID
test's offensive tweets (toxicity), the SMS test split's spam (phishing). Each is put into
harmless filler of several lengths two ways: `embedded` (the text whole, at a random place)
and `spread` (its sentences spread evenly through the filler: explicit material diluted across
windows, as in a long story or an ad). The filler is the same test parts' harmless texts (of
one window) that score below half of every decided label's threshold alone, so a flag on it is
the rule's doing and not one of its parts'. Long harmless texts: such filler alone at each
length, and the Enron test subsets' ham e-mails over 1,500 chars (natural long text). The
moderation samples' sexual prompts that are longer than one window are scored as they are.

"before" scores long texts at the first window scale only (512-char windows: the rule of
revisions before the scales), "after" at every scale of engine/windows.py SCALES. Each cell:
the share flagged at the served threshold (and the median score).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from spectrum_rpc import labels as L
from spectrum_rpc.analysis import split_sentences as split
from spectrum_rpc.engine import Engine, fits_one_window, load_engine
from spectrum_rpc.settings import ThresholdSettings
from spectrum_rpc.training import data_dir, load_corpus

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Long texts: the worst-part rule"
LENGTHS = (2000, 8000, 32000)
PER_LABEL = 60
HAM = 150


def thresholds() -> dict[str, float]:
    served = ThresholdSettings()
    return {label: getattr(served, label).reject for label in L.DECIDED}


class Maker:
    """Builds long texts from filler with a fixed seed."""

    def __init__(self, filler: list[str], seed: int = 0):
        self.filler = filler
        self.rng = np.random.default_rng(seed)

    def parts(self, length: int) -> list[str]:
        out, size = [], 0
        while size < length:
            text = self.filler[self.rng.integers(len(self.filler))].strip()
            out.append(text)
            size += len(text) + 1
        return out

    def embedded(self, text: str, length: int) -> str:
        parts = self.parts(length)
        parts.insert(int(self.rng.integers(len(parts) + 1)), text)
        return " ".join(parts)

    def spread(self, text: str, length: int) -> str:
        sentences = [text[b:e] for b, e in split(text)] or [text]
        parts = self.parts(length)
        step = len(parts) / (len(sentences) + 1)
        for k, sentence in enumerate(sentences):
            parts.insert(round((k + 1) * step) + k, sentence)
        return " ".join(parts)


def test_sets(root: Path, engine: Engine) -> dict[tuple[str, str, int], list[str]]:
    """Return the texts to score by (label or "harmless", kind, length)."""
    tests = load_corpus(root).tests
    positives = {
        L.SEXUAL: [s.text for s in tests["moderation_test"] if s.labels.get(L.SEXUAL) == 1],
        L.TOXICITY: [s.text for s in tests["olid_test"] if s.labels.get(L.TOXICITY) == 1],
        L.PHISHING: [s.text for s in tests["sms_test"] if s.labels.get(L.PHISHING) == 1],
    }
    harmless = [t for t in ([s.text for s in tests["olid_test"] if s.labels.get(L.TOXICITY) == 0]
                            + [s.text for s in tests["sms_test"] if s.labels.get(L.PHISHING) == 0]
                            + [s.text for s in tests["moderation_test"]
                               if not any(s.labels.values())])
                if fits_one_window(t)]  # scored whole: the same under any rule
    scores = engine.score(harmless)
    calm = np.ones(len(harmless), dtype=bool)
    for label, threshold in thresholds().items():
        calm &= scores[:, engine.labels.index(label)] < threshold / 2
    maker = Maker([t for t, ok in zip(harmless, calm, strict=True) if ok])
    rng = np.random.default_rng(1)
    sets: dict[tuple[str, str, int], list[str]] = {}
    for label, texts in positives.items():
        short = [t for t in texts if fits_one_window(t)]
        picked = [short[i] for i in sorted(rng.choice(len(short), min(PER_LABEL, len(short)),
                                                      replace=False))]
        sets[(label, "alone (the ceiling)", 0)] = picked
        for length in LENGTHS:
            sets[(label, "embedded", length)] = [maker.embedded(t, length) for t in picked]
            sets[(label, "spread", length)] = [maker.spread(t, length) for t in picked]
    sets[(L.SEXUAL, "long prompt alone", 0)] = [t for t in positives[L.SEXUAL]
                                                if not fits_one_window(t)]
    for length in LENGTHS:
        sets[("harmless", "filler", length)] = [" ".join(maker.parts(length))
                                                for _ in range(PER_LABEL)]
    ham = [s.text for s in tests["enron_test"]
           if s.labels[L.PHISHING] == 0 and len(s.text) > 1500]
    sets[("harmless", "enron ham e-mail", 0)] = [ham[i] for i in sorted(
        rng.choice(len(ham), min(HAM, len(ham)), replace=False))]
    return sets


def cell(scores: np.ndarray, threshold: float) -> str:
    return f"{np.mean(scores >= threshold):.2f} ({np.median(scores):.2f})"


def measure(root: Path) -> str:
    engine = load_engine()
    served = thresholds()
    sets = test_sets(root, engine)
    rules = {"before": engine.scales[:1], "after": engine.scales}
    scored, seconds, chars = {}, dict.fromkeys(rules, 0.0), 0
    for key, texts in sets.items():
        chars += sum(map(len, texts))
        for rule, scales in rules.items():
            engine.scales = scales
            started = time.perf_counter()
            scored[(rule, key)] = engine.score(texts)
            seconds[rule] += time.perf_counter() - started
    engine.scales = rules["after"]
    column = {label: engine.labels.index(label) for label in served}
    lines = [f"Served thresholds: {', '.join(f'{k} {v}' for k, v in served.items())}; model "
             f"{engine.version}. Each cell: share flagged (median score), before -> after.", "",
             "| label | texts | length (chars) | n | before | after |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for (label, kind, length), texts in sets.items():
        if label != "harmless":
            c = column[label]
            lines.append(f"| {label} | {kind} | {length or 'as is'} | {len(texts)} | "
                         + " | ".join(cell(scored[(rule, (label, kind, length))][:, c],
                                           served[label]) for rule in rules) + " |")
    lines += ["", "False alarms on long harmless texts, per decided label (share flagged):", "",
              "| texts | length (chars) | n | "
              + " | ".join(f"{label} before | {label} after" for label in served) + " |",
              "| --- | ---: | ---: |" + " ---: |" * (2 * len(served))]
    for (label, kind, length), texts in sets.items():
        if label == "harmless":
            values = [f"{np.mean(scored[(rule, (label, kind, length))][:, column[name]] >= t):.2f}"
                      for name, t in served.items() for rule in rules]
            lines.append(f"| {kind} | {length or 'as is'} | {len(texts)} | "
                         + " | ".join(values) + " |")
    rates = {rule: chars / seconds[rule] / 1e6 for rule in rules}
    lines += ["", "Scoring speed over all these texts (one process, wall clock, the machine "
              "shared): " + ", ".join(f"{rule} {rate:.2f} M chars/s" for rule, rate in
                                      rates.items())
              + f" ({rates['before'] / rates['after']:.1f}x the time).", "",
              *speed(engine, rules, sets[("harmless", "filler", LENGTHS[-1])])]
    engine.scales = rules["after"]
    return "\n".join(lines)


def speed(engine: Engine, rules: dict, filler: list[str], runs: int = 3) -> list[str]:
    """CPU time (this thread's: other processes inflate it far less than wall time) of scoring
    a 2 KB text, a 32 KB text (the stream path) and a 1 MB one, median of `runs`."""
    text = " ".join(filler)
    text = (text + " ") * (10**6 // len(text) + 1)
    sizes = {"2 KB": text[:2048], "32 KB": text[:32768], "1 MB": text[:10**6]}
    lines = ["| text | " + " | ".join(f"CPU ms, {rule}" for rule in rules) + " | ratio |",
             "| --- |" + " ---: |" * (len(rules) + 1)]
    for name, sample in sizes.items():
        cost = {}
        for rule, scales in rules.items():
            engine.scales = scales
            times = []
            for _ in range(runs):
                started = time.thread_time()
                engine.score([sample])
                times.append(time.thread_time() - started)
            cost[rule] = statistics.median(times) * 1e3
        lines.append(f"| {name} | " + " | ".join(f"{v:,.1f}" for v in cost.values())
                     + f" | {cost['after'] / cost['before']:.1f}x |")
    return lines


def write(section: str, path: Path) -> None:
    """Replace the generated top of this script's section of docs/BENCHMARKS.md (up to its
    first ### subsection, which is hand-written and kept), or add the section at the end."""
    text = path.read_text()
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^##+ |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    root = data_dir(args.data_dir)
    if not (root / "moderation").is_dir():
        raise SystemExit(f"shared data not found: {root} (give --data-dir)")
    report = measure(root)
    print(report)
    if args.write:
        command = " ".join(["python scripts/evaluate_long.py", *(argv or sys.argv[1:])])
        command = re.sub(r"--data-dir \S+", "--data-dir ../shared/data", command)
        write(f"{SECTION}\n\nCommand: `{command}`\n\n{report}", ROOT / "docs/BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
