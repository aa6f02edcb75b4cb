"""Benchmark the profanity, spelling and sentiment detectors; optionally record the figures.

Times each detector on a fixed set of ~100-character comments (p50/p99 of one text at a time,
wall clock and this thread's CPU time, median of --runs runs) and on one long text, and compares
the two spelling libraries on codespell's list of common misspellings (accuracy, wrong changes,
time per word, load time and memory) and on its British/US spelling pairs (how often a real
word gets "corrected").

    .venv/bin/python scripts/bench_detectors.py --write
"""

from __future__ import annotations

import argparse
import importlib.resources
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from spectrum_rpc.engine import load_engine, profanity, sentiment, spelling

Mode, Profanity = profanity.Mode, profanity.Profanity
SentimentAnalyzer = sentiment.SentimentAnalyzer
MAX_CHARS, Speller = spelling.MAX_CHARS, spelling.Speller
dictionary_lines, english_words = spelling.dictionary_lines, spelling.english_words

SECTION = "## Profanity, spelling and sentiment"
DOC = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"
WORDS = ("the a you this meeting report is was great terrible idiot fucking love hate call now "
         "thanks please shit nice weather music video subscribe channel morning family friend "
         "work school tomorrow project team stupid recieve definately f*ck sh!t ffuuckk kcuf "
         "amazing awful really never again service people seriously wrong good bad").split()
BANNED = [f"brand{i}" for i in range(49)] + ["acme"]
SAMPLE = 1000


