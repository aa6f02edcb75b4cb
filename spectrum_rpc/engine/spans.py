"""Toxic spans: which characters of a text make it toxic, and post-level sub-labels.

Each token of the ORIGINAL text (a run of word characters, leet symbols and combining marks
inside) gets one logit per label from a linear model over hashed features: its normalised
form (`normalize`), that form's char 3-5-grams (`word_grams`), its letter case, its lexicon
category and severity, and the words up to two tokens before and after it. Runs of tokens
over a label's threshold are merged into spans (offsets in code points of the original text,
begin inclusive, end exclusive); a span's score is its highest token probability. A text's
sub-label score is its highest token logit through a Platt scaling fitted on held-out posts.

Serving is linear in text length with bounded memory: a token's own features are summed once
per distinct token (cached), context features are gathered per block of tokens in numpy.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .features import word_grams
from .lexicon import Entry
from .manifest import ModelIntegrityError, sha256
from .normalize import normalize

SPANS_FILE = "spans.npz"
SPANS_MANIFEST = "spans_manifest.json"
MODEL_DIR = Path(__file__).resolve().parent.parent / "models"

# Word characters plus the marks and joiners an evasion hides inside a word (`normalize`
# drops them), so that `idi\u0301ot` and `id\u200biot` stay one token.
_WORD = r"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u200b-\u200d\u2060]"
# A word, possibly with leet or masking symbols inside (`f*ck`, `sh!t`, `don't`), a leading
# `@`/`$` (`@ss`) or trailing `$`/`*` (`a$$`). The separators are not word characters, so
# the pattern never backtracks more than one character.
TOKEN = re.compile(rf"[@$]?{_WORD}+(?:[@$*#!|+'\u2019\-]+{_WORD}+)*[$*]*")
# Context: the tokens at these distances, each hashed with its own multiplier.
CONTEXT = (-2, -1, 1, 2)
_MULTIPLIERS = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.uint64)
_SHIFTS = np.array(CONTEXT) + 2  # the neighbours' rows among a block padded with two each side
_SALTS = np.arange(1, len(CONTEXT) + 1, dtype=np.uint64)
_EDGE = 0x5BD1E995  # the hash standing for "no token" before the first and after the last
_BLOCK = 8192  # tokens scored per numpy pass: bounded memory on texts up to 15 MB
_PIECE = 1 << 15  # characters split at once
_SPLIT = re.compile(f"({TOKEN.pattern})")
# Characters no token holds: a text cut after one splits into the same tokens.
_CUT = re.compile(r"[\s.,;:?()\[\]{}<>\"/\\]")
_CACHE_LIMIT = 200_000
# The second stage sees the highest logit within this many tokens either side.
WINDOW = 100
# The second stage's inputs: the six every model has, and two more (the logits two tokens
# before and after) in a spans-2 model (`training.spans.RECIPES`; the shipped spans.npz since
# 2026-12-06); a model's stack width says which it uses.
STACK_INPUTS = 6
FAR_STACK_INPUTS = 8
_NO_NEIGHBOUR = -10.0  # the logit standing for "no token" next to the first and last


def window_max(values: np.ndarray, radius: int) -> np.ndarray:
    """Return, per row, the column-wise max of the rows within `radius` of it (van Herk /
    Gil-Werman: linear in the rows, whatever the radius)."""
    n, width = len(values), 2 * radius + 1
    pad = np.full((radius, values.shape[1]), -np.inf)
    padded = np.concatenate([pad, values, pad])
    chunks = -(-len(padded) // width)
    extra = np.full((chunks * width - len(padded), values.shape[1]), -np.inf)
    shaped = np.concatenate([padded, extra]).reshape(chunks, width, -1)
    prefix = np.maximum.accumulate(shaped, axis=1).reshape(chunks * width, -1)
    suffix = np.maximum.accumulate(shaped[:, ::-1], axis=1)[:, ::-1].reshape(chunks * width, -1)
    return np.maximum(suffix[:n], prefix[width - 1:width - 1 + n])


@functools.cache
def _edge_rows(labels: int) -> np.ndarray:
    """The logits standing for "no token", two rows (read-only: shared by every call)."""
    edge = np.full((2, labels), _NO_NEIGHBOUR)
    edge.flags.writeable = False
    return edge


def stack_inputs(logits: np.ndarray, offset: int, n: int, width: int = STACK_INPUTS
                 ) -> np.ndarray:
    """Return the second stage's inputs (tokens x labels x `width`) for rows
    offset..offset+n-1 of `logits` (the rows around them are up to WINDOW tokens of context):
    the token's logit, its previous and next token's, the highest within WINDOW tokens, the
    token's distance below it, the log of how many tokens that window holds, and with
    `width` FAR_STACK_INPUTS the logits two tokens before and after."""
    if width not in (STACK_INPUTS, FAR_STACK_INPUTS):
        # any other width would leave columns of np.empty's leftovers in the inputs
        raise ValueError(f"a second stage over {width} inputs is not known")
    edge = _edge_rows(logits.shape[1])
    padded = np.concatenate([edge, logits, edge])
    own = logits[offset:offset + n]
    out = np.empty((n, logits.shape[1], width))
    out[:, :, 0] = own
    out[:, :, 1] = padded[offset + 1:offset + n + 1]
    out[:, :, 2] = padded[offset + 3:offset + n + 3]
    if width == FAR_STACK_INPUTS:
        out[:, :, 6] = padded[offset:offset + n]
        out[:, :, 7] = padded[offset + 4:offset + n + 4]
    if len(logits) <= WINDOW + 1:  # a short text: every window is the whole text
        top = logits.max(axis=0)
        out[:, :, 3] = top
        out[:, :, 4] = own - top
        out[:, :, 5] = math.log1p(len(logits))
        return out
    rows = np.arange(offset, offset + n)
    top = window_max(logits, WINDOW)[offset:offset + n]
    count = np.minimum(rows + WINDOW, len(logits) - 1) - np.maximum(rows - WINDOW, 0) + 1
    out[:, :, 3] = top
    out[:, :, 4] = own - top
    out[:, :, 5] = np.log1p(count)[:, None]
    return out


# Tokens joined into one span when only this much (spaces, punctuation) separates them.
MAX_GAP = 3
# A block of at most this many tokens is merged from Python lists (`Merger.add_list`).
_SHORT_BLOCK = 256


def shape(raw: str) -> str:
    """Return a token's letter case: `U` all upper (2+ letters), `T` title, `l` otherwise."""
    if raw.isupper() and len(raw) > 1:
        return "U"
    return "T" if raw[:1].isupper() else "l"


