"""Worst-case memory of the language detector's caches (engine/langscore.py), per process.

    .venv/bin/python scripts/bench_langscore_memory.py [--alphabet latin|cyrillic|cjk] [--rss]

Hostile input: texts of distinct random words, each as long as the word-walk cache remembers
(32 bytes with its space), so that every word is a new entry. Detects enough of them to fill
the walk cache to its limit (50,000 words) and prints what the detector holds then
(tracemalloc: Python and numpy allocations made after the detector was built, so not its
preallocated 10 MB row cache) and the traced peak; with --rss, instead, how much the
process's RSS grew (tracemalloc's own bookkeeping would inflate it).
"""

from __future__ import annotations

import argparse
import random
import tracemalloc

from spectrum_rpc.engine.language import LanguageDetector

ALPHABETS = {"latin": "abcdefghijklmnopqrstuvwxyz", "cyrillic": "абвгдежзиклмнопрст",
             "cjk": "的一是不了人我在有他这中大来上"}
WORD_BYTES = 32  # as langscore's: longer words are not remembered
WALK_LIMIT = 50_000
WORDS_PER_TEXT = 18  # about 600 characters: the detector reads no more


def word(rng: random.Random, letters: str) -> str:
    """Return a random word that is, with its space, as long as a remembered word can be."""
    text = ""
    while True:
        letter = rng.choice(letters)
        if len((text + letter + " ").encode()) > WORD_BYTES:
            return text
        text += letter


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alphabet", choices=ALPHABETS, default="latin")
    parser.add_argument("--rss", action="store_true", help="measure RSS, not tracemalloc")
    args = parser.parse_args()
    letters = ALPHABETS[args.alphabet]
    rng = random.Random(1)
    texts = [" ".join(word(rng, letters) for _ in range(WORDS_PER_TEXT))
             for _ in range(WALK_LIMIT // WORDS_PER_TEXT + 1)]
    detector = LanguageDetector()
    detector.detect("warm up")
    rss = rss_mb()
    if not args.rss:
        tracemalloc.start()
    for text in texts:
        detector.detect(text)
    words = f"{len(texts)} texts, {len(texts) * WORDS_PER_TEXT} distinct words"
    if args.rss:
        print(f"{words}: RSS +{rss_mb() - rss:.0f} MB")
        return
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{words}: held {held / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB (traced)")


if __name__ == "__main__":
    main()