def comments(count: int, chars: int = 100, seed: int = 7) -> list[str]:
    """Return `count` deterministic pseudo-comments of about `chars` characters."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words: list[str] = []
        while sum(map(len, words)) + len(words) < chars:
            words.append(rng.choice(WORDS))
        out.append(" ".join(words)[:chars])
    return out


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def per_text(fn: Callable[[str], object], texts: list[str], runs: int) -> tuple[float, ...]:
    """Return µs p50, p99 (wall) and p50, p99 (CPU) per text, medians over `runs` runs."""
    results = []
    for _ in range(runs):
        for text in texts[:20]:
            fn(text)
        wall, cpu = [], []
        for text in texts:
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn(text)
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
        results.append(tuple(percentile(t, q) * 1e6 for t in (wall, cpu) for q in (0.5, 0.99)))
    return tuple(statistics.median(r[i] for r in results) for i in range(4))


def detector_lines(runs: int, long_mb: float) -> tuple[list[str], Speller]:
    lexicon = load_engine().lexicon
    profanity = Profanity(lexicon, english_words())
    started, before = time.thread_time(), rss_mb()
    speller = Speller(frozenset(lexicon.word_terms()))
    speller_load = (time.thread_time() - started, rss_mb() - before)
    sentiment = SentimentAnalyzer()
    texts = comments(500)
    cases: list[tuple[str, Callable[[str], object]]] = [
        (f"profanity {mode.name}", lambda t, m=mode: profanity.find(t, m)) for mode in Mode]
    cases += [
        ("profanity NORMAL, 50 banned + 1 allowed word",
         lambda t: profanity.find(t, Mode.NORMAL, banned=BANNED, allowed=["damn"])),
        ("profanity SUSPICIOUS, 50 banned + 1 allowed word",
         lambda t: profanity.find(t, Mode.SUSPICIOUS, banned=BANNED, allowed=["damn"])),
        ("spelling", speller.correct),
        ("sentiment", sentiment.analyze),
    ]
    lines = ["| detector | p50 wall | p99 wall | p50 CPU | p99 CPU |", "|---|---|---|---|---|"]
    cpu = {}
    for name, fn in cases:
        p50, p99, c50, c99 = per_text(fn, texts, runs)
        cpu[name] = c50
        lines.append(f"| {name} | {p50:.0f} µs | {p99:.0f} µs | {c50:.0f} µs | {c99:.0f} µs |")
    share = cpu["profanity NORMAL"] + cpu["spelling"] + cpu["sentiment"]
    lines += ["", f"Profanity NORMAL + spelling + sentiment: {share:.0f} µs of CPU at p50 for a "
              "100-character text, against the whole analysis's budget of 1 ms. The wall p99 "
              "figures include other processes on this shared 2-core machine; the CPU columns are "
              "this thread's own time. The texts repeat a few misspellings, so the spelling row "
              "is its warm-cache cost; a misspelling it has not seen costs what the comparison "
              "below gives per misspelling."]
    lines += ["", f"Speller load: {speller_load[0]:.1f} s of CPU, resident memory "
              f"+{speller_load[1]:.0f} MB (symspellpy's dictionary with every deletion within "
              "two edits).", ""]
    lines += long_text_lines(profanity, speller, sentiment, long_mb)
    lines += ["", *dictionary_word_lines(profanity)]
    return lines, speller


PROFANE = {"idiot", "fucking", "shit", "stupid", "f*ck", "sh!t", "ffuuckk", "kcuf"}


def long_text_lines(profanity: Profanity, speller: Speller, sentiment: SentimentAnalyzer,
                    long_mb: float) -> list[str]:
    base = " ".join(comments(50))
    text = (base + " ") * int(long_mb * 1e6 / (len(base) + 1))
    clean = " ".join(w for w in text.split(" ") if w not in PROFANE)
    lines = [f"One {len(text) / 1e6:.1f} MB text (the comments above, repeated: a profane word "
             "every ten or so), and the same without its profane words:", "",
             "| detector | CPU (wall) | result | CPU (wall), clean text |", "|---|---|---|---|"]
    for mode in Mode:
        (count, took), (clean_count, clean_took) = (
            timed(lambda t=t, m=mode: sum(1 for _ in profanity.scan(t, m))) for t in (text, clean))
        lines.append(f"| profanity {mode.name} | {took} | {count} matches | {clean_took} "
                     f"({clean_count} matches) |")
    for name, fn in (("spelling", speller.correct), ("sentiment", sentiment.analyze)):
        result, took = timed(lambda f=fn: f(text))
        what = (f"skipped: {result.skipped}" if name == "spelling"
                else f"first 20,000 chars, truncated={result.truncated}")
        lines.append(f"| {name} | {took} | {what} | |")
    rng = random.Random(3)
    nonsense = " ".join("".join(rng.choice("etaoinshrdlu") for _ in range(rng.randint(6, 12)))
                        for _ in range(3000))[:MAX_CHARS]
    result, took = timed(lambda: speller.correct(nonsense))
    lines.append(f"| spelling, {len(nonsense):,} chars of unseen nonsense words (its worst case) "
                 f"| {took} | {len(result.edits)} edits | |")
    return lines


def dictionary_word_lines(profanity: Profanity) -> list[str]:
    """How many words of symspellpy's English dictionary each mode flags, and which the modes
    above NORMAL add (innocent words should not be among them)."""
    words = sorted((count, word) for word, count in dictionary_lines())[::-1]
    lines = ["Words of symspellpy's English dictionary (82,765) flagged, each alone:", "",
             "| mode | flagged | added by the mode | the most frequent added |",
             "|---|---|---|---|"]
    for mode in Mode:
        flagged = [(w, m) for _, w in words for m in profanity.find(w, mode)]
        added = [w for w, m in flagged if m.mode is mode]
        lines.append(f"| {mode.name} | {len(flagged)} | {len(added)} | "
                     f"{', '.join(added[:12]) if mode is not Mode.NORMAL else ''} |")
    normal = [w for _, w in words if profanity.find(w)]
    return lines + ["", "The most frequent words NORMAL flags: " + ", ".join(normal[:40]) + "."]


def timed(fn: Callable[[], object]) -> tuple:
    """Return fn()'s result and "CPU s (wall s)" of the call."""
    started, started_cpu = time.perf_counter(), time.thread_time()
    result = fn()
    return result, (f"{time.thread_time() - started_cpu:.2f} s "
                    f"({time.perf_counter() - started:.2f} s)")


def codespell_pairs() -> list[tuple[str, str]]:
    """Return (misspelling, correction) pairs of codespell's dictionary: one correction, both
    lower-case letters only."""
    path = importlib.resources.files("codespell_lib") / "data" / "dictionary.txt"
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        typo, _, fixes = line.partition("->")
        options = [f.strip() for f in fixes.split(",") if f.strip()]
        if len(options) == 1 and re.fullmatch(r"[a-z]{3,}", typo) and \
                re.fullmatch(r"[a-z]{3,}", options[0]):
            pairs.append((typo, options[0]))
    return pairs


def score(fix: Callable[[str], str], pairs: list[tuple[str, str]]) -> tuple[float, ...]:
    """Return accuracy, wrong-change rate, mean and p50, p99 µs of CPU per word."""
    right = wrong = 0
    times = []
    for typo, expected in pairs:
        started = time.thread_time()
        got = fix(typo)
        times.append(time.thread_time() - started)
        right += got == expected
        wrong += got not in (expected, typo)
    n = len(pairs)
    return (right / n, wrong / n, statistics.mean(times) * 1e6, percentile(times, 0.5) * 1e6,
            percentile(times, 0.99) * 1e6)


