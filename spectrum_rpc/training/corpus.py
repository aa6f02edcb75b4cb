"""The labelled data in ../shared/data and its fixed train/test splits (training side only).

Every split is a pure function of the files and a fixed seed, so `train_models.py`,
`evaluate.py` and the quality tests agree on what training never saw.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import labels as L

DATA_ENV = "SPECTRUM_RPC_DATA_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEED = 20261122
MODERATION_TEST = 0.3
SMS_TEST = 0.2
DAVIDSON_TEST = 0.1
YOUTUBE_TRAIN = ("psy", "katyperry")
YOUTUBE_TEST = "lmfao"
# Development parts (calibration and the default thresholds, never training nor testing): a
# share of each training pool, split off with its own seed so the test parts stay as they were.
DEV_SEED = SEED + 1
MODERATION_DEV = 0.3
SMS_DEV = 0.2
YOUTUBE_DEV = 0.3
# Sources no model trains on, halved into a development and a test part.
SPANS_TEST = 0.5
# Enron-Spam: e-mail spam for the phishing label alone (issue 20, part 3). With ENRON_TRAINING
# one development subset trains it (its rows are appended after the vocabulary and idf are
# chosen, `recipe.train`, so no other label moves), the other stays development; the test
# subsets are never trained on. Off: both are development. On since 2026.12.06-spamkind-1,
# with the long texts' own calibration (`calibration.LONG_CHARS`): with one calibration for
# every length it flagged more ordinary prompts as phishing (docs/BENCHMARKS.md, "Enron-Spam"
# and "Enron-Spam with a length-aware phishing calibration").
ENRON = "enron"
ENRON_TRAINING = True
ENRON_TRAIN_SUBSET = "enron1"
ENRON_DEV_SUBSETS = ("enron1", "enron3")
ENRON_TEST_SUBSETS = ("enron4", "enron6")


def enron_split(training: bool | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The Enron subsets that train phishing and those that stay development. Resolved when the
    corpus is loaded, not at import, so that setting ENRON_TRAINING from a driver (or a test)
    takes effect."""
    if not (ENRON_TRAINING if training is None else training):
        return (), ENRON_DEV_SUBSETS
    return ((ENRON_TRAIN_SUBSET,),
            tuple(s for s in ENRON_DEV_SUBSETS if s != ENRON_TRAIN_SUBSET))
# A post of the toxic spans set is toxic when more than this share of its raters marked a span.
SPANS_MAJORITY = 0.5

_MENTION = re.compile(r"@\w+")
_RETWEET = re.compile(r"^\s*(?:!+\s*)?RT\b:?")


@dataclass
class Sample:
    """One text with the labels its source annotates (others are unknown, not negative)."""

    text: str
    source: str
    labels: dict[str, int] = field(default_factory=dict)


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Return the data directory: explicit > $SPECTRUM_RPC_DATA_DIR > ../shared/data."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else (PROJECT_ROOT.parent / "shared" / "data").resolve()


def _split(n: int, test_fraction: float, strata: list | None = None,
           seed: int = SEED) -> np.ndarray:
    """Return a boolean test mask, stratified, fixed by `seed`."""
    rng = np.random.default_rng(seed)
    strata = strata if strata is not None else [0] * n
    mask = np.zeros(n, dtype=bool)
    for value in sorted(set(strata), key=repr):
        members = np.flatnonzero(np.array([s == value for s in strata]))
        rng.shuffle(members)
        mask[members[: int(round(len(members) * test_fraction))]] = True
    return mask


def _tweet(text: str) -> str:
    return _MENTION.sub("@user", _RETWEET.sub("", html.unescape(html.unescape(text)))).strip()


