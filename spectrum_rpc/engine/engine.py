"""The classifier: normalise, featurise, score with the linear tier, add the lexicon score."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, groupby, islice, pairwise
from pathlib import Path

import numpy as np

from .. import labels as L
from .encoder import ENCODER_FILE, Encoder
from .features import Featurizer, StreamFeatures
from .lexicon import Lexicon
from .linear import LINEAR_FILE, LinearModel
from .manifest import MANIFEST, verify_manifest
from .normalize import normalize_pieces
from .stack import STACK_FILE, Stack
from .windows import SCALES, WHOLE, WINDOW, Scale, edges, spans, windows

ENGINE_FILE = "engine.json"
LEXICON_FILE = "lexicon.json"
MODEL_FILES = (ENGINE_FILE, LEXICON_FILE, LINEAR_FILE)
SHIPPED_MODELS = Path(__file__).resolve().parent.parent / "models"
# Windows scored per numpy call: bounds memory for a 15 MB text at a few MB.
_GROUP = 256
# Whole texts featurised per numpy call by `stack_offsets` (a retrain's pool of thousands).
_OFFSET_CHUNK = 2000
# Texts from this many chars are featurised as streams of windows (`_score_long`): that costs
# a fixed ~0.3 ms per group and pays off from about 8 KB alone (measured: 2 KB 0.67 -> 0.88 ms,
# 16 KB 4.2 -> 3.1 ms); shorter texts' windows share the groups of `_score_groups` instead.
_STREAM = 32 * WINDOW


@dataclass(frozen=True)
class ProfanityScale:
    """Map the top lexicon severity (0 = no hit, 1..3) to a profanity probability."""

    none: float = 0.02
    base: float = 0.5
    per_severity: float = 0.15

    def __call__(self, severity: float) -> float:
        if severity <= 0.0:
            return self.none
        return min(0.97, self.base + self.per_severity * severity)


@dataclass(frozen=True)
class LengthCalibration:
    """A second calibration for texts longer than `chars` characters (engine.json
    "long_calibration"): on those, a listed label's logit becomes `slope * logit + shift`.

    The served calibration (training/calibration.py) may fit a label's Platt scaling twice, on
    short and on long development texts: the short fit is folded into the weights, the long
    one is this map on top of it. It applies to every unit of a long text (each of its
    windows), so a text's worst part is still its worst window under one calibration.
    """

    chars: int
    columns: tuple[int, ...]
    slope: np.ndarray
    shift: np.ndarray

    @classmethod
    def from_meta(cls, record: dict, labels: Sequence[str]) -> LengthCalibration:
        """Read engine.json's record: {"chars": N, "labels": {label: [slope, shift]}}.

        A slope must be positive: only an increasing map keeps a long text's worst window the
        worst after the map (a zero slope would score every long text the same, a negative
        one would report its most harmless window).
        """
        fits = record["labels"]
        bad = [label for label, (slope, _) in fits.items() if not float(slope) > 0.0]
        if bad:
            raise ValueError(f"long_calibration: the slope of {', '.join(bad)} is not positive")
        return cls(int(record["chars"]), tuple(labels.index(label) for label in fits),
                   np.array([float(v[0]) for v in fits.values()]),
                   np.array([float(v[1]) for v in fits.values()]))

    def long(self, lengths: Sequence[int]) -> np.ndarray:
        """Return which of texts of these lengths take the long calibration."""
        return np.fromiter((n > self.chars for n in lengths), bool, len(lengths))

    def apply(self, logits: np.ndarray, long: np.ndarray) -> None:
        """Map the listed labels' logits of the `long` rows (in place)."""
        if long.any():
            block = logits[np.ix_(long, self.columns)]
            block *= self.slope
            block += self.shift
            logits[np.ix_(long, self.columns)] = block


