"""The engine: serving only. Normalisation, lexicon, features, the models' scoring, windows,
the micro-batcher and its worker processes; numpy, never scikit-learn.

Besides serving, this interface names the model files' formats (`LinearModel`, `Stack`,
`ReferenceModel`, `Lexicon`, the file names and the manifest), which `training` writes.
"""

from importlib import import_module
from typing import Any

from .batcher import MicroBatcher
from .encoder import ENCODER_FILE, Encoder
from .encoder import MAX_CHARS as ENCODER_MAX_CHARS
from .encoder import TOKENIZER_FILE as ENCODER_TOKENIZER_FILE
from .engine import ENGINE_FILE, LEXICON_FILE, SHIPPED_MODELS, Engine, load_engine, model_files
from .features import LEX_PREFIX, Featurizer, grams, is_word_feature
from .lexicon import Entry, Lexicon, Match
from .linear import LINEAR_FILE, LinearModel
from .manifest import MANIFEST, ModelIntegrityError, sha256, write_manifest
from .normalize import normalize
from .reference import REFERENCE_FILE, ReferenceModel
from .stack import STACK_FILE, Stack
from .windows import SCALES, Scale, fits_one_window

# The detectors, each loaded on first use (their libraries take a while to import, and a
# process that only classifies never needs them): `pii` (personal data in three modes),
# `profanity` (profanity matches in three modes, word lists, censoring), `spelling` (a corrected
# copy), `sentiment` (VADER), `language` (py3langid), `spans` (toxic spans and sub-labels),
# `nudity` (nudity scores from NudeNet's detector output).
_DETECTORS = ("language", "nudity", "pii", "profanity", "sentiment", "spans", "spelling")

__all__ = ["language", "nudity", "pii", "profanity", "sentiment", "spans", "spelling",
    "ENCODER_FILE", "ENCODER_MAX_CHARS", "ENCODER_TOKENIZER_FILE", "Encoder",
    "ENGINE_FILE", "LEXICON_FILE", "LEX_PREFIX", "LINEAR_FILE", "MANIFEST", "REFERENCE_FILE",
    "SHIPPED_MODELS", "STACK_FILE", "Engine", "Entry", "Featurizer", "Lexicon", "LinearModel",
    "Match", "MicroBatcher", "ModelIntegrityError", "ReferenceModel", "Stack", "grams",
    "is_word_feature", "load_engine", "model_files", "normalize", "sha256", "write_manifest",
    # the window scales a long text is scored at
    "SCALES", "Scale", "fits_one_window",
]


def __getattr__(name: str) -> Any:
    if name in _DETECTORS:
        return import_module(f".{name}", __name__)
    raise AttributeError(name)