def token_grams(raw: str, words: Mapping[str, Entry]) -> tuple[str, list[str]]:
    """Return a token's normal form and the feature strings of the token itself."""
    norm = normalize(raw).replace(" ", "")
    grams = word_grams(norm)
    grams.append("\x00shape:" + shape(raw))
    entry = words.get(norm)
    if entry is not None:
        grams.append("\x00lex:" + entry.category)
        grams.append(f"\x00sev:{int(entry.severity)}")
    return norm, grams


def bucket(gram: str, dim: int) -> int:
    """Return the hashed feature index of a feature string."""
    return zlib.crc32(gram.encode("utf-8", "surrogatepass")) & (dim - 1)


def word_hash(norm: str) -> int:
    """Return the hash a token contributes to its neighbours' context features."""
    return zlib.crc32(f" {norm} ".encode("utf-8", "surrogatepass"))


def context_indices(hashes: np.ndarray, before: np.ndarray, after: np.ndarray,
                    dim: int) -> np.ndarray:
    """Return a (tokens x len(CONTEXT)) array of context feature indices.

    `hashes` are the `word_hash` of a block of tokens; `before` and `after` those of the two
    tokens around the block (`_EDGE` at the text's ends)."""
    padded = np.concatenate([before, hashes, after]).astype(np.uint64)
    neighbours = padded[np.arange(len(hashes))[:, None] + _SHIFTS]
    mixed = (neighbours + _SALTS) * _MULTIPLIERS
    return ((mixed >> np.uint64(17)) & np.uint64(dim - 1)).astype(np.int64)


def slot_indices(hashed: int, dim: int) -> np.ndarray:
    """Return the feature index of a token with this `word_hash` in each context slot (its
    neighbours' features: `context_indices` of the token two before it, one before, ...)."""
    mixed = (np.uint64(hashed) + _SALTS) * _MULTIPLIERS
    return ((mixed >> np.uint64(17)) & np.uint64(dim - 1)).astype(np.int64)


