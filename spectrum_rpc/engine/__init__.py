"""The engine: serving only. Normalisation, lexicon, features, the models' scoring, windows,
the micro-batcher and its worker processes; numpy, never scikit-learn.

Besides serving, this interface names the model files' formats (`LinearModel`, `Stack`,
`ReferenceModel`, `Lexicon`, the file names and the manifest), which `training` writes.
"""

from .batcher import MicroBatcher
from .engine import ENGINE_FILE, LEXICON_FILE, SHIPPED_MODELS, Engine, load_engine, model_files
from .features import LEX_PREFIX, Featurizer, grams, is_word_feature
from .lexicon import Entry, Lexicon, Match
from .linear import LINEAR_FILE, LinearModel
from .manifest import MANIFEST, ModelIntegrityError, sha256, write_manifest
from .normalize import normalize
from .reference import REFERENCE_FILE, ReferenceModel
from .stack import STACK_FILE, Stack

__all__ = [
    "ENGINE_FILE", "LEXICON_FILE", "LEX_PREFIX", "LINEAR_FILE", "MANIFEST", "REFERENCE_FILE",
    "SHIPPED_MODELS", "STACK_FILE", "Engine", "Entry", "Featurizer", "Lexicon", "LinearModel",
    "Match", "MicroBatcher", "ModelIntegrityError", "ReferenceModel", "Stack", "grams",
    "is_word_feature", "load_engine", "model_files", "normalize", "sha256", "write_manifest",
]
