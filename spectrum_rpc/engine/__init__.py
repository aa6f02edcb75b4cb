"""Classification engine: normalisation, lexicon, linear models, calibration, micro-batching."""

from .batcher import MicroBatcher
from .engine import Engine, load_engine
from .lexicon import Lexicon, Match
from .manifest import ModelIntegrityError

__all__ = ["Engine", "Lexicon", "Match", "MicroBatcher", "ModelIntegrityError", "load_engine"]