def tokens(text: str) -> Iterator[re.Match[str]]:
    """Yield the tokens of a text, in order."""
    return TOKEN.finditer(text)


def token_blocks(text: str) -> Iterator[tuple[list[str], np.ndarray, np.ndarray]]:
    """Yield the tokens of a text (as `tokens` finds them) in blocks of at least _BLOCK
    tokens (the last may hold fewer): their strings, begins and ends.

    The text is read in pieces of about _PIECE characters, each cut at a character no token
    holds, and split in C (`re.split`); offsets are the running sums of the parts' lengths."""
    raws: list[str] = []
    begins: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    start, size = 0, len(text)
    while start < size:
        stop = start + _PIECE
        cut = _CUT.search(text, stop) if stop < size else None
        stop = cut.start() + 1 if cut is not None else size
        parts = _SPLIT.split(text[start:stop])
        # parts alternate gap, token, gap, ...: a gap's running end is the next token's begin
        at = np.fromiter(itertools.accumulate(map(len, parts), initial=start), dtype=np.int64,
                         count=len(parts) + 1)
        raws.extend(parts[1::2])
        begins.append(at[1:-1:2])
        ends.append(at[2::2])
        start = stop
        if len(raws) >= _BLOCK:
            yield raws, np.concatenate(begins), np.concatenate(ends)
            raws, begins, ends = [], [], []
    if raws and len(begins) == 1:
        yield raws, begins[0], ends[0]
    elif raws:
        yield raws, np.concatenate(begins), np.concatenate(ends)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic function of `x`."""
    out = np.maximum(x, -40.0)  # the same operations in place: fewer temporaries
    if not isinstance(out, np.ndarray):  # a scalar
        return 1.0 / (1.0 + np.exp(-out))
    np.negative(out, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


class _TokenTable:
    """Each distinct token's own-feature logits and the weight rows it adds to its neighbours
    (one per context slot), in rows indexed by id.

    Rows are only appended (under the model's lock), and a full table is replaced, never
    cleared: a reader holding ids from one table gathers from that same table."""

    def __init__(self, n_labels: int, size: int = 1024):
        self.ids: dict[str, int] = {}
        self.own = np.zeros((size, n_labels), dtype=np.float32)
        self.context = np.zeros((size, len(CONTEXT), n_labels), dtype=np.float32)

    def add(self, raw: str, own: np.ndarray, context: np.ndarray) -> int:
        i = len(self.ids)
        if i == len(self.own):
            self.own = np.concatenate([self.own, np.zeros_like(self.own)])
            self.context = np.concatenate([self.context, np.zeros_like(self.context)])
        self.own[i], self.context[i] = own, context
        self.ids[raw] = i
        return i


@dataclass(frozen=True, slots=True)
class Span:
    """Characters `begin`..`end - 1` of the original text are `label` with this score."""

    begin: int
    end: int
    label: str
    score: float


@dataclass(frozen=True, slots=True)
class SpanAnalysis:
    """The spans of one text (ordered by label, then offset) and its sub-label scores."""

    spans: tuple[Span, ...]
    labels: tuple[tuple[str, float], ...]


# A text's spans are answered only when it is worth marking: its toxicity (the engine's, a
# separate model) reaches the review line, or one of its sub-labels reaches this probability.
# The span model was trained on Civil Comments posts pre-selected as likely toxic, and marks a
# word of half of all harmless tweets and SMS without this rule ("Nice picture!": `picture`).
# Chosen on development data only (scripts/evaluate_spans.py; docs/BENCHMARKS.md, "Toxic
# spans on harmless texts"): the best mean char F1 over the tune split's SemEval posts and
# the harmless development texts counted as posts without a gold span, among 0.1-0.3.
SUB_LABEL_LINE = 0.25


def worth_marking(analysis: SpanAnalysis, toxic: bool) -> bool:
    """Return whether a text's spans are answered: `toxic` (its toxicity reached the review
    line) or any sub-label at SUB_LABEL_LINE or more."""
    return toxic or any(score >= SUB_LABEL_LINE for _, score in analysis.labels)


class Merger:
    """Merge runs of a label's tokens over its threshold into spans, block after block.

    Two tokens join when they are consecutive tokens (so nothing between them is a token)
    and at most MAX_GAP characters apart."""

    __slots__ = ("label", "threshold", "spans", "_open", "_seen")

    def __init__(self, label: str, threshold: float, seen: int = 0):
        self.label, self.threshold = label, threshold
        self.spans: list[Span] = []
        self._open: list | None = None  # [begin, end, score, token index] of a growing span
        self._seen = seen  # tokens added so far

    def add(self, begins: np.ndarray, ends: np.ndarray, scores: np.ndarray) -> None:
        """Add the next block of tokens with this label's scores."""
        picked = (scores >= self.threshold).nonzero()[0]
        first, self._seen = self._seen, self._seen + len(scores)
        if not len(picked):
            return
        self._merge(zip((picked + first).tolist(), begins[picked].tolist(),
                        ends[picked].tolist(), scores[picked].tolist(), strict=True))

    def add_list(self, begins: list[int], ends: list[int], scores: list[float]) -> None:
        """`add` for a short block given as Python lists (the same spans, without a dozen
        numpy calls per label for a comment's score)."""
        first, self._seen = self._seen, self._seen + len(scores)
        threshold = self.threshold
        self._merge((first + k, begins[k], ends[k], score) for k, score in enumerate(scores)
                    if score >= threshold)  # as `scores >= threshold` picks: NaN never

    def _merge(self, rows: Iterable[tuple[int, int, int, float]]) -> None:
        """Extend the open span with each picked token (its index, offsets, score) that follows
        it closely enough, else close it and open one at the token."""
        current = self._open
        for at, begin, end, score in rows:
            if current is not None and at == current[3] + 1 and begin - current[1] <= MAX_GAP:
                current[1], current[3] = end, at
                if score > current[2]:
                    current[2] = score
            else:
                self.close()
                current = self._open = [begin, end, score, at]

    @property
    def open(self) -> bool:
        """Whether a span is being grown (the next block may continue it)."""
        return self._open is not None

    def skip(self, n: int) -> None:
        """Pass over a block of `n` tokens none of which reaches the threshold."""
        self._seen += n

    def close(self) -> None:
        """End the span being grown, if any."""
        if self._open is not None:
            begin, end, score, _ = self._open
            self.spans.append(Span(begin, end, self.label, round(score, 6)))
            self._open = None


