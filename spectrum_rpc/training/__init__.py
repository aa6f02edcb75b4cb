"""Learning from feedback: data, candidate fit, evaluation gate, model versions, hot swap.

`retrain` pulls in scikit-learn (a second or two to import); it is loaded on first use so
that the server and the CLI's other commands start without it.
"""

from typing import Any

from .guards import KeyRateLimiter, RetrainRefused
from .registry import ModelNotFound, ModelRegistry, model_root, shipped_dir

__all__ = ["KeyRateLimiter", "ModelNotFound", "ModelRegistry", "RetrainRefused", "RetrainResult",
           "model_root", "retrain", "shipped_dir"]


def __getattr__(name: str) -> Any:
    if name in ("retrain", "RetrainResult"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
