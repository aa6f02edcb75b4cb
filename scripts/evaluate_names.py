"""Evaluate the person-name detector per mode: entity-level precision / recall / F1 (exact spans).

    .venv/bin/python scripts/evaluate_names.py --data-dir ../shared/data [--speed]
    VENV/bin/python scripts/evaluate_names.py --data-dir ../shared/data --spacy MODEL [--speed]

Scorings (a predicted entity counts only with its exact span, as CoNLL's conlleval scores it):
- `names`: what `find()` returns, decoded the same way (NORMAL's capitalised names, then each
  higher tier's names that overlap none found lower): person names, @mentions ("@" and the
  handle: usernames) left out of gold and prediction alike.
- `btc-PER`: the tagger against the corpus's own PER tags, @mentions included (the corpus tags "@"
  and the handle as two PER entities), at the same thresholds, no casing rule.
- `names, lower-cased`: the split lower-cased, to show what SUSPICIOUS adds.
- presidio: `find()` on the raw text of the held-out half of presidio_generated_small.json,
  against its PERSON spans (character offsets).
Reference: a capitalised-run baseline: maximal runs of title-case words, the first word of a
sentence excluded. `--spacy MODEL` adds spaCy's PERSON entities as a second reference, in a venv
of its own where spaCy and a model package are installed (spaCy is no dependency of the project:
docs/BENCHMARKS.md, "Person names: spaCy's small English NER as a reference"). spaCy reads each
tweet as the corpus's own tokens, so that its entities fall on the same token spans as ours; on
presidio it reads the raw text. Its rows are scored by the same functions as ours: `-` with no
casing rule, `NORMAL` with NORMAL's (a name capitalised at both ends); and `NORMAL + spaCy`:
ours at NORMAL, then spaCy's capitalised names that overlap none of ours.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import numpy as np

from spectrum_rpc.engine.pii import Mode, name_model, names
from spectrum_rpc.training import data_dir
from spectrum_rpc.training import names as T

find, default_model = names.find, names.default_model

BASELINE = "capitalised runs"


def baseline_probabilities(sentences: Sequence[T.Sentence]) -> list[tuple[np.ndarray, np.ndarray]]:
    """P(person) = 1 for title-case words not opening a sentence; each run one entity."""
    out = []
    for s in sentences:
        p = np.zeros(len(s.tokens))
        for i, token in enumerate(s.tokens):
            previous = s.tokens[i - 1] if i else name_model.BOS
            if (name_model.kind(token) == "word" and name_model.casing(token) == "title"
                    and not name_model.sentence_initial(previous)):
                p[i] = 1.0
        out.append((p, np.zeros(len(s.tokens))))
    return out


def spacy_model(name: str):
    """Load spaCy's pipeline NAME, or stop with a message saying what is missing."""
    try:
        import spacy
    except ImportError:
        raise SystemExit("--spacy needs spaCy, which is no dependency of spectrum-rpc: install "
                         "spacy and a model package in a venv of their own (docs/BENCHMARKS.md, "
                         "\"Person names: spaCy's small English NER as a reference\")") from None
    try:
        return spacy.load(name)
    except OSError as e:
        raise SystemExit(f"--spacy {name}: spaCy cannot load that model ({e})") from None


