"""The analysis: one call every API dialect and the admin UI make, over the engine and each
project's policy, telling listeners (webhooks, statistics) of every outcome."""

from ..thresholds import PAIR_KEYS, REVIEW_SHARE
from .analyzer import Analyzer, Classifier
from .events import Classification, Listener
from .filters import MAX_LANGUAGES as FILTER_LANGUAGES
from .filters import MAX_MASK as FILTER_MASK_LENGTH
from .filters import MAX_WORD as FILTER_WORD_LENGTH
from .filters import MAX_WORDS as FILTER_WORDS
from .filters import PII_TYPES, FilterError, default_filter, parse_filter
from .filters import TYPES as FILTER_TYPES
from .offload import DetectorsFailed, Offload
from .options import AVAILABLE, DETECTORS, LABELS_ONLY, LANGUAGE_ONLY, MODED, MODES, Options
from .policy import Policies, Policy, ThresholdError
from .policy import as_pairs as threshold_pairs
from .sentences import MAX_SPANS as SENTENCE_RUNS
from .sentences import grouped as group_sentences
from .sentences import split as split_sentences

__all__ = ["AVAILABLE", "DETECTORS", "FILTER_LANGUAGES", "FILTER_MASK_LENGTH", "FILTER_TYPES",
           "FILTER_WORDS", "FILTER_WORD_LENGTH", "LABELS_ONLY", "LANGUAGE_ONLY", "MODED",
           "MODES", "PAIR_KEYS", "PII_TYPES", "REVIEW_SHARE", "SENTENCE_RUNS", "Analyzer",
           "Classification", "Classifier", "Detection", "DetectorsFailed", "FilterError",
           "Listener", "Offload", "Options", "Policies", "Policy", "ThresholdError",
           "default_filter", "group_sentences", "parse_filter", "split_sentences",
           "threshold_pairs"]


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    # Detection imports every detector: loaded only when asked for, so a server that only
    # classifies never pays for them.
    if name == "Detection":
        from .detection import Detection

        return Detection
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