class Engine:
    """Score texts per label; `classify` is synchronous and safe to call from many threads."""

    def __init__(self, version: str, model: LinearModel, lexicon: Lexicon,
                 profanity: ProfanityScale | None = None, source: Path | None = None,
                 encoder: Encoder | None = None, length: LengthCalibration | None = None):
        self.version = version
        # The verified directory the engine was loaded from (an engine process reloads it).
        self.source = source
        self.model = model
        self.lexicon = lexicon
        self.profanity = profanity or ProfanityScale()
        self.labels: tuple[str, ...] = (*model.labels, L.PROFANITY)
        missing = set(L.REQUIRED) - set(self.labels)
        if missing:
            raise ValueError(f"model lacks required labels {sorted(missing)}")
        self._featurizer = Featurizer.for_model(model, lexicon)
        self.scales = SCALES
        # The encoder tier (None: the model has none, or it is switched off): asked only for
        # texts whose scores lie near a threshold (`Encoder.refine`).
        self.encoder = encoder
        # The long texts' calibration (None: one calibration for every length).
        self.length = length

    @property
    def scales(self) -> tuple[Scale, ...]:
        """The window scales a long text is scored at (windows.SCALES; each `Scale.applies` says
        which texts it scores)."""
        return tuple(scale for scale, _ in self._scales)

    @scales.setter
    def scales(self, scales: Sequence[Scale]) -> None:
        # Each scale's mask zeroes the labels it does not count for (scores are >= 0, so a
        # zero never wins the maximum).
        self._scales = [(scale, np.array([scale.labels is None or label in scale.labels
                                          for label in self.labels], dtype=float))
                        for scale in scales]
        # The longest text every scale scores whole: one window, or shorter where a scale's
        # `after` asks for windows sooner (worked out here, not per call on the hot path).
        self._whole = min([WHOLE, *(scale.after for scale in scales[1:]
                                                  if scale.after is not None)])

    def without_encoder(self) -> Engine:
        """Return this engine with the encoder tier switched off (`engine.encoder = false`)."""
        engine = copy.copy(self)
        engine.encoder = None
        return engine

    def with_lexicon(self, lexicon: Lexicon) -> Engine:
        """Return an engine sharing this model but matching against `lexicon`."""
        return Engine(self.version, self.model, lexicon, self.profanity, encoder=self.encoder,
                      length=self.length)

    def classify(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Return per-label probabilities for each text; long texts score their worst window."""
        names = self.labels
        return [dict(zip(names, row, strict=True)) for row in self.score(texts).tolist()]

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Return a (texts x labels) array of probabilities, columns in `labels` order: the
        linear tier's, then the encoder tier's where a score lies near a threshold."""
        rows = self.linear_scores(texts)
        if self.encoder is not None:
            self.encoder.refine(texts, rows, self.labels)
        return rows

    def linear_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Return the linear tier's (texts x labels) probabilities (no encoder)."""
        whole = self._whole
        if all(len(text) <= whole for text in texts):
            return self._score_short(texts)
        worst = np.zeros((len(texts), len(self.labels)))
        # Every unit of a long text takes the long calibration (by the whole text's length).
        long = self.length.long(list(map(len, texts))) if self.length is not None else None
        for n, (scale, mask) in enumerate(self._scales):
            # The first scale scores every text (one that fits a window is its own window);
            # the others only texts they apply to (longer than one window, or than the
            # scale's `after`: a text's score is the same alone and in any batch) that pass
            # the scale's gate.
            wanted = [n == 0 or (scale.applies(text)
                                 and (worst[i] * mask).max() >= scale.gate)
                      for i, text in enumerate(texts)]
            units = ((i, part) for i, text in enumerate(texts) if len(text) < _STREAM
                     and wanted[i]
                     for part in windows(text, scale.size, scale.overlap, scale.wide))
            for owners, rows in self._score_groups(units, long):
                np.maximum.at(worst, owners, rows * mask)
            for i, text in enumerate(texts):
                if len(text) >= _STREAM and wanted[i]:
                    for rows in self._score_long(text, scale):
                        np.maximum(worst[i], rows.max(axis=0) * mask, out=worst[i])
        return worst

    def _score_short(self, texts: Sequence[str]) -> np.ndarray:
        """Score texts that are one window each: the server's usual batch, so none of the
        window bookkeeping (it costs about a tenth of a small batch)."""
        if self.length is None:
            return self._rows(*self._featurizer.featurize(texts))
        return self._rows(*self._featurizer.featurize(texts),
                          long=self.length.long(list(map(len, texts))))

    def _score_groups(self, units: Iterator[tuple[int, str]], long: np.ndarray | None
                      ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield the owners and score rows of `units` (owner, part), a group at a time;
        `long`: which owners take the long calibration (None: no such calibration)."""
        while chunk := list(islice(units, _GROUP)):
            owners = np.asarray([owner for owner, _ in chunk])
            yield owners, self._rows(*self._featurizer.featurize(part for _, part in chunk),
                                     long=None if long is None else long[owners])

    def _score_long(self, text: str, scale: Scale) -> Iterator[np.ndarray]:
        """Yield the score rows of a long text's windows, a group of windows at a time.

        Windows overlap, so a group's stretch of text is normalised and featurised once as a
        stream, and each window takes its slice; a window gets the same word rows and
        features as on its own (so the same scores), without its per-token work.
        """
        cuts = spans(text, scale.size, scale.overlap, scale.wide)
        while group := list(islice(cuts, _GROUP)):
            points = edges(text, group)
            # every window of a streamed text (16 KB and more) is a long text's
            marks = (np.full(len(group), len(text) > self.length.chars)
                     if self.length is not None else None)
            if points is None:  # a token straddles an edge: score window by window
                yield self._rows(*self._featurizer.featurize(text[a:b] for a, b in group),
                                 long=marks)
                continue
            stream = normalize_pieces([text[a:b] for a, b in pairwise(points)])
            index = {point: i for i, point in enumerate(points)}
            starts = np.array([index[a] for a, _ in group])
            stops = np.array([index[b] for _, b in group])
            # Rare: spaced-out letters across words (`f u c k`) make a window's normal form
            # differ from its words; such windows are normalised on their own, the runs of
            # windows between them from the stream (built only if there is such a run).
            alone = {k for k in range(len(group)) if stream.rewrites_spaced(starts[k], stops[k])}
            features: StreamFeatures | None = None
            parts = []
            for lone, run in groupby(range(len(group)), alone.__contains__):
                ks = list(run)
                if lone:
                    parts.append(self._featurizer.featurize(text[slice(*group[k])] for k in ks))
                    continue
                if features is None:
                    features = self._featurizer.windows(stream)
                parts.append(features.windows(starts[ks[0]:ks[-1] + 1], stops[ks[0]:ks[-1] + 1]))
            yield self._rows(*(np.concatenate([part[i] for part in parts]) for i in range(4)),
                             list(chain.from_iterable(part[4] for part in parts)), long=marks)

    def stack_offsets(self, texts: Sequence[str]) -> np.ndarray:
        """Return what the stack adds to each stacked label's logit for each whole text (texts
        x `model.stack.labels`; as the linear tier trains: no windows); an empty column set
        without a stack."""
        stack = self.model.stack
        if stack is None:
            return np.zeros((len(texts), 0))
        parts = [np.zeros((0, len(stack.labels)))]
        for start in range(0, len(texts), _OFFSET_CHUNK):  # bounded memory on a large pool
            words, word_counts, features, feature_counts, _ = self._featurizer.featurize(
                texts[start:start + _OFFSET_CHUNK])
            parts.append(self.model.stack_offsets(words, word_counts, features, feature_counts))
        return np.concatenate(parts)

    def _rows(self, words: Sequence[int], word_counts: Sequence[int], features: Sequence[int],
              feature_counts: Sequence[int], severities: list[float],
              long: np.ndarray | None = None) -> np.ndarray:
        """Return one row of label probabilities per text given by `Featurizer.add`; `long`
        marks the texts that take the long calibration (None: no such calibration)."""
        rows = np.empty((len(severities), len(self.labels)))
        if long is None or self.length is None:
            rows[:, :-1] = self.model.probabilities(words, word_counts, features, feature_counts)
        else:
            logits = self.model.logits(words, word_counts, features, feature_counts)
            self.length.apply(logits, long)
            rows[:, :-1] = 1.0 / (1.0 + np.exp(-logits))
        rows[:, -1] = list(map(self.profanity, severities))
        return rows


def model_files(model_dir: Path) -> tuple[tuple[str, ...], dict]:
    """Verify a model directory against its manifest; return the names of its model files and
    its parsed engine.json (a stack's files are the ones engine.json names)."""
    verify_manifest(model_dir, MODEL_FILES)
    meta = json.loads((model_dir / ENGINE_FILE).read_text())
    extra = tuple(meta["stack"]["files"]) if "stack" in meta else ()
    if "encoder" in meta:
        extra += tuple(meta["encoder"]["files"])
    verify_manifest(model_dir, extra)
    return (*MODEL_FILES, *extra), meta


def load_engine(model_dir: Path | None = None) -> Engine:
    """Load and verify the models in `model_dir` (default: the shipped ones).

    The files are verified against the manifest on every call; the engine built from them is
    kept for the next call with the same files (building the word table costs about two
    seconds), which is the common case: every app of a process, the copy of the shipped model
    in the model root, and a candidate that is then promoted all load the same files. Only the
    last engine loaded is kept: at most one engine more than the process serves.
    """
    model_dir = Path(model_dir) if model_dir is not None else SHIPPED_MODELS
    files, meta = model_files(model_dir)
    digests = json.loads((model_dir / MANIFEST).read_text())["sha256"]
    key = json.dumps([[name, digests[name]] for name in sorted(files)])
    with _LAST_LOCK:
        if _LAST and _LAST[0] == key:
            engine = copy.copy(_LAST[1])
            engine.source = model_dir
            if engine.encoder is not None:
                engine.encoder = engine.encoder.relocated(model_dir)
            return engine
    engine = _load(model_dir, files, meta, digests)
    with _LAST_LOCK:
        _LAST[:] = [key, engine]
    return engine


# The last engine loaded and the digests of its files (see load_engine); loads run in threads.
_LAST: list = []
_LAST_LOCK = threading.Lock()


def _load(model_dir: Path, files: tuple[str, ...], meta: dict, digests: dict) -> Engine:
    lexicon = Lexicon.from_records(json.loads((model_dir / LEXICON_FILE).read_text()))
    stack = Stack.load(model_dir) if STACK_FILE in files else None
    model = LinearModel.load(model_dir / LINEAR_FILE, stack)
    model.evidence_prior = float(meta.get("evidence_prior", 0.0))
    encoder = (Encoder(model_dir, meta["encoder"], digests.get(ENCODER_FILE))
               if "encoder" in meta else None)
    length = (LengthCalibration.from_meta(meta["long_calibration"], model.labels)
              if "long_calibration" in meta else None)
    return Engine(meta["version"], model, lexicon, ProfanityScale(**meta.get("profanity", {})),
                  source=model_dir, encoder=encoder, length=length)
