"""The encoder tier: a fine-tuned all-MiniLM-L6-v2 (int8 ONNX), asked only near the thresholds.

The linear tier is cheap and sure of most texts; where its probability of a label lies within
that label's band around the served threshold, the text is also run through the encoder, and
the label's probability there becomes sigmoid(a * logit(engine) + b * encoder logit + c) (a
stack fitted on development data, `training.encoder`). Texts outside every band, and texts
longer than one window (`max_chars`: the worst-window rule decides those), keep the engine's
scores, so throughput on clear cases stays as it was.

onnxruntime runs the model (no torch at run time) on one thread: the encoder runs where the
engine scores, in the engine's child processes, never on the event loop. The session is
created on first use, so a process that never asks (the server's parent) never pays for it,
and shared by the engines of one process whose encoder file is the same (`sessions`).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .sessions import SESSIONS, SharedSessions
from .windows import WHOLE

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "encoder_tokenizer.json"
# The longest text the encoder is asked about: one the engine scores as one window.
MAX_CHARS = WHOLE
_EPSILON = 1e-6
# `in_band`'s answers for one text (read-only: callers only index with them).
_FIRST = np.zeros(1, dtype=np.intp)
_NONE = np.zeros(0, dtype=np.intp)
_FIRST.flags.writeable = _NONE.flags.writeable = False


@dataclass(frozen=True)
class Band:
    """Where the encoder is asked for one label, and how its logit joins the engine's."""

    label: str
    head: int
    low: float
    high: float
    a: float
    b: float
    c: float

    def combine(self, engine: np.ndarray, encoder: np.ndarray) -> np.ndarray:
        """Return the stacked probability from engine probabilities and encoder logits."""
        p = np.clip(engine, _EPSILON, 1 - _EPSILON)
        z = self.a * np.log(p / (1 - p)) + self.b * encoder + self.c
        return 1.0 / (1.0 + np.exp(-z))


class Encoder:
    """The exported encoder and its bands; `refine` rewrites score rows in place."""

    def __init__(self, model_dir: Path, meta: dict, digest: str | None = None,
                 sessions: SharedSessions = SESSIONS):
        """`digest`: the encoder file's sha256 (from the manifest): encoders with the same
        one share a session from `sessions` (None: this encoder builds its own)."""
        self.model_dir = Path(model_dir)
        self.digest = digest
        self._sessions = sessions
        self.heads: tuple[str, ...] = tuple(meta["heads"])
        self.max_tokens = int(meta["max_tokens"])
        self.max_chars = int(meta["max_chars"])
        self.bands = tuple(Band(label=b["label"], head=self.heads.index(b["label"]),
                                low=float(b["low"]), high=float(b["high"]), a=float(b["a"]),
                                b=float(b["b"]), c=float(b["c"])) for b in meta["bands"])
        self.asked = 0
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None

    def relocated(self, model_dir: Path) -> Encoder:
        """This encoder reading its files from `model_dir`, a copy of the same files: an engine
        kept for the same files loads from its own directory, never from one that may be gone
        (a candidate's, another app's), and what was already loaded is kept. Copied under the
        lock: a copy taken in the middle of a load would hold a session and no tokenizer."""
        with self._lock:
            other = copy.copy(self)
        other.model_dir = Path(model_dir)
        other._lock = threading.Lock()
        return other

    @staticmethod
    def files() -> tuple[str, str]:
        """The model files the encoder reads (listed in the manifest)."""
        return ENCODER_FILE, TOKENIZER_FILE

    def load(self) -> None:
        """Create the onnxruntime session now (else on first use): an engine process does, so
        its first text near a threshold does not wait a second for it."""
        with self._lock:
            if self._session is None:
                self._load()

    def _load(self) -> None:
        from tokenizers import Tokenizer

        self._session = (self._build() if self.digest is None
                          else self._sessions.get(self.digest, self._build))
        tokenizer = Tokenizer.from_file(str(self.model_dir / TOKENIZER_FILE))
        tokenizer.enable_truncation(max_length=self.max_tokens)
        tokenizer.no_padding()
        self._tokenizer = tokenizer

    def _build(self):  # type: ignore[no-untyped-def]  # an onnxruntime.InferenceSession
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        return onnxruntime.InferenceSession(
            str(self.model_dir / ENCODER_FILE), options, providers=["CPUExecutionProvider"])

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Return the encoder's logits (texts x heads), float64."""
        out = np.zeros((len(texts), len(self.heads)))
        if not texts:
            return out
        self.load()
        assert self._session is not None and self._tokenizer is not None
        # One text per call: dynamic int8 quantisation scales activations per call, so in a
        # batch a text's score would depend on the texts beside it (and on padding).
        for i, encoding in enumerate(self._tokenizer.encode_batch(list(texts))):
            ids = np.asarray([encoding.ids], dtype=np.int64)
            out[i] = self._session.run(None, {"input_ids": ids,
                                              "attention_mask": np.ones_like(ids)})[0][0]
        return out

    def in_band(self, texts: Sequence[str], rows: np.ndarray,
                labels: Sequence[str]) -> np.ndarray:
        """Return the indices of the texts the encoder is asked about."""
        if len(texts) == 1:  # the usual request: Python floats, not a dozen numpy calls
            return _FIRST if self._one_in_band(texts[0], rows[0], labels) else _NONE
        ask = np.zeros(len(texts), dtype=bool)
        for band in self.bands:
            column = rows[:, labels.index(band.label)]
            ask |= (column >= band.low) & (column <= band.high)
        if ask.any():
            ask &= np.fromiter((len(t) <= self.max_chars for t in texts), bool, len(texts))
        return np.flatnonzero(ask)

    def _one_in_band(self, text: str, row: np.ndarray, labels: Sequence[str]) -> bool:
        values = row.tolist()
        return len(text) <= self.max_chars and any(
            band.low <= values[labels.index(band.label)] <= band.high for band in self.bands)

    def refine(self, texts: Sequence[str], rows: np.ndarray, labels: Sequence[str]) -> int:
        """Replace in-band labels' probabilities in `rows` by the stack's; return how many
        texts the encoder scored."""
        asked = self.in_band(texts, rows, labels)
        if not len(asked):
            return 0
        z = self.logits([texts[i] for i in asked])
        for band in self.bands:
            column = labels.index(band.label)
            engine = rows[asked, column]
            inside = (engine >= band.low) & (engine <= band.high)
            rows[asked[inside], column] = band.combine(engine[inside], z[inside, band.head])
        self.asked += len(asked)
        return len(asked)
