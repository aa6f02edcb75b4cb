"""Learning from feedback: data, candidate fit, evaluation gate, model versions, hot swap."""

from .guards import KeyRateLimiter, RetrainRefused
from .registry import ModelNotFound, ModelRegistry, model_root, shipped_dir
from .retrain import RetrainResult, retrain

__all__ = ["KeyRateLimiter", "ModelNotFound", "ModelRegistry", "RetrainRefused", "RetrainResult",
           "model_root", "retrain", "shipped_dir"]