def spelling_lines(speller: Speller) -> list[str]:
    from spellchecker import SpellChecker
    from symspellpy import Verbosity

    symspell_words = frozenset(word for word, _ in dictionary_lines())
    started, before = time.thread_time(), rss_mb()
    checker = SpellChecker(language="en", distance=2)
    pyspell_load = (time.thread_time() - started, rss_mb() - before)
    pyspell_words = frozenset(checker.word_frequency.keys())
    usable = [(t, c) for t, c in codespell_pairs() if c in symspell_words and c in pyspell_words
              and t not in symspell_words and t not in pyspell_words]
    random.Random(0).shuffle(usable)
    sample = usable[:SAMPLE]
    raw = speller._symspell  # the speller's own dictionary, queried without its rules

    def symspell_alone(word: str) -> str:
        # symspellpy's dictionary as the known words too (the speller adds pyspellchecker's)
        if word in symspell_words:
            return word
        found = raw.lookup(word, Verbosity.TOP, max_edit_distance=1 if len(word) <= 5 else 2)
        return found[0].term if found else word

    def pyspell(distance: int) -> Callable[[str], str]:
        checker.distance = distance
        return lambda w: checker.correction(w) or w

    def ours(word: str) -> str:
        return speller.suggestion(word) or word

    rows = [("spelling.Speller (symspellpy; known: its dictionary and pyspellchecker's)", ours),
            ("symspellpy alone (known: its own dictionary)", symspell_alone),
            ("pyspellchecker, 1 edit", pyspell(1))]
    british_us = british_and_us()
    lines = [f"Misspellings: {len(sample)} pairs drawn (seed 0) from codespell's list of common "
             f"misspellings ({len(usable)} usable: one correction, known to both dictionaries, "
             f"the misspelling to neither). Real words: the {len(british_us)} British/US pairs of "
             "codespell's en-GB_to_en-US list, each side corrected alone (a change is wrong).", "",
             "| corrector | accuracy | wrong change | CPU mean / p50 / p99 per misspelling | "
             "US spellings changed | British spellings changed |",
             "|---|---|---|---|---|---|"]
    for name, fix in rows:
        acc, wrong, mean, p50, p99 = score(fix, sample)
        us = sum(fix(u) != u for _, u in british_us) / len(british_us)
        gb = sum(fix(b) != b for b, _ in british_us) / len(british_us)
        lines.append(f"| {name} | {acc:.3f} | {wrong:.3f} | {mean:.0f} / {p50:.0f} / {p99:.0f}"
                     f" µs | {us:.3f} | {gb:.3f} |")
    acc, wrong, mean, p50, p99 = score(pyspell(2), sample[:50])
    lines.append(f"| pyspellchecker, 2 edits (first 50 pairs only) | {acc:.3f} | {wrong:.3f} | "
                 f"{mean / 1e3:.0f} / {p50 / 1e3:.0f} / {p99 / 1e3:.0f} ms | | |")
    lines += ["", f"pyspellchecker load: {pyspell_load[0]:.1f} s of CPU, "
              f"+{pyspell_load[1]:.0f} MB."]
    return lines


def british_and_us() -> list[tuple[str, str]]:
    """Return codespell's (British, US) spelling pairs of lower-case letters."""
    path = importlib.resources.files("codespell_lib") / "data" / "dictionary_en-GB_to_en-US.txt"
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        british, _, us = line.partition("->")
        us = us.strip().rstrip(",")
        if re.fullmatch(r"[a-z]+", british) and re.fullmatch(r"[a-z]+", us):
            pairs.append((british, us))
    return pairs


def write_section(lines: list[str], command: str) -> None:
    text = DOC.read_text()
    section = "\n".join([SECTION, "", f"Measured with `{command}` on "
                         f"{time.strftime('%Y-%m-%d')} (Python {sys.version.split()[0]}).", "",
                         *lines]) + "\n"
    if SECTION in text:
        start = text.index(SECTION)
        end = text.find("\n## ", start + len(SECTION))
        end = len(text) if end < 0 else end + 1
        text = text[:start] + section + "\n" + text[end:].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> None:
    """Print (and with --write, record) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--long-mb", type=float, default=1.0, help="size of the long text")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    lines, speller = detector_lines(args.runs, args.long_mb)
    lines += ["", *spelling_lines(speller)]
    print("\n".join(lines))
    if args.write:
        command = "python scripts/bench_detectors.py" + (
            f" --runs {args.runs}" if args.runs != 3 else "") + (
            f" --long-mb {args.long_mb:g}" if args.long_mb != 1.0 else "") + " --write"
        write_section(lines, command)


if __name__ == "__main__":
    main()