def davidson(root: Path) -> tuple[list[Sample], list[Sample]]:
    """Davidson et al. 2017: class 0 hate, 1 offensive, 2 neither -> toxicity and hate."""
    with (root / "toxicity" / "davidson_labeled_data.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    classes = [int(r["class"]) for r in rows]
    samples = [Sample(_tweet(r["tweet"]), "davidson",
                      {L.TOXICITY: int(c < 2), L.HATE: int(c == 0)})
               for r, c in zip(rows, classes, strict=True)]
    test = _split(len(samples), DAVIDSON_TEST, classes)
    return _partition(samples, test)


def olid(root: Path, split: str) -> list[Sample]:
    """OLID (TweetEval offensive): 1 offensive -> toxicity."""
    folder = root / "toxicity" / "olid"
    texts = (folder / f"{split}_text.txt").read_text().splitlines()
    labels = (folder / f"{split}_labels.txt").read_text().split()
    return [Sample(t.strip(), f"olid_{split}", {L.TOXICITY: int(y)})
            for t, y in zip(texts, labels, strict=True)]


def _moderation_labels(row: dict) -> dict[str, int]:
    groups = {
        L.TOXICITY: ("H", "HR", "H2", "V", "V2"),
        L.SEXUAL: ("S", "S3"),
        L.HATE: ("H", "H2"),
        L.HARASSMENT: ("HR",),
        L.VIOLENCE: ("V", "V2", "H2"),
        L.SELF_HARM: ("SH",),
    }
    out = {}
    for label, keys in groups.items():
        values = [int(row[k]) for k in keys if k in row]
        if values:
            out[label] = max(values)
    return out


def moderation(root: Path) -> tuple[list[Sample], list[Sample]]:
    """OpenAI moderation samples, split 70/30 stratified on the sexual label."""
    train, test = moderation_rows(root)
    return ([Sample(r["prompt"], "moderation", _moderation_labels(r)) for r in train],
            [Sample(r["prompt"], "moderation", _moderation_labels(r)) for r in test])


def develop(samples: list[Sample], share: float, strata: list) -> tuple[list[Sample],
                                                                          list[Sample]]:
    """Split a training pool into (train, development), stratified, fixed by DEV_SEED."""
    return _partition(samples, _split(len(samples), share, strata, DEV_SEED))


def _strata(samples: list[Sample]) -> list:
    return [tuple(sorted(s.labels.items())) for s in samples]


def moderation_rows(root: Path) -> tuple[list[dict], list[dict]]:
    """The moderation samples' rows as the file has them (OpenAI's own category keys), split
    as `moderation` splits them: stratified on the sexual and self-harm labels."""
    path = root / "moderation" / "openai_moderation_dev.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    strata = [(r.get("S", -1), r.get("SH", -1)) for r in rows]
    test = _split(len(rows), MODERATION_TEST, strata)
    return ([r for r, t in zip(rows, test, strict=True) if not t],
            [r for r, t in zip(rows, test, strict=True) if t])


def sms(root: Path) -> tuple[list[Sample], list[Sample]]:
    """UCI SMS Spam Collection, split 80/20 stratified: spam -> phishing."""
    lines = (root / "spam" / "sms_spam_collection.tsv").read_text(encoding="utf-8").splitlines()
    samples = []
    for line in lines[1:]:
        label, _, text = line.partition("\t")
        if label in ("ham", "spam"):
            samples.append(Sample(text, "sms", {L.PHISHING: int(label == "spam")}))
    strata = [s.labels[L.PHISHING] for s in samples]
    return _partition(samples, _split(len(samples), SMS_TEST, strata))


def youtube(root: Path, name: str) -> list[Sample]:
    """YouTube Spam Collection, one file: CLASS 1 -> phishing."""
    with (root / "spam" / "youtube" / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return [Sample(html.unescape(r["CONTENT"]), f"youtube_{name}",
                       {L.PHISHING: int(r["CLASS"])}) for r in csv.DictReader(f)]


def toxic_spans(root: Path) -> list[Sample]:
    """Civil Comments posts of the toxic spans set: toxicity 1 when more than SPANS_MAJORITY
    of the post's raters marked a toxic span in it, else 0 (in the file's order)."""
    folder = root / "toxicity" / "toxic_spans"
    with (folder / "spans.csv").open(newline="", encoding="utf-8") as f:
        marked = {r["annotation"] for r in csv.DictReader(f)}
    votes: dict[str, list[bool]] = {}
    with (folder / "annotations.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            votes.setdefault(r["comment_id"], []).append(r["annotation"] in marked)
    with (folder / "comments.csv").open(newline="", encoding="utf-8") as f:
        posts = [(r["comment_id"], r["comment_text"]) for r in csv.DictReader(f)]
    return [Sample(text, "toxic_spans",
                   {L.TOXICITY: int(sum(votes[i]) > SPANS_MAJORITY * len(votes[i]))})
            for i, text in posts if votes.get(i)]


def enron(root: Path, subsets: tuple[str, ...]) -> list[Sample]:
    """Enron-Spam e-mails of the given subsets: spam -> phishing."""
    path = root / "spam" / "enron" / "enron_spam.jsonl"
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [Sample(r["text"], ENRON, {L.PHISHING: int(r["label"] == "spam")})
            for r in rows if r["subset"] in subsets]


def _partition(samples: list[Sample], test: np.ndarray) -> tuple[list[Sample], list[Sample]]:
    train = [s for s, t in zip(samples, test, strict=True) if not t]
    held = [s for s, t in zip(samples, test, strict=True) if t]
    return train, held


@dataclass
class Corpus:
    """Training pool, calibration set, named test sets and named development sets (what the
    served calibration and default thresholds are fitted on: never trained or tested on), and
    the phishing label's own training rows (Enron e-mail: they choose no feature)."""

    train: list[Sample]
    calibration: dict[str, list[Sample]]
    tests: dict[str, list[Sample]]
    development: dict[str, list[Sample]] = field(default_factory=dict)
    phishing_rows: list[Sample] = field(default_factory=list)


def load_corpus(root: Path, enron_training: bool | None = None) -> Corpus:
    """Load every source and apply the fixed splits (the Enron rows' as `enron_split` says for
    `enron_training`, None: ENRON_TRAINING as it is when called)."""
    dav_train, dav_test = davidson(root)
    mod_pool, mod_test = moderation(root)
    mod_train, mod_dev = develop(mod_pool, MODERATION_DEV,
                                 [(s.labels.get(L.SEXUAL, -1), s.labels.get(L.SELF_HARM, -1))
                                  for s in mod_pool])
    sms_pool, sms_test = sms(root)
    sms_train, sms_dev = develop(sms_pool, SMS_DEV, _strata(sms_pool))
    enron_train, enron_dev = enron_split(enron_training)
    yt_train, yt_dev = [], []
    for name in YOUTUBE_TRAIN:
        part = youtube(root, name)
        kept, held = develop(part, YOUTUBE_DEV, _strata(part))
        yt_train += kept
        yt_dev += held
    spans = toxic_spans(root)
    spans_dev, spans_test = _partition(spans, _split(len(spans), SPANS_TEST, _strata(spans)))
    train = [*olid(root, "train"), *dav_train, *mod_train, *sms_train, *yt_train]
    return Corpus(
        train=train,
        calibration={L.TOXICITY: olid(root, "val")},
        tests={
            "olid_test": olid(root, "test"),
            "davidson_test": dav_test,
            "moderation_test": mod_test,
            "sms_test": sms_test,
            f"youtube_{YOUTUBE_TEST}": youtube(root, YOUTUBE_TEST),
            "toxic_spans_test": spans_test,
            "enron_test": enron(root, ENRON_TEST_SUBSETS),
        },
        development={
            "olid_val": olid(root, "val"),
            "moderation_dev": mod_dev,
            "toxic_spans_dev": spans_dev,
            "sms_dev": sms_dev,
            "youtube_dev": yt_dev,
            "enron_dev": enron(root, enron_dev),
        },
        phishing_rows=enron(root, enron_train) if enron_train else [],
    )