def span_probabilities(n: int, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(P(person), P(begin)) of n tokens that are 1 on the given entity spans: what
    `predicted_entities` decodes back to the same spans, adjacent ones kept apart."""
    p, b = np.zeros(n), np.zeros(n)
    for i, j in spans:
        p[i:j] = 1.0
        b[i] = 1.0
    return p, b


def spacy_probabilities(nlp, sentences: Sequence[T.Sentence]
                        ) -> list[tuple[np.ndarray, np.ndarray]]:
    from spacy.tokens import Doc  # spaCy is there: spacy_model() loaded nlp

    # The corpus has a few empty tokens, which a Doc refuses: a space stands for each.
    docs = nlp.pipe(Doc(nlp.vocab, words=[t or " " for t in s.tokens]) for s in sentences)
    return [span_probabilities(len(s.tokens), [(e.start, e.end) for e in d.ents
                                               if e.label_ == "PERSON"])
            for s, d in zip(sentences, docs, strict=True)]


def spacy_rows(split: str, sentences, ours, theirs, settings: dict[str, float],
               who: str) -> list[str]:
    rows = []
    for mode, capitalised in (("-", False), ("NORMAL", True)):
        rows.append(_row(f"btc.{split}", "names", mode, who,
                         T.score_btc(sentences, theirs, 0.5, names_only=True,
                                     capitalised=capitalised)))
    rows.append(_row(f"btc.{split}", "btc-PER", "-", who,
                     T.score_btc(sentences, theirs, 0.5, names_only=False, capitalised=False)))
    score = T.Score()
    for s, (p, b), (q, c) in zip(sentences, ours, theirs, strict=True):
        mentions = T.mention_positions(s.tokens)
        gold = {g for g in T.gold_entities(s.tags) if not mentions.intersection(range(*g))}
        mask = T.name_mask(s.tokens)
        kept = T.mode_entities(s.tokens, p * mask, b, settings, Mode.NORMAL)
        extra = T.mode_entities(s.tokens, q * mask, c, {"threshold_NORMAL": 0.5}, Mode.NORMAL)
        kept |= {e for e in extra if not any(k[0] < e[1] and e[0] < k[1] for k in kept)}
        score.add(gold, kept)
    rows.append(_row(f"btc.{split}", "names", "NORMAL + spaCy", f"spectrum-rpc + {who}", score))
    return rows


def btc_rows(split: str, sentences, probs, settings: dict[str, float], who: str) -> list[str]:
    low = T.lowered(sentences, 1.0)
    rows = []
    for mode in Mode:
        t = settings[f"threshold_{mode.name}"]
        scorings = {
            "names": T.score_names(sentences, probs[0], settings, mode),
            "btc-PER": T.score_btc(sentences, probs[0], t, names_only=False, capitalised=False),
        }
        if mode is not Mode.NORMAL:  # NORMAL keeps capitalised names only: 0 by rule
            scorings["names, lower-cased"] = T.score_names(low, probs[1], settings, mode)
        for scoring, s in scorings.items():
            rows.append(_row(f"btc.{split}", scoring, mode.name, who, s))
    return rows


def baseline_rows(split: str, sentences, probs) -> list[str]:
    return [
        _row(f"btc.{split}", "names", "-", BASELINE,
             T.score_btc(sentences, probs, 0.5, names_only=True, capitalised=False)),
        _row(f"btc.{split}", "btc-PER", "-", BASELINE,
             T.score_btc(sentences, probs, 0.5, names_only=False, capitalised=False)),
    ]


def presidio_rows(rows: list[dict], mode: Mode | None, who: str, nlp=None) -> str:
    score = T.Score()
    for row in rows:
        text = row["full_text"]
        gold = {(s["start_position"], s["end_position"]) for s in row["spans"]
                if s["entity_type"] == "PERSON"}
        if who == BASELINE:
            sentence = T.presidio_sentence(row)
            (p, b), = baseline_probabilities([sentence])
            pred = {(sentence.offsets[i][0], sentence.offsets[j - 1][1])
                    for i, j in T.predicted_entities(p, b, 0.5)}
        elif nlp is not None:
            pred = {(e.start_char, e.end_char) for e in nlp(text).ents if e.label_ == "PERSON"}
        else:
            pred = {(m.begin, m.end) for m in find(text, mode)}
        score.add(gold, pred)
    return _row("presidio held-out", "names", mode.name if mode else "-", who, score)


def _row(data: str, scoring: str, mode: str, who: str, s: T.Score) -> str:
    return (f"| {data} | {scoring} | {mode} | {who} | {s.tp + s.fn} | {s.precision:.3f} | "
            f"{s.recall:.3f} | {s.f1:.3f} |")


def speed(repeats: int = 3000) -> str:
    """Median wall and CPU time of find() (PARANOID) on ~90-character comments, warm cache;
    one 15 MB text at NORMAL. CPU time is this process's: the wall clock of a shared machine
    counts other people's work too."""
    texts = [
        "Honestly I think Sarah Connor was right about this, talk to me tomorrow at the office ok",
        "my name is albus dumbledore and i teach at hogwarts, ask for me at the front desk pls!",
        "Great game last night!!! Messi was unreal, the Barcelona defence had no answer to him",
    ]
    model = default_model()
    for t in texts:
        find(t, Mode.PARANOID, model=model)
    wall, cpu = [], []
    for i in range(repeats):
        w, c = time.perf_counter(), time.thread_time()
        find(texts[i % len(texts)], Mode.PARANOID, model=model)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    paragraph = ("The committee met on Tuesday to discuss the budget, and after a long debate "
                 "the proposal from Maria Lopez was accepted. Everyone agreed that the new plan "
                 "would save money next year, although some members asked for more details. ")
    big = (paragraph * (15 * 10**6 // len(paragraph) + 1))[: 15 * 10**6]
    w, c = time.perf_counter(), time.thread_time()
    n = len(find(big, Mode.NORMAL, model=model))
    long_wall, long_cpu = time.perf_counter() - w, time.thread_time() - c
    ms = 1e3
    return (f"find() on ~90-character comments, warm token cache: wall p50 "
            f"{statistics.median(wall) * ms:.3f} ms (p90 {np.percentile(wall, 90) * ms:.3f}), "
            f"cpu p50 {statistics.median(cpu) * ms:.3f} ms (p90 {np.percentile(cpu, 90) * ms:.3f})"
            f"\none 15 MB text (NORMAL): wall {long_wall:.1f} s, cpu {long_cpu:.1f} s, {n} "
            f"matches, "
            f"peak RSS of the whole script {_peak_rss_mb():.0f} MB")


def spacy_speed(nlp, texts: Sequence[str], who: str, repeats: int = 3) -> str:
    """Median wall and CPU time per text of find() at NORMAL, of spaCy's whole pipeline and of
    its NER alone (its own tok2vec: the other components do not feed it), on the same texts,
    each text `repeats` times after one warm-up pass (find()'s token cache is warm then)."""
    model = default_model()
    alone = [n for n in nlp.pipe_names if n != "ner"]
    systems = {
        "find() NORMAL": lambda t: find(t, Mode.NORMAL, model=model),
        f"{who} (whole pipeline)": nlp,
        f"{who} (NER alone)": lambda t: nlp(t, disable=alone),
    }
    # The rows above score the whole pipeline: NER alone may see other token attributes.
    differ = sum([(e.start_char, e.end_char, e.label_) for e in nlp(t).ents]
                 != [(e.start_char, e.end_char, e.label_) for e in nlp(t, disable=alone).ents]
                 for t in texts)
    out = [f"{who}: NER alone finds other entities than the whole pipeline in {differ} of "
           f"{len(texts)} texts"]
    for name, run in systems.items():
        for t in texts:
            run(t)
        wall, cpu = [], []
        for _ in range(repeats):
            for t in texts:
                w, c = time.perf_counter(), time.thread_time()
                run(t)
                cpu.append(time.thread_time() - c)
                wall.append(time.perf_counter() - w)
        ms = 1e3
        out.append(f"{name} on {len(texts)} texts x {repeats}: wall p50 "
                   f"{statistics.median(wall) * ms:.3f} ms (p90 {np.percentile(wall, 90) * ms:.3f})"
                   f", cpu p50 {statistics.median(cpu) * ms:.3f} ms "
                   f"(p90 {np.percentile(cpu, 90) * ms:.3f})")
    return "\n".join(out)


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="labelled data (default: $SPECTRUM_RPC_DATA_DIR "
                        "or ../shared/data)")
    parser.add_argument("--speed", action="store_true", help="also time find()")
    parser.add_argument("--spacy", metavar="MODEL", help="also score spaCy's PERSON entities "
                        "(spaCy and the model package installed apart: see the docstring)")
    args = parser.parse_args(argv)
    # Before anything is read: a missing spaCy stops the run at once.
    nlp = spacy_model(args.spacy) if args.spacy else None
    who = f"spaCy {args.spacy}"
    root = data_dir(args.data_dir)
    model = default_model()
    thresholds = {m: model.settings[f"threshold_{m.name}"] for m in Mode}
    print("thresholds (P(person) per token, chosen on dev):",
          {m.name: t for m, t in thresholds.items()})
    print("| data | scoring | mode | system | gold | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for split in ("dev", "test"):
        sentences = T.read_btc(root, split)
        low = T.lowered(sentences, 1.0)
        ours = (T.sentence_probabilities(model, sentences), T.sentence_probabilities(model, low))
        for row in btc_rows(split, sentences, ours, model.settings, "spectrum-rpc"):
            print(row)
        for row in baseline_rows(split, sentences, baseline_probabilities(sentences)):
            print(row)
        if nlp is not None:
            theirs = spacy_probabilities(nlp, sentences)
            for row in spacy_rows(split, sentences, ours[0], theirs, model.settings, who):
                print(row)
    held_out = T.presidio_rows(root)[1]
    for mode in Mode:
        print(presidio_rows(held_out, mode, "spectrum-rpc"))
    print(presidio_rows(held_out, None, BASELINE))
    if nlp is not None:
        print(presidio_rows(held_out, None, who, nlp))
    if args.speed:
        print(speed())
        if nlp is not None:
            tweets = [" ".join(s.tokens) for s in T.read_btc(root, "test")]
            print(spacy_speed(nlp, tweets, who))


if __name__ == "__main__":
    main()
