"""Tiny labelled data and a tiny model, made on the fly, for the training and models tests;
`fits_differ` (which labels two `recipe.train` results fit differently, their vocabulary and
idf equal), `overlaps` and `table_overlaps` (written training rows that repeat an evaluation
set, or the functional table).

Base texts use one vocabulary (insults, sexual words, bank phishing, small talk); the
"deployment" the feedback comes from has crypto spam the base model has never seen.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from spectrum_rpc.engine import MANIFEST, SHIPPED_MODELS, sha256
from spectrum_rpc.engine.lexicon import Lexicon
from spectrum_rpc.training import functional
from spectrum_rpc.training.corpus import Sample
from spectrum_rpc.training.recipe import (
    LabelPlan,
    build_vocabulary,
    featurize,
    fit_label,
    idf_of,
    matrix,
    targets,
    write_models,
)

LABELS = ("toxicity", "sexual", "phishing")
WORDS = {
    "clean": ["hello", "thanks", "lovely", "weather", "meeting", "lunch", "friend", "garden",
              "music", "coffee", "book", "holiday", "walk", "dinner", "family", "movie"],
    "toxicity": ["idiot", "stupid", "moron", "loser", "pathetic", "dumb", "clown", "worthless"],
    "sexual": ["nude", "naked", "sexy", "porn", "explicit", "nsfw", "strip", "lewd"],
    "phishing": ["verify account", "claim prize", "bank password", "click link", "urgent payment",
                 "gift card", "login now", "reset pin"],
    "spam": ["crypto moon", "bitcoin airdrop", "double coins", "wallet bonus",
             "token presale", "moon coin", "crypto rocket", "hodl token"],
    "fan": ["great video", "nice song", "love channel", "funny clip", "watching again",
            "best part", "great editing", "nice vibes"],
}
FEEDBACK_LABEL = {"toxicity": "toxic", "sexual": "sexual", "phishing": "phishing"}


def sentence(rng: random.Random, kind: str) -> str:
    """Return a fresh sentence of one kind (small talk around one or two marked words)."""
    words = [rng.choice(WORDS["clean"]) for _ in range(rng.randint(2, 4))]
    if kind != "clean":
        words.insert(rng.randint(0, len(words)), rng.choice(WORDS[kind]))
        if rng.random() < 0.5:
            words.insert(rng.randint(0, len(words)), rng.choice(WORDS[kind]))
    return " ".join(words) + f" {rng.randint(0, 10**6)}"


def base_samples(rng: random.Random, n: int) -> list[Sample]:
    """Return base texts: half small talk, the rest split over the three labels."""
    kinds = ["clean"] * 3 + list(LABELS)
    out = []
    for _ in range(n):
        kind = rng.choice(kinds)
        out.append(Sample(sentence(rng, kind), "base", {k: int(k == kind) for k in LABELS}))
    return out


def write_base(root: Path, seed: int = 1) -> Path:
    """Write a JSONL base corpus (train + one test set) and return its directory."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for name, n in (("train.jsonl", 360), ("test_mixed.jsonl", 160)):
        rows = [{"text": s.text, "labels": s.labels} for s in base_samples(rng, n)]
        (root / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def write_model(out: Path, base: Path, version: str = "tiny-1", stacked: bool = False) -> Path:
    """Fit a three-label model on the base corpus with the engine's training code;
    `stacked`: with a toxicity stack (random word vectors, the real reference model)."""
    samples = [Sample(r["text"], "base", r["labels"]) for r in
               map(json.loads, (base / "train.jsonl").read_text().splitlines())]
    lexicon = Lexicon([])
    docs = featurize((s.text for s in samples), lexicon)
    vocabulary = build_vocabulary(docs, lexicon)
    idf = idf_of(docs, vocabulary)
    x = matrix(docs, vocabulary, idf)
    fitted = {}
    for label in LABELS:
        rows, y, w = targets(samples, label)
        fitted[label] = fit_label(x[rows], y, w, LabelPlan(C=4.0), None)
    stack = tiny_stack(vocabulary) if stacked else None
    write_models(out, version, vocabulary, idf, fitted, lexicon, {}, stack)
    return out


def tiny_stack(vocabulary: list[str]):
    """Return a toxicity stack over the vocabulary's words: random 64-d word vectors (no
    MiniLM needed) and alt-profanity-check's model."""
    from spectrum_rpc.engine.features import is_word_feature
    from spectrum_rpc.engine.reference import ReferenceModel
    from spectrum_rpc.engine.stack import Stack

    rng = np.random.default_rng(3)
    words = [g[1:-1] for g in vocabulary if is_word_feature(g)]
    return Stack(["toxicity"], words, rng.normal(size=(len(words), 64)),
                 rng.normal(size=(1, 64)), [2.0], ReferenceModel.from_package())


def corrections(rng: random.Random, n: int, flipped: bool = False) -> list[dict]:
    """Return recordUserClassification params: crypto spam to block, fan comments to keep.

    `flipped` sends base-style texts with the wrong answer instead (poisoning).
    """
    out = []
    for i in range(n):
        if flipped:
            kind = "toxicity" if i % 2 else "clean"
            out.append({"content": sentence(rng, kind), "shouldBlock": kind == "clean"})
        elif i % 2:
            out.append({"content": sentence(rng, "spam"), "shouldBlock": True,
                        "labels": {"phishing": True}})
        else:
            out.append({"content": sentence(rng, "fan"), "shouldBlock": False})
    return out


def padded_corrections(label: str, padding: int, seed: int = 7) -> list[Sample]:
    """Return 40 corrections marking spam-word texts `label` and 40 marking fan-word texts not,
    each followed by `padding` small-talk words (about 6 characters each: 80 make e-mail-length
    texts of about 550 characters)."""
    rng = random.Random(seed)
    out = []
    for kind, target in (("spam", 1), ("fan", 0)):
        for i in range(40):
            filler = " ".join(rng.choice(WORDS["clean"]) for _ in range(padding))
            out.append(Sample(f"{rng.choice(WORDS[kind])} {filler} {i}".replace("  ", " "),
                              "feedback", {label: target}))
    return out


def rpc_batch(method: str, params: list[dict], start: int = 0) -> list[dict]:
    """Return a JSON-RPC batch calling `method` once per params object."""
    return [{"jsonrpc": "2.0", "method": method, "params": p, "id": start + i}
            for i, p in enumerate(params)]


def training_sections(tmp_path: Path, **training: object) -> dict[str, dict]:
    """Return settings overrides: tiny model, tiny base corpus, models under tmp_path."""
    base = write_base(tmp_path / "base")
    model = write_model(tmp_path / "shipped", base)
    return {
        "engine": {"model_dir": str(model), "workers": 2},
        "training": {"model_root": str(tmp_path / "models"), "base_data": str(base),
                     "poll_interval": 0.05, "min_holdout": 5, **training},
        "webhooks": {"enabled": False},
    }


def environment(sections: dict[str, dict]) -> dict[str, str]:
    """Return settings overrides as the CLI reads them from the environment
    (`SPECTRUM_RPC_SECTION_KEY`), for `monkeypatch.setenv`."""
    return {f"SPECTRUM_RPC_{section.upper()}_{key.upper()}": str(value)
            for section, values in sections.items() for key, value in values.items()}


def block_rate(scores: list[dict[str, float]]) -> float:
    """Return the share of texts any decision label flags at 0.5."""
    return float(np.mean([max(s[k] for k in LABELS) >= 0.5 for s in scores]))


def add_encoder(model_dir: Path, low: float = 0.01, high: float = 0.999,
                **stack: float) -> dict:
    """Give a tiny model the shipped encoder tier (its files linked, not copied), with the
    phishing band widened to [low, high] (and the stack's `a`, `b`, `c` changed as given);
    return the encoder's engine.json record."""
    record = json.loads((SHIPPED_MODELS / "engine.json").read_text())["encoder"]
    record["bands"] = [{**band, "low": low, "high": high, **stack} for band in record["bands"]]
    meta = json.loads((model_dir / "engine.json").read_text())
    (model_dir / "engine.json").write_text(json.dumps({**meta, "encoder": record}, indent=2))
    manifest = json.loads((model_dir / MANIFEST).read_text())
    for name in record["files"]:
        os.symlink(SHIPPED_MODELS / name, model_dir / name)
    for name in (*record["files"], "engine.json"):
        manifest["sha256"][name] = sha256(model_dir / name)
    (model_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return record


def fits_differ(before: tuple, after: tuple) -> list[str]:
    """Compare two `recipe.train` results (vocabulary, idf, fitted, stack): assert vocabulary
    and idf are equal and return the labels whose weights or bias differ, in label order."""
    assert before[0] == after[0]
    assert np.array_equal(before[1], after[1])
    assert list(before[2]) == list(after[2])
    return [label for label in before[2]
            if not (np.array_equal(before[2][label].weights, after[2][label].weights)
                    and before[2][label].bias == after[2][label].bias)]


# Written training rows must not repeat the functional table (the evaluation): no shared text,
# no shared run of RUN words, and no short table case (2 to RUN - 1 words) inside a row.
RUN = 5
_WORD = re.compile(r"[a-z0-9']+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def overlaps(texts: Iterable[str], reference: Iterable[str]) -> list[str]:
    """Return the texts that share a text, a run of RUN words or a whole short reference text
    with `reference`, each followed by what it shares (empty: none does)."""
    reference = list(reference)
    whole = {" ".join(_words(text)) for text in reference}
    runs = set().union(*(_runs(text) for text in reference))
    short = {" ".join(_words(t)) for t in reference if 2 <= len(_words(t)) < RUN}
    found = []
    for text in texts:
        joined = " ".join(_words(text))
        shared = sorted({" ".join(r) for r in _runs(text) & runs}
                        | {s for s in short if f" {s} " in f" {joined} "})
        if joined in whole or shared:
            found.append(f"{text} -> {shared or 'the whole text'}")
    return found


def table_overlaps(texts: Iterable[str]) -> list[str]:
    """Return the texts that repeat the functional table (`overlaps`)."""
    return overlaps(texts, (case.text for case in functional.build_table()))
