"""The analysis: one call every API dialect and the admin UI make, over the engine and each
project's policy, telling listeners (webhooks, statistics) of every outcome."""

from .analyzer import Analyzer, Classifier
from .events import Classification, Listener
from .options import AVAILABLE, DETECTORS, MODED, MODES, Options
from .policy import Policies, Policy

__all__ = ["AVAILABLE", "DETECTORS", "MODED", "MODES", "Analyzer", "Classification",
           "Classifier", "Listener", "Options", "Policies", "Policy"]
