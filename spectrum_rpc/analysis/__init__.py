"""The analysis: one call every API dialect and the admin UI make, over the engine and each
project's policy, telling listeners (webhooks, statistics) of every outcome."""

from .analyzer import Analyzer, Classifier
from .events import Classification, Listener
from .policy import Policies, Policy

__all__ = ["Analyzer", "Classification", "Classifier", "Listener", "Policies", "Policy"]
