"""Print a digest of the full analysis of a fixed check set: every detector, every mode.

    .venv/bin/python scripts/analysis_digest.py [--data-dir ../shared/data]

A change meant only to make the analysis faster must leave this digest alone. The check set is
the texts `scripts/bench_classify.py --analysis` times (lower-case and capitalised), edge cases
for every personal-data type, profanity evasion and language, and, when the shared data is
there, a sample of moderation prompts, presidio rows, SMS, OLID tweets and Civil Comments posts,
each also lower-cased, and one text of 1,500 of them joined (the multi-block paths). Each text is
analysed at NORMAL, SUSPICIOUS and PARANOID with every detector, once with word lists, an
expected language and name components; the engine's labels are included. `--show N` prints
the first N outputs instead (to see where two checkouts differ).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_classify import text_of, titled  # noqa: E402

from spectrum_rpc.analysis import AVAILABLE, Detection, Options  # noqa: E402
from spectrum_rpc.engine import load_engine  # noqa: E402

EDGE_CASES = (
    "", " ", "\n\n", "ok", "lol", "12345", "!!!", "😀😀 great 😀",
    "Ça va très bien, merci beaucoup.",
    "Das ist ein ganz normaler deutscher Satz über das Wetter.", "これは日本語の文です。",
    "Contact john.smith@example.com or example at gmail dot com, anonymous(dot)com",
    "Call me at +1 (415) 555-2671 or 09061701461, one two three four five six seven eight",
    "My card is 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, SSN 078-05-1120",
    "server at 192.168.0.1 and my password is hunter2", "visit https://www.example.org/a?b=c now",
    "I live at 1600 Pennsylvania Ave NW, Washington, DC 20500", "follow @someone_here on twitter",
    "Barack Hussein Obama met Angela Merkel in Berlin with Mr. John Smith.",
    "you f u c k i n g idiot, ffuuccckkk this, kcuf off, sh1t", "Thsi sentense has speling erors",
    "I LOVE THIS SO MUCH!!! but i hate mondays :(", "Not bad at all. Not good either.",
)


def shared_texts(data: Path, per_source: int) -> Iterator[str]:
    """Yield a fixed sample of the shared data's texts (nothing when it is absent)."""
    if not data.is_dir():
        return
    moderation = data / "moderation" / "openai_moderation_dev.jsonl"
    if moderation.exists():
        lines = moderation.read_text().splitlines()[:per_source]
        yield from (json.loads(line)["prompt"] for line in lines)
    presidio = data / "pii" / "presidio_generated_small.json"
    if presidio.exists():
        yield from (row["full_text"] for row in json.loads(presidio.read_text())[:per_source])
    sms = data / "spam" / "sms_spam_collection.tsv"
    if sms.exists():
        yield from (line.split("\t", 1)[-1] for line in sms.read_text().splitlines()[1:per_source])
    olid = data / "toxicity" / "olid" / "test_text.txt"
    if olid.exists():
        yield from olid.read_text().splitlines()[:per_source]
    comments = data / "toxicity" / "toxic_spans" / "comments.csv"
    if comments.exists():
        with comments.open(newline="") as f:
            rows = csv.DictReader(f)
            yield from (row["comment_text"] for row in islice(rows, per_source))


def check_set(data: Path, per_source: int) -> list[str]:
    """Return the texts the digest covers."""
    rng = random.Random(11)
    bench = [text_of(100, rng) for _ in range(300)]
    texts = [*EDGE_CASES, *bench, *(titled(t, rng) for t in bench)]
    shared = list(shared_texts(data, per_source))
    texts += shared + [t.lower() for t in shared]
    texts.append("\n".join(texts[:1500]))  # over one block of tokens (the spans' 8,192)
    return texts


def analyses(texts: list[str]) -> Iterator[object]:
    """Yield every output the digest covers, one text and setting at a time."""
    engine = load_engine()
    detection = Detection(engine.lexicon)
    every = frozenset(AVAILABLE)
    settings = [Options(detect=every, modes={"pii": mode, "profanity": mode})
                for mode in ("NORMAL", "SUSPICIOUS", "PARANOID")]
    settings.append(Options(detect=every, banned=("weather", "meeting"), allowed=("shit",),
                            expected_language=("de",), name_components=("last",)))
    for text in texts:
        yield [text, engine.classify([text])[0]]
        for options in settings:
            yield detection.run(text, options)


def main(argv: list[str] | None = None) -> None:
    """Print the digest (or the first outputs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--per-source", type=int, default=300)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args(argv)
    texts = check_set(args.data_dir, args.per_source)
    digest = hashlib.sha256()
    for n, out in enumerate(analyses(texts)):
        line = json.dumps(out, sort_keys=True, ensure_ascii=False, default=repr)
        if n < args.show:
            print(line)
        digest.update(line.encode() + b"\n")
    print(f"{digest.hexdigest()}  ({len(texts)} texts)")


if __name__ == "__main__":
    main()