class SpanModel:
    """Token scores, spans and sub-labels of one trained model (read-only; thread-safe)."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, labels: Sequence[str],
                 thresholds: np.ndarray, platt: np.ndarray, post_labels: Sequence[str],
                 words: Mapping[str, Entry], stack: np.ndarray | None = None):
        """`weights` is (features x labels); `platt[j]` the (a, b) of post label j, whose
        score is `sigmoid(a * max token logit + b)`; `words` the lexicon's word entries;
        `stack[j]` the second stage's weights over `stack_inputs` and its bias (default: the
        token's own logit alone)."""
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.dim = self.weights.shape[0]
        if self.dim & (self.dim - 1):
            raise ValueError("the feature dimension must be a power of two")
        self.bias = np.asarray(bias, dtype=np.float32)
        self.labels = tuple(labels)
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        self._thresholds = [float(t) for t in self.thresholds]
        self.platt = np.asarray(platt, dtype=np.float64)
        self.post_labels = tuple(post_labels)
        self._post_columns = np.array([self.labels.index(label) for label in self.post_labels],
                                      dtype=np.intp)
        self.words = words
        if stack is None:
            stack = np.zeros((len(self.labels), STACK_INPUTS + 1))
            stack[:, 0] = 1.0
        self.stack = np.asarray(stack, dtype=np.float64)
        if self.stack.ndim != 2 or len(self.stack) != len(self.labels):
            raise ValueError(f"the second stage's weights must be one row per label, not of "
                             f"shape {self.stack.shape}")
        self.stack_width = self.stack.shape[1] - 1
        if self.stack_width not in (STACK_INPUTS, FAR_STACK_INPUTS):
            raise ValueError(f"a second stage over {self.stack_width} inputs is not known")
        self._no_rows = np.zeros((0, len(self.labels)))
        self._lock = threading.Lock()
        self._tokens = _TokenTable(len(self.labels))
        # the context rows "no token" adds, before the first token and after the last
        self._edge = np.stack([self.weights[slot_indices(_EDGE, self.dim)]] * 2)

    def _encode(self, raws: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the own-feature logits and context rows (`_TokenTable`) of a block of
        tokens."""
        table = self._tokens  # one snapshot: a reset by another thread leaves it whole
        get = table.ids.get
        ids = [get(raw) for raw in raws]
        if None in ids:
            with self._lock:
                ids = [get(raw) if i is None else i for raw, i in zip(raws, ids, strict=True)]
                for k, raw in enumerate(raws):
                    if ids[k] is None:
                        ids[k] = get(raw)
                        if ids[k] is None:
                            ids[k] = self._add(table, raw)
        rows = np.array(ids, dtype=np.intp)  # once, not once per gather
        return table.own[rows], table.context[rows]

    def _add(self, table: _TokenTable, raw: str) -> int:
        """Compute a token's rows into `table` (under the lock); return its id."""
        if len(table.ids) >= _CACHE_LIMIT:
            self._tokens = _TokenTable(len(self.labels))  # bounded memory: later calls start anew
        norm, grams = token_grams(raw, self.words)
        rows = [bucket(g, self.dim) for g in grams]
        context = self.weights[slot_indices(word_hash(norm), self.dim)]
        return table.add(raw, self.weights[rows].sum(axis=0), context)

    def logits(self, text: str) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Yield (begins, ends, token logits: tokens x labels) of the text's tokens, block
        by block (the first stage: each token's own and context features)."""
        edge = self._edge
        before = edge
        pending = None
        for raws, begins, ends in token_blocks(text):
            own, context = self._encode(raws)
            if pending is not None:
                after = np.concatenate([context[:2], edge])[:2]
                yield self._finish(pending, before, after)
                before = np.concatenate([before, pending[3]])[-2:]
            pending = (begins, ends, own, context)
        if pending is not None:
            yield self._finish(pending, before, edge)

    def _finish(self, encoded: tuple, before: np.ndarray, after: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Add to each token's own logits its neighbours' rows (`context_indices` order)."""
        begins, ends, own, context = encoded
        n = len(own)
        rows = np.concatenate([before, context, after])
        around = rows[0:n, 0] + rows[1:n + 1, 1] + rows[3:n + 3, 2] + rows[4:n + 4, 3]
        return begins, ends, own + around + self.bias

    def blocks(self, text: str) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray,
                                                  np.ndarray]]:
        """Yield (begins, ends, logits, probabilities) block by block: the probabilities are
        the second stage's, over each token's logit, its neighbours' and the highest logit
        within WINDOW tokens (annotators mark the worst words of a passage)."""
        stages = self.logits(text)
        before = self._no_rows
        current = next(stages, None)
        while current is not None:
            following = next(stages, None)
            after = following[2][:WINDOW] if following is not None else before[:0]
            begins, ends, logits = current
            # (float64, as the concatenation with the float64 context rows makes it)
            context = (logits.astype(np.float64) if not len(before) and not len(after)
                       else np.concatenate([before, logits, after]))
            inputs = stack_inputs(context, len(before), len(logits), self.stack_width)
            yield begins, ends, logits, self.stacked(inputs)
            if following is not None:
                before = np.concatenate([before, logits])[-WINDOW:]
            current = following

    def stacked(self, inputs: np.ndarray) -> np.ndarray:
        """Return the second stage's probabilities (tokens x labels) from `stack_inputs`."""
        return sigmoid(np.einsum("nlk,lk->nl", inputs, self.stack[:, :-1]) + self.stack[:, -1])

    def analyze(self, text: str, labels: Sequence[str] | None = None) -> SpanAnalysis:
        """Return the spans of `labels` (default: all) and the sub-label scores of a text."""
        wanted = [j for j, label in enumerate(self.labels) if labels is None or label in labels]
        mergers: dict[int, Merger] = {}  # a label's merger from the first block reaching it
        top = None
        seen = 0
        for begins, ends, logits, scores in self.blocks(text):
            highest = logits.max(axis=0)
            top = highest if top is None else np.maximum(top, highest)
            reached = (scores.max(axis=0) >= self.thresholds).tolist()
            short = len(scores) <= _SHORT_BLOCK
            if short:
                begin_list, end_list, columns = begins.tolist(), ends.tolist(), scores.T.tolist()
            for j in wanted:
                merger = mergers.get(j)
                if reached[j] and merger is None:
                    merger = mergers[j] = Merger(self.labels[j], self._thresholds[j], seen)
                if merger is None:
                    continue
                if reached[j] or merger.open:
                    if short:
                        merger.add_list(begin_list, end_list, columns[j])
                    else:
                        merger.add(begins, ends, scores[:, j])
                else:
                    merger.skip(len(scores))
            seen += len(scores)
        spans: list[Span] = []
        for j in wanted:
            if j in mergers:
                mergers[j].close()
                spans.extend(mergers[j].spans)
        return SpanAnalysis(tuple(spans), self._post_scores(self.bias if top is None else top))

    def post_scores(self, top: np.ndarray) -> tuple[tuple[str, float], ...]:
        """Return the calibrated sub-label scores given each label's highest token logit (a
        text without tokens scores as if its top logit were the label's bias)."""
        return self._post_scores(np.where(np.isfinite(top), top, self.bias))

    def _post_scores(self, top: np.ndarray) -> tuple[tuple[str, float], ...]:
        top = top.take(self._post_columns)
        scores = sigmoid(self.platt[:, 0] * top + self.platt[:, 1]).tolist()
        return tuple((label, round(score, 6))
                     for label, score in zip(self.post_labels, scores, strict=True))

    def feature_rows(self, text: str) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
        """Return each token's begin, end and full list of feature indices (for training: the
        served logits are `weights[indices].sum() + bias`)."""
        matches = list(tokens(text))
        normed = [token_grams(m.group(), self.words) for m in matches]
        hashes = np.array([word_hash(n) for n, _ in normed], dtype=np.uint64)
        edge = np.array([_EDGE, _EDGE], dtype=np.uint64)
        context = context_indices(hashes, edge, edge, self.dim).tolist()
        rows = [[bucket(g, self.dim) for g in grams] + ctx
                for (_, grams), ctx in zip(normed, context, strict=True)]
        offsets = np.array([m.span() for m in matches], dtype=np.int64).reshape(-1, 2)
        return offsets[:, 0], offsets[:, 1], rows


def save(path: Path, model: SpanModel, meta: dict) -> None:
    """Write a model as numeric arrays (weights in float16) plus a JSON description."""
    np.savez_compressed(
        path, weights=model.weights.astype(np.float16), bias=model.bias,
        thresholds=model.thresholds, platt=model.platt, stack=model.stack,
        labels=np.frombuffer("\n".join(model.labels).encode(), dtype=np.uint8),
        post_labels=np.frombuffer("\n".join(model.post_labels).encode(), dtype=np.uint8),
        meta=np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8))


def load(model_dir: Path, words: Mapping[str, Entry]) -> SpanModel:
    """Load `spans.npz` from a directory, refusing it unless it matches its manifest."""
    path = model_dir / SPANS_FILE
    manifest = model_dir / SPANS_MANIFEST
    try:
        expected = json.loads(manifest.read_text())["sha256"][SPANS_FILE]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelIntegrityError(f"cannot read {manifest}: {exc}") from exc
    if sha256(path) != expected:
        raise ModelIntegrityError(f"model file {path} fails its SHA-256 check: refusing to "
                                  "load a modified model")
    with np.load(path, allow_pickle=False) as z:
        text = {k: bytes(z[k]).decode() for k in ("labels", "post_labels")}
        return SpanModel(z["weights"].astype(np.float32), z["bias"], text["labels"].split("\n"),
                         z["thresholds"], z["platt"],
                         text["post_labels"].split("\n") if text["post_labels"] else [], words,
                         z["stack"])


def meta_of(model_dir: Path) -> dict:
    """Return the JSON description stored with a model (its data, settings and figures)."""
    with np.load(model_dir / SPANS_FILE, allow_pickle=False) as z:
        return json.loads(bytes(z["meta"]).decode())


def write_manifest(model_dir: Path) -> None:
    """Record the SHA-256 of `spans.npz` beside it."""
    digest = sha256(model_dir / SPANS_FILE)
    (model_dir / SPANS_MANIFEST).write_text(
        json.dumps({"sha256": {SPANS_FILE: digest}}, indent=2) + "\n")
