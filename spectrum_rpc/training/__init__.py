"""Fitting: the shipped models' recipe, stacking and calibration, corpora, evaluation, and
retraining from feedback with a guarded promotion.

`retrain` pulls in scikit-learn (a second or two to import); it is loaded on first use so
that the server and the CLI's other commands start without it.
"""

from importlib import import_module
from typing import Any

from .guards import RetrainRefused
from .retrain_schedule import RetrainSchedule

# Loaded on first use (scikit-learn and SciPy behind most of them): name -> its module.
_LAZY = {
    **dict.fromkeys(("retrain", "RetrainResult"), "pipeline"),
    **dict.fromkeys(("SEED", "YOUTUBE_TEST", "YOUTUBE_TRAIN", "Corpus", "Sample", "data_dir",
                     "enron", "load_corpus", "moderation", "moderation_rows", "olid",
                     "youtube"), "corpus"),
    **dict.fromkeys(("PLANS", "build_vocabulary", "featurize", "fit_linear", "idf_of",
                     "lure_samples", "matrix", "out_of_fold", "read_surge_lexicon", "targets",
                     "template_samples", "train", "write_models", "written_samples"), "recipe"),
    **dict.fromkeys(("Report", "best_f1", "expected_calibration_error", "paired_auc", "report"),
                   "metrics"),
    **dict.fromkeys(("Calibration", "EVIDENCE_PRIOR", "LONG_LABELS", "calibrate",
                     "choose_threshold", "f1_curve", "pool", "realistic", "recalibrate",
                     "served_threshold", "served_thresholds"),
                    "calibration"),
    **dict.fromkeys(("base_figures", "ordinary_texts"), "evaluation"),
    **dict.fromkeys(("fit_candidate", "read_model", "write_candidate"), "fit"),
    "load_base": "dataset",
}

# `label_thresholds`: the default reject thresholds of the labels outside classifyText's three.
# `functional`: the functional test table (templated cases with expected decisions).
# `names`: the person-name tagger's training (scripts/train_names.py, scripts/evaluate_names.py).
# `spans`: the toxic-span model's training (scripts/train_spans.py, scripts/evaluate_spans.py).
# `encoder`: where the encoder tier is asked, how its score is stacked (train_encoder.py).
# `contrast`: contrastive toxicity sentences (train_encoder.py --recipe mix2; recipe, off).
# `solicitation`: sexual solicitation sentences for the sexual label (recipe.train adds them).
__all__ = ["RetrainRefused", "RetrainSchedule", "contrast", "encoder", "functional",
           "label_thresholds", "names", "solicitation", "spans", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(import_module(f".{module}", __name__), name)
